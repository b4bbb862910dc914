#pragma once
// Stable logistic arithmetic shared by the scalar and vectorized model code.

#include <algorithm>
#include <cmath>

#include "irtcat/model.hpp"

namespace irtcat::detail {

/// D·a·(θ − b) clamped to ±kMaxLogit.
inline double clamped_logit(double z) noexcept { return std::clamp(z, -kMaxLogit, kMaxLogit); }

/// σ(z) = 1 / (1 + exp(−z)) and σ(−z), each computed without cancellation.
struct Sigmoid {
  double s;   ///< σ(z)
  double sb;  ///< σ(−z) = 1 − σ(z)
};
inline Sigmoid sigmoid_pair(double z) noexcept {
  const double e = std::exp(-std::abs(z));
  const double big = 1.0 / (1.0 + e);
  const double small = e * big;
  return z >= 0 ? Sigmoid{big, small} : Sigmoid{small, big};
}

/// log σ(z) = −log(1 + exp(−z)), exact for large |z| of either sign.
inline double log_sigmoid(double z) noexcept {
  return z >= 0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z));
}

/// log P = log(c + (d − c)·σ(z)) of a dichotomous item, taken as log d + log σ(z) when c = 0 (exact in the far
/// tail). `s` = σ(z) is read only when c ≠ 0. The one formula of the scalar model code and the posterior's grid.
inline double log_p_dichotomous(double c, double d, double z, double s) noexcept {
  return c == 0.0 ? std::log(d) + log_sigmoid(z) : std::log(c + (d - c) * s);
}

/// log Q = log((1 − d) + (d − c)·σ(−z)), taken as log(1 − c) + log σ(−z) when d = 1. `sb` = σ(−z) is read only
/// when d ≠ 1.
inline double log_q_dichotomous(double c, double d, double z, double sb) noexcept {
  return d == 1.0 ? std::log1p(-c) + log_sigmoid(-z) : std::log((1.0 - d) + (d - c) * sb);
}

/// log(exp(x) − 1) for x > 0, without overflow for large x.
inline double log_expm1(double x) noexcept { return x > 1.0 ? x + std::log1p(-std::exp(-x)) : std::log(std::expm1(x)); }

}  // namespace irtcat::detail
