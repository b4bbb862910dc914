#pragma once
// exp(x) for x <= 0 in arithmetic a compiler vectorizes: the information kernel and the posterior moments call it
// once per item or node on every step of a session.
//
// Why not Eigen's exp: Eigen 3.4 evaluates double exp as a Padé quotient, one division per value, and on current
// x86 cores a vector division costs about 2 cycles per double, more than the whole polynomial below. glibc's
// vector exp (libmvec) is reachable only under -ffast-math. This is the textbook method (Cody & Waite 1980;
// Muller, "Elementary Functions", ch. 11): x = n·ln 2 + r with |r| <= ln(2)/2, exp(r) by its Taylor polynomial of
// degree 13 (remainder below 5e−18 relative, under a twentieth of an ulp), and 2^n put into the exponent bits.
// Every step is a multiply, an add or an integer add: no table, no branch, no library call, so a loop of it
// vectorizes. Within one ulp of std::exp wherever tests/exp_test.cpp samples [−708, 0], with or without fused
// multiply-adds.

#include <bit>
#include <cstdint>

namespace irtcat::detail {

/// The lower end of exp_bounded's domain: exp(x) is under the smallest normal double (2^−1022 ≈ e^−708.4) below it.
inline constexpr double kExpUnderflow = -708.0;

/// (Always inlined: src/simd/ compiles its callers once per instruction set, and a call would run baseline code.)
/// exp(x) for kExpUnderflow <= x <= 0, within one ulp of std::exp. Outside that domain the value is wrong (but
/// defined: there is no undefined behaviour); exp_nonpositive takes any x <= 0.
[[gnu::always_inline]] inline double exp_bounded(double x) noexcept {
  constexpr double kLog2e = 1.4426950408889634;
  // ln 2 split so that n·kLn2High is exact for |n| <= 1024 (kLn2High has 33 significant bits).
  constexpr double kLn2High = 0x1.62e42feep-1;
  constexpr double kLn2Low = 0x1.a39ef35793c76p-33;
  // Adding 1.5·2^52 rounds x·log2(e) to the nearest integer n and leaves n in the low bits of the sum.
  constexpr double kRoundingShift = 0x1.8p52;

  const double shifted = x * kLog2e + kRoundingShift;
  const double n = shifted - kRoundingShift;
  const double r = (x - n * kLn2High) - n * kLn2Low;
  // exp(r) = 1 + (r + r²·E(r)), E(r) = Σ_{k=2..13} r^(k−2)/k!, with E by Estrin's scheme (pairs, then pairs of
  // pairs), so that the chain of dependent operations is 6 deep instead of Horner's 13: that chain bounds a short
  // loop, such as the 33 nodes of a posterior or a block of the MFI search. The 1 is added last, as in Horner's
  // form, so that the result is rounded once at its own scale.
  const double r2 = r * r;
  const double r4 = r2 * r2;
  const double r8 = r4 * r4;
  const double e01 = 1.0 / 2.0 + r * (1.0 / 6.0);
  const double e23 = 1.0 / 24.0 + r * (1.0 / 120.0);
  const double e45 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  const double e67 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
  const double e89 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
  const double e1011 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
  const double e = (e01 + r2 * e23) + r4 * (e45 + r2 * e67) + r8 * (e89 + r2 * e1011);
  const double p = 1.0 + (r + r2 * e);
  // exp(r)·2^n: n (two's complement in the low bits of `shifted`) added to the exponent field.
  return std::bit_cast<double>(std::bit_cast<std::uint64_t>(p) + (std::bit_cast<std::uint64_t>(shifted) << 52));
}

/// exp(x) for any x <= 0 (−infinity included), within one ulp of std::exp above kExpUnderflow and 0 below it.
/// Precondition: x <= 0 and not NaN.
[[gnu::always_inline]] inline double exp_nonpositive(double x) noexcept {
  return x < kExpUnderflow ? 0.0 : exp_bounded(x);
}

}  // namespace irtcat::detail
