// `irtcat score`: person_id,theta,se,status for every person and estimator, the library's numbers.

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

TEST_CASE("cli: score prints person_id,theta,se,status for every person and estimator") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", kResponses);
  for (const char* estimator : {"ml", "map", "eap", "wle"}) {
    const Run run = scratch.irtcat("score --items " + items + " --responses " + responses + " --estimator " + estimator);
    CAPTURE(estimator);
    CAPTURE(run.err);
    CHECK(run.status == 0);
    CHECK(run.err.empty());
    CHECK(run.out.starts_with("person_id,theta,se,status\np1,"));
    CHECK(lines_in(run.out) == 4);
  }
  // The all-correct person under ML ends at the upper bound, which --bounds sets, and says so; an interior
  // estimate says converged.
  const Run bounded = scratch.irtcat("score --items " + items + " --responses " + responses +
                                     " --estimator ml --bounds -3:3.5");
  CHECK(bounded.out.find("\np2,3.5,") != std::string::npos);
  const std::size_t p2 = bounded.out.find("\np2,");
  REQUIRE(p2 != std::string::npos);
  CHECK(bounded.out.substr(p2 + 1, bounded.out.find('\n', p2 + 1) - p2 - 1).ends_with(",upper_bound"));
  const std::size_t p1 = bounded.out.find("p1,");
  CHECK(bounded.out.substr(p1, bounded.out.find('\n', p1) - p1).ends_with(",converged"));
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
                        irtcat::detail::format_double(p1.se) + "," + std::string(irtcat::to_string(p1.status)) +
                        "\n") != std::string::npos);

  const Run grid = scratch.irtcat("score --items " + items + " --responses " + responses +
                                  " --estimator eap --grid -6:6:61 --prior uniform --prior-bounds -5:5");
  options.estimator = irtcat::Estimator::eap;
  options.grid = {-6, 6, 61};
  options.prior = irtcat::UniformPrior{-5, 5};
  const irtcat::ItemBank plain = irtcat::read_items_csv_file(items, 1.0);
  const irtcat::AbilityEstimate eap = irtcat::estimate_ability(plain, patterns[1], options);
  CHECK(grid.out.find("p2," + irtcat::detail::format_double(eap.theta) + ",") != std::string::npos);
}

TEST_CASE("cli: score gives a person with no answers the prior's centre, 0 under N(0, 1), not rounding noise") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", "person_id,x1,x2,x3\nnone,,,\n");
  for (const char* estimator : {"ml", "map", "eap", "wle"}) {
    const Run run = scratch.irtcat("score --items " + items + " --responses " + responses + " --estimator " + estimator);
    CAPTURE(estimator);
    CAPTURE(run.out);
    CHECK(run.status == 0);
    CHECK(run.out.starts_with("person_id,theta,se,status\nnone,0,"));
    CHECK(run.out.ends_with(",no_responses\n"));
  }
}
