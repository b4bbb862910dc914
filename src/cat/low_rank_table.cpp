#include "detail/low_rank_table.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>

#include "detail/random.hpp"
#include "simd/kernels.hpp"

namespace irtcat {
namespace {

using Eigen::Index;

// The smallest float at least `x` (x >= 0 and finite).
float round_up_to_float(double x) {
  const auto f = static_cast<float>(x);
  return static_cast<double>(f) >= x ? f : std::nextafter(f, std::numeric_limits<float>::infinity());
}

// Up to this many nodes, the basis comes from the eigenvectors of the nodes × nodes Gram matrix TᵀT (8 MiB at
// most); above it, by subspace iteration, whose memory is O((rows + nodes) × rank) beside the table's own.
constexpr Index kGramNodes = 1024;

// The `rank` leading eigenvectors of TᵀT, largest first.
Eigen::MatrixXd gram_basis(const LowRankTable::RowMatrix& table, Index rank) {
  const Eigen::MatrixXd gram = table.transpose() * table;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram);  // eigenvalues in increasing order
  return solver.eigenvectors().rightCols(rank).rowwise().reverse();
}

// An orthonormal basis of the columns of `m` (rows >= cols): the thin Q of its Householder QR.
Eigen::MatrixXd orthonormal_columns(const Eigen::MatrixXd& m) {
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
  return qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
}

// Approximately the `rank` leading right singular vectors of T, for tables with many nodes, without forming any
// nodes × nodes matrix: randomized subspace iteration (Halko, Martinsson & Tropp 2011, algorithms 4.4 and 5.1)
// from a fixed start, rank + 8 vectors and four passes, each pass two products with T and a thin QR; then the
// Rayleigh–Ritz step on the subspace found. Nothing depends on the basis being exactly the singular vectors: the
// error bound is computed from each row's actual residual. Bank tables, whose singular values halve with every
// rank, converge in a pass or two.
Eigen::MatrixXd subspace_basis(const LowRankTable::RowMatrix& table, Index rank) {
  const Index rows = table.rows();
  const Index nodes = table.cols();
  const Index width = std::min(nodes, rank + 8);
  detail::SplitMix64 rng(0x1ee7'7ab1e'5eedULL);
  Eigen::MatrixXd start(rows, width);
  for (Index i = 0; i < start.size(); ++i) start.data()[i] = 2.0 * detail::uniform01(rng) - 1.0;
  Eigen::MatrixXd basis = orthonormal_columns(table.transpose() * start);  // nodes × width
  for (int pass = 0; pass < 4; ++pass) {
    const Eigen::MatrixXd left = orthonormal_columns(table * basis);  // rows × width (rows >= width or not)
    basis = orthonormal_columns(table.transpose() * left);
  }
  // Rayleigh–Ritz: the leading eigenvectors of (TQ)ᵀ(TQ), a width × width matrix, rotated back.
  const Eigen::MatrixXd projected = table * basis;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(projected.transpose() * projected);
  return basis * solver.eigenvectors().rightCols(rank).rowwise().reverse();
}

}  // namespace

// The error bound. For a row T_r with U_r = fl32(T_r·V) and residual ρ_r = ‖T_r − U_r·Vᵀ‖₂, and weights w:
//   T_r·w = U_r·(Vᵀw) + (T_r − U_r·Vᵀ)·w, and the second term is at most ρ_r·‖w‖₂ (Cauchy–Schwarz).
// approximate() computes y = Vᵀw in double (each entry within n·u_d·‖w‖₂ of exact, n nodes, u_d = 2⁻⁵³; a
// column of V has norm 1), rounds it to single precision (2⁻²⁴ relative, u_s) and takes the dot product with
// U_r in single precision (γ_R·Σ|U_rc|·|ỹ_c| <= γ_R·‖U_r‖₂·‖ỹ‖₂). With ‖Vᵀw‖₂ <= ‖V‖₂·‖w‖₂ and ‖V‖₂ <= 1 + ε_V:
//   |T_r·w − approximation| <= (ρ_r + ‖U_r‖₂·((R + 2)·u_s + √R·n·u_d)·(1 + ε_V)·(1 + 2⁻²⁰))·‖w‖₂
// plus underflow: every single-precision product or rounding below the normal range is off by at most 2⁻¹⁵⁰
// absolutely, R products and R rounded entries of y weighted by |U_rc|.
// ρ_r itself is computed in double, within γ_{R+1}·(‖T_r‖₂ + √n·‖U_r‖₂) for the residual's entries and
// γ_{n+2} relative for the norm; error() adds both.
LowRankTable::LowRankTable(const RowMatrix& table) {
  const Index rows = table.rows();
  const Index nodes = table.cols();
  const Index rank = std::min(kRank, nodes);
  basis_ = nodes <= kGramNodes ? gram_basis(table, rank) : subspace_basis(table, rank);
  const double orthogonality = (basis_.transpose() * basis_ - Eigen::MatrixXd::Identity(rank, rank)).cwiseAbs().maxCoeff();
  const double basis_norm = 1.0 + static_cast<double>(rank) * (rank > 0 ? orthogonality : 0.0);

  const Eigen::MatrixXf single = (table * basis_).cast<float>();
  const auto padded = (rows + kRowBlock - 1) / kRowBlock * kRowBlock;
  coefficients_ = Eigen::VectorXf::Zero(padded * rank);
  for (Index row = 0; row < rows; ++row) {
    const Index block = row / kRowBlock;
    for (Index k = 0; k < rank; ++k) coefficients_((block * rank + k) * kRowBlock + row % kRowBlock) = single(row, k);
  }
  const Eigen::MatrixXd coefficients = single.cast<double>();

  constexpr double kSingle = 0x1p-24;
  constexpr double kDouble = 0x1p-53;
  const auto n = static_cast<double>(nodes);
  const auto r = static_cast<double>(rank);
  const double residual_slack = (r + n + 3.0) * 2.0 * kDouble;
  const double rounding = ((r + 2.0) * kSingle + std::sqrt(r) * n * kDouble) * basis_norm;
  error_.resize(rows);
  double largest_coefficient_sum = 0.0;
  for (Index row = 0; row < rows; ++row) {
    const double coefficient_norm = coefficients.row(row).norm();
    // Row by row: a whole residual matrix would be as large as the table.
    const double residual = (table.row(row) - coefficients.row(row) * basis_.transpose()).norm();
    const double rho = residual * (1.0 + residual_slack) +
                       residual_slack * (table.row(row).norm() + std::sqrt(n) * coefficient_norm);
    error_(row) = round_up_to_float((rho + coefficient_norm * rounding) * (1.0 + 0x1p-20));
    largest_coefficient_sum = std::max(largest_coefficient_sum, coefficients.row(row).cwiseAbs().sum());
  }
  absolute_error_ = 0x1p-150 * (largest_coefficient_sum + 2.0 * r);
}

template <int Columns>
void LowRankTable::approximate(const Eigen::Matrix<double, Eigen::Dynamic, Columns>& weights,
                               Eigen::Matrix<float, Eigen::Dynamic, Columns>& sums) const {
  static_assert(Columns > 0, "a fixed number of weight vectors");
  const Index rank = basis_.cols();
  // y = Vᵀw for every weight vector, rounded to single precision.
  float projected[Columns][kRank] = {};
  for (int c = 0; c < Columns; ++c) {
    for (Index k = 0; k < rank; ++k) projected[c][k] = static_cast<float>(basis_.col(k).dot(weights.col(c)));
  }
  const Index padded = rank > 0 ? coefficients_.size() / rank : (rows() + kRowBlock - 1) / kRowBlock * kRowBlock;
  sums.setZero(padded, Columns);
  if (rank > 0) detail::simd::low_rank_sums(coefficients_.data(), padded, rank, projected[0], Columns, sums.data());
}

template void LowRankTable::approximate<1>(const Eigen::Matrix<double, Eigen::Dynamic, 1>&,
                                           Eigen::Matrix<float, Eigen::Dynamic, 1>&) const;
template void LowRankTable::approximate<3>(const Eigen::Matrix<double, Eigen::Dynamic, 3>&,
                                           Eigen::Matrix<float, Eigen::Dynamic, 3>&) const;

}  // namespace irtcat
