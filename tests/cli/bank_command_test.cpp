// `irtcat bank`: import, list, show, export and validate, and its refusals (one line, the database unchanged).
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
#include "store/store_support.hpp"
#include "test_support.hpp"

using namespace irtcat;
namespace fs = std::filesystem;
using namespace irtcat::testing;

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

TEST_CASE("cli: bank validate item_banks/*.json checks roles.json as role profiles, errors name JSON paths") {
  const Scratch scratch;
  std::string files;
  for (const char* name : {"algorithmic_coding", "data_science", "deep_learning", "machine_learning", "mathematics",
                           "roles", "software_engineering"}) {
    files += ' ';
    files += shipped(name);
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
  CHECK(session.err.find("s.json, at format: expected \"irtcat.bank\", got 'irtcat.session'") != std::string::npos);
}


