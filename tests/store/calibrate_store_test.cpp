// Calibrated parameters going into the store: Store::replace_item_parameters makes the next bank version with the
// new parameters and the old content, and changes nothing when refused.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/store.hpp"
#include "store/engines.hpp"
#include "store/store_support.hpp"
#include "scratch.hpp"
#include "test_support.hpp"

using namespace irtcat;
namespace fs = std::filesystem;
using namespace irtcat::testing;

namespace {

// A small stored bank: three items with content, one retired.
BankDocument small_bank_document() {
  std::vector<Item> items = {Item::dichotomous(ItemId("q1"), Model::three_pl, 1.1, -0.5, 0.2),
                             Item::dichotomous(ItemId("q2"), Model::three_pl, 0.9, 0.4, 0.2),
                             Item::dichotomous(ItemId("q3"), Model::three_pl, 1.3, 1.2, 0.2)};
  std::vector<ItemMetadata> metadata(3);
  for (std::size_t i = 0; i < 3; ++i) {
    metadata[i].domain = "demo";
    metadata[i].topic = i == 2 ? "hard" : "easy";
    metadata[i].content.stem = "Question " + std::to_string(i + 1);
    metadata[i].content.options = {"yes", "no"};
    metadata[i].content.key = static_cast<int>(i % 2);
    metadata[i].content.difficulty = static_cast<int>(i + 1);
    metadata[i].parameter_source = "provisional";
    metadata[i].active = i != 1;
  }
  BankInfo info{"demo", "Demo", "demo", 4, "Provisional parameters.", {"easy", "hard"}};
  return {info, ItemBank(std::move(items), 1.0, std::move(metadata), BankIdentity{"demo", 4})};
}


}  // namespace

TEST_CASE("store: replace_item_parameters stores the next version with new parameters and the old content") {
  for_each_engine([&](Store& store) {
    store.import_bank(small_bank_document());
    const std::int64_t session = store.create_session("demo", 4, SessionConfig{}, 7);
    const Item calibrated = Item::dichotomous(ItemId("q2"), Model::two_pl, 1.7, -0.25);

    CHECK(store.replace_item_parameters("demo", 4, {calibrated}, "calibrated today", "Version 5: q2 calibrated.") == 5);
    const BankDocument next = store.load_bank("demo");
    const BankDocument before = small_bank_document();
    CHECK(next.info.version == 5);
    CHECK(next.bank.identity().version == 5);
    CHECK(next.info.provenance == "Provisional parameters. Version 5: q2 calibrated.");
    CHECK(next.info.topics == before.info.topics);
    REQUIRE(next.bank.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      const ItemMetadata& is = next.bank.metadata(ItemIndex{i});
      CHECK(next.bank.items()[i].id() == before.bank.items()[i].id());
      testing::check_same_content(before.bank.metadata(ItemIndex{i}), is);
      CHECK(is.parameter_source == (i == 1 ? "calibrated today" : "provisional"));
    }
    const Item& q2 = next.bank.items()[1];
    CHECK(q2.model() == Model::two_pl);
    CHECK(q2.a() == 1.7);
    CHECK(q2.b() == -0.25);
    CHECK(next.bank.items()[0].a() == 1.1);
    CHECK(next.bank.items()[2].b() == 1.2);
    // The session started on version 4 still names it, and is not resumed on version 5.
    const StoredSession stored = store.load_session(session);
    CHECK(stored.bank_version == 4);
    CHECK_THROWS_AS(restore_session(stored, std::make_shared<const ItemBank>(next.bank)), SessionError);
  });
}

TEST_CASE("store: replace_item_parameters refuses bad calls and then changes nothing") {
  for_each_engine([&](Store& store) {
    store.import_bank(small_bank_document());
    const std::string before = export_text(store.load_bank("demo"));
    const Item q1 = Item::dichotomous(ItemId("q1"), Model::two_pl, 1.2, 0.1);
    const Item unknown = Item::dichotomous(ItemId("q9"), Model::two_pl, 1.2, 0.1);

    SUBCASE("an id the bank does not hold") {
      CHECK_THROWS_AS(store.replace_item_parameters("demo", 4, {q1, unknown}, "calibrated", "note"), UnknownItem);
    }
    SUBCASE("another version than the one read") {
      CHECK_THROWS_AS(store.replace_item_parameters("demo", 3, {q1}, "calibrated", "note"), StoreError);
    }
    SUBCASE("an unknown bank") {
      CHECK_THROWS_AS(store.replace_item_parameters("other", 4, {q1}, "calibrated", "note"), StoreError);
    }
    SUBCASE("no items, an item twice, no source") {
      CHECK_THROWS_AS(store.replace_item_parameters("demo", 4, {}, "calibrated", "note"), InvalidArgument);
      CHECK_THROWS_AS(store.replace_item_parameters("demo", 4, {q1, q1}, "calibrated", "note"), InvalidArgument);
      CHECK_THROWS_AS(store.replace_item_parameters("demo", 4, {q1}, "", "note"), InvalidArgument);
    }
    CHECK(export_text(store.load_bank("demo")) == before);
    CHECK(store.load_bank("demo").info.version == 4);
  });
}
