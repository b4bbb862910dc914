#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "irtcat/error.hpp"
#include "irtcat/prior.hpp"

using namespace irtcat;

TEST_CASE("prior: grid nodes and trapezoidal weights") {
  const QuadratureGrid grid{-4.0, 4.0, 33};
  const Eigen::ArrayXd nodes = grid.nodes();
  CHECK(nodes.size() == 33);
  CHECK(nodes(0) == -4.0);
  CHECK(nodes(32) == 4.0);
  CHECK(nodes(16) == doctest::Approx(0.0).scale(1));
  const Eigen::ArrayXd weights = grid.trapezoid_weights();
  CHECK(weights(0) == 0.125);
  CHECK(weights(1) == 0.25);
  CHECK(weights(32) == 0.125);
  CHECK(weights.sum() == doctest::Approx(8.0));
  // The trapezoidal rule integrates a linear function exactly.
  CHECK((weights * (2 * nodes + 1)).sum() == doctest::Approx(8.0));
}

TEST_CASE("prior: log densities on the grid") {
  const QuadratureGrid grid{-2.0, 2.0, 5};
  const Eigen::ArrayXd normal = log_prior_on_grid(NormalPrior{1.0, 2.0}, grid);
  CHECK(normal(0) == doctest::Approx(-0.5 * 9.0 / 4.0));
  CHECK(normal(3) == doctest::Approx(0.0));
  const Eigen::ArrayXd uniform = log_prior_on_grid(UniformPrior{-1.0, 1.0}, grid);
  CHECK(std::isinf(uniform(0)));
  CHECK(uniform(1) == 0.0);  // the closed interval, as catR's dunif
  CHECK(uniform(3) == 0.0);
  CHECK(std::isinf(uniform(4)));
  const Eigen::ArrayXd given = log_prior_on_grid(GridPrior{{1, 2, 3, 2, 0}}, grid);
  CHECK(given(2) == doctest::Approx(std::log(3.0)));
  CHECK(std::isinf(given(4)));
}

TEST_CASE("prior: invalid priors, grids and intervals are refused") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(validate(NormalPrior{0.0, 0.0}), InvalidArgument);
  CHECK_THROWS_AS(validate(NormalPrior{nan, 1.0}), InvalidArgument);
  CHECK_THROWS_AS(validate(UniformPrior{1.0, 1.0}), InvalidArgument);
  CHECK_THROWS_AS(validate(GridPrior{{0.0, 0.0}}), InvalidArgument);
  CHECK_THROWS_AS(validate(GridPrior{{1.0, -1.0}}), InvalidArgument);
  CHECK_THROWS_AS(validate(GridPrior{{1.0, nan}}), InvalidArgument);
  CHECK_THROWS_AS(log_prior_on_grid(GridPrior{{1.0, 1.0}}, QuadratureGrid{}), InvalidArgument);
  CHECK_THROWS_AS(log_prior_on_grid(UniformPrior{10.0, 11.0}, QuadratureGrid{}), InvalidArgument);
  CHECK_THROWS_AS((QuadratureGrid{1.0, -1.0, 33}.validate()), InvalidArgument);
  CHECK_THROWS_AS((QuadratureGrid{-4.0, 4.0, 1}.validate()), InvalidArgument);
  CHECK_THROWS_AS((QuadratureGrid{-4.0, nan, 33}.validate()), InvalidArgument);
  CHECK_THROWS_AS((Interval{2.0, 2.0}.validate()), InvalidArgument);
  CHECK_THROWS_AS((Interval{-std::numeric_limits<double>::infinity(), 2.0}.validate()), InvalidArgument);
}
