// Tests of correcting a key (Store::rescore_item, src/store/store_rescore.cpp): which sessions are rescored, that the
// log is kept as given, that final estimates are recomputed with each session's estimator, that a second run
// rescores only what is left, refusals that change nothing, and the migration from schema 6.

#include <doctest/doctest.h>

#include <sstream>

#include "detail/store_schema.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"
#include "scratch.hpp"
#include "store/engines.hpp"
#include "store/store_support.hpp"

using namespace irtcat;
using namespace irtcat::testing;

namespace {

// Four 2PL items with options x/y keyed A (i1 the most informative at θ = 0, so a test starts with it), and one GRM
// item.
BankDocument keyed_bank() {
  std::istringstream in(bank_json("keys", 1,
                                  {item_json("i1", R"("model": "2pl", "a": 1.9, "b": 0.05)"),
                                   item_json("i2", R"("model": "2pl", "a": 0.9, "b": -0.6)"),
                                   item_json("i3", R"("model": "2pl", "a": 1.1, "b": 0.8)"),
                                   item_json("i4", R"("model": "2pl", "a": 1.3, "b": -0.1)"),
                                   item_json("g1", R"("model": "grm", "a": 1.2, "thresholds": [-0.5, 0.5])")}));
  return read_bank_json(in, "keys.json");
}

// A session answering `answers` (item, option A/B as 0/1, or a bare score when `as_score`), finished with the
// estimate its configuration gives, as a live test would store it.
std::int64_t answered_session(Store& store, const SessionConfig& config,
                              const std::vector<std::pair<std::string, int>>& answers, bool finish,
                              bool as_score = false) {
  const BankDocument bank = store.load_bank("keys");
  const std::int64_t id = store.create_session("keys", 1, config, 1);
  std::vector<Response> responses;
  std::int64_t seq = 0;
  for (const auto& [item, option] : answers) {
    const int score = option == 0 ? 1 : 0;  // keyed A
    store.append_response(id, ++seq, item, score, as_score ? std::nullopt : std::optional<int>(option));
    responses.push_back({*bank.bank.find(ItemId(item)), score});
  }
  if (finish) store.finish_session(id, estimate_ability(bank.bank, responses, config.estimation), StopReason::max_length);
  return id;
}

}  // namespace

TEST_CASE("rescore: a corrected key rescores the finished tests that chose an option, beside their log") {
  for_each_engine([&](Store& store) {
    store.import_bank(keyed_bank());
    SessionConfig eap;  // EAP, N(0, 1)
    SessionConfig map;
    map.estimation.estimator = Estimator::map;
    const std::int64_t chose_b = answered_session(store, eap, {{"i1", 1}, {"i2", 0}, {"i3", 1}}, true);
    const std::int64_t chose_a = answered_session(store, map, {{"i2", 1}, {"i1", 0}}, true);
    const std::int64_t score_only = answered_session(store, eap, {{"i1", 1}, {"i4", 0}}, true, true);
    const std::int64_t running = answered_session(store, eap, {{"i1", 1}}, false);  // as a live test starts
    const std::int64_t other_item = answered_session(store, eap, {{"i4", 0}}, true);
    const StoredSession before = store.load_session(chose_b);

    const RescoreSummary done = store.rescore_item("keys", "i1", 1, "option B is right");
    CHECK(done.previous_key == 0);
    CHECK(done.rescored == 2);
    CHECK(done.unchanged == 0);
    CHECK(done.without_option == 1);
    CHECK(done.active == 1);

    // The key is corrected in place: the bank keeps its version.
    const BankDocument bank = store.load_bank("keys");
    CHECK(bank.info.version == 1);
    CHECK(bank.bank.metadata(*bank.bank.find(ItemId("i1"))).content.key == 1);

    // The log is as given; the rescored score stands beside it, and the final estimate is the session's own
    // estimator on the rescored pattern (the same call scoring would make, so equal to the last bit).
    const StoredSession b = store.load_session(chose_b);
    CHECK(b.responses == before.responses);
    CHECK(b.responses[0].second == 0);
    REQUIRE(b.rescored.size() == 3);
    CHECK(b.rescored[0] == 1);
    CHECK_FALSE(b.rescored[1]);
    CHECK(b.score(0) == 1);
    CHECK(b.score(1) == 1);
    const std::vector<Response> corrected{{*bank.bank.find(ItemId("i1")), 1}, {*bank.bank.find(ItemId("i2")), 1},
                                          {*bank.bank.find(ItemId("i3")), 0}};
    const AbilityEstimate expected = estimate_ability(bank.bank, corrected, eap.estimation);
    REQUIRE(b.theta);
    CHECK(*b.theta == expected.theta);
    CHECK(*b.se == expected.se);
    REQUIRE(b.first_theta);
    CHECK(*b.first_theta == *before.theta);
    CHECK(*b.first_se == *before.se);
    CHECK(*b.theta > *before.theta);  // a wrong answer became a right one

    const StoredSession a = store.load_session(chose_a);
    CHECK(a.score(1) == 0);
    const std::vector<Response> corrected_a{{*bank.bank.find(ItemId("i2")), 0}, {*bank.bank.find(ItemId("i1")), 0}};
    CHECK(*a.theta == estimate_ability(bank.bank, corrected_a, map.estimation).theta);  // MAP, as it ran

    // Untouched: a score stored without its option, a running test, a test that never saw the item.
    CHECK_FALSE(store.load_session(score_only).first_theta);
    CHECK(store.load_session(score_only).score(0) == 0);
    CHECK_FALSE(store.load_session(running).rescored[0]);
    CHECK_FALSE(store.load_session(other_item).first_theta);
    // The running test still resumes: its replay reads the log as given.
    const auto items = std::make_shared<const ItemBank>(bank.bank);
    REQUIRE(items->item(*Session(items, eap, 1).next_item()).id().str() == "i1");
    const Session resumed = restore_session(store.load_session(running), items);
    REQUIRE(!resumed.history().empty());
    CHECK(resumed.history()[0].response == 0);

    SUBCASE("the same key again rescores only what finished since") {
      CHECK(store.rescore_item("keys", "i1", 1).rescored == 0);
      CHECK(count_rows(store, "rescorings") == 1);
      const StoredSession run = store.load_session(running);
      store.finish_session(running, AbilityEstimate{}, StopReason::max_length);
      const RescoreSummary again = store.rescore_item("keys", "i1", 1);
      CHECK(again.rescored == 1);
      CHECK(again.unchanged == 2);
      CHECK(again.active == 0);
      CHECK(store.load_session(running).score(0) == 1);
      CHECK(count_rows(store, "rescorings") == 2);
      CHECK(run.responses == store.load_session(running).responses);
    }
    SUBCASE("correcting back restores the first scores and keeps the first estimate") {
      const RescoreSummary back = store.rescore_item("keys", "i1", 0);
      CHECK(back.previous_key == 1);
      CHECK(back.rescored == 2);
      const StoredSession again = store.load_session(chose_b);
      CHECK(again.score(0) == 0);
      CHECK(*again.first_theta == *before.theta);
      CHECK(*again.theta == *before.theta);  // the same pattern and estimator: the same call
    }
    SUBCASE("the rescored scores are append-only") {
      CHECK_THROWS_AS(store.database().execute("UPDATE rescored_responses SET response = 0"), StoreError);
      CHECK_THROWS_AS(store.database().execute("DELETE FROM rescored_responses"), StoreError);
    }
  });
}

TEST_CASE("rescore: refusals name the problem and change nothing") {
  for_each_engine([&](Store& store) {
    store.import_bank(keyed_bank());
    answered_session(store, SessionConfig{}, {{"i1", 1}}, true);
    CHECK_THROWS_WITH_AS(store.rescore_item("keys", "nope", 1), doctest::Contains("'nope'"), UnknownItem);
    CHECK_THROWS_WITH_AS(store.rescore_item("keys", "i1", 2), doctest::Contains("options A-B"), InvalidArgument);
    CHECK_THROWS_AS(store.rescore_item("keys", "i1", -1), InvalidArgument);
    CHECK_THROWS_WITH_AS(store.rescore_item("keys", "g1", 1), doctest::Contains("no key"), InvalidArgument);
    CHECK_THROWS_AS(store.rescore_item("other", "i1", 1), StoreError);
    CHECK(count_rows(store, "rescorings") == 0);
    CHECK(count_rows(store, "rescored_responses") == 0);
    CHECK(store.load_bank("keys").bank.metadata(ItemIndex{0}).content.key == 0);
  });
}

TEST_CASE("rescore: a version 6 database is migrated, its log and estimates kept") {
  const Scratch scratch;
  const std::string path = scratch.path("six.db");
  std::int64_t id = 0;
  {
    Store six(path);
    six.import_bank(keyed_bank());
    id = answered_session(six, SessionConfig{}, {{"i1", 1}, {"i2", 0}}, true);
    // Back to version 6 as an older irtcat left it: without version 7's tables and columns.
    six.database().execute(
        "DROP TABLE rescored_responses; DROP TABLE rescorings; ALTER TABLE sessions DROP COLUMN first_theta;"
        "ALTER TABLE sessions DROP COLUMN first_se; ALTER TABLE service_sections DROP COLUMN design;"
        "ALTER TABLE service_sections DROP COLUMN design_version; UPDATE schema_version SET version = 6");
  }
  Store store(path, OpenMode::read_write);
  CHECK(store.schema_version() == 7);
  const StoredSession stored = store.load_session(id);
  CHECK(stored.responses.size() == 2);
  CHECK(stored.options == std::vector<std::optional<int>>{1, 0});
  CHECK_FALSE(stored.first_theta);
  CHECK(store.rescore_item("keys", "i1", 1).rescored == 1);
}
