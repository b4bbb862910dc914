#pragma once
// The Fisher information of dichotomous items, in fixed blocks of rows. The bank's information pass and the
// bounded maximum-information search both use this one kernel, and a partial block is padded rather than finished
// by scalar code, so an item's information is the same number to the last bit whichever of them computes it and
// wherever the item sits in its array (a compiler may fuse a multiply and an add in one loop and not in another).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "detail/exp.hpp"
#include "irtcat/model.hpp"

namespace irtcat::detail {

inline constexpr Eigen::Index kInformationBlock = 8;
static_assert(kMaxLogit <= -kExpUnderflow, "exp(−|z|) must stay in exp_bounded's domain");
using InformationBlock = Eigen::Array<double, kInformationBlock, 1>;

/// Row-aligned parameter arrays of dichotomous items (DichotomousArrays' layout, scaling folded in).
struct DichotomousColumns {
  const double* da;           ///< D·a
  const double* dab;          ///< D·a·b
  const double* c;            ///< lower asymptote
  const double* spread;       ///< d − c
  const double* one_minus_d;  ///< 1 − d
};

/// What the information and probability kernels share at one θ: t = exp(−|z|) <= 1, z = Da·(θ − b) clamped to
/// ±kMaxLogit, and P, Q scaled by 1 + t, P(1 + t) = c·(1 + t) + (d − c)·u and Q(1 + t) = (1 − d)·(1 + t) + (d − c)·v,
/// (u, v) = (1, t) if z >= 0, else (t, 1): every term positive, no cancellation.
struct ScaledProbabilities {
  double t;           ///< exp(−|z|)
  double one_plus_t;  ///< 1 + t
  double p;           ///< P·(1 + t)
  double q;           ///< Q·(1 + t)
};
[[gnu::always_inline]] inline ScaledProbabilities scaled_probabilities(double da, double dab, double c, double spread,
                                                                      double one_minus_d, double theta) noexcept {
  const double z = da * theta - dab;
  const double t = exp_bounded(-std::min(std::abs(z), kMaxLogit));
  const double one_plus_t = 1.0 + t;
  const bool upper = z >= 0.0;
  return {t, one_plus_t, c * one_plus_t + spread * (upper ? 1.0 : t), one_minus_d * one_plus_t + spread * (upper ? t : 1.0)};
}

/// I = (Da·(d − c)·s·s̄)² / (P·Q), s = σ(z), s̄ = σ(−z), z = Da·(θ − b) clamped to ±kMaxLogit, for the
/// kInformationBlock rows from `start`.
///
/// With t = exp(−|z|) <= 1, s·s̄ = t/(1 + t)², and P, Q share the denominator 1 + t:
///   P·(1 + t) = c·(1 + t) + (d − c)·u,   Q·(1 + t) = (1 − d)·(1 + t) + (d − c)·v,   (u, v) = (1, t) if z >= 0, else (t, 1),
/// so I = (Da·(d − c)·t)² / ((1 + t)²·P(1 + t)·Q(1 + t)): one exp of a non-positive argument, one division, every
/// term positive (no cancellation). (The square underflows to 0 beyond |z| ≈ 354, where the information is below
/// 1e−150 anyway.) A plain loop over the block, which the compiler vectorizes.
[[gnu::always_inline]] inline void information_block(const DichotomousColumns& rows, Eigen::Index start, double theta,
                                                     double* out) {
  const double* __restrict da = rows.da + start;
  const double* __restrict dab = rows.dab + start;
  const double* __restrict c = rows.c + start;
  const double* __restrict spread = rows.spread + start;
  const double* __restrict one_minus_d = rows.one_minus_d + start;
  double* __restrict information = out;
  for (Eigen::Index r = 0; r < kInformationBlock; ++r) {
    const ScaledProbabilities s = scaled_probabilities(da[r], dab[r], c[r], spread[r], one_minus_d[r], theta);
    const double slope = da[r] * spread[r] * s.t;
    information[r] = slope * slope / (s.one_plus_t * s.one_plus_t * s.p * s.q);
  }
}

/// The information of rows [0, n) into out[0, n). (It and the functions above are always inlined: src/simd/
/// compiles the callers once per instruction set, and a call would run baseline code.)
[[gnu::always_inline]] inline void dichotomous_information(const DichotomousColumns& rows, Eigen::Index n,
                                                           double theta, double* out) {
  Eigen::Index start = 0;
  for (; start + kInformationBlock <= n; start += kInformationBlock) information_block(rows, start, theta, out + start);
  const Eigen::Index tail = n - start;
  if (tail == 0) return;
  // The last rows, padded with a harmless item (a 2PL item, whose information is finite everywhere).
  InformationBlock da = InformationBlock::Ones(), dab = InformationBlock::Zero(), c = InformationBlock::Zero(),
                   spread = InformationBlock::Ones(), one_minus_d = InformationBlock::Zero(), result;
  std::copy_n(rows.da + start, tail, da.data());
  std::copy_n(rows.dab + start, tail, dab.data());
  std::copy_n(rows.c + start, tail, c.data());
  std::copy_n(rows.spread + start, tail, spread.data());
  std::copy_n(rows.one_minus_d + start, tail, one_minus_d.data());
  information_block({da.data(), dab.data(), c.data(), spread.data(), one_minus_d.data()}, 0, theta, result.data());
  std::copy_n(result.data(), tail, out + start);
}

}  // namespace irtcat::detail
