#pragma once
// The block kernels of the grid-integrated selection rules (KL and KLP, MEPV, MEI, MLWI and MPWI) on plain arrays:
// src/simd/ compiles them once per instruction set (simd::kullback_leibler and the others in simd/kernels.hpp), and
// detail/selection_kernels.hpp calls them there. Every loop keeps one lane per row and adds over the nodes in node
// order, so each row's value is the same to the last bit on every target and in every lane of a block.

#include <Eigen/Core>

namespace irtcat::detail {

/// Rows per call of the KL kernel, and per panel of the MEPV and MEI kernels (BankGrid::kRowPanel), and items per
/// call of the weighted-information kernel (BankGrid::kItemBlock).
inline constexpr Eigen::Index kRowBlock = 8;

/// The posterior weights of MEPV and MEI over `nodes` nodes: w̃_q, w̃_q·(θ_q − μ) and w̃_q·(θ_q − μ)²
/// (MomentWeights, detail/selection_kernels.hpp).
struct MomentColumns {
  const double* mass = nullptr;
  const double* first = nullptr;
  const double* second = nullptr;
  Eigen::Index nodes = 0;
};

/// KL terms of kRowBlock rows: out[r] = at_theta[r]·(log_at_theta[r]·total − Σ_q log_p[r·nodes + q]·weights[q]).
[[gnu::always_inline]] inline void kullback_leibler_block(const double* log_p, Eigen::Index nodes,
                                                          const double* weights, double total, const double* at_theta,
                                                          const double* log_at_theta, double* out) {
  double integrated[kRowBlock] = {};
  for (Eigen::Index q = 0; q < nodes; ++q) {
    for (Eigen::Index r = 0; r < kRowBlock; ++r) integrated[r] += log_p[r * nodes + q] * weights[q];
  }
  for (Eigen::Index r = 0; r < kRowBlock; ++r) out[r] = at_theta[r] * (log_at_theta[r] * total - integrated[r]);
}

/// The moments m_j = Σ_q w̃_q (θ_q − μ)^j P(θ_q), j = 0, 1, 2, of one panel of kRowBlock rows (BankGrid's
/// probability_panels() layout: node by node, kRowBlock rows each).
struct PanelMoments {
  double m0[kRowBlock];
  double m1[kRowBlock];
  double m2[kRowBlock];
};
[[gnu::always_inline]] inline void panel_moments(const double* __restrict panel, const MomentColumns& weights,
                                                 PanelMoments& out) {
  for (Eigen::Index r = 0; r < kRowBlock; ++r) out.m0[r] = out.m1[r] = out.m2[r] = 0.0;
  for (Eigen::Index q = 0; q < weights.nodes; ++q, panel += kRowBlock) {
    const double mass = weights.mass[q], first = weights.first[q], second = weights.second[q];
    for (Eigen::Index r = 0; r < kRowBlock; ++r) {
      out.m0[r] += panel[r] * mass;
      out.m1[r] += panel[r] * first;
      out.m2[r] += panel[r] * second;
    }
  }
}

/// MEPV terms of one panel: out[r] = at_theta[r]·max(m2/m0 − (m1/m0)², 0), 0 where m0 is 0.
[[gnu::always_inline]] inline void posterior_variance_block(const double* panel, const MomentColumns& weights,
                                                            const double* at_theta, double* out) {
  PanelMoments m;
  panel_moments(panel, weights, m);
  for (Eigen::Index r = 0; r < kRowBlock; ++r) {
    const double inverse = m.m0[r] > 0.0 ? 1.0 / m.m0[r] : 0.0;
    const double shift = m.m1[r] * inverse;
    const double variance = m.m2[r] * inverse - shift * shift;
    out[r] = at_theta[r] * (variance > 0.0 ? variance : 0.0);
  }
}

/// MEI: the posterior mean after answering each row of one panel, mean + m1/m0 (`mean` where m0 is 0).
[[gnu::always_inline]] inline void posterior_means_block(const double* panel, const MomentColumns& weights,
                                                         double mean, double* out) {
  PanelMoments m;
  panel_moments(panel, weights, m);
  for (Eigen::Index r = 0; r < kRowBlock; ++r) out[r] = m.m0[r] > 0.0 ? mean + m.m1[r] / m.m0[r] : mean;
}

/// MLWI and MPWI: out[r] = Σ_q weights[q]·table[q·stride + r] for kRowBlock items, summed over the nodes in order
/// (`table` column-major, one column per node, starting at the block's first item).
[[gnu::always_inline]] inline void weighted_information_block(const double* table, Eigen::Index stride,
                                                              const double* weights, Eigen::Index nodes,
                                                              double* out) {
  double sum[kRowBlock] = {};
  for (Eigen::Index q = 0; q < nodes; ++q, table += stride) {
    const double w = weights[q];
    for (Eigen::Index r = 0; r < kRowBlock; ++r) sum[r] += table[r] * w;
  }
  for (Eigen::Index r = 0; r < kRowBlock; ++r) out[r] = sum[r];
}

}  // namespace irtcat::detail
