// Agreement with catR's definitions on the fixture tests/data/catr_reference.csv, made by
// tests/data/make_catr_reference.py (an independent Python implementation of catR's formulas; see its header).
// 3PL, 4PL, GRM and GPCM banks of 5, 12 and 30 items, D = 1 and 1.702, random, all-lowest and all-highest
// patterns; ML, MAP, WLE and EAP with catR's defaults.
//
// Where the objective has one maximum on [−4, 4] (376 of 384 rows) the estimates must agree. Where it has
// several (some 3PL and 4PL patterns), catR's uniroot returns whichever root its bracketing reaches, while irtcat
// returns the highest maximum (docs/conventions.md): there irtcat's objective must be at least the reference's.

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "detail/csv.hpp"
#include "irtcat/ability.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

ItemBank bank_from(const std::string& text, double scaling) {
  std::vector<Item> items;
  int number = 0;
  for (const std::string& spec : split(text, ' ')) {
    const auto fields = split(spec, ':');
    const Model model = model_from_string(fields[0]);
    const double a = std::stod(fields[1]);
    const ItemId id(testing::numbered("i", ++number));
    if (is_dichotomous(model)) {
      items.push_back(Item::dichotomous(id, model, a, std::stod(fields[2]), std::stod(fields[3]), std::stod(fields[4])));
    } else {
      std::vector<double> thresholds;
      for (std::size_t k = 2; k < fields.size(); ++k) thresholds.push_back(std::stod(fields[k]));
      items.push_back(Item::polytomous(id, model, a, thresholds));
    }
  }
  return ItemBank(std::move(items), scaling);
}

}  // namespace

TEST_CASE("reference: ML, MAP, WLE and EAP agree with catR's definitions") {
  std::ifstream in(IRTCAT_TEST_DATA "/catr_reference.csv");
  REQUIRE(in);
  const auto rows = detail::read_csv(in, "catr_reference.csv");
  REQUIRE(rows.size() > 300);
  int compared = 0;
  int several_maxima = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& cells = rows[r].cells;
    const double scaling = std::stod(cells[2]);
    const ItemBank bank = bank_from(cells[3], scaling);
    std::vector<Response> pattern;
    for (const std::string& x : split(cells[4], ' ')) pattern.push_back({ItemIndex{pattern.size()}, std::stoi(x)});
    EstimationOptions options;
    options.estimator = estimator_from_string(cells[5]);
    const AbilityEstimate estimate = estimate_ability(bank, pattern, options);
    CAPTURE(cells[0]);
    CAPTURE(cells[1]);
    CAPTURE(cells[5]);
    const double reference = std::stod(cells[6]);
    if (cells[8] != "1") {
      const auto objective = [&](double theta) {
        const LikelihoodTerms terms = likelihood_terms(bank, pattern, theta);
        switch (options.estimator) {
          case Estimator::map: return terms.log_likelihood - 0.5 * theta * theta;
          case Estimator::wle: return terms.log_likelihood + 0.5 * std::log(terms.information);
          default: return terms.log_likelihood;
        }
      };
      CHECK(objective(estimate.theta) >= objective(reference) - 1e-12);
      ++several_maxima;
      continue;
    }
    // Both sides solve to 1e-12 or better; EAP and SE are sums of a few dozen terms. 1e-9 absolute leaves room
    // for the reference's products of probabilities, which lose a few digits on 30-item patterns.
    CHECK(estimate.theta == doctest::Approx(reference).epsilon(1e-9).scale(1));
    CHECK(estimate.se == doctest::Approx(std::stod(cells[7])).epsilon(1e-9));
    ++compared;
  }
  CHECK(compared + several_maxima == static_cast<int>(rows.size()) - 1);
  CHECK(several_maxima < 20);
}
