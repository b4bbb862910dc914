#pragma once
// The random numbers of sessions and simulations. Every stream is splitmix64 (Steele, Lea & Flood 2014) started
// from a seed mixed with the stream's number (mix_seed): eight bytes of state, free to start, so that each
// session step and each simulated candidate gets its own stream and a result depends on the seed only, never on
// the thread that ran it. Uniforms come from the top 53 bits and responses by inversion, so the numbers are the
// same on every platform (std's distributions are not).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "irtcat/model.hpp"

namespace irtcat::detail {

/// splitmix64 as a UniformRandomBitGenerator.
class SplitMix64 {
 public:
  using result_type = std::uint64_t;
  explicit SplitMix64(std::uint64_t state) noexcept : state_(state) {}
  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }
  result_type operator()() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

/// A uniform draw on [0, 1).
inline double uniform01(SplitMix64& rng) noexcept { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

/// A uniform index in [0, count), count > 0.
inline std::size_t uniform_index(SplitMix64& rng, std::size_t count) noexcept {
  return std::min(count - 1, static_cast<std::size_t>(uniform01(rng) * static_cast<double>(count)));
}

/// A response drawn from the model at θ by inverting the cumulative category probabilities (for a dichotomous
/// item: correct when u >= 1 − P, i.e. with probability P).
inline int draw_response(const Item& item, double theta, double scaling, SplitMix64& rng) {
  const double u = uniform01(rng);
  if (is_dichotomous(item.model())) {
    const double p = probability(item, theta, scaling);
    return u < 1.0 - p ? 0 : 1;
  }
  const CategoryTerms terms = category_terms(item, theta, scaling);
  double cumulative = 0.0;
  for (int k = 0; k < terms.count; ++k) {
    cumulative += std::exp(terms.log_p[k]);
    if (u < cumulative) return k;
  }
  return terms.count - 1;
}

}  // namespace irtcat::detail
