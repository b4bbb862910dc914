#pragma once
// The exact per-item arithmetic of the grid-integrated selection rules (KL and KLP, MLWI and MPWI, MEPV), shared by
// the two ways of choosing: scoring every item (item_scores) and screening, then scoring only the items that could
// be best (best_item by rule). Each score is computed by one out-of-line kernel on a fixed block of rows, and
// every value a kernel reads comes from one routine, so an item's score is the same number to the last bit on
// either path (a compiler may fuse a multiply and an add in one loop and not in another). The kernels' lanes are
// independent: a row's result does not depend on which lane of a block it sits in.

#include <Eigen/Core>
#include <array>
#include <cstddef>
#include <limits>

#include "detail/bank_grid.hpp"
#include "detail/dichotomous_probability.hpp"
#include "detail/infinity.hpp"
#include "detail/selection_blocks.hpp"
#include "detail/workspace.hpp"
#include "irtcat/selection.hpp"

namespace irtcat::detail {

/// probability_block (simd::probabilities) for the rows [start, min(start + kProbabilityBlock, n)), the missing ones
/// padded with a harmless item; out holds the first min(kProbabilityBlock, n − start) entries.
void probability_rows(const DichotomousColumns& rows, Eigen::Index n, Eigen::Index start, double theta, Logs logs,
                      ProbabilityBlock& out);

// An ineligible item scores kMinusInfinity (detail/infinity.hpp).

/// The posterior that `rule` needs; throws InvalidArgument when the state has none or one on another grid, or
/// when the grid was built without the rule's tables.
const GridPosterior& require_posterior(const SelectionState& state, SelectionRule rule, const BankGrid& grid);

/// P_k(θ) and log P_k(θ) of every (item, category) row of the grid's layout (in `workspace`, valid until its
/// next use). With Logs::skip, the logs of dichotomous items are not computed (and not to be read):
/// KL and KLP take them, MEPV and MEI do not, and each rule calls with the same choice on all its paths.
struct AtTheta {
  const Eigen::ArrayXd& p;
  const Eigen::ArrayXd& log_p;
};
AtTheta probabilities_at(const BankGrid& grid, double theta, Logs logs, WorkspaceBuffers& workspace);

/// The same values for one item's categories.
struct ItemAtTheta {
  int count = 0;
  std::array<double, kMaxCategories> p{};
  std::array<double, kMaxCategories> log_p{};
};
ItemAtTheta item_at_theta(const BankGrid& grid, std::size_t item, double theta, Logs logs);

/// KL and KLP (catR's KL): Σ_q c_q Σ_k P_k(θ̂)(log P_k(θ̂) − log P_k(θ_q)) = Σ_k P_k(θ̂)(log P_k(θ̂)·Σc − Σ_q c_q log P_k(θ_q)),
/// one term per row; `total` is Σ_q c_q (the weights' sum, as the caller computed it). Every row's term into
/// per_row, then one item's score (its terms added in category order, as sum_over_categories adds them).
void kullback_leibler_terms(const BankGrid& grid, const Eigen::ArrayXd& weights, double total, const AtTheta& at,
                            Eigen::ArrayXd& per_row, WorkspaceBuffers& workspace);
double kullback_leibler(const BankGrid& grid, std::size_t item, const Eigen::ArrayXd& weights, double total,
                        const ItemAtTheta& at, WorkspaceBuffers& workspace);

/// The posterior weights of MEPV: scaled to a largest of 1 (the variance is a ratio, so the scale cancels, and no
/// sum can underflow to 0), and times (θ_q − μ) and (θ_q − μ)², μ the posterior mean: centred, so that
/// E(θ²) − E(θ)² does not cancel.
struct MomentWeights {
  Eigen::VectorXd mass;    ///< w̃_q = w_q / max w
  Eigen::VectorXd first;   ///< w̃_q·(θ_q − μ)
  Eigen::VectorXd second;  ///< w̃_q·(θ_q − μ)²
  double mean = 0.0;       ///< μ
};
/// Precondition: some weight is positive.
MomentWeights moment_weights(const Eigen::ArrayXd& weights, const Eigen::ArrayXd& nodes);

/// MEPV: P_k(θ̂)·Var(θ | answered, k) per row, the posterior variance after answering k from the row's moments
/// m_j = Σ_q w̃_q (θ_q − μ)^j P_k(θ_q) as m2/m0 − (m1/m0)² (0 when m0 is 0). Every row into per_row, then one item's
/// sum over its categories.
void posterior_variance_terms(const BankGrid& grid, const MomentWeights& weights, const Eigen::ArrayXd& at_theta,
                              Eigen::ArrayXd& per_row);
double expected_posterior_variance(const BankGrid& grid, std::size_t item, const MomentWeights& weights,
                                   const ItemAtTheta& at);

/// The posterior mean after answering each row, μ + m1/m0 (the current μ when m0 is 0), of every row into `out`
/// (for MEI).
void posterior_means_after(const BankGrid& grid, const MomentWeights& weights, Eigen::ArrayXd& out);

/// MLWI and MPWI: Σ_q w_q I_j(θ_q) of every item (then the padding of BankGrid::information()) into `out`, or of one item.
void weighted_information(const BankGrid& grid, const Eigen::ArrayXd& weights, Eigen::ArrayXd& out);
double weighted_information(const BankGrid& grid, const Eigen::ArrayXd& weights, std::size_t item);

}  // namespace irtcat::detail
