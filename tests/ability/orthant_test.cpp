#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <utility>
#include <vector>

#include "irtcat/error.hpp"
#include "irtcat/orthant.hpp"
#include "test_support.hpp"

using namespace irtcat;
using irtcat::testing::normal_cdf;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

Eigen::MatrixXd equicorrelated(Eigen::Index size, double rho) {
  Eigen::MatrixXd correlation = Eigen::MatrixXd::Constant(size, size, rho);
  correlation.diagonal().setOnes();
  return correlation;
}

// A six-domain posterior of the kind role fit sees: unequal SDs, positive and negative correlations.
MultivariateNormal six_domain_posterior() {
  Eigen::VectorXd mean(6);
  mean << 0.4, 1.1, -0.2, 0.7, 1.3, 0.1;
  Eigen::VectorXd sd(6);
  sd << 0.35, 0.5, 0.3, 0.6, 0.45, 0.4;
  Eigen::MatrixXd correlation(6, 6);
  correlation << 1.0, 0.5, 0.3, 0.2, 0.1, -0.1,  //
      0.5, 1.0, 0.6, 0.3, 0.2, 0.0,             //
      0.3, 0.6, 1.0, 0.4, 0.1, 0.1,             //
      0.2, 0.3, 0.4, 1.0, 0.3, 0.2,             //
      0.1, 0.2, 0.1, 0.3, 1.0, 0.5,             //
      -0.1, 0.0, 0.1, 0.2, 0.5, 1.0;
  return {std::move(mean), sd.asDiagonal() * correlation * sd.asDiagonal()};
}

Eigen::VectorXd six_domain_cuts() {
  Eigen::VectorXd cut(6);
  cut << 0.0, 1.0, -0.5, -kInfinity, 1.0, -0.5;
  return cut;
}

}  // namespace

TEST_CASE("orthant: one dimension is 1 - Phi, exactly") {
  const MultivariateNormal x{Eigen::VectorXd::Constant(1, 0.3), Eigen::MatrixXd::Constant(1, 1, 0.25)};
  for (double cut : {-2.0, 0.0, 0.3, 1.0, 4.0}) {
    CAPTURE(cut);
    const OrthantProbability p = orthant_probability(x, Eigen::VectorXd::Constant(1, cut));
    CHECK(p.probability == doctest::Approx(1.0 - normal_cdf((cut - 0.3) / 0.5)).epsilon(1e-14));
    CHECK(p.standard_error == 0.0);
  }
  SUBCASE("far tails keep their relative accuracy") {
    const OrthantProbability p = orthant_probability(x, Eigen::VectorXd::Constant(1, 0.3 + 0.5 * 30));
    CHECK(p.probability == doctest::Approx(normal_cdf(-30.0)).epsilon(1e-12));
    CHECK(p.probability > 0);
  }
}

TEST_CASE("orthant: cuts at -infinity drop their dimension, +infinity makes the orthant empty") {
  MultivariateNormal x{Eigen::VectorXd::Zero(3), equicorrelated(3, 0.5)};
  Eigen::VectorXd cut = Eigen::VectorXd::Constant(3, -kInfinity);
  CHECK(orthant_probability(x, cut).probability == 1.0);
  cut(1) = 0.4;
  CHECK(orthant_probability(x, cut).probability == doctest::Approx(1.0 - normal_cdf(0.4)).epsilon(1e-14));
  cut(2) = kInfinity;
  CHECK(orthant_probability(x, cut).probability == 0.0);
}

TEST_CASE("orthant: independent dimensions multiply") {
  const Eigen::Vector4d mean(0.2, -0.4, 1.0, 0.0);
  const Eigen::Vector4d sd(1.0, 0.5, 0.8, 2.0);
  const MultivariateNormal x{mean, Eigen::Matrix4d(sd.array().square().matrix().asDiagonal())};
  Eigen::VectorXd cut(4);
  cut << 0.0, -0.5, 1.5, 1.0;
  double product = 1.0;
  for (Eigen::Index d = 0; d < 4; ++d) product *= 1.0 - normal_cdf((cut(d) - mean(d)) / sd(d));
  const OrthantProbability p = orthant_probability(x, cut);
  // With no correlation every e_i but the first is a constant: the rule is exact up to rounding.
  CHECK(p.probability == doctest::Approx(product).epsilon(1e-13));
  CHECK(p.standard_error < 1e-15);
}

TEST_CASE("orthant: bivariate and trivariate orthants at 0 have closed forms") {
  // Sheppard (1899): P(X₁ ≥ 0, X₂ ≥ 0) = 1/4 + asin(ρ)/(2π). For three equicorrelated variables the sum of the
  // three pairwise angles gives 1/8 + 3·asin(ρ)/(4π). The separated integrand has a cusp where Φ⁻¹ of a small
  // argument enters, so the lattice rule's error falls only about as N^−1.5: 1e−6 needs the 262,139 points per shift
  // that OrthantOptions suggests (errors near 5e−8 then; the default 1,021 points leave a few 1e−6).
  const OrthantOptions fine{.points = 262'139};
  for (double rho : {-0.9, -0.5, 0.0, 0.3, 0.5, 0.95}) {
    CAPTURE(rho);
    const OrthantProbability p = orthant_probability({Eigen::VectorXd::Zero(2), equicorrelated(2, rho)},
                                                     Eigen::VectorXd::Zero(2), fine);
    CHECK(std::abs(p.probability - (0.25 + std::asin(rho) / (2 * std::numbers::pi))) < 1e-6);
  }
  const OrthantProbability p = orthant_probability({Eigen::VectorXd::Zero(3), equicorrelated(3, 0.5)},
                                                   Eigen::VectorXd::Zero(3), fine);
  CHECK(std::abs(p.probability - (0.125 + 3 * std::asin(0.5) / (4 * std::numbers::pi))) < 1e-6);
  // Scale and location do not matter: the same orthant of N(μ, s²R) at cut μ.
  Eigen::VectorXd mean(3);
  mean << 1.0, -2.0, 0.5;
  const Eigen::VectorXd sd = Eigen::Vector3d(0.3, 2.0, 1.1);
  const OrthantProbability scaled = orthant_probability(
      {mean, sd.asDiagonal() * equicorrelated(3, 0.5) * sd.asDiagonal()}, mean, fine);
  CHECK(std::abs(scaled.probability - (0.125 + 3 * std::asin(0.5) / (4 * std::numbers::pi))) < 1e-6);
}

TEST_CASE("orthant: six dimensions agree with 2,000,000 fixed-seed draws") {
  const MultivariateNormal x = six_domain_posterior();
  const Eigen::VectorXd cut = six_domain_cuts();
  const OrthantProbability p = orthant_probability(x, cut);

  const Eigen::MatrixXd lower = Eigen::LLT<Eigen::MatrixXd>(x.covariance).matrixL();
  std::mt19937_64 rng(20240611);
  std::normal_distribution<double> normal;
  constexpr int kDraws = 2'000'000;
  int inside = 0;
  Eigen::VectorXd z(6);
  for (int draw = 0; draw < kDraws; ++draw) {
    for (Eigen::Index d = 0; d < 6; ++d) z(d) = normal(rng);
    inside += ((x.mean + lower * z).array() >= cut.array()).all() ? 1 : 0;
  }
  const double frequency = static_cast<double>(inside) / kDraws;
  const double sampling_se = std::sqrt(frequency * (1 - frequency) / kDraws);
  CAPTURE(frequency);
  CAPTURE(p.probability);
  CHECK(std::abs(p.probability - frequency) < 4 * sampling_se);
  // The lattice rule is far more precise than the sampling it is checked against.
  CHECK(p.standard_error < sampling_se / 10);
}

TEST_CASE("orthant: the standard error is the spread of the estimate over seeds") {
  // Few points, so that the error is large enough to see: over 40 seeds the estimates scatter around the precise
  // value by about the standard error they report (the ratio of the two is near 1; 0.6 to 1.6 leaves room for the
  // 40 seeds' own sampling error of about 11%).
  const MultivariateNormal x = six_domain_posterior();
  const Eigen::VectorXd cut = six_domain_cuts();
  const double precise = orthant_probability(x, cut, {.points = 100'003, .shifts = 12}).probability;
  constexpr int kSeeds = 40;
  double squared_error = 0.0;
  double reported = 0.0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const OrthantProbability p = orthant_probability(x, cut, {.points = 101, .shifts = 8, .seed = 1000u + seed});
    squared_error += (p.probability - precise) * (p.probability - precise);
    reported += p.standard_error * p.standard_error;
  }
  const double ratio = std::sqrt(squared_error / reported);
  CAPTURE(ratio);
  CHECK(ratio > 0.6);
  CHECK(ratio < 1.6);
}

TEST_CASE("orthant: the same arguments give the same bits") {
  const MultivariateNormal x = six_domain_posterior();
  const OrthantProbability a = orthant_probability(x, six_domain_cuts());
  const OrthantProbability b = orthant_probability(x, six_domain_cuts());
  CHECK(a.probability == b.probability);
  CHECK(a.standard_error == b.standard_error);
  const OrthantProbability other = orthant_probability(x, six_domain_cuts(), {.seed = 7});
  CHECK(other.probability != a.probability);
}

TEST_CASE("orthant: preconditions") {
  const MultivariateNormal good{Eigen::VectorXd::Zero(2), equicorrelated(2, 0.5)};
  SUBCASE("the distribution") {
    CHECK_THROWS_AS(MultivariateNormal{}.validate(), InvalidArgument);
    CHECK_THROWS_AS((MultivariateNormal{Eigen::VectorXd::Zero(3), equicorrelated(2, 0.5)}.validate()), InvalidArgument);
    Eigen::MatrixXd asymmetric = equicorrelated(2, 0.5);
    asymmetric(0, 1) = 0.4;
    CHECK_THROWS_AS((MultivariateNormal{Eigen::VectorXd::Zero(2), asymmetric}.validate()), InvalidArgument);
    CHECK_THROWS_AS((MultivariateNormal{Eigen::VectorXd::Zero(2), equicorrelated(2, 1.2)}.validate()), InvalidArgument);
    Eigen::VectorXd nan_mean = Eigen::VectorXd::Zero(2);
    nan_mean(1) = std::nan("");
    CHECK_THROWS_AS((MultivariateNormal{nan_mean, equicorrelated(2, 0.5)}.validate()), InvalidArgument);
    CHECK_THROWS_AS(orthant_probability({Eigen::VectorXd::Zero(2), equicorrelated(2, -1.5)}, Eigen::VectorXd::Zero(2)),
                    InvalidArgument);
  }
  SUBCASE("the cuts and options") {
    CHECK_THROWS_AS(orthant_probability(good, Eigen::VectorXd::Zero(3)), InvalidArgument);
    CHECK_THROWS_AS(orthant_probability(good, Eigen::VectorXd::Constant(2, std::nan(""))), InvalidArgument);
    CHECK_THROWS_AS(orthant_probability(good, Eigen::VectorXd::Zero(2), {.points = 0}), InvalidArgument);
    CHECK_THROWS_AS(orthant_probability(good, Eigen::VectorXd::Zero(2), {.shifts = 1}), InvalidArgument);
  }
}
