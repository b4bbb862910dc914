// The SIMD kernels (simd/kernels.hpp) give the same bits on every target this CPU runs (CI runs
// the unit tests once more on the lowest, IRTCAT_SIMD=scalar on x86-64), and the scalar model's values within
// rounding.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "detail/ascii.hpp"
#include "calibration_support.hpp"
#include "irtcat/calibration.hpp"
#include "irtcat/information_search.hpp"
#include "irtcat/item_bank.hpp"
#include "irtcat/session.hpp"
#include "simd/kernels.hpp"
#include "test_support.hpp"

using namespace irtcat;
namespace simd = irtcat::detail::simd;

namespace {

bool same_bits(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) {
  return x.size() == y.size() &&
         std::memcmp(x.data(), y.data(), sizeof(double) * static_cast<std::size_t>(x.size())) == 0;
}

detail::DichotomousColumns columns_of(const DichotomousArrays& d) {
  return {d.da.data(), d.dab.data(), d.c.data(), d.spread.data(), d.one_minus_d.data()};
}

// What each kernel gives on the current target, over inputs that reach the clamps and the underflow.
struct Results {
  std::vector<Eigen::ArrayXd> information;
  std::vector<std::ptrdiff_t> best;
  Eigen::ArrayXd weights;
};

Results run_kernels(const ItemBank& bank, const MaxInformationSearch& search) {
  Results out;
  const DichotomousArrays& d = bank.dichotomous();
  const detail::DichotomousColumns columns = columns_of(d);
  std::vector<char> eligible(bank.size(), 1);
  for (std::size_t i = 0; i < eligible.size(); i += 3) eligible[i] = 0;
  for (const double theta : {-800.0, -30.0, -3.1, -0.4, 0.0, 0.9, 2.2, 40.0, 800.0}) {
    Eigen::ArrayXd information(d.da.size());
    simd::information(columns, d.da.size(), theta, information.data());
    out.information.push_back(information);
    out.best.push_back(search.best(theta, eligible));
  }
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> log_weight(-900.0, 0.0);
  Eigen::ArrayXd a(101), b(101);
  for (Eigen::Index q = 0; q < a.size(); ++q) {
    a(q) = log_weight(rng);
    b(q) = q % 17 == 0 ? -std::numeric_limits<double>::infinity() : log_weight(rng) / 10.0;
  }
  out.weights.resize(a.size());
  simd::exp_shifted(a.data(), b.data(), (a + b).maxCoeff(), out.weights.data(), a.size());
  return out;
}

}  // namespace

TEST_CASE("simd: every target this CPU runs gives the kernels' results to the last bit") {
  const ItemBank bank = testing::spread_bank(Model::four_pl, 203, 9);  // 25 whole blocks of 8 and a tail of 3
  const MaxInformationSearch search(bank);
  const std::vector<std::int64_t> targets = simd::available_targets();
  REQUIRE_FALSE(targets.empty());
  simd::use_target(targets.back());  // the lowest: scalar, or the build's own baseline
  const std::string lowest = simd::target_name();
  const Results reference = run_kernels(bank, search);
  for (const std::int64_t target : targets) {
    simd::use_target(target);
    CAPTURE(simd::target_name());
    const Results results = run_kernels(bank, search);
    for (std::size_t t = 0; t < reference.information.size(); ++t) {
      CHECK(same_bits(results.information[t], reference.information[t]));
      CHECK(results.best[t] == reference.best[t]);
    }
    CHECK(same_bits(results.weights, reference.weights));
  }
  simd::use_target(0);
  MESSAGE("targets from " << lowest << " to " << simd::target_name());
}

TEST_CASE("simd: the grid-integrated rules score every item to the same bits on every target") {
  // KL, KLP, MEPV and MEI read simd::probabilities, KL and KLP simd::kullback_leibler, MEPV simd::posterior_variance,
  // MEI simd::posterior_means, MLWI and MPWI simd::weighted_information; the screened best items also go through
  // simd::low_rank_sums. 203 items: whole blocks and a partial one.
  auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::three_pl, 203, 4));
  const std::vector<SelectionRule> rules = {SelectionRule::kl,   SelectionRule::klp,  SelectionRule::mepv,
                                            SelectionRule::mei,  SelectionRule::mlwi, SelectionRule::mpwi};
  std::vector<char> eligible(bank->size(), 1);
  for (std::size_t i = 0; i < eligible.size(); i += 5) eligible[i] = 0;
  const auto run = [&] {
    std::vector<Eigen::ArrayXd> scores;
    std::vector<std::vector<std::size_t>> best;
    for (const SelectionRule rule : rules) {
      SessionConfig config;
      config.selection.rule = rule;
      const TestDesign design(bank, config);
      GridPosterior posterior = design.prior_posterior();
      std::vector<Response> responses;
      for (std::size_t i = 0; i < 6; ++i) {
        responses.push_back({ItemIndex{i * 31}, static_cast<int>(i % 2)});
        design.add_response(posterior, responses.back().item, responses.back().category);
      }
      SelectionState state;
      state.theta = 0.37;
      state.posterior = &posterior;
      state.responses = responses;
      state.estimation = &design.config().estimation;
      scores.push_back(design.item_scores(state, eligible));
      best.push_back(design.best_items(state, eligible, 5));
    }
    return std::make_pair(scores, best);
  };
  const std::vector<std::int64_t> targets = simd::available_targets();
  simd::use_target(targets.back());
  const auto reference = run();
  for (const std::int64_t target : targets) {
    simd::use_target(target);
    CAPTURE(simd::target_name());
    const auto results = run();
    for (std::size_t r = 0; r < rules.size(); ++r) {
      CAPTURE(to_string(rules[r]));
      CHECK(same_bits(results.first[r], reference.first[r]));
      CHECK(results.second[r] == reference.second[r]);
    }
  }
  simd::use_target(0);
}

TEST_CASE("simd: a calibration gives the same estimates to the last bit on every target") {
  // The E-step's passes over the nodes (simd::add_table_rows, exp_shifted, add_to_rows) on 500 persons × 12 items.
  const ItemBank truth = testing::spread_bank(Model::two_pl, 12, 3);
  const ResponseTable table = testing::simulate_table(truth.items(), 500, 3);
  const auto run = [&] {
    const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl});
    std::vector<double> estimates{result.log_likelihood};
    for (const CalibratedItem& item : result.items) {
      estimates.insert(estimates.end(), item.slope_intercept.begin(), item.slope_intercept.end());
    }
    return estimates;
  };
  const std::vector<std::int64_t> targets = simd::available_targets();
  simd::use_target(targets.back());
  const std::vector<double> reference = run();
  for (const std::int64_t target : targets) {
    simd::use_target(target);
    CAPTURE(simd::target_name());
    const std::vector<double> estimates = run();
    REQUIRE(estimates.size() == reference.size());
    CHECK(std::memcmp(estimates.data(), reference.data(), sizeof(double) * estimates.size()) == 0);
  }
  simd::use_target(0);
}

TEST_CASE("simd: the kernels agree with the scalar model code") {
  const ItemBank bank = testing::spread_bank(Model::three_pl, 77, 2);
  const DichotomousArrays& d = bank.dichotomous();
  const detail::DichotomousColumns columns = columns_of(d);
  for (const double theta : {-5.0, -1.0, 0.3, 2.0}) {
    Eigen::ArrayXd information(d.da.size());
    simd::information(columns, d.da.size(), theta, information.data());
    for (std::size_t i = 0; i < bank.size(); ++i) {
      // One exp and one division against the scalar code's sigmoid and logs: relative 1e-12.
      const double scalar = irtcat::information(bank.items()[i], theta, 1.0);
      CHECK(std::abs(information(static_cast<Eigen::Index>(i)) - scalar) <= 1e-12 * scalar);
    }
  }
  const Eigen::ArrayXd a = Eigen::ArrayXd::LinSpaced(50, -750.0, 0.0);
  const Eigen::ArrayXd b = Eigen::ArrayXd::Zero(50);
  Eigen::ArrayXd weights(50);
  simd::exp_shifted(a.data(), b.data(), 0.0, weights.data(), 50);
  for (Eigen::Index q = 0; q < 50; ++q) {
    CAPTURE(a(q));
    CHECK(testing::ulps(weights(q), a(q) < detail::kExpUnderflow ? 0.0 : std::exp(a(q))) <= 1);
  }
}

TEST_CASE("simd: each target has its own name, and 0 goes back to the target the run began with") {
  const std::string initial = simd::target_name();
  const std::vector<std::int64_t> targets = simd::available_targets();
  std::vector<std::string> names;
  for (const std::int64_t target : targets) {
    simd::use_target(target);
    names.push_back(detail::ascii_lower(simd::target_name()));
    CHECK_FALSE(names.back().empty());
    for (std::size_t k = 0; k + 1 < names.size(); ++k) CHECK(names[k] != names.back());
  }
  simd::use_target(0);
  CHECK(simd::target_name() == initial);
}
