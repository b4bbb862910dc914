// detail::log_normal against std::log (glibc's log is correctly rounded in all but rare cases, so it serves as the
// reference to within half an ulp).
#include <doctest/doctest.h>

#include <cmath>
#include <iomanip>
#include <limits>
#include <random>

#include "detail/log.hpp"
#include "test_support.hpp"

using irtcat::detail::log_normal;

using irtcat::testing::ulps;

TEST_CASE("log_normal is within one ulp of std::log") {
  double worst = 0.0;
  // Every significand step of 2⁻¹⁶ in [1, 2) at a spread of exponents (both sides of the √2 switch, and the
  // exponents 0 and −1 where the result is the small log(1 + f) alone), then random normal numbers over the
  // whole range and random probabilities in (0, 1], with a fixed seed.
  for (int exponent : {-1022, -700, -100, -30, -2, -1, 0, 1, 2, 30, 700, 1023}) {
    for (double m = 1.0; m < 2.0; m += 0x1p-16) {
      const double x = std::ldexp(m, exponent);
      worst = std::max(worst, ulps(log_normal(x), std::log(x)));
    }
  }
  std::mt19937_64 rng(20261129);
  std::uniform_real_distribution<double> significand(1.0, 2.0), probability(0.0, 1.0);
  std::uniform_int_distribution<int> exponent(-1022, 1023);
  for (int i = 0; i < 200000; ++i) {
    const double x = i % 2 == 0 ? std::ldexp(significand(rng), exponent(rng)) : probability(rng);
    if (x < std::numeric_limits<double>::min()) continue;
    worst = std::max(worst, ulps(log_normal(x), std::log(x)));
  }
  // Around 1, where log x ≈ x − 1 is small and relative accuracy is hardest.
  for (double x = 1.0 - 1e-3; x < 1.0 + 1e-3; x += 1e-7) worst = std::max(worst, ulps(log_normal(x), std::log(x)));
  MESSAGE("largest difference from std::log: " << std::setprecision(10) << worst << " ulp");
  CHECK(worst <= 1.0);
}

TEST_CASE("log_normal: exact points and the ends of its domain") {
  CHECK(log_normal(1.0) == 0.0);
  CHECK(log_normal(2.0) == std::log(2.0));
  CHECK(log_normal(0.5) == -std::log(2.0));
  const double smallest = std::numeric_limits<double>::min();
  const double largest = std::numeric_limits<double>::max();
  CHECK(log_normal(smallest) == doctest::Approx(std::log(smallest)).epsilon(1e-16));
  CHECK(log_normal(largest) == doctest::Approx(std::log(largest)).epsilon(1e-16));
  CHECK(log_normal(std::nextafter(1.0, 0.0)) == std::log(std::nextafter(1.0, 0.0)));
  CHECK(log_normal(std::nextafter(1.0, 2.0)) == std::log(std::nextafter(1.0, 2.0)));
}
