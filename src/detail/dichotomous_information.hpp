#pragma once
// The Fisher information of dichotomous items, in fixed blocks of rows. The bank's information pass and the
// bounded maximum-information search both use this one kernel, and a partial block is padded rather than finished
// by scalar code, so an item's information is the same number to the last bit whichever of them computes it and
// wherever the item sits in its array (Eigen's vectorized exp and std::exp may differ in the last place).

#include <Eigen/Core>
#include <algorithm>

#include "irtcat/model.hpp"

namespace irtcat::detail {

inline constexpr Eigen::Index kInformationBlock = 8;
using InformationBlock = Eigen::Array<double, kInformationBlock, 1>;

/// Row-aligned parameter arrays of dichotomous items (DichotomousArrays' layout, scaling folded in).
struct DichotomousColumns {
  const double* da;           ///< D·a
  const double* dab;          ///< D·a·b
  const double* c;            ///< lower asymptote
  const double* spread;       ///< d − c
  const double* one_minus_d;  ///< 1 − d
};

/// I = (Da·(d − c)·s·s̄)² / (P·Q) with s = σ(z), s̄ = σ(−z) = e·s, e = exp(−z), z clamped to ±kMaxLogit, for the
/// kInformationBlock rows from `start`. (The square underflows to 0 beyond |z| ≈ 354, where the information is
/// below 1e−150 anyway.)
inline void information_block(const DichotomousColumns& rows, Eigen::Index start, double theta, double* out) {
  using Rows = Eigen::Map<const InformationBlock>;
  const Rows da(rows.da + start);
  const Rows spread(rows.spread + start);
  const InformationBlock e = (Rows(rows.dab + start) - da * theta).max(-kMaxLogit).min(kMaxLogit).exp();
  const InformationBlock s = (1.0 + e).inverse();
  const InformationBlock sb = e * s;
  const Rows c(rows.c + start);
  const Rows one_minus_d(rows.one_minus_d + start);
  Eigen::Map<InformationBlock> information(out);
  information = (da * spread * s * sb).square() / ((c + spread * s) * (one_minus_d + spread * sb));
}

/// The information of rows [0, n) into out[0, n).
inline void dichotomous_information(const DichotomousColumns& rows, Eigen::Index n, double theta, double* out) {
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
