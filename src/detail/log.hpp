#pragma once
// log(x) for positive normal x in arithmetic a compiler vectorizes: the KL rules take the log of every item's
// P(θ̂) and Q(θ̂) on every selection.
//
// Why not Eigen's log: Eigen 3.4's double log over an array ran no faster than std::log called once per value, and
// several times slower than exp_bounded (bench: BM_BestItem/kl, the README's table has the figures).
// This is the classic reduction (Tang 1990; Muller, "Elementary Functions", ch. 11; the form of 4.4BSD's log):
// x = 2^e·m with m in [√2/2, √2), f = m − 1 (exact), s = f/(2 + f), and
//   log(1 + f) = 2·atanh(s) = 2s + s·R,   R = Σ_{k>=1} 2·s^{2k}/(2k + 1),
// rearranged, with 2s = f − s·f and h = f²/2, as log(1 + f) = f − (h − s·(h + R)): f is exact and the bracket is
// a small correction, so the one division (in s) and the rounding of R barely reach the result. |s| <= 0.1716, so
// s² <= 0.0295 and the Taylor series of R cut after ten terms leaves under 2⁻⁶⁰ of the result. No table, no
// branch, no library call.

#include <bit>
#include <cstdint>

namespace irtcat::detail {

/// log(x) for a positive normal finite x (2^−1022 <= x < infinity), within one ulp of std::log. Other inputs give
/// a wrong but defined value (no undefined behaviour). (Always inlined: src/simd/ compiles its callers once per
/// instruction set, and a call would run baseline code.)
[[gnu::always_inline]] inline double log_normal(double x) noexcept {
  constexpr double kLn2High = 0x1.62e42feep-1;  // 33 significant bits: e·kLn2High is exact for |e| <= 1024
  constexpr double kLn2Low = 0x1.a39ef35793c76p-33;
  constexpr double kSqrt2 = 1.4142135623730951;
  constexpr std::uint64_t kSignificand = 0x000fffffffffffff;
  constexpr std::uint64_t kOne = 0x3ff0000000000000;       // the exponent field of 1.0
  constexpr std::uint64_t kIntegerShift = 0x4330000000000000;  // the bits of 2^52
  const auto bits = std::bit_cast<std::uint64_t>(x);
  // m in [1, 2) and the biased exponent as a double (2^52 + field − 2^52, exact): no integer-to-double conversion,
  // which some vector instruction sets lack.
  double m = std::bit_cast<double>((bits & kSignificand) | kOne);
  double e = std::bit_cast<double>((bits >> 52) | kIntegerShift) - (0x1p52 + 1023.0);
  const bool high = m > kSqrt2;
  m = high ? 0.5 * m : m;
  e = high ? e + 1.0 : e;
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double z2 = z * z;
  const double z4 = z2 * z2;
  // R = z·(2/3 + 2z/5 + ... + 2z⁹/21), the ten coefficients paired as in exp_bounded's Estrin scheme.
  const double r01 = 2.0 / 3.0 + z * (2.0 / 5.0);
  const double r23 = 2.0 / 7.0 + z * (2.0 / 9.0);
  const double r45 = 2.0 / 11.0 + z * (2.0 / 13.0);
  const double r67 = 2.0 / 15.0 + z * (2.0 / 17.0);
  const double r89 = 2.0 / 19.0 + z * (2.0 / 21.0);
  const double r = z * ((r01 + z2 * r23) + z4 * ((r45 + z2 * r67) + z4 * r89));
  const double h = 0.5 * f * f;
  return e * kLn2High - ((h - (s * (h + r) + e * kLn2Low)) - f);
}

}  // namespace irtcat::detail
