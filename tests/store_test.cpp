// Tests of the SQLite store (src/store*.cpp) and of `irtcat bank`: round trips of banks and sessions, the
// append-only log, migrations, concurrent readers, atomic imports, hostile names, and files that are not irtcat's.

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
#include "test_support.hpp"

using namespace irtcat;
namespace fs = std::filesystem;
using namespace irtcat::testing;

namespace {

std::string shipped(const std::string& name) {
  std::string path = IRTCAT_ITEM_BANKS;
  path += "/";
  path += name;
  path += ".json";
  return path;
}

std::string export_text(const BankDocument& document) {
  std::ostringstream out;
  write_bank_json(out, document.info, document.bank);
  return out.str();
}

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

// One item of a bank JSON document; `parameters` is the text inside "parameters": {...}.
std::string item_json(const std::string& id, const std::string& parameters) {
  return R"({"id": ")" + id + R"(", "topic": "t", "difficulty": 2, "stem": "S?", "options": ["x", "y"], "key": "A",)" +
         R"( "explanation": "", "parameters": {)" + parameters + R"(, "source": "test"}})";
}

std::string bank_json(const std::string& name, int version, const std::vector<std::string>& items) {
  std::string text = R"({"format": "irtcat.bank", "version": 1, "bank": {"name": ")" + name +
                     R"(", "title": "T", "domain": "d", "version": )" + std::to_string(version) +
                     R"(, "scaling": 1.0, "provenance": "", "topics": ["t"]}, "items": [)";
  for (std::size_t i = 0; i < items.size(); ++i) text += (i > 0 ? ", " : "") + items[i];
  return text + "]}";
}

std::int64_t count_rows(Store& store, const std::string& table) {
  Statement count(store.database(), "SELECT COUNT(*) FROM " + table);
  count.step();
  return count.column_int64(0);
}

}  // namespace

TEST_CASE("store: a shipped bank round-trips through the store exactly") {
  Store store(":memory:");
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
}

TEST_CASE("store: every model, content and flag round-trips exactly") {
  Store store(":memory:");
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
}

TEST_CASE("store: re-importing a bank: unchanged, refused, or replaced") {
  Store store(":memory:");
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
}

TEST_CASE("store: an import is one transaction: on any error nothing changes") {
  Store store(":memory:");
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
}

TEST_CASE("store: a session round-trips and resumes exactly") {
  Store store(":memory:");
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
}

TEST_CASE("store: the response log is append-only, in order, once per item") {
  Store store(":memory:");
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
  CHECK(store.schema_version() == 2);
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
  CHECK(again.schema_version() == 2);
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
  Store store(":memory:");
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

TEST_CASE("cli: bank import, list, show, export and validate") {
  const Scratch scratch;
  const std::string db = scratch.path("banks.db");
  const auto imported =
      scratch.irtcat("bank import --db " + db + " " + shipped("mathematics") + " " + shipped("data_science"));
  CAPTURE(imported.err);
  REQUIRE(imported.status == 0);
  CHECK(imported.out == "bank,version,items,outcome\nmathematics,1,175,added\ndata_science,1,162,added\n");
  CHECK(scratch.irtcat("bank import --db " + db + " " + shipped("mathematics")).out.find("unchanged") !=
        std::string::npos);

  const auto list = scratch.irtcat("bank list --db " + db);
  CHECK(list.status == 0);
  CHECK(list.out.starts_with("name,title,version,items,models,topics\ndata_science,Data science,1,162,3pl,"));
  CHECK(list.out.find("\nmathematics,Mathematics,1,175,3pl,linear algebra; calculus; probability; statistics; "
                      "optimization\n") != std::string::npos);

  const auto show = scratch.irtcat("bank show --db " + db + " mathematics");
  CHECK(show.out.find("items:      175 (175 active)") != std::string::npos);
  const auto item = scratch.irtcat("bank show --db " + db + " mathematics math-0003");
  CHECK(item.out.find(" *B) 10\n") != std::string::npos);
  const auto missing = scratch.irtcat("bank show --db " + db + " mathematics nope");
  CHECK(missing.status == 1);
  CHECK(missing.err.starts_with("irtcat: "));

  for (const char* name : {"mathematics", "data_science"}) {
    const auto exported = scratch.irtcat(std::string("bank export --db ") + db + " " + name);
    CHECK(exported.status == 0);
    CHECK(exported.out == slurp(shipped(name)));
  }
  const std::string out = scratch.path("out.json");
  CHECK(scratch.irtcat("bank export --db " + db + " mathematics --out " + out).status == 0);
  CHECK(slurp(out) == slurp(shipped("mathematics")));

  const auto valid = scratch.irtcat("bank validate " + shipped("deep_learning"));
  CHECK(valid.status == 0);
  CHECK(valid.out.find(",deep_learning,1,175,3pl,") != std::string::npos);
  const auto absent = scratch.irtcat("bank list --db " + scratch.path("absent.db"));
  CHECK(absent.status == 1);
  CHECK(absent.err.find("cannot open the database") != std::string::npos);
}

TEST_CASE("cli: bank validate item_banks/*.json checks roles.json as role profiles; errors name JSON paths") {
  const Scratch scratch;
  std::string files;
  for (const char* name : {"algorithmic_coding", "data_science", "deep_learning", "machine_learning", "mathematics",
                           "roles", "software_engineering"}) {
    files += " " + shipped(name);
  }
  const auto all = scratch.irtcat("bank validate" + files);  // what the shell makes of item_banks/*.json
  CAPTURE(all.err);
  CHECK(all.status == 0);
  CHECK(lines_in(all.out) == 7);  // the header and the six banks
  CHECK(all.out.find("roles") == std::string::npos);
  CHECK(all.err == "irtcat: " + shipped("roles") +
                       ": role profiles (irtcat.roles), not a bank: valid, 7 roles over 6 domains and 3 levels\n");

  // A broken roles file is refused as a roles file; a bank's error names the JSON path of the value.
  std::string roles = slurp(shipped("roles"));
  roles.replace(roles.find("\"scale\""), 7, "\"scales\"");
  const auto bad_roles = scratch.irtcat("bank validate " + scratch.write("roles.json", roles));
  CHECK(bad_roles.status == 1);
  CHECK(bad_roles.err.find("malformed roles file") != std::string::npos);
  const std::string bad_item = R"({"id": "b1", "topic": "t", "difficulty": 2, "stem": "S?", "options": ["x", 2],)"
                               R"( "key": "A", "explanation": "", "parameters": {"model": "2pl", "a": 1, "b": 0}})";
  const auto bad_bank = scratch.irtcat("bank validate " + scratch.write("bad.json", bank_json("bad", 1, {bad_item})));
  CHECK(bad_bank.status == 1);
  CHECK(bad_bank.err.find("bad.json, at items[0].options[1]: expected a string (item 'b1')") != std::string::npos);
  CHECK(bad_bank.err.find("column") == std::string::npos);
  const auto session = scratch.irtcat("bank validate " + scratch.write("s.json", R"({"format": "irtcat.session"})"));
  CHECK(session.status == 1);
  CHECK(session.err.find("s.json, at format: expected \"irtcat.bank\", got \"irtcat.session\"") != std::string::npos);
}

TEST_CASE("cli: a bad bank file is refused with one clear line and the database is unchanged") {
  const Scratch scratch;
  const std::string db = scratch.path("atomic.db");
  REQUIRE(scratch.irtcat("bank import --db " + db + " " + shipped("mathematics")).status == 0);
  const std::string list_before = scratch.irtcat("bank list --db " + db).out;
  const std::string export_before = scratch.irtcat("bank export --db " + db + " mathematics").out;

  const std::string good_item = item_json("g1", R"("model": "2pl", "a": 1.1, "b": 0.3)");
  const std::string good = scratch.write("good.json", bank_json("newbank", 1, {good_item}));
  const std::string whole = slurp(shipped("mathematics"));
  struct Bad {
    const char* name;
    std::string text;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {"duplicate id", bank_json("bad", 1, {good_item, good_item}), "g1"},
      {"a <= 0", bank_json("bad", 1, {item_json("z", R"("model": "2pl", "a": 0, "b": 0.3)")}), "a"},
      {"unordered thresholds",
       bank_json("bad", 1, {item_json("z", R"("model": "grm", "a": 1.2, "thresholds": [0.5, -0.5])")}), "threshold"},
      {"broken JSON", bank_json("bad", 1, {good_item}).substr(0, 80) + "}}", "not valid JSON"},
      {"truncated file", whole.substr(0, whole.size() / 2), "not valid JSON"},
  };
  for (const Bad& file : bad) {
    CAPTURE(file.name);
    const std::string path = scratch.write("bad.json", file.text);
    const auto run = scratch.irtcat("bank import --db " + db + " " + good + " " + path);
    CAPTURE(run.err);
    CHECK(run.status == 1);
    CHECK(run.err.starts_with("irtcat: "));
    CHECK(run.err.find(path) != std::string::npos);
    CHECK(run.err.find(file.says) != std::string::npos);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    CHECK(scratch.irtcat("bank validate " + path).status == 1);
  }
  // Nothing of any refused import is left: not the good file imported beside a bad one, nor any bad one.
  CHECK(scratch.irtcat("bank list --db " + db).out == list_before);
  CHECK(scratch.irtcat("bank export --db " + db + " mathematics").out == export_before);
  // The same files without the bad one import.
  CHECK(scratch.irtcat("bank import --db " + db + " " + good).status == 0);
  CHECK(scratch.irtcat("bank list --db " + db).out.find("\nnewbank,T,1,1,2pl,t\n") != std::string::npos);
}

TEST_CASE("cli: the store commands refuse a file that is not an irtcat database") {
  const Scratch scratch;
  const std::string text = scratch.write("notes.db", "these are my notes, not a database\n" + std::string(2000, '.'));
  const auto run = scratch.irtcat("bank list --db " + text);
  CHECK(run.status == 1);
  CHECK(run.err.starts_with("irtcat: database '" + text + "' is corrupt or not an SQLite database"));
  const auto take = scratch.irtcat("take --bank mathematics --db " + text);
  CHECK(take.status == 1);
  const auto import = scratch.irtcat("bank import --db " + text + " " + shipped("mathematics"));
  CHECK(import.status == 1);
  CHECK(slurp(text).starts_with("these are my notes"));
}
