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
#include "irtcat/text.hpp"
#include "cli/cli_support.hpp"
#include "scratch.hpp"

namespace fs = std::filesystem;
using namespace irtcat::testing;

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
      {"score --items " + items + " --responses " + scratch.write("j.csv", "person_id,x1\np,\"1\t\n2\"\n"),
       "'1\\t\\n2' is not a response"},
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

TEST_CASE("cli: --version names the SIMD target in use and those the CPU runs, IRTCAT_SIMD chooses among them") {
  const Scratch scratch;
  const Run run = scratch.irtcat("--version");
  CHECK(run.status == 0);
  CHECK(run.out.starts_with("irtcat "));
  CHECK(run.out.find("\nsimd ") != std::string::npos);
  const std::size_t open = run.out.find("(this CPU: ");
  REQUIRE(open != std::string::npos);
  const std::string listed = run.out.substr(open + 11, run.out.find(')', open) - open - 11);
  const std::string lowest = listed.substr(listed.rfind(' ') + 1);
  const Run forced = scratch.irtcat_with("IRTCAT_SIMD=" + lowest, "--version");
  CHECK(forced.status == 0);
  CHECK(forced.out.find("simd " + lowest + " (this CPU: " + listed + ")") != std::string::npos);
  const Run unknown = scratch.irtcat_with("IRTCAT_SIMD=mmx", "--version");
  CHECK(unknown.status == 1);
  CHECK(unknown.err == "irtcat: IRTCAT_SIMD: 'mmx' is not a target this build runs on this CPU (" +
                           irtcat::join(irtcat::split(listed, ' '), ", ") + ")\n");
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
