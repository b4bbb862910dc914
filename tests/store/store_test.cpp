// Tests of the SQLite store (src/store/): round trips of banks and sessions, the append-only log, migrations,
// concurrent readers, atomic imports, hostile names, and files that are not irtcat's.

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "detail/store_schema.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"
#include "scratch.hpp"
#include "store/engines.hpp"
#include "store/store_support.hpp"
#include "test_support.hpp"

using namespace irtcat;
namespace fs = std::filesystem;
using namespace irtcat::testing;

namespace {

// A bank with every model, content, a retired item, and D = 1.702.
BankDocument every_model_bank(const std::string& name = "every model", int version = 1) {
  std::vector<Item> items = testing::one_of_each_model();
  std::vector<ItemMetadata> metadata(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    metadata[i].domain = "testing";
    metadata[i].topic = i % 2 == 0 ? "even" : "odd";
    metadata[i].parameter_source = "test fixture";
    metadata[i].content.stem = "Stem of item " + std::to_string(i) + "\n  with code";
    metadata[i].content.options = {"first", "second", "third \"quoted\""};
    metadata[i].content.key = static_cast<int>(i % 3);
    metadata[i].content.explanation = "because";
    metadata[i].content.difficulty = static_cast<int>(i % 5) + 1;
  }
  metadata[3].active = false;
  BankInfo info{name, "Every model", "testing", version, "made by hand", {"even", "odd"}};
  return {info, ItemBank(items, 1.702, metadata, BankIdentity{name, version})};
}



}  // namespace

TEST_CASE("store: a shipped bank round-trips through the store exactly") {
  for_each_engine([&](Store& store) {
    CHECK(store.schema_version() == Store::kSchemaVersion);
    const std::string original = slurp(shipped("mathematics"));
    const BankDocument document = read_bank_json_file(shipped("mathematics"));
    CHECK(store.import_bank(document) == ImportOutcome::added);
    const BankDocument loaded = store.load_bank("mathematics");
    CHECK(export_text(loaded) == original);
    CHECK(loaded.bank.identity().name == "mathematics");
    CHECK(loaded.bank.identity().version == document.info.version);

    const auto summary = store.bank_summary("mathematics");
    REQUIRE(summary);
    CHECK(summary->items == document.bank.size());
    CHECK(summary->models == std::vector<std::string>{"3pl"});
    CHECK(summary->info.topics == document.info.topics);
    CHECK_FALSE(store.bank_summary("physics"));
    CHECK_THROWS_AS(store.load_bank("physics"), StoreError);
  });
}

TEST_CASE("store: every model, content and flag round-trips exactly") {
  for_each_engine([&](Store& store) {
    const BankDocument document = every_model_bank();
    store.import_bank(document);
    const BankDocument loaded = store.load_bank("every model");
    CHECK(export_text(loaded) == export_text(document));
    CHECK(loaded.bank.scaling() == 1.702);
    REQUIRE(loaded.bank.size() == document.bank.size());
    for (std::size_t i = 0; i < loaded.bank.size(); ++i) {
      testing::check_same_item(document.bank.items()[i], loaded.bank.items()[i]);
      testing::check_same_content(document.bank.metadata(ItemIndex{i}), loaded.bank.metadata(ItemIndex{i}));
    }
    CHECK(store.bank_summary("every model")->active_items == document.bank.size() - 1);
    CHECK(store.bank_summary("every model")->models ==
          std::vector<std::string>{"1pl", "2pl", "3pl", "4pl", "grm", "gpcm", "pcm"});
    CHECK(store.exposure_parameters("every model") == std::vector<double>(document.bank.size(), 1.0));
  });
}

TEST_CASE("store: re-importing a bank: unchanged, refused, or replaced") {
  for_each_engine([&](Store& store) {
    CHECK(store.import_bank(every_model_bank()) == ImportOutcome::added);
    CHECK(store.import_bank(every_model_bank()) == ImportOutcome::unchanged);

    // Same name and version, other items: refused, and the stored bank is untouched.
    const BankDocument other = read_bank_json_file(shipped("mathematics"));
    const BankDocument renamed{BankInfo{"every model", "x", "y", 1, "", other.info.topics},
                               ItemBank(other.bank.items(), 1.0, {}, BankIdentity{"every model", 1})};
    CHECK_THROWS_AS(store.import_bank(renamed), StoreError);
    CHECK(export_text(store.load_bank("every model")) == export_text(every_model_bank()));
    CHECK(store.import_bank(renamed, true) == ImportOutcome::replaced);
    CHECK(store.load_bank("every model").bank.size() == other.bank.size());

    // A new version replaces the bank.
    CHECK(store.import_bank(every_model_bank("every model", 2)) == ImportOutcome::replaced);
    CHECK(store.load_bank("every model").info.version == 2);
    CHECK(store.banks().size() == 1);
  });
}

TEST_CASE("store: an import is one transaction: on any error nothing changes") {
  for_each_engine([&](Store& store) {
    store.import_bank(every_model_bank("kept"));
    const std::int64_t items_before = count_rows(store, "items");
    // The second bank has the first's name and version but other items: the whole import is rolled back.
    const BankDocument fresh = every_model_bank("fresh");
    BankDocument clash = every_model_bank("fresh");
    clash.info.provenance = "other";
    CHECK_THROWS_AS(store.import_banks({&fresh, &clash}), StoreError);
    CHECK(store.banks().size() == 1);
    CHECK(count_rows(store, "items") == items_before);
    CHECK(store.import_banks({&fresh}) == std::vector<ImportOutcome>{ImportOutcome::added});
  });
}

TEST_CASE("store: the item a session offers is kept until its next answer or its end") {
  for_each_engine([&](Store& store) {
    store.import_bank(read_bank_json_file(shipped("mathematics")));
    const std::int64_t id = store.create_session("mathematics", 1, SessionConfig{}, 1);
    CHECK(store.load_session(id).offered_item.empty());
    store.offer_item(id, "math-0003");
    CHECK(store.load_session(id).offered_item == "math-0003");
    store.offer_item(id, "math-0004");  // chosen again before an answer (a retried call): the latest stands
    CHECK(store.load_session(id).offered_item == "math-0004");
    store.append_response(id, 1, "math-0004", 1);
    CHECK(store.load_session(id).offered_item.empty());
    store.offer_item(id, "math-0007");
    store.finish_session(id, AbilityEstimate{0.5, 0.4, 0, EstimateStatus::converged}, StopReason::max_length);
    CHECK(store.load_session(id).offered_item.empty());
    CHECK_THROWS_AS(store.offer_item(id, "math-0008"), StoreError);  // finished
    CHECK_THROWS_AS(store.offer_item(id + 1, "math-0008"), StoreError);  // no such session
  });
}

TEST_CASE("store: a session round-trips and resumes exactly") {
  for_each_engine([&](Store& store) {
    store.import_bank(read_bank_json_file(shipped("mathematics")));
    auto bank = std::make_shared<const ItemBank>(store.load_bank("mathematics").bank);
    SessionConfig config;
    config.stopping.max_length = 10;
    config.exposure.method = ExposureMethod::randomesque;
    config.exposure.randomesque_count = 3;
    Session session(bank, config, 1234);
    const std::int64_t id = store.create_session("mathematics", 1, config, 1234);
    std::mt19937_64 rng(5);
    std::int64_t seq = 0;
    while (const auto next = session.next_item()) {
      const int response = testing::draw_response(bank->item(*next), 0.4, 1.0, rng);
      store.append_response(id, ++seq, bank->item(*next).id().str(), response);
      session.record(*next, response);
      if (seq == 4) {
        // Half way: what the store holds resumes as the same session.
        Session resumed = restore_session(store.load_session(id), bank);
        CHECK(resumed.to_json() == session.to_json());
      }
    }
    const StoredSession stored = store.load_session(id);
    CHECK(stored.bank == "mathematics");
    CHECK(stored.bank_version == 1);
    CHECK(stored.seed == 1234);
    CHECK(stored.status == "active");
    CHECK(session_config_from_json(stored.config).stopping.max_length == 10);
    REQUIRE(stored.responses.size() == session.history().size());
    for (std::size_t i = 0; i < stored.responses.size(); ++i) {
      CHECK(stored.responses[i].first == bank->item(session.history()[i].item).id().str());
      CHECK(stored.responses[i].second == session.history()[i].response);
    }
    CHECK(restore_session(stored, bank).to_json() == session.to_json());

    store.finish_session(id, session.estimate(), session.stop_reason());
    const StoredSession finished = store.load_session(id);
    CHECK(finished.status == "finished");
    REQUIRE(finished.theta);
    CHECK(*finished.theta == session.estimate().theta);
    CHECK(finished.stop_reason == "max_length");
    const ExposureCounts counts = store.exposure_counts("mathematics");
    CHECK(counts.tests() == 1);
    for (const SessionStep& step : session.history()) CHECK(counts.count(step.item) == 1);
    store.finish_session(id, session.estimate(), session.stop_reason());  // counted once only
    CHECK(store.exposure_counts("mathematics").tests() == 1);
    CHECK(store.sessions("mathematics").size() == 1);
    CHECK(store.sessions("physics").empty());

    // A bank re-imported with another version: the session is refused, with a clear error.
    BankDocument next = read_bank_json_file(shipped("mathematics"));
    next.info.version = 2;
    store.import_bank(BankDocument{next.info, ItemBank(next.bank.items(), 1.0, {}, BankIdentity{"mathematics", 2})});
    auto bank2 = std::make_shared<const ItemBank>(store.load_bank("mathematics").bank);
    CHECK_THROWS_WITH_AS(restore_session(store.load_session(id), bank2),
                         doctest::Contains("version 1, not on bank 'mathematics' version 2"), SessionError);
    CHECK_THROWS_AS(store.create_session("mathematics", 1, config, 1), StoreError);
    CHECK_THROWS_AS(store.create_session("physics", 1, config, 1), StoreError);
  });
}

TEST_CASE("store: the response log is append-only, in order, once per item") {
  for_each_engine([&](Store& store) {
    store.import_bank(every_model_bank("b"));
    const std::int64_t id = store.create_session("b", 1, SessionConfig{}, 7);
    store.append_response(id, 1, "t2", 1);
    SUBCASE("a gap") { CHECK_THROWS_AS(store.append_response(id, 3, "t3", 0), StoreError); }
    SUBCASE("a repeated seq") { CHECK_THROWS_AS(store.append_response(id, 1, "t3", 0), StoreError); }
    SUBCASE("a repeated item") { CHECK_THROWS_AS(store.append_response(id, 2, "t2", 0), StoreError); }
    SUBCASE("an unknown session") {
      CHECK_THROWS_WITH_AS(store.append_response(id + 1, 1, "t2", 0), doctest::Contains("no session"), StoreError);
    }
    SUBCASE("updates and deletes") {
      CHECK_THROWS_AS(store.database().execute("UPDATE responses SET response = 0"), StoreError);
      CHECK_THROWS_AS(store.database().execute("DELETE FROM responses"), StoreError);
    }
    SUBCASE("after the session finished") {
      store.finish_session(id, AbilityEstimate{}, StopReason::max_length);
      CHECK_THROWS_AS(store.append_response(id, 2, "t3", 0), StoreError);
    }
    const StoredSession stored = store.load_session(id);
    REQUIRE(stored.responses.size() == 1);
    CHECK(stored.responses[0] == std::pair<std::string, int>{"t2", 1});
  });
}

TEST_CASE("store: the transaction guard rolls back unless committed") {
  Database database(":memory:");
  database.execute("CREATE TABLE t (x INTEGER)");
  {
    Transaction transaction(database);
    Statement insert(database, "INSERT INTO t (x) VALUES (?)");
    insert.bind(1, 5).run();
  }
  {
    Statement count(database, "SELECT COUNT(*) FROM t");
    count.step();
    CHECK(count.column_int64(0) == 0);
  }
  {
    Transaction transaction(database);
    Statement insert(database, "INSERT INTO t (x) VALUES (?)");
    insert.bind(1, 5).run();
    transaction.commit();
  }
  Statement count(database, "SELECT COUNT(*) FROM t");
  count.step();
  CHECK(count.column_int64(0) == 1);
  CHECK_THROWS_AS(Statement(database, "SELECT * FROM missing"), StoreError);
  CHECK_THROWS_AS(Statement(database, "SELECT 1; SELECT 2"), StoreError);
  try {
    database.execute("INSERT INTO missing VALUES (1)");
    FAIL("expected a StoreError");
  } catch (const StoreError& error) {
    CHECK(error.code() == 1);  // SQLITE_ERROR
  }
}

TEST_CASE("store: a version 1 database is migrated, its data kept") {
  const Scratch scratch;
  const std::string path = scratch.path("old.db");
  {
    Database old(path);
    old.execute(detail::kStoreMigrations[0]);
    old.execute(
        "INSERT INTO banks (bank_id, name, title, domain, version, scaling, provenance, topics) "
        "VALUES (1, 'old', 'Old', 'd', 3, 1.0, 'p', '[\"t\"]')");
    Statement item(old,
                   "INSERT INTO items (bank_id, item_id, position, model, a, b, c, d, topic, source, difficulty, "
                   "stem, options, answer_key, explanation) VALUES (1, ?, ?, '2pl', 1.5, ?, 0, 1, 't', 's', 1, "
                   "'stem', '[\"x\",\"y\"]', 0, '')");
    for (int i = 0; i < 3; ++i) {
      item.reset();
      item.bind(1, testing::numbered("q", i)).bind(2, i).bind(3, 0.5 * i).run();
    }
    old.execute(
        "INSERT INTO sessions (session_id, bank_id, bank_version, config, seed, status) VALUES "
        "(1, 1, 3, '{}', '9', 'active'), (2, 1, 3, '{}', '9', 'active'), (3, 1, 2, '{}', '9', 'active');"
        "INSERT INTO responses (session_id, seq, item_id, response) VALUES (1, 1, 'q0', 1), (1, 2, 'q2', 0),"
        "(2, 1, 'q0', 0), (3, 1, 'q1', 1);"
        "UPDATE sessions SET status = 'finished'");
    Statement version(old, "SELECT version FROM schema_version");
    version.step();
    CHECK(version.column_int(0) == 1);
  }
  CHECK_THROWS_WITH_AS(Store(path, OpenMode::read_only), doctest::Contains("migrate"), StoreError);
  Store store(path, OpenMode::read_write);
  CHECK(store.schema_version() == Store::kSchemaVersion);
  const BankDocument bank = store.load_bank("old");
  CHECK(bank.bank.size() == 3);
  CHECK(bank.bank.items()[2].b() == 1.0);
  // Exposure counts are backfilled from the finished sessions on the current version (3), not version 2's.
  const ExposureCounts counts = store.exposure_counts("old");
  CHECK(counts.tests() == 2);
  CHECK(counts.counts() == std::vector<std::uint64_t>{2, 0, 1});
  CHECK(store.load_session(1).responses.size() == 2);
  // Opening again changes nothing.
  Store again(path, OpenMode::read_only);
  CHECK(again.schema_version() == Store::kSchemaVersion);
}

TEST_CASE("store: files that are not irtcat databases are refused with a clear error") {
  const Scratch scratch;
  SUBCASE("text") {
    const std::string path = scratch.write("text.db", std::string(4096, 'x'));
    CHECK_THROWS_WITH_AS(Store{path}, doctest::Contains("corrupt or not an SQLite database"), StoreError);
    CHECK(slurp(path) == std::string(4096, 'x'));
  }
  SUBCASE("another program's SQLite database") {
    const std::string path = scratch.path("other.db");
    Database(path).execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)");
    CHECK_THROWS_WITH_AS(Store{path}, doctest::Contains("not an irtcat database"), StoreError);
  }
  SUBCASE("a newer schema") {
    const std::string path = scratch.path("newer.db");
    { Store store(path); store.database().execute("UPDATE schema_version SET version = 99"); }
    CHECK_THROWS_WITH_AS(Store{path}, doctest::Contains("newer irtcat"), StoreError);
    CHECK_THROWS_WITH_AS(Store(path, OpenMode::read_only), doctest::Contains("newer irtcat"), StoreError);
  }
  SUBCASE("a truncated or damaged database") {
    const std::string path = scratch.path("whole.db");
    {
      Store store(path);
      store.import_bank(read_bank_json_file(shipped("mathematics")));
    }
    const std::string whole = slurp(path);
    REQUIRE(whole.size() > 20000);
    const std::string truncated = scratch.write("truncated.db", whole.substr(0, whole.size() / 3));
    CHECK_THROWS_AS(
        {
          Store store(truncated);
          store.load_bank("mathematics");
        },
        StoreError);
    std::string damaged = whole;
    for (std::size_t i = 100; i < damaged.size(); i += 7) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    const std::string broken = scratch.write("damaged.db", damaged);
    CHECK_THROWS_AS(
        {
          Store store(broken);
          store.load_bank("mathematics");
        },
        StoreError);
  }
  SUBCASE("a missing file, read-only") {
    CHECK_THROWS_WITH_AS(Store(scratch.path("missing.db"), OpenMode::read_only),
                         doctest::Contains("cannot open the database"), StoreError);
    CHECK_FALSE(fs::exists(scratch.path("missing.db")));
  }
}

TEST_CASE("store: names and ids with quotes, semicolons and SQL keywords are stored verbatim") {
  const std::vector<std::string> hostile = {"x'; DROP TABLE banks; --", "Robert\"); DELETE FROM items;--",
                                            "SELECT * FROM sessions", "a;b;c", "it's \"quoted\" \\ back"};
  for_each_engine([&](Store& store) {
    for (const std::string& name : hostile) {
      std::vector<Item> items;
      std::vector<ItemMetadata> metadata;
      for (const std::string& id : hostile) {
        items.push_back(Item::dichotomous(ItemId(id + name), Model::two_pl, 1.2, 0.1));
        ItemMetadata meta;
        meta.topic = name;
        meta.content.stem = id;
        meta.content.options = {name, id};
        meta.content.key = 1;
        metadata.push_back(meta);
      }
      store.import_bank(BankDocument{BankInfo{name, name, name, 1, name, {name}},
                                     ItemBank(items, 1.0, metadata, BankIdentity{name, 1})});
    }
    const auto banks = store.banks();
    REQUIRE(banks.size() == hostile.size());
    for (const std::string& name : hostile) {
      const BankDocument bank = store.load_bank(name);
      CHECK(bank.info.name == name);
      CHECK(bank.info.title == name);
      CHECK(bank.info.topics == std::vector<std::string>{name});
      REQUIRE(bank.bank.size() == hostile.size());
      for (std::size_t i = 0; i < hostile.size(); ++i) {
        CHECK(bank.bank.items()[i].id().str() == hostile[i] + name);
        CHECK(bank.bank.metadata(ItemIndex{i}).content.options[0] == name);
      }
      const std::int64_t session = store.create_session(name, 1, SessionConfig{}, 1);
      store.append_response(session, 1, hostile[0] + name, 1);
      CHECK(store.load_session(session).responses[0].first == hostile[0] + name);
    }
    CHECK(count_rows(store, "items") == static_cast<std::int64_t>(hostile.size() * hostile.size()));
  });
}

TEST_CASE("store: readers on other threads see a consistent log while one writer appends") {
  const Scratch scratch;
  const std::string path = scratch.path("threads.db");
  std::int64_t session = 0;
  {
    Store store(path);
    store.import_bank(every_model_bank("b"));
    session = store.create_session("b", 1, SessionConfig{}, 1);
  }
  constexpr int kResponses = 60;
  std::atomic<bool> failed{false};
  std::atomic<int> reads{0};
  std::thread writer([&] {
    Store store(path, OpenMode::read_write);
    for (int seq = 1; seq <= kResponses; ++seq) {
      store.append_response(session, seq, testing::numbered("i", seq), seq % 2);
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      try {
        Store store(path, OpenMode::read_only);
        std::size_t seen = 0;
        while (seen < static_cast<std::size_t>(kResponses)) {
          const StoredSession stored = store.load_session(session);
          if (stored.responses.size() < seen) failed = true;  // never goes back
          for (std::size_t i = 0; i < stored.responses.size(); ++i) {
            if (stored.responses[i].first != testing::numbered("i", static_cast<int>(i) + 1)) failed = true;
          }
          seen = stored.responses.size();
          ++reads;
        }
      } catch (const std::exception&) {
        failed = true;
      }
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();
  CHECK_FALSE(failed.load());
  CHECK(reads.load() >= 3);
  Store store(path, OpenMode::read_only);
  CHECK(store.load_session(session).responses.size() == static_cast<std::size_t>(kResponses));
}

// ---- irtcat bank -------------------------------------------------------------------------------------------
