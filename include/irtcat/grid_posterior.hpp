#pragma once
// The posterior of theta on a quadrature grid, updated in O(grid points) per response: the state behind EAP
// estimates, posterior-weighted selection rules and role-fit probabilities.

#include <Eigen/Core>
#include <cstddef>

#include "irtcat/cache_line.hpp"
#include "irtcat/model.hpp"
#include "irtcat/prior.hpp"

namespace irtcat {

/// Posterior mean and standard deviation of theta on the grid.
struct PosteriorMoments {
  double mean;  ///< the EAP estimate
  double sd;    ///< its standard error
};

/// log prior + log likelihood at each node of a grid; each response adds its log-probability at every node. Beside
/// the logs it keeps the posterior weights themselves, multiplied by each response's probability at every node: the
/// moments then take no exp (catR's eapEst integrates the product of the probabilities the same way).
class GridPosterior {
 public:
  /// Throws InvalidArgument for an invalid grid or prior (see QuadratureGrid::validate, validate(Prior)).
  GridPosterior(const QuadratureGrid& grid, const Prior& prior);

  /// Adds one response to the likelihood: O(grid points). Throws InvalidResponse for a category outside 0..K
  /// and InvalidArgument for a scaling constant that is not finite and positive.
  void update(const Item& item, int category, double scaling);

  /// Adds one response given as its log-probability at every node: O(grid points), with one std::exp per node for
  /// the probabilities. Throws InvalidArgument if the size differs from the grid's.
  void add(const Eigen::Ref<const Eigen::ArrayXd>& log_probability_at_nodes);

  /// The same with the probabilities given too, as a BankGrid's rows hold them (log_p and p): no exp. Each
  /// probability must be std::exp of its log, as the one-argument add and update take it; then a posterior is the
  /// same to the last bit however its responses came. Throws InvalidArgument if a size differs from the grid's.
  void add(const Eigen::Ref<const Eigen::ArrayXd>& log_probability_at_nodes,
           const Eigen::Ref<const Eigen::ArrayXd>& probability_at_nodes);

  /// Posterior mean and SD by the trapezoidal rule on the grid (catR's eapEst and eapSem): O(grid points), no exp.
  PosteriorMoments moments() const;

  /// Normalized posterior weights at the nodes, trapezoidal weights included (they sum to 1).
  Eigen::ArrayXd weights() const;

  /// Normalized likelihood weights at the nodes, trapezoidal weights included and the prior left out: what the
  /// likelihood-weighted selection rules (KL, MLWI) integrate against.
  Eigen::ArrayXd likelihood_weights() const;

  const Eigen::ArrayXd& nodes() const noexcept { return nodes_; }
  /// Σ log P(response | node) over the responses added so far.
  Eigen::Map<const Eigen::ArrayXd, Eigen::AlignedMax> log_likelihood() const noexcept {
    return {log_likelihood_.data(), nodes_.size()};
  }
  std::size_t responses() const noexcept { return responses_; }

 private:
  using Written = Eigen::Map<Eigen::ArrayXd, Eigen::AlignedMax>;
  using Read = Eigen::Map<const Eigen::ArrayXd, Eigen::AlignedMax>;
  Written written(CacheLineVector<double>& values) noexcept { return {values.data(), nodes_.size()}; }
  Read read(const CacheLineVector<double>& values) const noexcept { return {values.data(), nodes_.size()}; }

  Eigen::ArrayXd nodes_;
  Eigen::ArrayXd log_trapezoid_;  ///< log trapezoidal weight
  Eigen::ArrayXd log_base_;       ///< log prior density + log trapezoidal weight; −infinity where the prior is 0
  // The two arrays every response writes, on cache lines of their own (cache_line.hpp).
  CacheLineVector<double> log_likelihood_;
  /// prior density × trapezoidal weight × likelihood, scaled by a power of two (exactly) so that the largest is in
  /// [1, 2): no pattern, however long or unlikely, underflows it.
  CacheLineVector<double> weight_;
  std::size_t responses_ = 0;
};

/// log P(X = category | θ) at every node, for one item: log_probability(item, category, θ_q, scaling) for each q.
Eigen::ArrayXd log_probability(const Item& item, int category, const Eigen::ArrayXd& theta, double scaling);

}  // namespace irtcat
