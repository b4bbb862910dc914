// `--responses -`: every command that reads a responses file reads it from standard input as well (a pipe, which
// cannot seek), with the same result as from the file; errors then name "standard input".

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "scratch.hpp"

using namespace irtcat::testing;

TEST_CASE("cli: --responses - reads the responses piped in, as from the file") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  const std::string responses = scratch.write("responses.csv", kResponses);
  const std::string complete = scratch.write("complete.csv", "person_id,x1,x2,x3\np1,1,1,1\np2,0,1,0\n");
  const std::string thetas = scratch.write("thetas.csv", "id,theta\np1,1\np2,-1\n");
  // A small 2PL calibration: 40 persons, 3 items, no standard errors or fit (quick under the sanitizers).
  std::string matrix = "person_id,x1,x2,x3\n";
  for (int p = 0; p < 40; ++p) {
    matrix += std::string("p") + std::to_string(p) + ',' + std::to_string(p % 2) + ',' + std::to_string(p % 3 != 0) +
              ',' + std::to_string(p % 5 > 1) + '\n';
  }
  const std::string calibration = scratch.write("calibration.csv", matrix);
  struct Case {
    std::string command;  // with "{}" where the responses go
    std::string file;
  };
  const std::vector<Case> cases = {
      {"score --items " + items + " --responses {} --estimator map", responses},
      {"next --items " + items + " --responses {} --rule mfi", responses},
      {"simulate --items " + items + " --thetas " + thetas + " --responses {} --length 2 --seed 3", complete},
      {"calibrate --model 2pl --no-se --no-fit --responses {}", calibration},
  };
  for (const Case& c : cases) {
    const auto with = [&](const std::string& responses_argument) {
      std::string command = c.command;
      command.replace(command.find("{}"), 2, responses_argument);
      return command;
    };
    CAPTURE(c.command);
    const Run from_file = scratch.irtcat(with(c.file));
    const Run piped = scratch.irtcat_piped(with("-"), c.file);
    CAPTURE(piped.err);
    REQUIRE(from_file.status == 0);
    CHECK(piped.status == 0);
    CHECK(piped.out == from_file.out);
    CHECK(lines_in(piped.out) >= 2);
  }

  // A bad cell read from standard input is reported against "standard input", on one line.
  const Run bad = scratch.irtcat_piped("score --items " + items + " --responses -",
                                       scratch.write("bad.csv", "person_id,x1\np,3\n"));
  CHECK(bad.status == 1);
  CHECK(lines_in(bad.err) == 1);
  CHECK(bad.err.find("standard input") != std::string::npos);
  CHECK(bad.err.find("response 3 is outside") != std::string::npos);
  // Nothing piped in: an empty file.
  const Run empty = scratch.irtcat("score --items " + items + " --responses -");
  CHECK(empty.status == 1);
  CHECK(empty.err.find("standard input") != std::string::npos);
}
