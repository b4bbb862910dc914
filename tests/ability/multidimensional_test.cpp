#include <doctest/doctest.h>

#include <Eigen/LU>
#include <cmath>
#include <random>
#include <vector>

#include "irtcat/ability.hpp"
#include "irtcat/error.hpp"
#include "irtcat/multidimensional.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

// One bank per domain, of different models, and each domain's answers of a simulee at `theta` to its first
// `length` items (fixed seeds). The vectors own what the DomainResponses view.
struct Battery {
  std::vector<ItemBank> banks;
  std::vector<std::vector<Response>> answers;

  std::vector<DomainResponses> domains() const {
    std::vector<DomainResponses> out;
    for (std::size_t d = 0; d < banks.size(); ++d) out.push_back({&banks[d], answers[d]});
    return out;
  }
};

Battery battery(const std::vector<Model>& models, const std::vector<double>& theta, int length) {
  Battery out;
  std::mt19937_64 rng(515);
  for (std::size_t d = 0; d < models.size(); ++d) {
    out.banks.push_back(testing::spread_bank(models[d], length, 100 + d));
    out.answers.push_back(testing::simulate_pattern(out.banks.back(), theta[d], rng));
  }
  return out;
}

MultivariateNormalPrior independent_prior(const Eigen::VectorXd& mean, const Eigen::VectorXd& sd) {
  return {mean, sd.array().square().matrix().asDiagonal()};
}

MultivariateNormalPrior correlated_prior(Eigen::Index size, double rho) {
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Constant(size, size, rho);
  covariance.diagonal().setOnes();
  Eigen::VectorXd mean = Eigen::VectorXd::LinSpaced(size, -0.2, 0.3);
  return {mean, covariance};
}

// The posterior mean and covariance by brute force: the trapezoidal rule on an axis-aligned grid of `points` per
// dimension over θ̂_d ± 8 (θ̂ the joint MAP; 8 in θ, not in SDs, since a 3PL domain's posterior has the prior's
// tail below the data). Each domain's log-likelihood is computed once per
// grid value of its θ_d, and the prior term at every node.
struct Moments {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};

Moments brute_force_moments(const Battery& data, const MultivariateNormalPrior& prior, int points) {
  const JointEstimate map = joint_map(data.domains(), prior);
  const Eigen::Index size = prior.mean.size();
  std::vector<Eigen::ArrayXd> axis(static_cast<std::size_t>(size));
  std::vector<Eigen::ArrayXd> log_likelihood(static_cast<std::size_t>(size));
  for (Eigen::Index d = 0; d < size; ++d) {
    const auto k = static_cast<std::size_t>(d);
    axis[k] = Eigen::ArrayXd::LinSpaced(points, map.theta(d) - 8.0, map.theta(d) + 8.0);
    log_likelihood[k].resize(points);
    for (int q = 0; q < points; ++q) {
      log_likelihood[k](q) = likelihood_terms(data.banks[k], data.answers[k], axis[k](q)).log_likelihood;
    }
  }
  const Eigen::MatrixXd precision = prior.covariance.inverse();
  const double peak = joint_log_posterior(data.domains(), prior, map.theta).value;
  double total = 0.0;
  Eigen::VectorXd first = Eigen::VectorXd::Zero(size);
  Eigen::MatrixXd second = Eigen::MatrixXd::Zero(size, size);
  std::vector<int> index(static_cast<std::size_t>(size), 0);
  Eigen::VectorXd theta(size);
  for (bool more = true; more;) {
    double log_posterior = 0.0;
    double weight = 1.0;
    for (Eigen::Index d = 0; d < size; ++d) {
      const auto k = static_cast<std::size_t>(d);
      theta(d) = axis[k](index[k]);
      log_posterior += log_likelihood[k](index[k]);
      if (index[k] == 0 || index[k] == points - 1) weight *= 0.5;
    }
    const Eigen::VectorXd deviation = theta - prior.mean;
    log_posterior -= 0.5 * deviation.dot(precision * deviation);
    const double g = weight * std::exp(log_posterior - peak);
    const Eigen::VectorXd delta = theta - map.theta;
    total += g;
    first += g * delta;
    second += g * delta * delta.transpose();
    more = false;
    for (std::size_t k = 0; k < index.size() && !more; ++k) {
      more = ++index[k] < points;
      if (!more) index[k] = 0;
    }
  }
  const Eigen::VectorXd shift = first / total;
  return {map.theta + shift, second / total - shift * shift.transpose()};
}

}  // namespace

TEST_CASE("multidimensional: the analytic gradient and Hessian agree with central differences") {
  const Battery data = battery({Model::two_pl, Model::three_pl, Model::grm, Model::gpcm}, {0.5, -0.3, 1.0, 0.2}, 12);
  Eigen::MatrixXd covariance(4, 4);
  covariance << 1.0, 0.4, 0.3, 0.2,  //
      0.4, 0.8, 0.5, 0.1,             //
      0.3, 0.5, 1.2, 0.4,             //
      0.2, 0.1, 0.4, 0.9;
  const MultivariateNormalPrior prior{Eigen::Vector4d(0.1, -0.2, 0.3, 0.0), covariance};
  const Eigen::VectorXd theta = Eigen::Vector4d(0.7, -0.9, 1.4, 0.1);
  const JointLogPosterior at = joint_log_posterior(data.domains(), prior, theta);
  // Central differences err by O(h²)·(third derivative) plus rounding ε·|value|/h: with h = 1e−5 both are near 1e−9.
  constexpr double h = 1e-5;
  for (Eigen::Index i = 0; i < 4; ++i) {
    CAPTURE(i);
    Eigen::VectorXd step = Eigen::VectorXd::Zero(4);
    step(i) = h;
    const JointLogPosterior up = joint_log_posterior(data.domains(), prior, theta + step);
    const JointLogPosterior down = joint_log_posterior(data.domains(), prior, theta - step);
    CHECK(at.gradient(i) == doctest::Approx((up.value - down.value) / (2 * h)).epsilon(1e-7));
    for (Eigen::Index j = 0; j < 4; ++j) {
      CAPTURE(j);
      CHECK(at.hessian(i, j) == doctest::Approx((up.gradient(j) - down.gradient(j)) / (2 * h)).epsilon(1e-7));
    }
  }
  CHECK(at.hessian.isApprox(at.hessian.transpose(), 1e-15));
  for (Eigen::Index d = 0; d < 4; ++d) {
    const auto k = static_cast<std::size_t>(d);
    CHECK(at.information(d) == likelihood_terms(data.banks[k], data.answers[k], theta(d)).information);
  }
}

TEST_CASE("multidimensional: with a diagonal prior joint MAP is each domain's MAP") {
  const std::vector<Model> models = {Model::two_pl, Model::three_pl, Model::grm, Model::gpcm};
  const Battery data = battery(models, {0.8, -0.5, 1.2, -1.0}, 20);
  const Eigen::VectorXd mean = Eigen::Vector4d(0.2, -0.1, 0.4, 0.0);
  const Eigen::VectorXd sd = Eigen::Vector4d(1.0, 0.7, 1.3, 0.9);
  const JointEstimate joint = joint_map(data.domains(), independent_prior(mean, sd));
  CHECK(joint.status == EstimateStatus::converged);
  CHECK(joint.iterations > 0);
  const Interval wide{-10.0, 10.0};  // no maximum near its ends: both estimators find the interior maximum
  for (Eigen::Index d = 0; d < 4; ++d) {
    CAPTURE(d);
    const auto k = static_cast<std::size_t>(d);
    const AbilityEstimate single =
        maximum_a_posteriori(data.banks[k], data.answers[k], NormalPrior{mean(d), sd(d)}, wide);
    REQUIRE(single.status == EstimateStatus::converged);
    CHECK(std::abs(joint.theta(d) - single.theta) < 1e-9);
    // The covariance is the inverse observed −Hessian, diagonal here.
    const double curvature = likelihood_terms(data.banks[k], data.answers[k], joint.theta(d)).curvature;
    CHECK(joint.covariance(d, d) == doctest::Approx(1.0 / (1.0 / (sd(d) * sd(d)) - curvature)).epsilon(1e-12));
    for (Eigen::Index e = 0; e < 4; ++e) {
      if (e != d) CHECK(joint.covariance(d, e) == 0.0);
    }
    // For the canonical-link models the observed information is the expected, and the variance is MAP's SE².
    if (models[k] == Model::two_pl || models[k] == Model::gpcm) {
      CHECK(std::sqrt(joint.covariance(d, d)) == doctest::Approx(single.se).epsilon(1e-9));
    }
  }
}

TEST_CASE("multidimensional: joint MAP takes Fisher scoring steps where the observed Hessian is not concave") {
  // Hard 3PL items all answered correctly, with a wide prior: at the prior mean the correct answers' log-probability
  // is convex (P near the guessing floor), the observed Hessian is positive and a Newton step would go downhill.
  std::vector<Item> items;
  for (int i = 0; i < 8; ++i) {
    items.push_back(Item::dichotomous(ItemId(testing::numbered("h", i)), Model::three_pl, 2.0, 3.0 + 0.1 * i, 0.25));
  }
  const ItemBank hard(items);
  const ItemBank easy = testing::spread_bank(Model::two_pl, 10, 7);
  std::vector<Response> all_correct;
  for (std::size_t i = 0; i < items.size(); ++i) all_correct.push_back({ItemIndex{i}, 1});
  std::mt19937_64 rng(3);
  const std::vector<Response> mixed = testing::simulate_pattern(easy, 0.0, rng);
  const std::vector<DomainResponses> domains = {{&hard, all_correct}, {&easy, mixed}};
  const MultivariateNormalPrior prior = independent_prior(Eigen::Vector2d(0.0, 0.0), Eigen::Vector2d(3.0, 1.0));
  REQUIRE(joint_log_posterior(domains, prior, prior.mean).hessian(0, 0) > 0);

  const JointEstimate joint = joint_map(domains, prior);
  const AbilityEstimate single = maximum_a_posteriori(hard, all_correct, NormalPrior{0.0, 3.0}, Interval{-10.0, 10.0});
  CHECK(std::abs(joint.theta(0) - single.theta) < 1e-9);
  CHECK(std::abs(joint_log_posterior(domains, prior, joint.theta).gradient.lpNorm<Eigen::Infinity>()) < 1e-8);
}

TEST_CASE("multidimensional: correlated domains inform each other") {
  const Battery data = battery({Model::two_pl, Model::two_pl}, {1.5, 0.0}, 15);
  // The second domain is unanswered: its estimate is pulled from the prior mean towards the first's by ρ.
  std::vector<DomainResponses> domains = data.domains();
  domains[1].responses = {};
  const MultivariateNormalPrior prior = correlated_prior(2, 0.6);
  const JointEstimate joint = joint_map(domains, prior);
  CHECK(joint.status == EstimateStatus::converged);
  // The stationarity of the log posterior: the unanswered domain's θ is the conditional mean given the first.
  CHECK(joint.theta(1) - prior.mean(1) == doctest::Approx(0.6 * (joint.theta(0) - prior.mean(0))).epsilon(1e-10));
  CHECK(joint.covariance(1, 1) < 1.0);
  CHECK(joint.covariance(0, 1) > 0.0);
}

TEST_CASE("multidimensional: no responses give the prior") {
  const Battery data = battery({Model::two_pl, Model::grm}, {0.0, 0.0}, 5);
  std::vector<DomainResponses> domains = data.domains();
  for (DomainResponses& domain : domains) domain.responses = {};
  const MultivariateNormalPrior prior = correlated_prior(2, 0.3);
  for (const JointEstimate& estimate : {joint_map(domains, prior), joint_eap(domains, prior)}) {
    CHECK(estimate.status == EstimateStatus::no_responses);
    CHECK(estimate.theta == prior.mean);
    CHECK(estimate.covariance == prior.covariance);
    CHECK(estimate.iterations == 0);
  }
}

TEST_CASE("multidimensional: with a diagonal prior joint EAP is each domain's EAP on a fine grid") {
  const Battery data = battery({Model::two_pl, Model::three_pl, Model::gpcm}, {0.6, -0.4, 1.1}, 10);
  const Eigen::VectorXd mean = Eigen::Vector3d(0.1, -0.2, 0.3);
  const Eigen::VectorXd sd = Eigen::Vector3d(1.0, 0.8, 1.2);
  // A diagonal prior makes the posterior a product, and the product rule the product of one-dimensional rules; the
  // 4001-point grid's trapezoidal rule is exact to far below 1e−6, so 1e−6 measures the Gauss–Hermite rule.
  const JointEstimate joint = joint_eap(data.domains(), independent_prior(mean, sd), 20);
  CHECK(joint.status == EstimateStatus::converged);
  for (Eigen::Index d = 0; d < 3; ++d) {
    CAPTURE(d);
    const auto k = static_cast<std::size_t>(d);
    const AbilityEstimate single = expected_a_posteriori(data.banks[k], data.answers[k], NormalPrior{mean(d), sd(d)},
                                                         QuadratureGrid{-8.0, 8.0, 4001});
    CHECK(std::abs(joint.theta(d) - single.theta) < 1e-6);
    CHECK(std::abs(std::sqrt(joint.covariance(d, d)) - single.se) < 1e-6);
    for (Eigen::Index e = 0; e < 3; ++e) {
      if (e != d) CHECK(std::abs(joint.covariance(d, e)) < 1e-12);
    }
  }
}

TEST_CASE("multidimensional: joint EAP agrees with a brute-force grid in 2 and 3 correlated dimensions") {
  // The brute-force trapezoidal rule converges geometrically for a smooth, quickly decaying integrand: at 201 (2-D)
  // or 81 (3-D) points per dimension on ±8 its moments move by less than 3e−8 when the points are doubled or the
  // range widened, so the 1e−6 bound is on the adaptive Gauss–Hermite rule. That rule's error falls geometrically
  // with its points (3-D: 1e−4 at 8, 2e−6 at 12, 4e−8 at 20); 30 (2-D) and 20 (3-D) points per dimension put it
  // near 3e−8, well inside the bound.
  SUBCASE("two dimensions") {
    const Battery data = battery({Model::three_pl, Model::grm}, {1.0, -0.5}, 12);
    const MultivariateNormalPrior prior = correlated_prior(2, 0.5);
    const JointEstimate eap = joint_eap(data.domains(), prior, 30);
    const Moments reference = brute_force_moments(data, prior, 201);
    CHECK((eap.theta - reference.mean).lpNorm<Eigen::Infinity>() < 1e-6);
    CHECK((eap.covariance - reference.covariance).lpNorm<Eigen::Infinity>() < 1e-6);
  }
  SUBCASE("three dimensions") {
    const Battery data = battery({Model::two_pl, Model::three_pl, Model::gpcm}, {0.3, 1.2, -0.8}, 10);
    const MultivariateNormalPrior prior = correlated_prior(3, 0.5);
    const JointEstimate eap = joint_eap(data.domains(), prior, 20);
    const Moments reference = brute_force_moments(data, prior, 81);
    CHECK((eap.theta - reference.mean).lpNorm<Eigen::Infinity>() < 1e-6);
    CHECK((eap.covariance - reference.covariance).lpNorm<Eigen::Infinity>() < 1e-6);
    // The default 5 points are coarse for 10 answers per domain with a 3PL domain (errors near 1.4e−3 in the mean,
    // 2.4e−3 in the covariance), but no worse.
    const JointEstimate coarse = joint_eap(data.domains(), prior);
    CHECK((coarse.theta - reference.mean).lpNorm<Eigen::Infinity>() < 3e-3);
    CHECK((coarse.covariance - reference.covariance).lpNorm<Eigen::Infinity>() < 5e-3);
  }
}

TEST_CASE("multidimensional: preconditions") {
  const Battery data = battery({Model::two_pl, Model::grm}, {0.0, 0.0}, 5);
  const MultivariateNormalPrior prior = correlated_prior(2, 0.3);
  SUBCASE("the prior") {
    MultivariateNormalPrior asymmetric = prior;
    asymmetric.covariance(0, 1) = 0.4;
    CHECK_THROWS_AS(joint_map(data.domains(), asymmetric), InvalidArgument);
    MultivariateNormalPrior indefinite = prior;
    indefinite.covariance(0, 1) = indefinite.covariance(1, 0) = 1.5;
    CHECK_THROWS_AS(joint_map(data.domains(), indefinite), InvalidArgument);
    CHECK_THROWS_AS(joint_eap(data.domains(), indefinite), InvalidArgument);
    MultivariateNormalPrior infinite = prior;
    infinite.mean(0) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(joint_map(data.domains(), infinite), InvalidArgument);
  }
  SUBCASE("sizes") {
    CHECK_THROWS_AS(joint_map(data.domains(), correlated_prior(3, 0.3)), InvalidArgument);
    CHECK_THROWS_AS(joint_log_posterior(data.domains(), prior, Eigen::VectorXd::Zero(3)), InvalidArgument);
    CHECK_THROWS_AS(joint_log_posterior(data.domains(), prior, Eigen::Vector2d(0.0, std::nan(""))), InvalidArgument);
    CHECK_THROWS_AS(joint_eap(data.domains(), prior, 0), InvalidArgument);
    CHECK_THROWS_AS(joint_eap(data.domains(), prior, 101), InvalidArgument);
    const std::vector<DomainResponses> eight(8, data.domains().front());
    CHECK_NOTHROW(joint_eap(eight, correlated_prior(8, 0.3), 2));
    CHECK_THROWS_AS(joint_eap(eight, correlated_prior(8, 0.3), 8), InvalidArgument);  // 8⁸ nodes
  }
  SUBCASE("the responses") {
    std::vector<DomainResponses> domains = data.domains();
    domains[1].bank = nullptr;
    CHECK_THROWS_AS(joint_map(domains, prior), InvalidArgument);
    const std::vector<Response> outside = {{ItemIndex{99}, 1}};
    domains = data.domains();
    domains[0].responses = outside;
    CHECK_THROWS_AS(joint_map(domains, prior), UnknownItem);
    CHECK_THROWS_AS(joint_eap(domains, prior), UnknownItem);
    const std::vector<Response> impossible = {{ItemIndex{0}, 7}};
    domains[0].responses = impossible;
    CHECK_THROWS_AS(joint_map(domains, prior), InvalidResponse);
  }
}
