// Exposure options and counts (src/cat/exposure.cpp): names, checks, strata, K lookup and the counters. What the
// methods do to a session's choices is tested in selection_test, sympson_hetter_test and simulation_test.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "irtcat/error.hpp"
#include "irtcat/exposure.hpp"

using namespace irtcat;

TEST_CASE("exposure: every method's name reads back as that method, spelling variants are accepted") {
  for (ExposureMethod method : {ExposureMethod::none, ExposureMethod::randomesque, ExposureMethod::sympson_hetter,
                                ExposureMethod::progressive_restricted, ExposureMethod::item_eligibility,
                                ExposureMethod::conditional_sympson_hetter}) {
    CHECK(exposure_method_from_string(to_string(method)) == method);
  }
  CHECK(exposure_method_from_string("Sympson-Hetter") == ExposureMethod::sympson_hetter);
  CHECK(exposure_method_from_string("PROGRESSIVE-RESTRICTED") == ExposureMethod::progressive_restricted);
  CHECK_THROWS_AS(exposure_method_from_string("sympson hetter"), InvalidArgument);
  CHECK_THROWS_AS(exposure_method_from_string(""), InvalidArgument);
}

TEST_CASE("exposure: options are checked against the bank's size") {
  ExposureOptions options;
  CHECK_NOTHROW(options.validate(10));
  SUBCASE("randomesque count") {
    options.randomesque_count = 0;
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
  }
  SUBCASE("K: one per item, each in [0, 1]") {
    options.method = ExposureMethod::sympson_hetter;
    options.sympson_hetter.assign(9, 0.5);
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
    options.sympson_hetter.assign(10, 0.5);
    CHECK_NOTHROW(options.validate(10));
    options.sympson_hetter[3] = 1.5;
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
    options.sympson_hetter[3] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
  }
  SUBCASE("conditional: cuts given, finite and increasing; K per item and stratum") {
    options.method = ExposureMethod::conditional_sympson_hetter;
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
    options.theta_cuts = {-1.0, 1.0};
    CHECK_NOTHROW(options.validate(10));
    options.sympson_hetter.assign(10, 1.0);
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
    options.sympson_hetter.assign(30, 1.0);
    CHECK_NOTHROW(options.validate(10));
    options.theta_cuts = {1.0, 1.0};
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
    options.theta_cuts = {-std::numeric_limits<double>::infinity(), 1.0};
    CHECK_THROWS_AS(options.validate(10), InvalidArgument);
  }
  SUBCASE("the highest rate is in (0, 1]") {
    for (double rate : {0.0, -0.1, 1.01, std::numeric_limits<double>::quiet_NaN()}) {
      options.max_rate = rate;
      CHECK_THROWS_AS(options.validate(10), InvalidArgument);
    }
    options.max_rate = 1.0;
    CHECK_NOTHROW(options.validate(10));
  }
}

TEST_CASE("exposure: a theta at a cut belongs to the stratum above, K is looked up in the estimate's stratum") {
  ExposureOptions options;
  options.method = ExposureMethod::conditional_sympson_hetter;
  options.theta_cuts = {-1.0, 0.5};
  CHECK(options.stratum(-3.0) == 0);
  CHECK(options.stratum(-1.0) == 1);
  CHECK(options.stratum(0.4999) == 1);
  CHECK(options.stratum(0.5) == 2);
  CHECK(options.stratum(7.0) == 2);

  const std::size_t items = 4;
  CHECK(options.sympson_hetter_k(2, items, 0.0) == 1.0);  // no K set: every item is given when chosen
  for (std::size_t g = 0; g < 3; ++g) {
    for (std::size_t j = 0; j < items; ++j) options.sympson_hetter.push_back(0.1 * static_cast<double>(g) + 0.01 * j);
  }
  CHECK(options.sympson_hetter_k(2, items, -2.0) == doctest::Approx(0.02));
  CHECK(options.sympson_hetter_k(2, items, 0.0) == doctest::Approx(0.12));
  CHECK(options.sympson_hetter_k(3, items, 2.0) == doctest::Approx(0.23));

  options.method = ExposureMethod::sympson_hetter;  // unconditional: the first items × 1 values, whatever theta
  options.sympson_hetter.resize(items);
  CHECK(options.sympson_hetter_k(3, items, 2.0) == doctest::Approx(0.03));
}

TEST_CASE("exposure: counts, rates and the item-eligibility probability") {
  ExposureCounts counts(3);
  CHECK(counts.size() == 3);
  CHECK(counts.rate(ItemIndex{0}) == 0.0);           // no test yet
  CHECK(counts.eligibility(ItemIndex{0}, 0.25) == 1.0);  // never given: eligible for sure

  for (int t = 0; t < 8; ++t) {
    counts.record_test();
    counts.record_eligible(ItemIndex{0});
    if (t < 4) counts.record_item(ItemIndex{0});
  }
  counts.record_item(ItemIndex{2});
  CHECK(counts.tests() == 8);
  CHECK(counts.count(ItemIndex{0}) == 4);
  CHECK(counts.rate(ItemIndex{0}) == doctest::Approx(0.5));
  CHECK(counts.rate(ItemIndex{2}) == doctest::Approx(0.125));
  CHECK(counts.counts() == std::vector<std::uint64_t>{4, 0, 1});
  // Given in 4 of the 8 tests it was eligible in: P(given | eligible) = 0.5, so P(eligible) = 0.25 / 0.5.
  CHECK(counts.eligibility(ItemIndex{0}, 0.25) == doctest::Approx(0.5));
  CHECK(counts.eligibility(ItemIndex{0}, 0.9) == 1.0);  // capped at 1

  CHECK_THROWS_AS(counts.record_item(ItemIndex{3}), UnknownItem);
  CHECK_THROWS_AS(counts.record_eligible(ItemIndex{3}), UnknownItem);
  CHECK_THROWS_AS(counts.count(ItemIndex{3}), UnknownItem);
  CHECK_THROWS_AS(counts.eligible_count(ItemIndex{3}), UnknownItem);
}

TEST_CASE("exposure: counts restored from storage, never more showings than tests") {
  const ExposureCounts restored({3, 0, 5}, 5);
  CHECK(restored.tests() == 5);
  CHECK(restored.rate(ItemIndex{2}) == 1.0);
  CHECK(restored.eligible_count(ItemIndex{2}) == 0);
  CHECK_THROWS_AS(ExposureCounts({3, 6}, 5), InvalidArgument);
}

TEST_CASE("exposure: live tests refuse Sympson-Hetter without its K and the item-eligibility method, naming the caller") {
  ExposureOptions options;
  for (const ExposureMethod method : {ExposureMethod::none, ExposureMethod::randomesque,
                                      ExposureMethod::progressive_restricted}) {
    options.method = method;
    CHECK_NOTHROW(require_live_exposure(options, "take"));
  }
  for (const ExposureMethod method : {ExposureMethod::sympson_hetter, ExposureMethod::conditional_sympson_hetter}) {
    options.method = method;
    options.sympson_hetter.clear();
    const std::string expected = "take: " + std::string(to_string(method)) + " needs the design's parameters";
    CHECK_THROWS_WITH_AS(require_live_exposure(options, "take"), doctest::Contains(expected.c_str()), InvalidArgument);
    options.sympson_hetter = {0.5, 1.0};
    CHECK_NOTHROW(require_live_exposure(options, "take"));
  }
  options.method = ExposureMethod::item_eligibility;
  CHECK_THROWS_WITH_AS(require_live_exposure(options, "sectionConfiguration"),
                       doctest::Contains("sectionConfiguration: item_eligibility is for simulations"), InvalidArgument);
}
