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

/// log(exp(x) − 1) for x > 0, without overflow for large x.
inline double log_expm1(double x) noexcept { return x > 1.0 ? x + std::log1p(-std::exp(-x)) : std::log(std::expm1(x)); }

}  // namespace irtcat::detail
