#include <doctest/doctest.h>

#include <cmath>

#include "irtcat/error.hpp"
#include "irtcat/grid_posterior.hpp"
#include "test_support.hpp"

using namespace irtcat;

TEST_CASE("grid_posterior: the log-probability at the nodes is the scalar model's, bit for bit") {
  const Eigen::ArrayXd theta = Eigen::ArrayXd::LinSpaced(41, -800.0, 800.0);
  const Eigen::ArrayXd near = Eigen::ArrayXd::LinSpaced(33, -4.0, 4.0);
  for (const Item& item : testing::one_of_each_model()) {
    for (int k = 0; k < item.category_count(); ++k) {
      for (const Eigen::ArrayXd* nodes : {&theta, &near}) {
        const Eigen::ArrayXd log_p = log_probability(item, k, *nodes, kNormalOgiveScaling);
        for (Eigen::Index q = 0; q < nodes->size(); ++q) {
          CAPTURE(item.id().str());
          CAPTURE((*nodes)(q));
          CHECK(log_p(q) == log_probability(item, k, (*nodes)(q), kNormalOgiveScaling));
        }
      }
    }
  }
}

TEST_CASE("grid_posterior: moments equal catR's eapEst and eapSem written out") {
  // catR: ∫θ·π(θ)L(θ) / ∫π(θ)L(θ) with integrate.catR, the trapezoidal rule on seq(lower, upper, length = nqp),
  // and L(θ) a product of probabilities. Written out here independently of GridPosterior's log-space arithmetic.
  const QuadratureGrid grid{-4.0, 4.0, 33};
  const NormalPrior prior{0.3, 1.2};
  GridPosterior posterior(grid, prior);
  const std::vector<std::pair<Item, int>> answers = {
      {testing::three_pl(), 1}, {testing::two_pl(), 0}, {testing::graded(), 2}, {testing::gpcm(), 1},
      {testing::four_pl(), 1}};
  for (const auto& [item, category] : answers) posterior.update(item, category, 1.0);

  const Eigen::ArrayXd nodes = grid.nodes();
  double numerator = 0;
  double denominator = 0;
  std::vector<double> integrand(33);
  for (int q = 0; q < 33; ++q) {
    double value = std::exp(-0.5 * std::pow((nodes(q) - 0.3) / 1.2, 2)) / (1.2 * std::sqrt(2 * M_PI));
    for (const auto& [item, category] : answers) value *= probability(item, category, nodes(q), 1.0);
    integrand[static_cast<std::size_t>(q)] = value;
  }
  const auto trapezoid = [&](auto f) {
    double sum = 0;
    for (int q = 0; q + 1 < 33; ++q) sum += 0.25 * (f(q) + f(q + 1)) / 2;
    return sum;
  };
  numerator = trapezoid([&](int q) { return nodes(q) * integrand[static_cast<std::size_t>(q)]; });
  denominator = trapezoid([&](int q) { return integrand[static_cast<std::size_t>(q)]; });
  const double mean = numerator / denominator;
  const double variance =
      trapezoid([&](int q) { return std::pow(nodes(q) - mean, 2) * integrand[static_cast<std::size_t>(q)]; }) /
      denominator;

  const PosteriorMoments moments = posterior.moments();
  CHECK(moments.mean == doctest::Approx(mean).epsilon(1e-12));
  CHECK(moments.sd == doctest::Approx(std::sqrt(variance)).epsilon(1e-12));
  CHECK(posterior.weights().sum() == doctest::Approx(1.0).epsilon(1e-14));
  CHECK(posterior.responses() == answers.size());
}

TEST_CASE("grid_posterior: updates add log-likelihoods, a bad response changes nothing") {
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  posterior.update(testing::two_pl(), 1, 1.0);
  const Eigen::ArrayXd before = posterior.log_likelihood();
  CHECK_THROWS_AS(posterior.update(testing::two_pl(), 2, 1.0), InvalidResponse);
  CHECK_THROWS_AS(posterior.update(testing::two_pl(), 1, 0.0), InvalidArgument);
  CHECK((posterior.log_likelihood() == before).all());
  CHECK(posterior.responses() == 1);
  posterior.update(testing::graded(), 3, 1.0);
  const Eigen::ArrayXd expected = before + log_probability(testing::graded(), 3, posterior.nodes(), 1.0);
  CHECK(((posterior.log_likelihood() - expected).abs() < 1e-14).all());
}

TEST_CASE("grid_posterior: an extreme pattern keeps finite moments") {
  GridPosterior posterior(QuadratureGrid{-4.0, 4.0, 33}, UniformPrior{-4.0, 4.0});
  const Item steep = Item::dichotomous(ItemId("s"), Model::two_pl, 40.0, -3.9);
  for (int i = 0; i < 200; ++i) posterior.update(steep, 1, kNormalOgiveScaling);
  const PosteriorMoments moments = posterior.moments();
  CHECK(std::isfinite(moments.mean));
  CHECK(std::isfinite(moments.sd));
  CHECK(moments.mean > 0);
}
