#include "irtcat/grid_posterior.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail/check.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"
#include "simd/kernels.hpp"

namespace irtcat {

Eigen::ArrayXd log_probability(const Item& item, int category, const Eigen::ArrayXd& theta, double scaling) {
  detail::check_category("log_probability", item, category);
  // The scalar model's values node by node: a posterior built here from a response pattern is the same to the last
  // bit as the one a session builds from its BankGrid, which holds category_terms at the nodes.
  Eigen::ArrayXd out(theta.size());
  for (Eigen::Index q = 0; q < theta.size(); ++q) out(q) = irtcat::log_probability(item, category, theta(q), scaling);
  return out;
}

namespace {

// The weight, relative to a largest in [1, 2), below which a node counts as 0 (exp(log weight − max) underflows to
// 0 only below 2^−1021; 2^−900 leaves room for the next response's probabilities, down to 2^−100, before a product
// goes subnormal).
constexpr double kNegligibleWeight = 0x1p-900;

// exp(log_weight − max log_weight), log_weight = first + second, into `out` (first's size): every value in (0, 1],
// the largest exactly 1, −infinity to 0.
template <class First, class Second>
void exp_from_max(const First& first, const Second& second, double* out) {
  const double top = (first + second).maxCoeff();
  detail::simd::exp_shifted(first.data(), second.data(), top, out, first.size());
}

template <class Second>
Eigen::ArrayXd normalized_exp(const Eigen::ArrayXd& first, const Second& second) {
  Eigen::ArrayXd weight(first.size());
  exp_from_max(first, second, weight.data());
  return weight / weight.sum();
}

}  // namespace

GridPosterior::GridPosterior(const QuadratureGrid& grid, const Prior& prior)
    : nodes_(grid.nodes()),
      log_trapezoid_(grid.trapezoid_weights().log()),
      log_base_(log_prior_on_grid(prior, grid) + log_trapezoid_),
      log_likelihood_(static_cast<std::size_t>(nodes_.size()), 0.0),
      weight_(static_cast<std::size_t>(nodes_.size())) {
  exp_from_max(log_base_, read(log_likelihood_), weight_.data());
}

void GridPosterior::add(const Eigen::Ref<const Eigen::ArrayXd>& log_probability_at_nodes) {
  Eigen::ArrayXd probability(log_probability_at_nodes.size());
  for (Eigen::Index q = 0; q < probability.size(); ++q) probability(q) = std::exp(log_probability_at_nodes(q));
  add(log_probability_at_nodes, probability);
}

void GridPosterior::add(const Eigen::Ref<const Eigen::ArrayXd>& log_probability_at_nodes,
                        const Eigen::Ref<const Eigen::ArrayXd>& probability_at_nodes) {
  for (const Eigen::Index size : {log_probability_at_nodes.size(), probability_at_nodes.size()}) {
    if (size != nodes_.size()) {
      throw InvalidArgument("GridPosterior::add: " + std::to_string(size) + " values for a grid of " +
                            std::to_string(nodes_.size()) + " nodes");
    }
  }
  written(log_likelihood_) += log_probability_at_nodes;
  Written weight = written(weight_);
  weight *= probability_at_nodes;
  // Back to a largest weight in [1, 2), by a power of two: exact, so the moments (ratios of sums) do not depend on
  // the scale. Every probability is at least exp(kMinLogProbability) ≈ 3e−308 and the largest weight was at least
  // 1, so one response never takes it out of the normal range. A weight below kNegligibleWeight is then 0: it could
  // not change the sums (at least 1) by a bit, and left alone it would go subnormal, which is slow arithmetic.
  // (Probabilities that are 0, NaN or above 1 everywhere, which no model gives, leave the weights as they are: the
  // moments are then not finite.)
  const double largest = weight.maxCoeff();
  if (largest > 0.0 && std::isfinite(largest)) {
    const double scale = std::ldexp(1.0, -std::ilogb(largest));
    for (Eigen::Index q = 0; q < weight.size(); ++q) {
      const double w = weight(q) * scale;
      weight(q) = w < kNegligibleWeight ? 0.0 : w;
    }
  }
  ++responses_;
}

Eigen::ArrayXd GridPosterior::likelihood_weights() const { return normalized_exp(log_trapezoid_, read(log_likelihood_)); }

void GridPosterior::update(const Item& item, int category, double scaling) {
  if (!std::isfinite(scaling) || !(scaling > 0)) {
    throw InvalidArgument("GridPosterior::update: the scaling constant must be finite and > 0");
  }
  add(log_probability(item, category, nodes_, scaling));
}

Eigen::ArrayXd GridPosterior::weights() const { return normalized_exp(log_base_, read(log_likelihood_)); }

PosteriorMoments GridPosterior::moments() const {
  const Read w = read(weight_);
  const double total = w.sum();
  double mean = (w * nodes_).sum() / total;
  // Summing n terms w·θ, each at most max|θ| times its weight, is exact to within about n·ε·max|θ| of the mean: a
  // mean closer to 0 than that is 0 as far as the arithmetic can tell. A posterior symmetric about 0 (no answers
  // yet, a prior centred on the grid) then has mean 0, not 1.7e-19.
  const double largest = std::max(std::abs(nodes_(0)), std::abs(nodes_(nodes_.size() - 1)));
  if (std::abs(mean) <= static_cast<double>(nodes_.size()) * std::numeric_limits<double>::epsilon() * largest) {
    mean = 0.0;
  }
  const double variance = (w * (nodes_ - mean).square()).sum() / total;
  return {mean, std::sqrt(variance)};
}

}  // namespace irtcat
