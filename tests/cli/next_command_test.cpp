// `irtcat next`: the item a rule picks next for each person, the library's choice.

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
#include "cli/cli_support.hpp"
#include "scratch.hpp"

namespace fs = std::filesystem;
using namespace irtcat::testing;

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
