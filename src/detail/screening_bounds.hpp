#pragma once
// The per-row screening intervals of KL/KLP and MEPV (selection_screening.cpp derives them): for one (item,
// category) row, with P_k(θ̂) (and log P_k(θ̂)) and the row's approximated weighted sums, an interval certain to hold
// the row's exact term. src/simd/ compiles the loop over a block of dichotomous items once per instruction set
// (simd::kullback_leibler_screen and simd::posterior_variance_screen); the polytomous rows call the same functions.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "detail/dichotomous_probability.hpp"

namespace irtcat::detail {

struct ScreenInterval {
  double low, high;
};

/// KL and KLP: what the bound of a row reads besides P and log P.
struct KullbackLeiblerScreen {
  const float* approximated = nullptr;  ///< per row, L̃_k = the low-rank Σ_q w̃_q·log P_k(θ_q)
  const float* error = nullptr;         ///< per row, the low-rank table's error per unit of ‖w̃‖₂
  double norm = 0.0;                    ///< ‖w̃‖₂
  double scaled_total = 0.0;            ///< Σ w̃
  double rounding = 0.0;
  double absolute = 0.0;
};

[[gnu::always_inline]] inline ScreenInterval kullback_leibler_bound(const KullbackLeiblerScreen& s, double p,
                                                                    double log_p, Eigen::Index row) {
  const auto integrated = static_cast<double>(s.approximated[row]);
  const double row_error = static_cast<double>(s.error[row]) * s.norm + s.absolute;
  const double score = p * (log_p * s.scaled_total - integrated);
  const double magnitude = std::abs(log_p) * s.scaled_total + std::abs(integrated) + row_error;
  const double radius = p * (row_error + s.rounding * magnitude);
  return {score - radius, score + radius};
}

/// MEPV: what the bound of a row reads besides P.
struct PosteriorVarianceScreen {
  const float* m0 = nullptr;  ///< per row, the low-rank moments m_0, m_1, m_2
  const float* m1 = nullptr;
  const float* m2 = nullptr;
  const float* error = nullptr;
  double norm0 = 0.0, norm1 = 0.0, norm2 = 0.0;
  double absolute = 0.0;
  double rounding = 0.0;
  double largest = 0.0;       ///< the largest variance on the nodes
  double undetermined = 0.0;  ///< the upper end when m_0 cannot be told from 0
};

[[gnu::always_inline]] inline ScreenInterval posterior_variance_bound(const PosteriorVarianceScreen& s, double p,
                                                                      Eigen::Index row) {
  const auto row_error = static_cast<double>(s.error[row]);
  const double e0 = row_error * s.norm0 + s.absolute, e1 = row_error * s.norm1 + s.absolute,
               e2 = row_error * s.norm2 + s.absolute;
  const auto m0 = static_cast<double>(s.m0[row]), m1 = static_cast<double>(s.m1[row]),
             m2 = static_cast<double>(s.m2[row]);
  const bool determined = (m0 > 0.0) & (e0 < 0.5 * m0);  // & and not &&: no branch, so the loop vectorizes
  const double inverse = 1.0 / (determined ? m0 : 1.0);
  const double inverse_low = inverse * (1.0 + 2.0 * e0 * inverse);  // at least 1/(m0 − e0)
  const double a = m2 * inverse, b = m1 * inverse;
  const double db = (e1 + std::abs(b) * e0) * inverse_low;
  const double d = (e2 + std::abs(a) * e0) * inverse_low + db * (2.0 * std::abs(b) + db);
  const double v = a - b * b;
  const double slack = s.rounding * (std::abs(a) + b * b + 2.0 * d);
  const double low = determined ? std::max(v - d - slack, 0.0) : 0.0;
  const double high = determined ? std::min(v + d, s.largest) + slack : s.undetermined;
  // The score is minus the expected variance: this row adds [−P·high, −P·low] to it.
  return {-p * high, -p * low};
}

/// The intervals of `count` dichotomous items from item `start` of a bank of dichotomous items only (item i has the
/// rows 2i and 2i + 1), each the sum of its two rows' bounds(p, log p, row), into low[0, count) and high[0, count).
template <typename RowBound>
[[gnu::always_inline]] inline void dichotomous_screen(const ProbabilityBlock& block, Eigen::Index start,
                                                      Eigen::Index count, RowBound bound, double* __restrict low,
                                                      double* __restrict high) {
  for (Eigen::Index r = 0; r < count; ++r) {
    const Eigen::Index row = 2 * (start + r);
    const ScreenInterval q = bound(block.q[r], block.log_q[r], row);
    const ScreenInterval p = bound(block.p[r], block.log_p[r], row + 1);
    low[r] = q.low + p.low;
    high[r] = q.high + p.high;
  }
}

}  // namespace irtcat::detail
