// `irtcat calibrate --store` (a new bank version with the new parameters and the old content; an error changes
// nothing) and `irtcat simulate --db` (the battery from the store's banks, the same study as from the bank files).
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

#include <nlohmann/json.hpp>

#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/store.hpp"
#include "scratch.hpp"
#include "test_support.hpp"

using namespace irtcat;
namespace fs = std::filesystem;
using namespace irtcat::testing;

namespace {

// What a failed command must leave as it was: the bank list and the stored bank itself.
std::string database_state(const Scratch& scratch, const std::string& db) {
  const Run list = scratch.irtcat("bank list --db " + db);
  REQUIRE(list.status == 0);
  const Run exported = scratch.irtcat("bank export mathematics --db " + db);
  REQUIRE(exported.status == 0);
  return list.out + exported.out;
}

// Responses of `persons` simulees from N(0, 1) to the first `fixed` items of the shipped mathematics bank (answered
// from their stored parameters) and to three of its later items answered from 2PL parameters unlike their stored
// ones. The fixed items' CSV holds their stored parameters.
struct CalibrationData {
  std::string responses;
  std::string fixed;
  std::vector<std::string> new_ids;
  std::vector<std::string> fixed_ids;
};

CalibrationData calibration_data(const Scratch& scratch, int persons, std::size_t fixed) {
  const BankDocument shipped = read_bank_json_file(std::string(IRTCAT_ITEM_BANKS) + "/mathematics.json");
  std::vector<Item> fixed_items(shipped.bank.items().begin(), shipped.bank.items().begin() + static_cast<std::ptrdiff_t>(fixed));
  std::vector<Item> answered = fixed_items;
  const double b_new[] = {-0.8, 0.3, 1.1};
  CalibrationData data;
  for (int k = 0; k < 3; ++k) {
    const ItemId id = shipped.bank.items()[static_cast<std::size_t>(40 + 30 * k)].id();
    answered.push_back(Item::dichotomous(id, Model::two_pl, 1.4, b_new[k]));
    data.new_ids.push_back(id.str());
  }
  for (const Item& item : fixed_items) data.fixed_ids.push_back(item.id().str());
  std::ostringstream fixed_csv;
  write_items_csv(fixed_csv, ItemBank(fixed_items, shipped.bank.scaling()));
  data.fixed = scratch.write("fixed.csv", fixed_csv.str());

  std::mt19937_64 rng(20260107);
  std::normal_distribution<double> theta(0.0, 1.0);
  std::ostringstream responses;
  responses << "person_id";
  for (const Item& item : answered) responses << ',' << item.id().str();
  responses << '\n';
  for (int p = 0; p < persons; ++p) {
    const double t = theta(rng);
    responses << 'p' << p;
    for (const Item& item : answered) responses << ',' << testing::draw_response(item, t, 1.0, rng);
    responses << '\n';
  }
  data.responses = scratch.write("responses.csv", responses.str());
  return data;
}

}  // namespace

TEST_CASE("cli: calibrate --store writes a new bank version with the calibrated parameters, content unchanged") {
  const Scratch scratch;
  const std::string db = scratch.database("irtcat.db", {"mathematics"});
  const CalibrationData data = calibration_data(scratch, 800, 12);
  BankDocument before = [&] {
    Store store(db, OpenMode::read_write);
    store.create_session("mathematics", 1, SessionConfig{}, 3);
    return store.load_bank("mathematics");
  }();
  const std::string out = scratch.path("calibrated.csv");

  const Run run = scratch.irtcat("calibrate --responses " + data.responses + " --model 2pl --fixed " + data.fixed +
                                          " --store mathematics --db " + db + " --out " + out);
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.err.find("stored the parameters of 3 items in bank 'mathematics' version 2") != std::string::npos);
  const ItemBank written = read_items_csv_file(out, 1.0);

  Store store(db, OpenMode::read_only);
  const BankDocument after = store.load_bank("mathematics");
  CHECK(after.info.version == 2);
  CHECK(after.info.title == before.info.title);
  CHECK(after.info.topics == before.info.topics);
  CHECK(after.info.provenance.starts_with(before.info.provenance + " Version 2 ("));
  CHECK(after.info.provenance.find("3 items were calibrated from the responses of 800 persons (responses.csv)") !=
        std::string::npos);
  CHECK(after.info.provenance.find("model 2pl, 12 operational items held fixed (fixed-item calibration") !=
        std::string::npos);
  REQUIRE(after.bank.size() == before.bank.size());
  int replaced = 0;
  for (std::size_t i = 0; i < after.bank.size(); ++i) {
    const Item& was = before.bank.items()[i];
    const Item& is = after.bank.items()[i];
    const ItemMetadata& was_meta = before.bank.metadata(ItemIndex{i});
    const ItemMetadata& is_meta = after.bank.metadata(ItemIndex{i});
    CAPTURE(was.id().str());
    REQUIRE(is.id() == was.id());
    testing::check_same_content(was_meta, is_meta);
    if (std::find(data.new_ids.begin(), data.new_ids.end(), was.id().str()) != data.new_ids.end()) {
      ++replaced;
      const Item& calibrated = written.item(written.index_of(was.id()));
      CHECK(is.model() == Model::two_pl);
      CHECK(is.a() == calibrated.a());
      CHECK(is.b() == calibrated.b());
      CHECK(is.a() != was.a());
      CHECK(is_meta.parameter_source.starts_with("calibrated "));
      CHECK(is_meta.parameter_source.find("2pl, 800 persons, bank version 2") != std::string::npos);
    } else {  // the fixed items and the items nobody answered keep their parameters
      CHECK(is.model() == was.model());
      CHECK(is.a() == was.a());
      CHECK(is.b() == was.b());
      CHECK(is.c() == was.c());
      CHECK(is_meta.parameter_source == was_meta.parameter_source);
    }
  }
  CHECK(replaced == 3);
  // The calibration recovered the new items (2PL, a = 1.4, b = -0.8, 0.3, 1.1) on the bank's scale.
  const double b_new[] = {-0.8, 0.3, 1.1};
  for (std::size_t k = 0; k < 3; ++k) {
    const Item& item = after.bank.item(after.bank.index_of(ItemId(data.new_ids[k])));
    CHECK(std::abs(item.b() - b_new[k]) < 0.25);
    CHECK(std::abs(item.a() - 1.4) < 0.4);
  }
  // The session started on version 1 is kept and still names it.
  const std::vector<StoredSession> sessions = store.sessions("mathematics");
  REQUIRE(sessions.size() == 1);
  CHECK(sessions.front().bank_version == 1);
}

TEST_CASE("cli: calibrate --store without --fixed replaces every calibrated item, version after version") {
  const Scratch scratch;
  const std::string db = scratch.database("irtcat.db", {"mathematics"});
  const CalibrationData data = calibration_data(scratch, 600, 5);
  const std::string base = "calibrate --responses " + data.responses + " --model 2pl --store mathematics --db " + db +
                           " --no-se --no-fit";
  const Run first = scratch.irtcat(base);
  CAPTURE(first.err);
  REQUIRE(first.status == 0);
  CHECK(lines_in(first.out) == 1 + 8);  // the items CSV still goes to standard output
  const Run second = scratch.irtcat(base);
  REQUIRE(second.status == 0);
  Store store(db, OpenMode::read_only);
  const BankDocument after = store.load_bank("mathematics");
  CHECK(after.info.version == 3);
  CHECK(after.info.provenance.find("Version 2 (") != std::string::npos);
  CHECK(after.info.provenance.find("Version 3 (") != std::string::npos);
  for (const std::string& id : data.fixed_ids) {
    CAPTURE(id);
    CHECK(after.bank.item(after.bank.index_of(ItemId(id))).model() == Model::two_pl);
    CHECK(after.bank.metadata(after.bank.index_of(ItemId(id))).parameter_source.find("bank version 3") !=
          std::string::npos);
  }
}

TEST_CASE("cli: calibrate --store refuses with one line and leaves the database unchanged") {
  const Scratch scratch;
  const std::string db = scratch.database("irtcat.db", {"mathematics"});
  const CalibrationData data = calibration_data(scratch, 300, 5);
  const std::string before = database_state(scratch, db);
  const std::string fixed = " --fixed " + data.fixed;
  const std::string store = " --store mathematics --db " + db;
  std::string arguments;
  std::string expected;

  SUBCASE("a calibrated id the bank does not hold") {
    std::string text = slurp(data.responses);
    text.replace(text.find(data.new_ids[1]), data.new_ids[1].size(), "math-9999");
    arguments = "--responses " + scratch.write("unknown.csv", text) + " --model 2pl" + fixed + store;
    expected = "holds no item 'math-9999'";
  }
  SUBCASE("a responses file with a cell that is not a category") {
    std::string text = slurp(data.responses);
    text.replace(text.rfind(",0"), 2, ",x");
    arguments = "--responses " + scratch.write("bad.csv", text) + " --model 2pl" + fixed + store;
    expected = "bad.csv";
  }
  SUBCASE("a responses file that does not exist") {
    arguments = "--responses " + scratch.path("absent.csv") + " --model 2pl" + fixed + store;
    expected = "absent.csv";
  }
  SUBCASE("fixed items whose parameters are not the bank's") {
    std::string text = slurp(data.fixed);
    const std::size_t row = text.find(data.fixed_ids[2]);
    text.replace(text.find(",3pl,", row) + 5, 1, "7");  // a changes by whole units
    arguments = "--responses " + data.responses + " --model 2pl --fixed " + scratch.write("other.csv", text) + store;
    expected = "differ from those in bank 'mathematics' (version 1)";
  }
  SUBCASE("a bank the store does not hold") {
    arguments = "--responses " + data.responses + " --model 2pl" + fixed + " --store physics --db " + db;
    expected = "holds no bank named 'physics'";
  }
  SUBCASE("another scaling constant than the bank's") {
    arguments = "--responses " + data.responses + " --model 2pl --scaling 1.702" + fixed + store;
    expected = "--scaling";
  }
  SUBCASE("a calibration that did not converge") {
    arguments = "--responses " + data.responses + " --model 2pl --max-cycles 2 --no-accelerate" + fixed + store;
    expected = "did not converge";
  }
  SUBCASE("estimates outside the scoring range [-4, 4]") {
    // A tight prior on b at 5.6 puts the new items beyond the range that take and serve score on (the easiest one
    // then has a negative slope and is not stored in any case).
    arguments = "--responses " + data.responses + " --model 2pl --prior-b 5.6,0.05 --no-se --no-fit" + fixed + store;
    expected = "--store: 2 parameters lie outside the scoring range [-4, 4] of bank 'mathematics': '" +
               data.new_ids[1] + "' (b = 5.";
  }
  SUBCASE("--force without --store") {
    arguments = "--responses " + data.responses + " --model 2pl --force";
    expected = "--store";
  }
  SUBCASE("--db without --store") {
    arguments = "--responses " + data.responses + " --model 2pl --db " + db;
    expected = "--store";
  }
  CAPTURE(arguments);
  const Run run = scratch.irtcat("calibrate " + arguments);
  CAPTURE(run.err);
  CHECK(run.status == 1);
  CHECK(run.err.find(expected) != std::string::npos);
  // One line from the tool (a calibration that ran also prints its summary line before the refusal).
  CHECK(run.err.substr(run.err.rfind('\n', run.err.size() - 2) + 1).starts_with("irtcat: "));
  CHECK(database_state(scratch, db) == before);
}

TEST_CASE("cli: calibrate --store --force stores estimates outside the scoring range, with a warning") {
  const Scratch scratch;
  const std::string db = scratch.database("irtcat.db", {"mathematics"});
  const CalibrationData data = calibration_data(scratch, 300, 5);
  const std::string arguments = "calibrate --responses " + data.responses + " --fixed " + data.fixed +
                                " --model 2pl --prior-b 5.6,0.05 --no-se --no-fit --store mathematics --db " + db;
  const Run refused = scratch.irtcat(arguments);
  CAPTURE(refused.err);
  REQUIRE(refused.status == 1);
  // Each item outside is named with its b, and the refusal says how to override it. (The prior leaves the easiest new
  // item, new_ids[0], with a negative slope: not a valid item, never stored.)
  const std::vector<std::string> outside(data.new_ids.begin() + 1, data.new_ids.end());
  for (const std::string& id : outside) CHECK(refused.err.find("'" + id + "' (b = 5.") != std::string::npos);
  CHECK(refused.err.find("nothing was stored (--force stores them anyway)") != std::string::npos);

  const Run forced = scratch.irtcat(arguments + " --force");
  CAPTURE(forced.err);
  REQUIRE(forced.status == 0);
  CHECK(forced.err.find("calibrate: warning: 2 parameters lie outside the scoring range [-4, 4]: '" +
                        data.new_ids[1] + "' (b = 5.") != std::string::npos);
  CHECK(forced.err.find("stored the parameters of 2 items in bank 'mathematics' version 2") != std::string::npos);
  Store store(db, OpenMode::read_only);
  const BankDocument after = store.load_bank("mathematics");
  CHECK(after.info.version == 2);
  for (const std::string& id : outside) {
    CAPTURE(id);
    CHECK(after.bank.item(after.bank.index_of(ItemId(id))).b() > 5.0);
  }
}

namespace {

// Five persons, four items: i1 and i2 split the persons exactly by their sum score (a slope the data cannot bound),
// i3 and i4 hardly relate to it (a slope near 0, so b far outside [-4, 4]).
const std::string kTinyResponses =
    "person_id,i1,i2,i3,i4\np1,1,0,1,1\np2,0,0,1,0\np3,1,1,1,1\np4,0,0,0,1\np5,1,1,0,0\n";

// The number after `label` in the summary line on standard error ("log-likelihood -12.0047...,").
double number_after(const std::string& text, const std::string& label) {
  const std::size_t at = text.find(label);
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + label.size()));
}

}  // namespace

TEST_CASE("cli: calibrate that estimates no item exits 1 with one line and writes nothing") {
  const Scratch scratch;
  const std::string responses = scratch.write("tiny.csv", kTinyResponses);
  const std::string out = scratch.path("items.csv");
  const std::string summary = scratch.path("summary.json");
  const Run run = scratch.irtcat("calibrate --responses " + responses + " --model 2pl --out " + out + " --summary " +
                                 summary);
  CHECK(run.status == 1);
  CHECK(run.out.empty());
  CHECK(run.err == "irtcat: " + responses +
                       ": no item could be estimated (4 items with fewer than 10 responses); --min-responses sets the "
                       "limit\n");
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(summary));
}

TEST_CASE("cli: calibrate warns of slopes on their bound on standard error and writes the --summary JSON") {
  const Scratch scratch;
  const std::string responses = scratch.write("tiny.csv", kTinyResponses);
  const std::string summary = scratch.path("summary.json");
  const Run run = scratch.irtcat("calibrate --responses " + responses +
                                 " --model 2pl --min-responses 1 --no-fit --threads 1 --summary " + summary);
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("\ni1,2pl,30,") != std::string::npos);
  CHECK(run.out.find(",at_bound\ni2,2pl,30,") != std::string::npos);
  CHECK(run.out.find("warning") == std::string::npos);  // warnings go to standard error only
  CHECK(run.err.find("calibrate: warning: 2 items have a parameter on its bound ('i1', 'i2'): the data do not "
                     "determine it and it has no standard error\n") != std::string::npos);
  CHECK(run.err.find("calibrate: warning: 2 parameters lie outside the scoring range [-4, 4]: 'i3' (b = -") !=
        std::string::npos);

  const nlohmann::json j = nlohmann::json::parse(slurp(summary));
  CHECK(j["format"] == "irtcat.calibration_summary");
  CHECK(j["status"] == "converged");
  CHECK(j["persons"] == 5);
  CHECK(j["parameters"] == 6);  // a and b of i3 and i4, b of i1 and i2: the slopes on the bound are held
  // The same numbers as the summary line, in full precision.
  const double log_likelihood = j["log_likelihood"].get<double>();
  CHECK(log_likelihood == number_after(run.err, "log-likelihood "));
  CHECK(j["aic"].get<double>() == number_after(run.err, "AIC "));
  CHECK(j["bic"].get<double>() == number_after(run.err, "BIC "));
  CHECK(j["aic"].get<double>() == doctest::Approx(-2.0 * log_likelihood + 2.0 * 6));
  CHECK(j["bic"].get<double>() == doctest::Approx(-2.0 * log_likelihood + 6.0 * std::log(5.0)));
  CHECK(j["model_fit"].is_null());
  CHECK(j["items"]["at_bound"] == 2);
  CHECK(j["items"]["estimated"] == 2);
  REQUIRE(j["flagged"].size() == 2);
  CHECK(j["flagged"][0]["id"] == "i1");
  CHECK(j["flagged"][0]["message"].get<std::string>().starts_with("a = 30 is at its upper bound"));
  REQUIRE(j["outside_scoring_range"].size() == 2);
  CHECK(j["outside_scoring_range"][1]["id"] == "i4");
}

TEST_CASE("cli: calibrate --fit m2 --summary writes M2, its df, RMSEA and SRMSR") {
  const Scratch scratch;
  const CalibrationData data = calibration_data(scratch, 300, 5);
  const std::string summary = scratch.path("summary.json");
  const Run run = scratch.irtcat("calibrate --responses " + data.responses +
                                 " --model 2pl --no-se --no-fit --fit m2 --summary " + summary);
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  const nlohmann::json j = nlohmann::json::parse(slurp(summary));
  REQUIRE(j["model_fit"].is_object());
  CHECK(j["model_fit"]["statistic"] == "M2");
  CHECK(j["model_fit"]["df"] == 8 + 28 - 16);  // 8 items: 8 + 28 margins, 16 parameters
  CHECK(j["model_fit"]["persons"] == 300);
  CHECK(j["model_fit"]["value"].get<double>() == number_after(run.err, "; M2 "));
  CHECK(j["model_fit"]["rmsea"].get<double>() == number_after(run.err, "RMSEA "));
  CHECK(j["model_fit"]["srmsr"].get<double>() == number_after(run.err, "SRMSR "));
  CHECK(j["model_fit"]["p"].get<double>() >= 0.0);
  CHECK(j["parameters"] == 16);
  CHECK(j["persons"] == 300);
  CHECK(j["standard_errors"].is_null());

  SUBCASE("an unwritable --summary is refused in one line") {
    const Run bad = scratch.irtcat("calibrate --responses " + data.responses + " --model 2pl --no-se --no-fit "
                                   "--summary " + scratch.path("absent/summary.json"));
    CHECK(bad.status == 1);
    CHECK(lines_in(bad.err) == 1);  // refused before anything else is written
    CHECK(bad.err.find("irtcat: --summary: cannot write to") != std::string::npos);
  }
}

TEST_CASE("cli: simulate --db runs the battery on the stored banks, the same study as from the bank files") {
  const Scratch scratch;
  const std::string db = scratch.database("irtcat.db");
  // The stored banks get the shipped designs, as the build's database has them: both runs take the standard design.
  REQUIRE(scratch.irtcat("design import --db " + db + " " + IRTCAT_ITEM_BANKS + "/designs/standard.json").status == 0);
  const std::string common = "simulate --candidates 5 --length 3 --seed 11 --threads 2";
  const Run files = scratch.irtcat(common + " --banks " + IRTCAT_ITEM_BANKS + " --out-dir " +
                                            scratch.path("files"));
  CAPTURE(files.err);
  REQUIRE(files.status == 0);
  const Run stored = scratch.irtcat(common + " --db " + db + " --out-dir " + scratch.path("stored"));
  CAPTURE(stored.err);
  REQUIRE(stored.status == 0);
  const std::string candidates = slurp(scratch.path("files") + "/candidates.csv");
  CHECK(lines_in(candidates) == 6);
  CHECK(slurp(scratch.path("stored") + "/candidates.csv") == candidates);
  // The same study but for where its design came from (the file, or the store).
  const auto without_design = [](std::string json) {
    const auto line = json.find("\"design\":");
    REQUIRE(line != std::string::npos);
    return json.erase(line, json.find('\n', line) - line);
  };
  const std::string stored_json = slurp(scratch.path("stored") + "/study.json");
  const std::string files_json = slurp(scratch.path("files") + "/study.json");
  CHECK(stored_json.find("standard v1, changed by options") != std::string::npos);
  CHECK(without_design(stored_json) == without_design(files_json));
  CHECK(stored.out == files.out);
  CHECK(lines_in(stored.out) == 7);

  SUBCASE("the banks are read from the database: a new stored version changes the study") {
    {
      Store store(db, OpenMode::read_write);
      const BankDocument math = store.load_bank("mathematics");
      std::vector<Item> harder;
      for (const Item& item : math.bank.items()) {
        harder.push_back(Item::dichotomous(item.id(), item.model(), item.a(), item.b() + 1.5, item.c(), item.d()));
      }
      store.replace_item_parameters("mathematics", math.info.version, harder, "shifted", "Shifted by 1.5.");
    }
    const Run shifted = scratch.irtcat(common + " --db " + db + " --out-dir " + scratch.path("shifted"));
    REQUIRE(shifted.status == 0);
    CHECK(slurp(scratch.path("shifted") + "/candidates.csv") != candidates);
  }
  SUBCASE("refusals") {
    const Run both = scratch.irtcat(common + " --db " + db + " --banks " + IRTCAT_ITEM_BANKS);
    CHECK(both.status == 1);
    CHECK(lines_in(both.err) == 1);
    const std::string partial = scratch.database("partial.db", {"mathematics"});
    const Run missing = scratch.irtcat(common + " --db " + partial + " --out-dir " + scratch.path("partial"));
    CHECK(missing.status == 1);
    CHECK(lines_in(missing.err) == 1);
    CHECK(missing.err.find("holds no bank named 'machine_learning'") != std::string::npos);
    const Run absent = scratch.irtcat(common + " --db " + scratch.path("absent.db"));
    CHECK(absent.status == 1);
    CHECK(lines_in(absent.err) == 1);
    CHECK_FALSE(fs::exists(scratch.path("absent.db")));
    const std::string items = scratch.write("items.csv", "id,model,a,b\nx1,2pl,1,0\n");
    const std::string thetas = scratch.write("thetas.csv", "id,theta\ns1,0\n");
    const Run single = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --db " + db);
    CHECK(single.status == 1);
    CHECK(single.err.find("--db") != std::string::npos);
  }
}
