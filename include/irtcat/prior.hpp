#pragma once
// Priors on theta, the quadrature grid that EAP integrates on, and the search interval of ML, MAP and WLE.

#include <Eigen/Core>
#include <variant>
#include <vector>

namespace irtcat {

/// A closed interval [lower, upper] of theta: where ML, MAP and WLE look for their maximum (catR's `range`).
struct Interval {
  double lower = -4.0;  ///< catR's default range is [−4, 4]
  double upper = 4.0;
  /// Throws InvalidArgument unless both ends are finite and lower < upper.
  void validate() const;
  double clamp(double theta) const noexcept;
};

/// An equally spaced grid of `points` nodes from `lower` to `upper` (catR's parInt = c(lower, upper, points)).
/// Integrals on it use the trapezoidal rule: the two end nodes weigh half (as catR's integrate.catR does).
struct QuadratureGrid {
  double lower = -4.0;  ///< catR default −4
  double upper = 4.0;   ///< catR default 4
  int points = 33;      ///< catR default 33
  /// Throws InvalidArgument unless the ends are finite, lower < upper and 2 <= points <= 100001.
  void validate() const;
  Eigen::ArrayXd nodes() const;
  /// Trapezoidal weights h/2, h, ..., h, h/2 with h = (upper − lower) / (points − 1).
  Eigen::ArrayXd trapezoid_weights() const;
};

/// θ ~ N(mean, sd²): MAP's and EAP's default prior, N(0, 1) (catR priorDist = "norm", priorPar = c(0, 1)).
struct NormalPrior {
  double mean = 0.0;
  double sd = 1.0;
};

/// θ ~ U(lower, upper) (catR priorDist = "unif"); MAP then maximizes the likelihood on [lower, upper].
struct UniformPrior {
  double lower = -4.0;
  double upper = 4.0;
};

/// A density given by the user at each node of the EAP grid (need not be normalized). EAP only.
struct GridPrior {
  std::vector<double> density;
};

using Prior = std::variant<NormalPrior, UniformPrior, GridPrior>;

/// Throws InvalidArgument for a non-finite or non-positive sd, an empty or reversed uniform interval, or a grid
/// density with a negative or non-finite value or no positive value.
void validate(const Prior& prior);

/// log prior density at the grid's nodes, up to a constant; −infinity where the density is zero.
/// Throws InvalidArgument if a GridPrior's size differs from the grid's.
Eigen::ArrayXd log_prior_on_grid(const Prior& prior, const QuadratureGrid& grid);

}  // namespace irtcat
