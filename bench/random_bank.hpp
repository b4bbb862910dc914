// A bank of random 3PL items for the plain bench programs (exposure_table, simulate_timing).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat::bench {

/// Uniform ranges of the three parameters.
struct ThreePlRanges {
  std::pair<double, double> a, b, c;
};

/// `n` 3PL items "i0", "i1", ..., each drawn c, then b, then a (a fixed order, not one call's argument order) from
/// one mt19937_64 seeded with `seed`.
inline ItemBank random_3pl_bank(int n, std::uint64_t seed, const ThreePlRanges& ranges) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(ranges.a.first, ranges.a.second), b(ranges.b.first, ranges.b.second),
      c(ranges.c.first, ranges.c.second);
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    const double guessing = c(rng);
    const double difficulty = b(rng);
    const double slope = a(rng);
    std::string id = "i";  // not "i" + std::to_string(i): GCC 12 warns of a memcpy overlap it imagines there
    id += std::to_string(i);
    items.push_back(Item::dichotomous(ItemId(id), Model::three_pl, slope, difficulty, guessing));
  }
  return ItemBank(std::move(items));
}

}  // namespace irtcat::bench
