#include "irtcat/grid_posterior.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail/check.hpp"
#include "detail/one_line.hpp"
#include "detail/workspace.hpp"
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

// exp(log_weight − max log_weight), log_weight = first + second, into `out`: every value in (0, 1], the largest
// exactly 1, −infinity to 0.
void exp_from_max(const Eigen::ArrayXd& first, const Eigen::ArrayXd& second, Eigen::ArrayXd& out) {
  const double top = (first + second).maxCoeff();
  out.resize(first.size());
  detail::simd::exp_shifted(first.data(), second.data(), top, out.data(), first.size());
}

Eigen::ArrayXd normalized_exp(const Eigen::ArrayXd& first, const Eigen::ArrayXd& second) {
  Eigen::ArrayXd weight;
  exp_from_max(first, second, weight);
  return weight / weight.sum();
}

}  // namespace

GridPosterior::GridPosterior(const QuadratureGrid& grid, const Prior& prior)
    : nodes_(grid.nodes()),
      log_trapezoid_(grid.trapezoid_weights().log()),
      log_base_(log_prior_on_grid(prior, grid) + log_trapezoid_),
      log_likelihood_(Eigen::ArrayXd::Zero(grid.points)) {}

void GridPosterior::add(const Eigen::Ref<const Eigen::ArrayXd>& log_probability_at_nodes) {
  if (log_probability_at_nodes.size() != nodes_.size()) {
    throw InvalidArgument("GridPosterior::add: " + std::to_string(log_probability_at_nodes.size()) +
                          " log-probabilities for a grid of " + std::to_string(nodes_.size()) + " nodes");
  }
  log_likelihood_ += log_probability_at_nodes;
  ++responses_;
}

Eigen::ArrayXd GridPosterior::likelihood_weights() const { return normalized_exp(log_trapezoid_, log_likelihood_); }

void GridPosterior::update(const Item& item, int category, double scaling) {
  if (!std::isfinite(scaling) || !(scaling > 0)) {
    throw InvalidArgument("GridPosterior::update: the scaling constant must be finite and > 0");
  }
  log_likelihood_ += log_probability(item, category, nodes_, scaling);
  ++responses_;
}

Eigen::ArrayXd GridPosterior::weights() const { return normalized_exp(log_base_, log_likelihood_); }

PosteriorMoments GridPosterior::moments(Workspace* workspace) const {
  Eigen::ArrayXd own;
  Eigen::ArrayXd& w = workspace ? workspace->buffers().posterior_weights : own;
  exp_from_max(log_base_, log_likelihood_, w);
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
