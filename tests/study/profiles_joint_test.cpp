#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "irtcat/error.hpp"
#include "irtcat/profiles.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/simulation.hpp"
#include "test_support.hpp"

using namespace irtcat;
using irtcat::testing::normal_cdf;
using irtcat::testing::shipped_roles;

namespace {

// A machine learning engineer's profile (ML, coding and SE accomplished, the rest developing), as in
// profiles_test.cpp, with posterior SD `sd` in every domain and correlation `rho` between domains.
JointEstimate engineer_estimate(double sd, double rho) {
  Eigen::VectorXd theta(6);
  theta << 0.3, 1.6, 0.3, 0.3, 1.6, 1.6;
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Constant(6, 6, rho * sd * sd);
  covariance.diagonal().setConstant(sd * sd);
  return {theta, covariance, 5, EstimateStatus::converged};
}

}  // namespace

TEST_CASE("profiles joint: with independent domains role fit multiplies, as the per-domain role fit does") {
  const RoleCatalog catalog = shipped_roles();
  const JointEstimate estimate = engineer_estimate(0.3, 0.0);
  const std::vector<RoleFit> joint = role_fit(catalog, estimate);

  // The same posteriors as grids: N(θ̂_d, 0.3²) priors with no responses, on a grid fine enough that P(θ >= cut)
  // agrees with 1 − Φ to far better than the gaps between the roles' probabilities.
  std::vector<GridPosterior> grids;
  for (Eigen::Index d = 0; d < 6; ++d) {
    grids.emplace_back(QuadratureGrid{-6.0, 6.0, 24001}, NormalPrior{estimate.theta(d), 0.3});
  }
  std::vector<const GridPosterior*> each;
  for (const GridPosterior& grid : grids) each.push_back(&grid);
  const std::vector<RoleFit> separate = role_fit(catalog, each);

  REQUIRE(joint.size() == catalog.roles.size());
  REQUIRE(separate.size() == joint.size());
  for (std::size_t i = 0; i < joint.size(); ++i) {
    CAPTURE(i);
    CHECK(joint[i].role == separate[i].role);
    CHECK(joint[i].short_domains == separate[i].short_domains);
    double product = 1.0;
    for (std::size_t d = 0; d < 6; ++d) {
      const RoleProfile& role = catalog.roles[joint[i].role];
      const double cut = catalog.levels[static_cast<std::size_t>(role.required_level[d])].min_theta;
      const double theta = estimate.theta(static_cast<Eigen::Index>(d));
      const double marginal = std::isinf(cut) ? 1.0 : 1.0 - normal_cdf((cut - theta) / 0.3);
      CHECK(joint[i].domain_probability[d] == doctest::Approx(marginal).epsilon(1e-13));
      CHECK(std::abs(joint[i].domain_probability[d] - separate[i].domain_probability[d]) < 1e-7);
      product *= marginal;
    }
    CHECK(joint[i].probability == doctest::Approx(product).epsilon(1e-12));
  }
  // The engineer meets the machine learning engineer's levels, the most demanding role they meet.
  CHECK(catalog.roles[joint.front().role].name == "machine_learning_engineer");
}

TEST_CASE("profiles joint: positively correlated domains make meeting every level likelier than the product") {
  // Slepian's inequality: for positively correlated normals the upper orthant is at least the product of its
  // marginals; the engineer is near the cut in three domains, where the difference is clear.
  const RoleCatalog catalog = shipped_roles();
  const std::vector<RoleFit> independent = role_fit(catalog, engineer_estimate(0.5, 0.0));
  const std::vector<RoleFit> correlated = role_fit(catalog, engineer_estimate(0.5, 0.6));
  for (const RoleFit& fit : correlated) {
    CAPTURE(catalog.roles[fit.role].name);
    double product = 1.0;
    for (double p : fit.domain_probability) product *= p;
    CHECK(fit.probability >= product);
    for (const RoleFit& other : independent) {
      if (other.role == fit.role) CHECK(other.domain_probability == fit.domain_probability);
    }
    // Where the roles are neither nearly met nor nearly missed, the gap is far above the orthant's standard error.
    if (product > 0.01 && product < 0.99) CHECK(fit.probability > product + 1e-3);
  }
}

TEST_CASE("profiles joint: role fit from a joint estimate checks its size") {
  const RoleCatalog catalog = shipped_roles();
  JointEstimate estimate = engineer_estimate(0.3, 0.2);
  estimate.theta.conservativeResize(5);
  CHECK_THROWS_AS(role_fit(catalog, estimate), InvalidArgument);
  estimate = engineer_estimate(0.3, 0.2);
  estimate.covariance(0, 1) = 5.0;
  CHECK_THROWS_AS(role_fit(catalog, estimate), InvalidArgument);
}

TEST_CASE("profiles joint: the population prior is the mean and covariance of draw_role_candidates") {
  const RoleCatalog catalog = shipped_roles();
  const MultivariateNormalPrior prior = population_prior(catalog);
  CHECK_NOTHROW(prior.validate());

  // A multiple of the 7 roles, so that every role is drawn equally often, as population_prior assumes.
  constexpr int kDraws = 7 * 28'572;
  const std::vector<SimulatedCandidate> candidates = draw_role_candidates(catalog, kDraws, 20240611);
  Eigen::MatrixXd theta(6, kDraws);
  for (int c = 0; c < kDraws; ++c) theta.col(c) = candidates[static_cast<std::size_t>(c)].theta;
  const Eigen::VectorXd mean = theta.rowwise().mean();
  const Eigen::MatrixXd centred = theta.colwise() - mean;
  const Eigen::MatrixXd covariance = centred * centred.transpose() / (kDraws - 1.0);
  // Each sample moment's standard error as if the draws were independent (they are stratified by role, which
  // only makes the sample moments more precise): the SD of the averaged quantity over √n. 4 SEs bound each of the
  // 6 + 21 comparisons with a failure chance near 6e−5.
  for (Eigen::Index i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(std::abs(mean(i) - prior.mean(i)) < 4 * std::sqrt(covariance(i, i) / kDraws));
    for (Eigen::Index j = 0; j <= i; ++j) {
      CAPTURE(j);
      const Eigen::ArrayXd products = centred.row(i).array() * centred.row(j).array();
      const double se = std::sqrt((products - products.mean()).square().sum() / (kDraws - 1.0) / kDraws);
      CHECK(std::abs(covariance(i, j) - prior.covariance(i, j)) < 4 * se);
    }
  }
}

TEST_CASE("profiles joint: the population prior's preconditions") {
  RoleCatalog catalog = shipped_roles();
  RoleCatalog no_roles = catalog;
  no_roles.roles.clear();
  CHECK_THROWS_AS(population_prior(no_roles), InvalidArgument);
  RoleCatalog short_role = catalog;
  short_role.roles[2].typical_theta.pop_back();
  CHECK_THROWS_AS(population_prior(short_role), InvalidArgument);
  RoleCatalog bad_correlation = catalog;
  bad_correlation.correlation = Eigen::MatrixXd::Identity(5, 5);
  CHECK_THROWS_AS(population_prior(bad_correlation), InvalidArgument);
}
