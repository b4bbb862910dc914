// Overall model fit (src/calibration_model_fit.cpp): M2 against an independent computation over every response
// pattern, its null distribution over replications, and its power against a misspecified model.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>

#include "calibration_support.hpp"
#include "irtcat/calibration.hpp"

namespace {

using namespace irtcat;
using irtcat::testing::numbered;
using irtcat::testing::simulate_table;

std::vector<Item> two_pl(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.8, 2.0), b(-1.5, 1.5);
  std::vector<Item> items;
  for (int j = 0; j < n; ++j) items.push_back(Item::dichotomous(ItemId(numbered("i", j)), Model::two_pl, a(rng), b(rng)));
  return items;
}

// The model's univariate and bivariate margins of dichotomous items, from the probability of every response pattern
// (enumerated, integrated on mirt's 61 nodes), and their covariance Ξ over the patterns.
struct Margins {
  Eigen::VectorXd pi;
  Eigen::MatrixXd xi;
};
Margins enumerated_margins(const std::vector<Item>& items) {
  const int n = static_cast<int>(items.size());
  const int s = n + n * (n - 1) / 2;
  std::vector<double> nodes, weights;
  double total = 0.0;
  for (int q = 0; q < 61; ++q) {
    nodes.push_back(-6.0 + 12.0 * q / 60.0);
    weights.push_back(std::exp(-0.5 * nodes.back() * nodes.back()));
    total += weights.back();
  }
  Eigen::VectorXd second = Eigen::VectorXd::Zero(s);
  Margins m{Eigen::VectorXd::Zero(s), Eigen::MatrixXd::Zero(s, s)};
  for (int pattern = 0; pattern < (1 << n); ++pattern) {
    double probability_of_pattern = 0.0;
    for (int q = 0; q < 61; ++q) {
      double product = weights[static_cast<std::size_t>(q)] / total;
      for (int i = 0; i < n; ++i) {
        const double p = probability(items[static_cast<std::size_t>(i)], 1, nodes[static_cast<std::size_t>(q)]);
        product *= (pattern >> i & 1) ? p : 1.0 - p;
      }
      probability_of_pattern += product;
    }
    Eigen::VectorXd y(s);
    int at = 0;
    for (int i = 0; i < n; ++i) y[at++] = pattern >> i & 1;
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) y[at++] = (pattern >> i & 1) * (pattern >> j & 1);
    }
    m.pi += probability_of_pattern * y;
    m.xi += probability_of_pattern * y * y.transpose();
  }
  m.xi -= m.pi * m.pi.transpose();
  return m;
}

// M2 = N eᵀ Δc (Δcᵀ Ξ Δc)⁻¹ Δcᵀ e with Δc an orthogonal complement of Δ (Maydeu-Olivares & Joe 2006, eq. 8), Δ by
// central differences in (a, b): the same column space as any other parameterization's.
double enumerated_m2(const std::vector<Item>& items, const ResponseTable& table) {
  const int n = static_cast<int>(items.size());
  const Margins at = enumerated_margins(items);
  const Eigen::Index s = at.pi.size();
  Eigen::MatrixXd delta(s, 2 * n);
  for (int i = 0; i < n; ++i) {
    for (int which = 0; which < 2; ++which) {
      auto moved = [&](double h) {
        std::vector<Item> copy = items;
        const Item& it = items[static_cast<std::size_t>(i)];
        copy[static_cast<std::size_t>(i)] =
            Item::dichotomous(it.id(), Model::two_pl, it.a() + (which == 0 ? h : 0.0), it.b() + (which == 1 ? h : 0.0));
        return enumerated_margins(copy).pi;
      };
      delta.col(2 * i + which) = (moved(1e-6) - moved(-1e-6)) / 2e-6;
    }
  }
  Eigen::VectorXd observed = Eigen::VectorXd::Zero(s);
  const Eigen::Index persons = table.responses.rows();
  for (Eigen::Index p = 0; p < persons; ++p) {
    int at_moment = 0;
    for (int i = 0; i < n; ++i) observed[at_moment++] += table.responses(p, i);
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) observed[at_moment++] += table.responses(p, i) * table.responses(p, j);
    }
  }
  observed /= static_cast<double>(persons);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(delta);
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(s, s);
  const Eigen::MatrixXd complement = q.rightCols(s - 2 * n);
  const Eigen::VectorXd e = complement.transpose() * (observed - at.pi);
  return static_cast<double>(persons) * e.dot((complement.transpose() * at.xi * complement).ldlt().solve(e));
}

CalibrationOptions with_model_fit() {
  CalibrationOptions options;
  options.standard_errors = false;
  options.fit_statistics = false;
  options.model_fit = true;
  return options;
}

}  // namespace

TEST_CASE("calibration: M2 equals an independent computation over every response pattern") {
  // Six 2PL items: 64 patterns, 21 moments, 12 parameters, 9 degrees of freedom. The two computations share only the
  // reported items; 1e−6 relative covers the central differences of Δ (both) and nothing else.
  const std::vector<Item> truth = two_pl(6, 31);
  const ResponseTable table = simulate_table(truth, 1500, 32);
  const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl}, with_model_fit());
  REQUIRE(result.model_fit);
  const ModelFit& fit = *result.model_fit;
  CHECK(fit.statistic == "M2");
  CHECK(fit.df == 9);
  CHECK(fit.parameters == 12);
  CHECK(fit.persons == 1500);
  std::vector<Item> estimated;
  for (const CalibratedItem& item : result.items) estimated.push_back(*item.item);
  CHECK(fit.m2 == doctest::Approx(enumerated_m2(estimated, table)).epsilon(1e-6));
  CHECK(fit.rmsea == doctest::Approx(std::sqrt(std::max(fit.m2 - fit.df, 0.0) / (1500.0 * fit.df))));
  CHECK(fit.p > 0.0);
  CHECK(fit.p < 1.0);
  // AIC and BIC from the log-likelihood and the 12 parameters.
  CHECK(result.parameters == 12);
  CHECK(result.aic == doctest::Approx(-2.0 * result.log_likelihood + 24.0));
  CHECK(result.bic == doctest::Approx(-2.0 * result.log_likelihood + 12.0 * std::log(1500.0)));
}

TEST_CASE("calibration: M2 of a correctly specified model follows its chi-square, a misspecified one is rejected") {
  SUBCASE("2PL data, 2PL model: the mean of 40 replications is df within 3 standard errors") {
    // E[M2] = df and Var[M2] = 2·df under the model: the mean of R replications has SE √(2·df / R).
    const std::vector<Item> truth = two_pl(10, 41);
    double sum = 0.0;
    int df = 0;
    const int replications = 40;
    for (int r = 0; r < replications; ++r) {
      const CalibrationResult result =
          calibrate(simulate_table(truth, 1000, 500 + static_cast<std::uint64_t>(r)), {CalibrationModel::two_pl},
                    with_model_fit());
      REQUIRE(result.model_fit);
      sum += result.model_fit->m2;
      df = result.model_fit->df;
    }
    CHECK(df == 35);
    CHECK(std::abs(sum / replications - df) < 3.0 * std::sqrt(2.0 * df / replications));
  }
  SUBCASE("GRM data, GRM model: M2* on the means and cross products, mean within 3 standard errors of df") {
    std::mt19937_64 rng(43);
    std::uniform_real_distribution<double> a(0.8, 2.0), b(-1.0, 1.0);
    std::vector<Item> truth;
    for (int j = 0; j < 10; ++j) {
      const double bj = b(rng);
      truth.push_back(Item::polytomous(ItemId(numbered("g", j)), Model::grm, a(rng), {bj - 1.0, bj + 0.8}));
    }
    double sum = 0.0;
    int df = 0;
    const int replications = 30;
    for (int r = 0; r < replications; ++r) {
      const CalibrationResult result = calibrate(simulate_table(truth, 1000, 700 + static_cast<std::uint64_t>(r)),
                                                 {CalibrationModel::grm}, with_model_fit());
      REQUIRE(result.model_fit);
      CHECK(result.model_fit->statistic == "M2*");
      sum += result.model_fit->m2;
      df = result.model_fit->df;
    }
    CHECK(df == 55 - 30);
    CHECK(std::abs(sum / replications - df) < 3.0 * std::sqrt(2.0 * df / replications));
  }
  SUBCASE("3PL data (c = 0.25), 2PL model: rejected at p < 0.001") {
    // Steep items guessed at 0.25 over a range of difficulties: the 2PL cannot lift its lower tail, and the
    // bivariate margins show it. With 5,000 persons the misfit (M2 about 2·df here) is far beyond M2's sampling
    // spread (SD √(2·df) ≈ 18).
    std::mt19937_64 rng(45);
    std::uniform_real_distribution<double> a(1.5, 2.5), b(-1.0, 2.0);
    std::vector<Item> truth;
    for (int j = 0; j < 20; ++j) {
      const double difficulty = b(rng);  // drawn before the slope, never in one call's arguments (test_support.hpp)
      const double slope = a(rng);
      truth.push_back(Item::dichotomous(ItemId(numbered("i", j)), Model::three_pl, slope, difficulty, 0.25));
    }
    const CalibrationResult result =
        calibrate(simulate_table(truth, 5000, 46), {CalibrationModel::two_pl}, with_model_fit());
    REQUIRE(result.model_fit);
    CHECK(result.model_fit->p < 1e-3);
    CHECK(result.model_fit->rmsea > 0.01);  // a correctly specified model's is about 0.005 (previous subcases)
  }
}

TEST_CASE("calibration: M2 is left out, with the reason, where it is not defined") {
  SUBCASE("no person answered every item") {
    const CalibrationResult result =
        calibrate(simulate_table(two_pl(8, 51), 800, 52, 0.0, 1.0, 0.3), {CalibrationModel::two_pl}, with_model_fit());
    CHECK_FALSE(result.model_fit);
    CHECK(result.model_fit_message.find("every item") != std::string::npos);
  }
  SUBCASE("more parameters than moments") {
    const CalibrationResult result =
        calibrate(simulate_table(two_pl(3, 53), 500, 54), {CalibrationModel::three_pl}, with_model_fit());
    CHECK_FALSE(result.model_fit);
    CHECK(result.model_fit_message.find("degrees of freedom") != std::string::npos);
  }
}
