#pragma once
// What a Workspace holds: one buffer per temporary of the selection kernels, the screens and the posterior. Each
// routine that uses one resizes it (or assigns it) before reading, so no value carries from one call to the next.

#include <Eigen/Core>
#include <array>
#include <vector>

#include "irtcat/workspace.hpp"

namespace irtcat::detail {

/// The per-row temporaries of the selection kernels (a row per item and category): P(θ̂), log P(θ̂) and a rule's
/// term per row.
enum class Scratch { at_theta, log_at_theta, per_row };

struct WorkspaceBuffers {
  std::array<Eigen::ArrayXd, 3> rows;  ///< indexed by Scratch
  std::vector<double> table_block;     ///< a block of grid-table rows copied out (a padded last block, one item's)
  std::vector<double> low, high;       ///< the screens' per-item intervals
  Eigen::VectorXd scaled;              ///< weights scaled to a largest of 1 (KL's screen)
  Eigen::VectorXf scaled_single;       ///< the same in single precision (MLWI's and MPWI's screen)
  Eigen::VectorXf sums_single;         ///< a screen's per-row (or per-item) approximated sums
  Eigen::Matrix<double, Eigen::Dynamic, 3> moment_columns;       ///< MEPV's three weight vectors
  Eigen::Matrix<float, Eigen::Dynamic, 3> moment_approximations; ///< their approximated sums per row
};

/// Buffer `slot` of `workspace`, sized to `size` entries (values unspecified).
inline Eigen::ArrayXd& scratch(WorkspaceBuffers& workspace, Scratch slot, Eigen::Index size) {
  Eigen::ArrayXd& buffer = workspace.rows[static_cast<std::size_t>(slot)];
  buffer.resize(size);
  return buffer;
}

}  // namespace irtcat::detail
