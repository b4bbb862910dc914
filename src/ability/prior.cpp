#include "irtcat/prior.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail/infinity.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using detail::kMinusInfinity;

template <class... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
// C++20 deduces this for aggregates, but clang before 17 does not (the fuzz build uses Debian's clang 14).
template <class... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

}  // namespace

void Interval::validate() const {
  if (!std::isfinite(lower) || !std::isfinite(upper) || !(lower < upper)) {
    throw InvalidArgument("Interval: needs finite ends with lower < upper, got [" + std::to_string(lower) + ", " +
                          std::to_string(upper) + "]");
  }
}

double Interval::clamp(double theta) const noexcept { return std::clamp(theta, lower, upper); }

void QuadratureGrid::validate() const {
  if (!std::isfinite(lower) || !std::isfinite(upper) || !(lower < upper)) {
    throw InvalidArgument("QuadratureGrid: needs finite ends with lower < upper, got [" + std::to_string(lower) +
                          ", " + std::to_string(upper) + "]");
  }
  if (points < 2 || points > 100001) {
    throw InvalidArgument("QuadratureGrid: points must be in 2..100001, got " + std::to_string(points));
  }
}

Eigen::ArrayXd QuadratureGrid::nodes() const {
  validate();
  return Eigen::ArrayXd::LinSpaced(points, lower, upper);
}

Eigen::ArrayXd QuadratureGrid::trapezoid_weights() const {
  validate();
  const double step = (upper - lower) / (points - 1);
  Eigen::ArrayXd weights = Eigen::ArrayXd::Constant(points, step);
  weights(0) = weights(points - 1) = step / 2;
  return weights;
}

void validate(const Prior& prior) {
  std::visit(Overloaded{
                 [](const NormalPrior& normal) {
                   if (!std::isfinite(normal.mean) || !std::isfinite(normal.sd) || !(normal.sd > 0)) {
                     throw InvalidArgument("NormalPrior: needs a finite mean and a finite sd > 0, got mean " +
                                           std::to_string(normal.mean) + ", sd " + std::to_string(normal.sd));
                   }
                 },
                 [](const UniformPrior& uniform) { Interval{uniform.lower, uniform.upper}.validate(); },
                 [](const GridPrior& grid) {
                   bool positive = false;
                   for (double value : grid.density) {
                     if (!std::isfinite(value) || value < 0) {
                       throw InvalidArgument("GridPrior: densities must be finite and >= 0, got " +
                                             std::to_string(value));
                     }
                     positive = positive || value > 0;
                   }
                   if (!positive) throw InvalidArgument("GridPrior: the density is zero at every node");
                 },
             },
             prior);
}

Eigen::ArrayXd log_prior_on_grid(const Prior& prior, const QuadratureGrid& grid) {
  validate(prior);
  const Eigen::ArrayXd nodes = grid.nodes();
  return std::visit(
      Overloaded{
          [&](const NormalPrior& normal) -> Eigen::ArrayXd {
            return -0.5 * ((nodes - normal.mean) / normal.sd).square();
          },
          [&](const UniformPrior& uniform) -> Eigen::ArrayXd {
            // catR's dunif: the density is positive on the closed interval.
            const Eigen::ArrayXd log_density = ((nodes >= uniform.lower) && (nodes <= uniform.upper))
                                                   .select(Eigen::ArrayXd::Zero(nodes.size()),
                                                           Eigen::ArrayXd::Constant(nodes.size(), kMinusInfinity));
            if (!(log_density > kMinusInfinity).any()) {
              throw InvalidArgument("UniformPrior: no node of the grid lies in [" + std::to_string(uniform.lower) +
                                    ", " + std::to_string(uniform.upper) + "]");
            }
            return log_density;
          },
          [&](const GridPrior& given) -> Eigen::ArrayXd {
            if (given.density.size() != static_cast<std::size_t>(nodes.size())) {
              throw InvalidArgument("GridPrior: " + std::to_string(given.density.size()) + " densities for a grid of " +
                                    std::to_string(nodes.size()) + " nodes");
            }
            return Eigen::Map<const Eigen::ArrayXd>(given.density.data(), nodes.size()).log();
          },
      },
      prior);
}

}  // namespace irtcat
