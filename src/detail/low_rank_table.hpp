#pragma once
// A table of rows over a grid's nodes held in a small compressed form for screening. Selection rules need, for
// every (item, category) row of a bank grid, weighted sums over the nodes, Σ_q T(row, q)·w_q, and then only the
// best item's. Reading the whole table for every selection costs its size in memory traffic; this form reads a
// fraction of it and gives every row's sum as an interval certain to hold the exact one, so that only the few
// items whose intervals reach the best need the exact table.
//
// The rows of a bank's table are smooth functions of θ sampled at the same nodes, so a few shared basis vectors
// carry nearly all of them: T ≈ U·Vᵀ with V the kRank leading eigenvectors of TᵀT (the right singular vectors of
// T, which make the residual's Frobenius norm the least possible; Eckart & Young 1936) and U = T·V rounded to
// single precision. Up to 1,024 nodes V comes from TᵀT itself; beyond, from subspace iteration with thin QR
// factorizations, so that no nodes × nodes matrix is ever formed (a 100,001-node grid would need 80 GB for it). For bank grids of log P or P the singular values fall by about half with every rank (for the
// benchmarks' 3PL bank of log P, the 13th is 8e−5 of the first). Each row keeps a bound on what its sums can be
// off by, in terms of ‖w‖₂: the exact residual's norm (Cauchy–Schwarz) plus single precision's rounding (Higham
// 2002, §3.1). The bound holds whatever the bank; how often it settles the choice depends on how smooth it is.

#include <Eigen/Core>

namespace irtcat {

class LowRankTable {
 public:
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// The number of basis vectors (fewer when the table has fewer columns).
  static constexpr Eigen::Index kRank = 12;
  /// approximate() fills this many rows at a time: its results have rows() rounded up to a multiple of it.
  /// (64 single-precision sums are four 512-bit registers per weight vector: enough independent additions to
  /// hide their latency.)
  static constexpr Eigen::Index kRowBlock = 64;

  /// An empty table: no rows.
  LowRankTable() = default;
  /// Compresses `table` (one row per item and category, one column per node; every entry finite). Time
  /// O(rows × nodes × kRank) (plus O(nodes³) up to 1,024 nodes), memory O((rows + nodes) × kRank) beside the
  /// table; done once per bank grid.
  explicit LowRankTable(const RowMatrix& table);

  Eigen::Index rows() const noexcept { return error_.size(); }
  Eigen::Index rank() const noexcept { return basis_.cols(); }

  /// For each column w of `weights` (one entry per node, finite, every |w_q| <= 2⁶⁴ so that nothing overflows single
  /// precision; callers scale theirs to a largest of about 1): sums(row, c) approximates
  /// Σ_q table(row, q)·weights(q, c) for every row (then zeros up to a multiple of kRowBlock), within
  /// error(row)·‖w‖₂ + absolute_error(). Instantiated for 1 and 3 columns.
  template <int Columns>
  void approximate(const Eigen::Matrix<double, Eigen::Dynamic, Columns>& weights,
                   Eigen::Matrix<float, Eigen::Dynamic, Columns>& sums) const;

  /// The bound per unit of ‖w‖₂ on how far a row's approximated sum can be from the exact one.
  const Eigen::VectorXf& error() const noexcept { return error_; }
  /// What single precision's underflow can add to any row's error, whatever the weights.
  double absolute_error() const noexcept { return absolute_error_; }

 private:
  Eigen::MatrixXd basis_;         // V: nodes × rank, orthonormal columns
  // U: rows padded to a multiple of kRowBlock, in panels: for each block of kRowBlock rows, its rank columns one
  // after the other, so that approximate() reads the table from start to end.
  Eigen::VectorXf coefficients_;
  Eigen::VectorXf error_;
  double absolute_error_ = 0.0;
};

}  // namespace irtcat
