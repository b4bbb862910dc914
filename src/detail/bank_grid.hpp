#pragma once
// A bank's items evaluated once on a quadrature grid: log P_k(θ_q) for every item, category and node, and the
// tables the grid-integrated selection rules read (item information at every node, P_k in panels, compressed
// forms for screening). Shared read-only by every session on the bank, it turns a posterior update into the
// addition of one row and the grid-integrated rules (KL, KLP, MLWI, MPWI, MEPV, MEI) into matrix-vector products.
// Private to the library: a TestDesign builds one with the tables its rule reads (GridTables::for_rule).

#include <Eigen/Core>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "detail/low_rank_table.hpp"
#include "detail/workspace.hpp"
#include "irtcat/item_bank.hpp"
#include "irtcat/prior.hpp"
#include "irtcat/selection.hpp"

namespace irtcat {

/// Which of a bank grid's tables to build beside log P (which every grid has: posterior updates read it). Together
/// they take several times log P's memory and build time, and MFI, closest, a-stratified and random read none.
struct GridTables {
  bool information = true;           ///< information(), information_single(): MLWI, MPWI
  bool log_p_low_rank = true;        ///< log_p_low_rank(): KL, KLP
  bool probability_panels = true;    ///< probability_panels(): MEPV, MEI
  bool probability_low_rank = true;  ///< probability_low_rank(): MEPV
  /// Every table.
  static GridTables all() noexcept { return {}; }
  /// Only what `rule` reads.
  static GridTables for_rule(SelectionRule rule) noexcept;
  /// True when the tables `rule` reads are all here.
  bool covers(SelectionRule rule) const noexcept;
};

class BankGrid {
 public:
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// The most cells (rows of items and categories times nodes) a bank grid may have: 2²⁶ = 67,108,864. Its tables
  /// take about 36 bytes a cell (log P, P twice, the information in double and single precision), so the limit
  /// keeps a bank grid under 2.5 GB: 100,000 dichotomous items on 335 nodes, 10,000 on 3,355, 300 on the largest
  /// grid (100,001 nodes).
  static constexpr std::size_t kMaxCells = std::size_t{1} << 26;

  /// Evaluates every item of `bank` on `grid` (O(items × categories × nodes) time and memory, done once), and
  /// builds `tables`. Throws InvalidArgument for a null bank, an invalid grid, or more than kMaxCells cells.
  BankGrid(std::shared_ptr<const ItemBank> bank, const QuadratureGrid& grid, GridTables tables = GridTables::all());

  /// The tables built beside log P.
  const GridTables& tables() const noexcept { return tables_; }

  const ItemBank& bank() const noexcept { return *bank_; }
  const std::shared_ptr<const ItemBank>& shared_bank() const noexcept { return bank_; }
  const QuadratureGrid& grid() const noexcept { return grid_; }
  const Eigen::ArrayXd& nodes() const noexcept { return nodes_; }

  /// The row of (item, category) in log_p() and probability_panels(): item rows are contiguous, categories in order.
  Eigen::Index row(ItemIndex item, int category) const noexcept {
    return static_cast<Eigen::Index>(first_row_[item.value]) + category;
  }
  /// First row of each item, and one past the last row at the end (size() + 1 entries).
  const std::vector<std::size_t>& first_rows() const noexcept { return first_row_; }

  /// log P_k(θ_q): one row per (item, category), one column per node.
  const RowMatrix& log_p() const noexcept { return log_p_; }
  /// P_k(θ_q) = std::exp(log P_k(θ_q)), laid out as log_p(): a posterior update multiplies the weights by a row.
  const RowMatrix& p() const noexcept { return p_; }
  /// log_p() compressed for screening items before exact scoring (KL, KLP).
  const LowRankTable& log_p_low_rank() const noexcept { return log_p_low_rank_; }
  /// P_k(θ_q) in panels of kRowPanel rows (the rows of log_p(), then zero rows up to a multiple of kRowPanel): for
  /// each panel its nodes one after the other, each holding the panel's rows side by side, so row r at node q is
  /// at (r − r mod kRowPanel)·nodes + q·kRowPanel + r mod kRowPanel. A weighted sum over the nodes then runs down
  /// contiguous memory for a panel of rows at once (MEPV, MEI).
  static constexpr Eigen::Index kRowPanel = 8;
  const Eigen::VectorXd& probability_panels() const noexcept { return p_panels_; }
  /// P_k(θ_q) compressed for screening items before exact scoring (MEPV).
  const LowRankTable& probability_low_rank() const noexcept { return p_low_rank_; }
  /// Items are padded to a multiple of this in information(), with zero rows.
  static constexpr Eigen::Index kItemBlock = 8;
  /// I_j(θ_q): one row per item (then zero rows up to a multiple of kItemBlock), one column per node, stored by
  /// column, so that a weighted sum over the nodes runs down contiguous columns for a block of items at once.
  const Eigen::MatrixXd& information() const noexcept { return information_; }
  /// information() rounded to single precision: half the bytes, for screening items before exact scoring.
  const Eigen::MatrixXf& information_single() const noexcept { return information_single_; }
  /// The largest entry of information() (0 for an empty bank).
  double largest_information() const noexcept { return largest_information_; }

 private:
  std::shared_ptr<const ItemBank> bank_;
  QuadratureGrid grid_;
  GridTables tables_;
  Eigen::ArrayXd nodes_;
  std::vector<std::size_t> first_row_;
  RowMatrix log_p_;
  RowMatrix p_;
  LowRankTable log_p_low_rank_;
  Eigen::VectorXd p_panels_;
  LowRankTable p_low_rank_;
  Eigen::MatrixXd information_;
  Eigen::MatrixXf information_single_;
  double largest_information_ = 0.0;
};

/// Scores of every item in bank order, higher is better; items whose `eligible` entry is 0 score −infinity.
/// For mepv the score is the negated expected posterior variance. Not for a_stratified and random, which choose
/// directly (see detail::Selector). Throws InvalidArgument for a missing posterior, a wrong-sized mask, or a grid
/// built without the rule's tables. The temporaries go to `workspace`.
Eigen::ArrayXd item_scores(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                           std::span<const char> eligible, detail::WorkspaceBuffers& workspace);

/// The item best_item(item_scores(rule, grid, state, eligible)) names, found with less work where the rule allows:
/// mlwi, mpwi, kl and klp screen every item with single-precision tables and score exactly only the few whose
/// rounding bounds let them be best, so the item is the same. Throws as item_scores.
std::ptrdiff_t best_item(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                         std::span<const char> eligible, detail::WorkspaceBuffers& workspace);

/// The items best_items(item_scores(rule, grid, state, eligible), count) names, best first, found by screening as
/// best_item by rule does (randomesque exposure control asks for these). Throws as item_scores.
std::vector<std::size_t> best_items(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                                    std::span<const char> eligible, std::size_t count,
                                    detail::WorkspaceBuffers& workspace);

}  // namespace irtcat
