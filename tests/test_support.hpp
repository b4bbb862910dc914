#pragma once
// Shared fixtures for the tests: one item of each model, and response simulation with a fixed seed.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "irtcat/irtcat.hpp"

namespace irtcat::testing {

/// |value − reference| in units in the last place of the reference (of its magnitude, for a negative one).
inline double ulps(double value, double reference) {
  const double magnitude = std::abs(reference);
  const double ulp = std::nextafter(magnitude, std::numeric_limits<double>::infinity()) - magnitude;
  return std::abs(value - reference) / ulp;
}

/// `text` with the first occurrence of `from` replaced by `to` (which must be there: the test fails otherwise).
inline std::string replaced_first(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

/// The standard normal distribution function, by erfc (so that far into the lower tail it keeps its relative accuracy).
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

/// prefix followed by the number: "i" and 7 give "i7".
inline std::string numbered(const char* prefix, int number) {
  std::string text(prefix);
  text += std::to_string(number);
  return text;
}

#ifdef IRTCAT_ITEM_BANKS
/// The roles of item_banks/roles.json.
inline RoleCatalog shipped_roles() { return read_role_catalog_file(std::string(IRTCAT_ITEM_BANKS) + "/roles.json"); }
#endif

inline Item one_pl() { return Item::dichotomous(ItemId("r1"), Model::one_pl, 1.0, -0.4); }
inline Item two_pl() { return Item::dichotomous(ItemId("t2"), Model::two_pl, 1.3, 0.5); }
inline Item three_pl() { return Item::dichotomous(ItemId("t3"), Model::three_pl, 1.7, 0.2, 0.22); }
inline Item four_pl() { return Item::dichotomous(ItemId("t4"), Model::four_pl, 1.1, -0.6, 0.15, 0.93); }
inline Item graded() { return Item::polytomous(ItemId("g1"), Model::grm, 1.4, {-1.2, 0.1, 1.3}); }
inline Item gpcm() { return Item::polytomous(ItemId("p1"), Model::gpcm, 0.9, {-0.8, 0.9, 0.3}); }
inline Item pcm() { return Item::polytomous(ItemId("m1"), Model::pcm, 1.0, {-1.0, 0.5}); }

inline std::vector<Item> one_of_each_model() {
  return {one_pl(), two_pl(), three_pl(), four_pl(), graded(), gpcm(), pcm()};
}

/// Two items with the same id, model and parameters, to the last bit.
inline void check_same_item(const Item& a, const Item& b) {
  CAPTURE(a.id().str());
  CHECK(a.id() == b.id());
  CHECK(a.model() == b.model());
  CHECK(a.a() == b.a());
  CHECK(a.c() == b.c());
  CHECK(a.d() == b.d());
  CHECK(std::vector<double>(a.thresholds().begin(), a.thresholds().end()) ==
        std::vector<double>(b.thresholds().begin(), b.thresholds().end()));
}

/// Two items' metadata with the same topic, status and content (stem, options, key, explanation, difficulty).
inline void check_same_content(const ItemMetadata& a, const ItemMetadata& b) {
  CHECK(a.topic == b.topic);
  CHECK(a.active == b.active);
  CHECK(a.content.stem == b.content.stem);
  CHECK(a.content.options == b.content.options);
  CHECK(a.content.key == b.content.key);
  CHECK(a.content.explanation == b.content.explanation);
  CHECK(a.content.difficulty == b.content.difficulty);
}

/// Draws one response of `item` at `theta` from the model.
inline int draw_response(const Item& item, double theta, double scaling, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double u = uniform(rng);
  double cumulative = 0.0;
  for (int k = 0; k < item.category_count(); ++k) {
    cumulative += probability(item, k, theta, scaling);
    if (u < cumulative) return k;
  }
  return item.category_count() - 1;
}

/// Responses of a simulee with ability `theta` to every item of the bank.
inline std::vector<Response> simulate_pattern(const ItemBank& bank, double theta, std::mt19937_64& rng) {
  std::vector<Response> pattern;
  for (std::size_t i = 0; i < bank.size(); ++i) {
    pattern.push_back({ItemIndex{i}, draw_response(bank.items()[i], theta, bank.scaling(), rng)});
  }
  return pattern;
}

/// A bank of n items of one model with parameters spread over the usual ranges (fixed seed).
inline ItemBank spread_bank(Model model, int n, std::uint64_t seed, double scaling = 1.0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.8, 2.0);
  std::uniform_real_distribution<double> b(-2.5, 2.5);
  std::uniform_real_distribution<double> c(0.05, 0.25);
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    const ItemId id(numbered("i", i));
    // Draws in a fixed order, never inside one call's arguments (their order is unspecified: GCC evaluates them
    // right to left, clang left to right, and the banks must be the same whichever compiles the tests). The order
    // is the one GCC used when the tests' figures were set.
    switch (model) {
      case Model::two_pl: {
        const double difficulty = b(rng);
        const double slope = a(rng);
        items.push_back(Item::dichotomous(id, model, slope, difficulty));
        break;
      }
      case Model::three_pl: {
        const double guessing = c(rng);
        const double difficulty = b(rng);
        const double slope = a(rng);
        items.push_back(Item::dichotomous(id, model, slope, difficulty, guessing));
        break;
      }
      case Model::four_pl: {
        const double upper = 1.0 - c(rng) / 2;
        const double guessing = c(rng);
        const double difficulty = b(rng);
        const double slope = a(rng);
        items.push_back(Item::dichotomous(id, model, slope, difficulty, guessing, upper));
        break;
      }
      case Model::grm: {
        const double base = b(rng);
        items.push_back(Item::polytomous(id, model, a(rng), {base - 1.0, base, base + 0.9}));
        break;
      }
      case Model::gpcm: {
        const std::vector<double> thresholds = {b(rng), b(rng), b(rng)};  // a braced list runs left to right
        const double slope = a(rng);
        items.push_back(Item::polytomous(id, model, slope, thresholds));
        break;
      }
      default: items.push_back(Item::dichotomous(id, Model::one_pl, 1.0, b(rng))); break;
    }
  }
  return ItemBank(std::move(items), scaling);
}

}  // namespace irtcat::testing
