// Standard errors by Louis' identity (src/calibration_information.cpp): equal to central differences of the
// analytic marginal score on every model and on the parts that are not items' (common 1PL slope, latent mean and
// variance, parameter priors, sparse data), and calibrated: over replications the standardized errors have SD 1.
//
// Tolerances: both methods compute the same observed information; central differences with a step of 1e−4 carry a
// relative truncation error of order 1e−8, so 1e−5 relative (far inside the 1 %) separates a right Louis
// term from any wrong one (a missing covariance block changes SEs by percents).

#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "calibration_support.hpp"
#include "irtcat/calibration.hpp"

namespace {

using namespace irtcat;
using irtcat::testing::numbered;
using irtcat::testing::simulate_table;

std::vector<Item> items_of(Model model, int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.8, 2.0), b(-1.5, 1.5), c(0.1, 0.25);
  std::vector<Item> items;
  for (int j = 0; j < n; ++j) {
    const ItemId id(numbered("i", j));
    const double aj = a(rng), bj = b(rng);
    switch (model) {
      case Model::three_pl: items.push_back(Item::dichotomous(id, model, aj, bj, c(rng))); break;
      case Model::grm: items.push_back(Item::polytomous(id, model, aj, {bj - 1.0, bj, bj + 1.0})); break;
      case Model::gpcm: items.push_back(Item::polytomous(id, model, aj, {bj - 0.8, bj + 0.3, bj + 0.7})); break;
      case Model::one_pl: items.push_back(Item::dichotomous(id, model, 1.0, bj)); break;
      default: items.push_back(Item::dichotomous(id, model, aj, bj)); break;
    }
  }
  return items;
}

// Every standard error of the two results, side by side.
void check_same_standard_errors(const CalibrationResult& louis, const CalibrationResult& differences) {
  REQUIRE(louis.items.size() == differences.items.size());
  int compared = 0;
  for (std::size_t j = 0; j < louis.items.size(); ++j) {
    CAPTURE(j);
    REQUIRE(louis.items[j].status == differences.items[j].status);
    if (louis.items[j].status == ItemCalibrationStatus::fixed) continue;
    REQUIRE(louis.items[j].se);
    REQUIRE(differences.items[j].se);
    const ItemStandardErrors& x = *louis.items[j].se;
    const ItemStandardErrors& y = *differences.items[j].se;
    CHECK(x.a == doctest::Approx(y.a).epsilon(1e-5));
    CHECK(x.b == doctest::Approx(y.b).epsilon(1e-5));
    CHECK(x.c == doctest::Approx(y.c).epsilon(1e-5));
    CHECK(x.d == doctest::Approx(y.d).epsilon(1e-5));
    REQUIRE(x.thresholds.size() == y.thresholds.size());
    for (std::size_t k = 0; k < x.thresholds.size(); ++k) CHECK(x.thresholds[k] == doctest::Approx(y.thresholds[k]).epsilon(1e-5));
    compared += x.a > 0.0 || x.b > 0.0 || !x.thresholds.empty();
  }
  CHECK(compared > 0);
}

CalibrationResult with_method(const ResponseTable& table, CalibrationModel model, CalibrationOptions options,
                              StandardErrorMethod method, const ItemBank* fixed = nullptr) {
  options.standard_error_method = method;
  options.fit_statistics = false;
  CalibrationResult result = calibrate(table, {model}, options, fixed);
  REQUIRE(result.status == CalibrationStatus::converged);
  INFO(result.standard_error_message);
  REQUIRE(result.standard_error_message.empty());
  return result;
}

void check_methods_agree(const ResponseTable& table, CalibrationModel model, const CalibrationOptions& options = {},
                         const ItemBank* fixed = nullptr) {
  const CalibrationResult louis = with_method(table, model, options, StandardErrorMethod::louis, fixed);
  const CalibrationResult differences =
      with_method(table, model, options, StandardErrorMethod::central_differences, fixed);
  CHECK(louis.standard_error_method == describe(StandardErrorMethod::louis));
  CHECK(differences.standard_error_method == describe(StandardErrorMethod::central_differences));
  check_same_standard_errors(louis, differences);
}

}  // namespace

TEST_CASE("calibration: Louis standard errors equal central differences of the score") {
  SUBCASE("2PL") { check_methods_agree(simulate_table(items_of(Model::two_pl, 15, 1), 1500, 2), CalibrationModel::two_pl); }
  SUBCASE("3PL") {
    check_methods_agree(simulate_table(items_of(Model::three_pl, 15, 3), 2000, 4), CalibrationModel::three_pl);
  }
  SUBCASE("3PL with priors on a, b and c") {
    CalibrationOptions options;
    options.priors.slope = LognormalPrior{0.0, 0.5};
    options.priors.lower_asymptote = BetaPrior{5.0, 17.0};
    options.priors.difficulty = DifficultyPrior{0.0, 2.0};
    check_methods_agree(simulate_table(items_of(Model::three_pl, 12, 5), 800, 6), CalibrationModel::three_pl, options);
  }
  SUBCASE("GRM") { check_methods_agree(simulate_table(items_of(Model::grm, 12, 7), 1500, 8), CalibrationModel::grm); }
  SUBCASE("GPCM") { check_methods_agree(simulate_table(items_of(Model::gpcm, 12, 9), 1500, 10), CalibrationModel::gpcm); }
  SUBCASE("1PL: one common slope") {
    check_methods_agree(simulate_table(items_of(Model::one_pl, 12, 11), 1500, 12), CalibrationModel::one_pl);
  }
  SUBCASE("Rasch: the latent variance") {
    check_methods_agree(simulate_table(items_of(Model::one_pl, 12, 13), 1500, 14, 0.0, 1.3), CalibrationModel::rasch);
  }
  SUBCASE("sparse data (each person answers 40 % of the items)") {
    check_methods_agree(simulate_table(items_of(Model::two_pl, 30, 15), 3000, 16, 0.0, 1.0, 0.4),
                        CalibrationModel::two_pl);
  }
  SUBCASE("fixed items: the latent mean and variance") {
    const std::vector<Item> all = items_of(Model::two_pl, 20, 17);
    const ItemBank fixed(std::vector<Item>(all.begin(), all.begin() + 12));
    check_methods_agree(simulate_table(all, 2000, 18, 0.4, 1.2), CalibrationModel::two_pl, {}, &fixed);
  }
}

TEST_CASE("calibration: Louis standard errors are calibrated over 200 replications (SD of z within 0.1 of 1)") {
  // 8 2PL items, 600 persons, 200 fresh samples: the z-scores (estimate − truth)/SE of every a and b pooled
  // (3,200 values). Their SD is within sampling error ±0.03 of 1 when the SEs are right; an SE off by 10 % moves it
  // by 0.1.
  const std::vector<Item> truth = items_of(Model::two_pl, 8, 21);
  double sum = 0.0, sum2 = 0.0;
  int n = 0;
  CalibrationOptions options;
  options.fit_statistics = false;
  options.threads = 1;
  for (int replication = 0; replication < 200; ++replication) {
    const CalibrationResult result =
        calibrate(simulate_table(truth, 600, 1000 + static_cast<std::uint64_t>(replication)), {CalibrationModel::two_pl},
                  options);
    REQUIRE(result.status == CalibrationStatus::converged);
    for (std::size_t j = 0; j < truth.size(); ++j) {
      REQUIRE(result.items[j].se);
      const Item& est = *result.items[j].item;
      for (const double z : {(est.a() - truth[j].a()) / result.items[j].se->a,
                             (est.b() - truth[j].b()) / result.items[j].se->b}) {
        sum += z;
        sum2 += z * z;
        ++n;
      }
    }
  }
  const double mean = sum / n;
  const double sd = std::sqrt(sum2 / n - mean * mean);
  CHECK(sd == doctest::Approx(1.0).epsilon(0.1));
  CHECK(std::abs(mean) < 0.1);
}
