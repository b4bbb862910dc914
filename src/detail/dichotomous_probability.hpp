#pragma once
// P(θ), Q(θ) = 1 − P(θ) and, when asked, their logs for a block of dichotomous items at one θ: the per-item
// quantities of the KL, KLP (with the logs), MEPV and MEI (without) rules. One kernel on whole padded blocks
// (simd::probabilities, the code below compiled for each instruction set) serves every path of a rule (scoring every
// item, screening, and the exact rescoring after a screen), so an item's values are the same numbers to the last
// bit whichever path computes them.

#include <Eigen/Core>

#include "detail/dichotomous_information.hpp"
#include "detail/log.hpp"

namespace irtcat::detail {

inline constexpr Eigen::Index kProbabilityBlock = 64;

/// Whether probability_block also takes the logs (two of its three divisions per item).
enum class Logs { skip, compute };

struct ProbabilityBlock {
  double p[kProbabilityBlock];
  double q[kProbabilityBlock];
  double log_p[kProbabilityBlock];
  double log_q[kProbabilityBlock];
};

/// The rows [start, start + kProbabilityBlock) of `rows`, which must all exist. From scaled_probabilities (every term
/// positive), P and Q take one division between them.
/// P and Q are at least their values at |z| = kMaxLogit (about 1e−304 for c = 0 and d = 1), so their logs are finite.
/// Without logs, log_p and log_q are left as they were. (Always inlined, as the functions it calls.)
template <Logs kLogs>
[[gnu::always_inline]] inline void probability_block(const DichotomousColumns& rows, Eigen::Index start, double theta,
                                                     ProbabilityBlock& out) {
  const double* __restrict da = rows.da + start;
  const double* __restrict dab = rows.dab + start;
  const double* __restrict c = rows.c + start;
  const double* __restrict spread = rows.spread + start;
  const double* __restrict one_minus_d = rows.one_minus_d + start;
  for (Eigen::Index r = 0; r < kProbabilityBlock; ++r) {
    const ScaledProbabilities s = scaled_probabilities(da[r], dab[r], c[r], spread[r], one_minus_d[r], theta);
    const double inverse = 1.0 / s.one_plus_t;
    const double p = s.p * inverse;
    const double q = s.q * inverse;
    out.p[r] = p;
    out.q[r] = q;
    if constexpr (kLogs == Logs::compute) {
      out.log_p[r] = log_normal(p);
      out.log_q[r] = log_normal(q);
    }
  }
}

}  // namespace irtcat::detail
