// End-to-end tests of the irtcat executable: good runs print CSV; bad input prints one line on standard error
// and exits with status 1.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>

#include "detail/csv.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"
#include "scratch.hpp"

namespace fs = std::filesystem;
using namespace irtcat::testing;

namespace {

const std::string kItems = "id,model,a,b,c,d\nx1,3pl,1.2,-0.5,0.2,\nx2,2pl,0.9,0.4,,\nx3,4pl,1.5,1.0,0.1,0.95\n";
const std::string kResponses = "person_id,x1,x2,x3\np1,1,0,1\np2,1,1,1\np3,,0,\n";

}  // namespace

TEST_CASE("cli: score prints person_id,theta,se for every person and estimator") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", kResponses);
  for (const char* estimator : {"ml", "map", "eap", "wle"}) {
    const Run run = scratch.irtcat("score --items " + items + " --responses " + responses + " --estimator " + estimator);
    CAPTURE(estimator);
    CAPTURE(run.err);
    CHECK(run.status == 0);
    CHECK(run.err.empty());
    CHECK(run.out.starts_with("person_id,theta,se\np1,"));
    CHECK(lines_in(run.out) == 4);
  }
  // The all-correct person under ML ends at the upper bound, which --bounds sets.
  const Run bounded = scratch.irtcat("score --items " + items + " --responses " + responses +
                                     " --estimator ml --bounds -3:3.5");
  CHECK(bounded.out.find("\np2,3.5,") != std::string::npos);
}

TEST_CASE("cli: score's numbers are the library's") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", kResponses);
  const std::string out = (scratch.dir() / "scores.csv").string();
  const Run run = scratch.irtcat("score --items " + items + " --responses " + responses +
                                 " --estimator map --prior-mean 0.5 --prior-sd 2 --scaling 1.702 --out " + out);
  REQUIRE(run.status == 0);
  CHECK(run.out.empty());
  const irtcat::ItemBank bank = irtcat::read_items_csv_file(items, 1.702);
  const auto patterns = irtcat::response_patterns(irtcat::read_responses_csv_file(responses), bank);
  irtcat::EstimationOptions options;
  options.estimator = irtcat::Estimator::map;
  options.prior = irtcat::NormalPrior{0.5, 2.0};
  const irtcat::AbilityEstimate p1 = irtcat::estimate_ability(bank, patterns[0], options);
  CHECK(slurp(out).find("p1," + irtcat::detail::format_double(p1.theta) + "," +
                        irtcat::detail::format_double(p1.se) + "\n") != std::string::npos);

  const Run grid = scratch.irtcat("score --items " + items + " --responses " + responses +
                                  " --estimator eap --grid -6:6:61 --prior uniform --prior-bounds -5:5");
  options.estimator = irtcat::Estimator::eap;
  options.grid = {-6, 6, 61};
  options.prior = irtcat::UniformPrior{-5, 5};
  const irtcat::ItemBank plain = irtcat::read_items_csv_file(items, 1.0);
  const irtcat::AbilityEstimate eap = irtcat::estimate_ability(plain, patterns[1], options);
  CHECK(grid.out.find("p2," + irtcat::detail::format_double(eap.theta) + ",") != std::string::npos);
}

TEST_CASE("cli: info prints id,theta,information") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const Run run = scratch.irtcat("info --items " + items + " --theta -3,0,1.5");
  REQUIRE(run.status == 0);
  CHECK(lines_in(run.out) == 1 + 3 * 3);
  const irtcat::ItemBank bank = irtcat::read_items_csv_file(items);
  const std::size_t row = run.out.find("x2,1.5,");
  REQUIRE(row != std::string::npos);
  const double printed = std::stod(run.out.substr(row + 7, run.out.find('\n', row) - row - 7));
  CHECK(printed == doctest::Approx(irtcat::information(bank.items()[1], 1.5)).epsilon(1e-14));
}

TEST_CASE("cli: bad input gives one line on stderr and exit status 1") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", kResponses);
  struct Case {
    std::string arguments;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"score --items " + scratch.write("a.csv", "id,model,b\nx1,3pl,0\n") + " --responses " + responses,
       "column 'a': the cell is empty"},
      {"score --items " + scratch.write("b.csv", "id,model,a,b\nx1,3pl,1,zero\n") + " --responses " + responses,
       "line 2, column 'b': 'zero' is not a finite number"},
      {"score --items " + items + " --responses " + scratch.write("c.csv", "person_id,x9\np,1\n"),
       "unknown item id 'x9'"},
      {"score --items " + items + " --responses " + scratch.write("d.csv", "person_id,x1\np,3\n"),
       "response 3 is outside the item's categories 0..1"},
      {"score --items " + scratch.write("e.csv", "id,model,a,b\nx1,2pl,-2,0\n") + " --responses " + responses,
       "a must be > 0"},
      {"score --items " + scratch.write("f.csv", "") + " --responses " + responses, "the file is empty"},
      {"score --items /nonexistent.csv --responses " + responses, "cannot open the file"},
      {"score --items " + items + " --responses " + responses + " --estimator bayes", "--estimator"},
      {"score --items " + items + " --responses " + responses + " --grid -4:4", "--grid: expected lower:upper:points"},
      {"score --items " + items + " --responses " + responses + " --bounds 4:-4", "--bounds: needs lower < upper"},
      {"score --items " + items + " --responses " + responses + " --prior-sd 0", "--prior-sd"},
      {"score --items " + items + " --responses " + responses + " --scaling -1", "--scaling"},
      {"score --items " + items, "--responses is required"},
      {"info --items " + items + " --theta 0,x", "--theta: 'x' is not a finite number"},
      {"frobnicate", "subcommand"},
      // A quoted cell holding a line break is quoted back escaped: the message stays on one line.
      {"score --items " + scratch.write("g.csv", "id,model,a,b\nx1,2pl,1,\"0\n1\"\n") + " --responses " + responses,
       "line 2, column 'b': '0\\n1' is not a finite number"},
      {"score --items " + scratch.write("h.csv", "id,model,a,b\n\"x\r\n1\",2pl,1,0\n\"x\r\n1\",2pl,1,0\n") +
           " --responses " + responses,
       "item id 'x\\r\\n1' already appears on line 2"},
      {"score --items " + items + " --responses " + scratch.write("i.csv", "person_id,\"x\n9\"\np,1\n"),
       "unknown item id 'x\\n9'"},
      {"score --items " + items + " --responses " + scratch.write("j.csv", "person_id,x1\np,\"1\t\n\"\n"),
       "'1\\t\\n' is not a response"},
  };
  for (const Case& c : cases) {
    const Run run = scratch.irtcat(c.arguments);
    CAPTURE(c.arguments);
    CAPTURE(run.err);
    CHECK(run.status == 1);
    CHECK(lines_in(run.err) == 1);
    CHECK(run.err.starts_with("irtcat: "));
    CHECK(run.err.find(c.message) != std::string::npos);
  }
}

TEST_CASE("cli: a 100,000-node grid costs memory in proportion to items x nodes, not nodes x nodes") {
  // The grid tables' compression once formed a nodes x nodes matrix: 80 GB for this grid, and an abort.
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", kResponses);
  for (const char* rule : {"mpwi", "mepv", "kl"}) {
    const Run run = scratch.irtcat("next --items " + items + " --responses " + responses + " --rule " + rule +
                                   " --estimator eap --grid -4:4:100000");
    CAPTURE(rule);
    CAPTURE(run.err);
    CHECK(run.status == 0);
    CHECK(run.out.starts_with("person_id,item_id\n"));
    CHECK(lines_in(run.out) == 4);
  }
}

TEST_CASE("cli: next picks one item per person, the library's choice") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", "person_id,x1,x2,x3\np1,1,,\np2,1,0,1\np3,,,\n");
  for (const char* rule : {"mfi", "kl", "klp", "mlwi", "mpwi", "mepv", "mei", "closest", "random"}) {
    const Run run = scratch.irtcat("next --items " + items + " --responses " + responses + " --rule " + rule);
    CAPTURE(rule);
    CAPTURE(run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out.starts_with("person_id,item_id\np1,x"));
    CHECK(run.out.find("\np2,\n") != std::string::npos);  // every item given: nothing left
    CHECK(lines_in(run.out) == 4);
  }
  // p1 answered x1: MFI at its EAP estimate.
  const irtcat::ItemBank bank = irtcat::read_items_csv_file(items);
  const std::vector<irtcat::Response> answered = {{irtcat::ItemIndex{0}, 1}};
  const double theta = irtcat::estimate_ability(bank, answered).theta;
  const std::string expected = irtcat::information(bank.items()[1], theta) > irtcat::information(bank.items()[2], theta) ? "x2" : "x3";
  CHECK(scratch.irtcat("next --items " + items + " --responses " + responses).out.find("p1," + expected) != std::string::npos);
}

TEST_CASE("cli: simulate, single-bank and post-hoc") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string thetas = scratch.write("thetas.csv", "id,theta\np1,-1\np2,0.5\n");
  const Run run = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --length 2 --seed 4");
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.starts_with("id,theta_true,theta,se,length,items\np1,-1,"));
  CHECK(run.out.find(",2,x") != std::string::npos);
  const std::string complete = scratch.write("complete.csv", "person_id,x1,x2,x3\np1,1,1,1\np2,0,0,0\n");
  const Run posthoc = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --responses " + complete +
                                     " --length 3 --estimator eap");
  REQUIRE(posthoc.status == 0);
  // p1 answered everything right: its estimate is above p2's, who answered everything wrong.
  const auto theta_of = [&](const std::string& id) {
    const std::size_t row = posthoc.out.find("\n" + id + ",");
    const std::size_t start = posthoc.out.find(',', posthoc.out.find(',', row + 1) + 1) + 1;
    return std::stod(posthoc.out.substr(start, posthoc.out.find(',', start) - start));
  };
  CHECK(theta_of("p1") > theta_of("p2"));
  const Run missing = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --responses " +
                                     scratch.write("gappy.csv", "person_id,x1,x2,x3\np1,1,,1\np2,0,0,0\n") + " --length 3");
  CHECK(missing.status == 1);
  CHECK(missing.err.find("complete response matrix") != std::string::npos);
  const Run lonely = scratch.irtcat("simulate --items " + items);
  CHECK(lonely.status == 1);
  CHECK(lines_in(lonely.err) == 1);
}

TEST_CASE("cli: simulate stops on the SE target, not before the minimum length") {
  const Scratch scratch;
  std::string items = "id,model,a,b\n";
  for (int i = 0; i < 40; ++i) {
    items += 'i';
    items += std::to_string(i);
    items += ",2pl,2,";
    items += std::to_string(-2.0 + i * 0.1);
    items += '\n';
  }
  const std::string thetas = scratch.write("thetas.csv", "id,theta\np1,0\np2,0.5\np3,-0.5\n");
  const Run run = scratch.irtcat("simulate --items " + scratch.write("items.csv", items) + " --thetas " + thetas +
                                 " --length 40 --se 0.5 --min-length 4 --start-random 3 --seed 9");
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  std::istringstream rows(run.out);
  std::string row;
  std::getline(rows, row);  // header
  int persons = 0;
  while (std::getline(rows, row)) {
    std::vector<std::string> cells;
    std::istringstream fields(row);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    REQUIRE(cells.size() == 6);
    const int length = std::stoi(cells[4]);
    CHECK(length >= 4);
    CHECK(length < 40);           // two-parameter items with a = 2 reach SE 0.5 in a handful of items
    CHECK(std::stod(cells[3]) <= 0.5);
    ++persons;
  }
  CHECK(persons == 3);
  const Run bad = scratch.irtcat("simulate --items " + scratch.write("items2.csv", items) + " --thetas " + thetas +
                                 " --length 10 --min-length 11");
  CHECK(bad.status == 1);
  CHECK(lines_in(bad.err) == 1);
}

TEST_CASE("cli: the battery's candidates from one role's population, from true thetas, or refused") {
  const Scratch scratch;
  const std::string out_dir = scratch.path("study");
  const Run role = scratch.irtcat("simulate --candidates 6 --length 3 --population data_scientist --out-dir " + out_dir);
  CAPTURE(role.err);
  REQUIRE(role.status == 0);
  const std::string drawn = slurp(out_dir + "/candidates.csv");
  CHECK(lines_in(drawn) == 7);
  std::istringstream rows(drawn);
  std::string row;
  std::getline(rows, row);
  while (std::getline(rows, row)) CHECK(row.find(",data_scientist,") != std::string::npos);

  const std::string thetas = scratch.write(
      "true.csv",
      "id,software_engineering,mathematics,machine_learning,deep_learning,data_science,algorithmic_coding\n"
      "ann,0.25,1.5,1,1,1,1\nbob,2,-1,-1,-1,-1,-1\n");
  const Run read = scratch.irtcat("simulate --length 3 --true-thetas " + thetas + " --out-dir " + out_dir);
  CAPTURE(read.err);
  REQUIRE(read.status == 0);
  const std::string given = slurp(out_dir + "/candidates.csv");
  CHECK(lines_in(given) == 3);
  CHECK(given.find("\nann,thetas,1.5,") != std::string::npos);  // mathematics is the first domain of roles.json
  CHECK(given.find("\nbob,thetas,-1,") != std::string::npos);

  const Run unknown = scratch.irtcat("simulate --population nobody --out-dir " + out_dir);
  CHECK(unknown.status == 1);
  CHECK(lines_in(unknown.err) == 1);
  const Run missing = scratch.irtcat("simulate --true-thetas " + scratch.write("short.csv", "id,mathematics\nx,1\n") +
                                     " --out-dir " + out_dir);
  CHECK(missing.status == 1);
  CHECK(missing.err.find("machine_learning") != std::string::npos);
}

TEST_CASE("cli: --help on every command") {
  const Scratch scratch;
  for (const char* command : {"", "score ", "info ", "next ", "simulate "}) {
    const Run run = scratch.irtcat(std::string(command) + "--help");
    CAPTURE(command);
    CHECK(run.status == 0);
    CHECK(run.out.find("--") != std::string::npos);
  }
}
