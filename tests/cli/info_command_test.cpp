// `irtcat info`: id,theta,information.

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
