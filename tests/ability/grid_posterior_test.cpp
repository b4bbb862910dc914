#include <doctest/doctest.h>

#include <cmath>
#include <limits>

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

TEST_CASE("grid_posterior: the moments from the kept weights are those of the log-likelihood, however long the pattern") {
  // 1,500 right answers to an item far above the grid: each has a probability of at most σ(−3.4) ≈ 0.03 at every
  // node, so the product of the probabilities is below 1e−2000, far under the smallest double. The kept weights are
  // rescaled as they go; the reference normalizes exp(log prior + log likelihood) at the end (weights()).
  GridPosterior posterior(QuadratureGrid{-4.0, 4.0, 33}, NormalPrior{0.5, 1.5});
  const Item hard = Item::dichotomous(ItemId("hard"), Model::two_pl, 1.0, 6.0);
  for (int i = 0; i < 1500; ++i) {
    posterior.update(hard, i % 7 == 0 ? 0 : 1, kNormalOgiveScaling);
    if (i % 100 != 99) continue;
    const Eigen::ArrayXd w = posterior.weights();
    const double mean = (w * posterior.nodes()).sum();
    const double sd = std::sqrt((w * (posterior.nodes() - mean).square()).sum());
    const PosteriorMoments moments = posterior.moments();
    CAPTURE(i);
    // Both sum 33 positive terms of a few ulps' error each (the weights to 1e−13 relative: the logs they came from
    // are sums of up to 1,500 terms): 1e−12 relative bounds the difference.
    CHECK(moments.mean == doctest::Approx(mean).epsilon(1e-12));
    CHECK(moments.sd == doctest::Approx(sd).epsilon(1e-12));
  }
  CHECK(posterior.moments().mean > 3.5);  // the pattern pushes the posterior to the top of the grid
}

TEST_CASE("grid_posterior: add with the probabilities given is add from the logs, and refuses a wrong size") {
  const QuadratureGrid grid{-4.0, 4.0, 21};
  GridPosterior from_logs(grid, NormalPrior{});
  GridPosterior with_probabilities(grid, NormalPrior{});
  for (const auto& [item, category] : std::vector<std::pair<Item, int>>{
           {testing::three_pl(), 1}, {testing::graded(), 2}, {testing::four_pl(), 0}}) {
    const Eigen::ArrayXd log_p = log_probability(item, category, from_logs.nodes(), 1.0);
    Eigen::ArrayXd p(log_p.size());
    for (Eigen::Index q = 0; q < p.size(); ++q) p(q) = std::exp(log_p(q));
    from_logs.add(log_p);
    with_probabilities.add(log_p, p);
    CHECK(from_logs.moments().mean == with_probabilities.moments().mean);
    CHECK(from_logs.moments().sd == with_probabilities.moments().sd);
  }
  const Eigen::ArrayXd short_row = Eigen::ArrayXd::Zero(20);
  const Eigen::ArrayXd row = Eigen::ArrayXd::Zero(21);
  const PosteriorMoments before = with_probabilities.moments();
  CHECK_THROWS_AS(with_probabilities.add(row, short_row), InvalidArgument);
  CHECK_THROWS_AS(with_probabilities.add(short_row, row), InvalidArgument);
  CHECK(with_probabilities.moments().mean == before.mean);
  CHECK(with_probabilities.responses() == 3);
}

TEST_CASE("grid_posterior: probabilities no model gives make the moments not finite, never undefined arithmetic") {
  // A row of −infinity (probability 0 at every node) or NaN: the weights have no positive largest to rescale by.
  const Eigen::ArrayXd impossible = Eigen::ArrayXd::Constant(33, -std::numeric_limits<double>::infinity());
  const Eigen::ArrayXd unknown = Eigen::ArrayXd::Constant(33, std::numeric_limits<double>::quiet_NaN());
  for (const Eigen::ArrayXd* row : {&impossible, &unknown}) {
    GridPosterior posterior(QuadratureGrid{-4.0, 4.0, 33}, NormalPrior{});
    posterior.add(*row);
    CHECK_FALSE(std::isfinite(posterior.moments().mean));
    CHECK(posterior.responses() == 1);
  }
}
