#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "irtcat/error.hpp"
#include "irtcat/model.hpp"
#include "test_support.hpp"

using namespace irtcat;
using irtcat::testing::one_of_each_model;

namespace {

// Literal values computed independently (Python, the textbook formulas of docs/conventions.md, double precision).
// Tolerance 1e-13: the two computations differ only by rounding in a handful of operations.
constexpr double kExact = 1e-13;

double total_probability(const Item& item, double theta, double scaling) {
  double sum = 0;
  for (int k = 0; k < item.category_count(); ++k) sum += probability(item, k, theta, scaling);
  return sum;
}

}  // namespace

TEST_CASE("model: hand-computed probabilities and information") {
  SUBCASE("2PL, D = 1") {
    const Item item = Item::dichotomous(ItemId("x"), Model::two_pl, 1.3, 0.5);
    CHECK(probability(item, 1.0, 1.0) == doctest::Approx(0.6570104626734988).epsilon(kExact));
    CHECK(information(item, 1.0, 1.0) == doctest::Approx(0.38083763769268103).epsilon(kExact));
  }
  SUBCASE("3PL, D = 1.702") {
    const Item item = Item::dichotomous(ItemId("x"), Model::three_pl, 1.7, 0.2, 0.22);
    CHECK(probability(item, 0.0, kNormalOgiveScaling) == doctest::Approx(0.5002043780940728).epsilon(kExact));
    CHECK(information(item, 0.0, kNormalOgiveScaling) == doctest::Approx(1.0794997376878055).epsilon(kExact));
  }
  SUBCASE("4PL, D = 1") {
    const Item item = Item::dichotomous(ItemId("x"), Model::four_pl, 1.1, -0.6, 0.15, 0.93);
    CHECK(probability(item, 0.4, 1.0) == doctest::Approx(0.7352028823641918).epsilon(kExact));
    CHECK(information(item, 0.4, 1.0) == doctest::Approx(0.13275585266245235).epsilon(kExact));
  }
  SUBCASE("GRM, D = 1") {
    const Item item = Item::polytomous(ItemId("x"), Model::grm, 1.4, {-1.2, 0.1, 1.3});
    const double expected[] = {0.10909682119561293, 0.32135695486515803, 0.3717301124978108, 0.19781611144141825};
    for (int k = 0; k < 4; ++k) CHECK(probability(item, k, 0.3, 1.0) == doctest::Approx(expected[k]).epsilon(kExact));
    CHECK(information(item, 0.3, 1.0) == doctest::Approx(0.5921860508689594).epsilon(kExact));
  }
  SUBCASE("GPCM, D = 1.702") {
    const Item item = Item::polytomous(ItemId("x"), Model::gpcm, 0.9, {-0.8, 0.9, 0.3});
    const double expected[] = {0.3542021602117922, 0.5608243888571538, 0.0656861321075586, 0.019287318823495523};
    for (int k = 0; k < 4; ++k) {
      CHECK(probability(item, k, -0.5, kNormalOgiveScaling) == doctest::Approx(expected[k]).epsilon(kExact));
    }
    CHECK(information(item, -0.5, kNormalOgiveScaling) == doctest::Approx(1.0196725858350262).epsilon(kExact));
  }
}

TEST_CASE("model: closed forms of information") {
  const double d = kNormalOgiveScaling;
  for (double theta : {-3.0, -0.7, 0.0, 1.1, 2.9}) {
    CAPTURE(theta);
    const Item two = testing::two_pl();
    const double p2 = probability(two, theta, d);
    CHECK(information(two, theta, d) == doctest::Approx(d * d * 1.3 * 1.3 * p2 * (1 - p2)).epsilon(1e-12));

    // 3PL (Lord 1980): I = D²a² (Q/P) ((P − c)/(1 − c))².
    const Item three = testing::three_pl();
    const double p3 = probability(three, theta, d);
    const double lord = d * d * 1.7 * 1.7 * (1 - p3) / p3 * std::pow((p3 - 0.22) / (1 - 0.22), 2);
    CHECK(information(three, theta, d) == doctest::Approx(lord).epsilon(1e-12));

    // GPCM: D²a² Var(category).
    const Item partial = testing::gpcm();
    double mean = 0;
    double second = 0;
    for (int k = 0; k < 4; ++k) {
      mean += k * probability(partial, k, theta, d);
      second += k * k * probability(partial, k, theta, d);
    }
    CHECK(information(partial, theta, d) == doctest::Approx(d * d * 0.81 * (second - mean * mean)).epsilon(1e-12));
    CHECK(expected_score(partial, theta, d) == doctest::Approx(mean).epsilon(1e-14));
  }
}

TEST_CASE("model: derivatives agree with finite differences") {
  // Central differences with h = 1e-5 have truncation error O(h²) ≈ 1e-10 and rounding error ≈ 1e-16/h ≈ 1e-11
  // relative to the values here; 1e-7 relative (absolute near zero) leaves a wide margin.
  constexpr double h = 1e-5;
  for (const Item& item : one_of_each_model()) {
    for (double scaling : {1.0, kNormalOgiveScaling}) {
      for (double theta : {-3.5, -1.0, 0.0, 0.4, 2.2, 3.9}) {
        CAPTURE(item.id().str());
        CAPTURE(theta);
        const CategoryTerms at = category_terms(item, theta, scaling);
        const CategoryTerms up = category_terms(item, theta + h, scaling);
        const CategoryTerms down = category_terms(item, theta - h, scaling);
        for (int k = 0; k < at.count; ++k) {
          CHECK(at.d1[k] == doctest::Approx((up.log_p[k] - down.log_p[k]) / (2 * h)).epsilon(1e-7).scale(1));
          CHECK(at.d2[k] == doctest::Approx((up.d1[k] - down.d1[k]) / (2 * h)).epsilon(1e-7).scale(1));
        }
      }
    }
  }
}

TEST_CASE("model: information equals the expected negative second derivative") {
  for (const Item& item : one_of_each_model()) {
    for (double theta : {-2.5, -0.3, 0.0, 1.7}) {
      CAPTURE(item.id().str());
      const CategoryTerms terms = category_terms(item, theta, 1.0);
      double expected_negative_hessian = 0;
      for (int k = 0; k < terms.count; ++k) expected_negative_hessian -= std::exp(terms.log_p[k]) * terms.d2[k];
      CHECK(information(terms) == doctest::Approx(expected_negative_hessian).epsilon(1e-12));
      CHECK(total_probability(item, theta, 1.0) == doctest::Approx(1.0).epsilon(1e-14));
    }
  }
}

TEST_CASE("model: Warm's J against its definition Σ P'P''/P") {
  constexpr double h = 1e-4;
  for (const Item& item : one_of_each_model()) {
    const double theta = 0.35;
    double j = 0;
    for (int k = 0; k < item.category_count(); ++k) {
      const double p = probability(item, k, theta);
      const double up = probability(item, k, theta + h);
      const double down = probability(item, k, theta - h);
      const double first = (up - down) / (2 * h);
      const double second = (up - 2 * p + down) / (h * h);
      j += first * second / p;
    }
    CAPTURE(item.id().str());
    CHECK(warm_j(category_terms(item, theta)) == doctest::Approx(j).epsilon(1e-5));
  }
}

TEST_CASE("model: the scaling constant multiplies a") {
  const Item scaled = Item::dichotomous(ItemId("s"), Model::three_pl, 1.2 * kNormalOgiveScaling, 0.3, 0.2);
  const Item item = Item::dichotomous(ItemId("s"), Model::three_pl, 1.2, 0.3, 0.2);
  for (double theta : {-2.0, 0.0, 1.5}) {
    CHECK(probability(item, theta, kNormalOgiveScaling) == doctest::Approx(probability(scaled, theta, 1.0)));
    CHECK(information(item, theta, kNormalOgiveScaling) == doctest::Approx(information(scaled, theta, 1.0)));
  }
}

TEST_CASE("model: finite for any finite theta") {
  for (const Item& item : one_of_each_model()) {
    for (double theta : {-1e300, -1e6, -700.0 / 1.3 + 0.5, -50.0, 50.0, 700.0 / 1.3 + 0.5, 1e6, 1e300}) {
      CAPTURE(item.id().str());
      CAPTURE(theta);
      const CategoryTerms terms = category_terms(item, theta, kNormalOgiveScaling);
      double total = 0;
      for (int k = 0; k < terms.count; ++k) {
        CHECK(std::isfinite(terms.log_p[k]));
        CHECK(std::isfinite(terms.d1[k]));
        CHECK(std::isfinite(terms.d2[k]));
        total += std::exp(terms.log_p[k]);
      }
      CHECK(total == doctest::Approx(1.0).epsilon(1e-12));
      CHECK(std::isfinite(information(terms)));
      CHECK(information(terms) >= 0);
      CHECK(std::isfinite(warm_j(terms)));
    }
  }
}

TEST_CASE("model: tails keep their precision") {
  // log P of an incorrect answer far above b: log σ(−z) ≈ −z, which a naive log(1 − P) would make −inf.
  const Item item = testing::two_pl();
  const double z = 1.3 * (40.0 - 0.5);
  CHECK(log_probability(item, 0, 40.0) == doctest::Approx(-z).epsilon(1e-14));
  // The middle GRM category far above every threshold is tiny but positive and its log exact.
  const Item grm = Item::polytomous(ItemId("g"), Model::grm, 1.0, {0.0, 1.0});
  const double theta = 60.0;
  const double expected = std::log(1.0 / (1.0 + std::exp(-(theta - 1.0)))) - theta + std::log(std::expm1(1.0));
  CHECK(log_probability(grm, 1, theta) == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("model: names") {
  for (Model model : {Model::one_pl, Model::two_pl, Model::three_pl, Model::four_pl, Model::grm, Model::gpcm,
                      Model::pcm}) {
    CHECK(model_from_string(to_string(model)) == model);
  }
  CHECK(model_from_string("Rasch") == Model::one_pl);
  CHECK(model_from_string("3PL") == Model::three_pl);
  CHECK_THROWS_AS(model_from_string("nrm"), InvalidArgument);
}

TEST_CASE("model: invalid items are refused") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const ItemId id("bad");
  CHECK_THROWS_AS(Item::dichotomous(ItemId(""), Model::two_pl, 1, 0), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::two_pl, 0, 0), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::two_pl, -1, 0), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::two_pl, nan, 0), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::two_pl, 1, inf), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::two_pl, 1, 0, 0.2), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::three_pl, 1, 0, -0.1), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::three_pl, 1, 0, 1.0), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::three_pl, 1, 0, 0.2, 0.9), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::four_pl, 1, 0, 0.5, 0.4), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::four_pl, 1, 0, 0.5, 0.5), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::four_pl, 1, 0, 0.1, 1.2), InvalidItem);
  CHECK_THROWS_AS(Item::dichotomous(id, Model::grm, 1, 0), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::two_pl, 1, {0.0}), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::grm, 1, {}), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::grm, 1, {0.5, 0.5}), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::grm, 1, {0.5, -0.5}), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::grm, 1, {0.0, nan}), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::gpcm, 0, {0.0}), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::pcm, 1.5, {0.0}), InvalidItem);
  CHECK_THROWS_AS(Item::polytomous(id, Model::gpcm, 1, std::vector<double>(kMaxCategories, 0.0)), InvalidItem);
  CHECK_NOTHROW(Item::polytomous(id, Model::gpcm, 1, {0.5, -0.5}));  // GPCM steps may be disordered
  CHECK_THROWS_AS(probability(testing::two_pl(), 2, 0.0), InvalidResponse);
  CHECK_THROWS_AS(probability(testing::two_pl(), -1, 0.0), InvalidResponse);
  CHECK_THROWS_AS(probability(testing::graded(), 0.0), InvalidArgument);
}
