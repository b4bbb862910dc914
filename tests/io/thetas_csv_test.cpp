#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "irtcat/error.hpp"
#include "irtcat/item_bank.hpp"
#include "irtcat/simulation.hpp"
#include "irtcat/thetas_csv.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

std::string written(const std::string& name, const std::string& text) {
  const auto path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("thetas csv: id,theta and per-domain files") {
  const auto simulees = read_thetas_csv_file(written("irtcat_thetas.csv", "id,theta\ns1,0.5\n s2 ,-1\n"));
  REQUIRE(simulees.size() == 2);
  CHECK(simulees[1].id == "s2");
  CHECK(simulees[1].theta(0) == -1.0);
  CHECK_THROWS_AS(read_thetas_csv_file(written("irtcat_thetas_bad.csv", "id,theta\ns1,x\n")), DataError);
  // A quoted cell may hold a line break: the message shows it escaped, on one line.
  const std::string broken = written("irtcat_thetas_line_break.csv", "id,theta\ns1,\"0\n1\"\n");
  CHECK_THROWS_WITH_AS(read_thetas_csv_file(broken),
                       doctest::Contains("line 2, column 'theta': '0\\n1' is not a finite number"), DataError);
  CHECK_THROWS_AS(read_thetas_csv_file(written("irtcat_thetas_header.csv", "person,theta\ns1,1\n")), DataError);

  const auto candidates =
      read_domain_thetas_csv_file(written("irtcat_domain_thetas.csv", "id,coding,maths\nc1,1,2\n"), {"maths", "coding"});
  REQUIRE(candidates.size() == 1);
  CHECK(candidates[0].theta(0) == 2.0);
  CHECK(candidates[0].theta(1) == 1.0);
  CHECK_THROWS_AS(read_domain_thetas_csv_file(written("irtcat_domain_thetas2.csv", "id,coding\nc1,1\n"), {"maths"}),
                  DataError);
}

TEST_CASE("simulation: post-hoc responses aligned to the bank and the simulees") {
  const ItemBank bank = testing::spread_bank(Model::two_pl, 3, 1);
  ResponseTable table;
  table.file = "r.csv";
  table.person_ids = {"b", "a"};
  table.lines = {2, 3};
  table.item_ids = {bank.items()[2].id().str(), bank.items()[0].id().str()};
  table.responses.resize(2, 2);
  table.responses << 1, 0, 0, 1;
  std::vector<SimulatedCandidate> simulees{{"a", "thetas", Eigen::VectorXd::Zero(1)}, {"b", "thetas", Eigen::VectorXd::Zero(1)}};
  const auto matrix = post_hoc_responses(table, bank, simulees);
  REQUIRE(matrix.rows() == 2);
  REQUIRE(matrix.cols() == 3);
  CHECK(matrix(0, 0) == 1);   // a's answer to item 0
  CHECK(matrix(0, 2) == 0);   // a's answer to item 2
  CHECK(matrix(1, 2) == 1);
  CHECK(matrix(0, 1) == ResponseTable::kMissingResponse);
  simulees.push_back({"c", "thetas", Eigen::VectorXd::Zero(1)});
  CHECK_THROWS_AS(post_hoc_responses(table, bank, simulees), DataError);
  table.responses(0, 0) = 2;
  CHECK_THROWS_AS(post_hoc_responses(table, bank, {simulees[1]}), DataError);
}

TEST_CASE("thetas csv: the reader gives the file's simulees one at a time, as read_thetas_csv_file gives them all") {
  const std::string path = written("irtcat_thetas_reader.csv", "\xEF\xBB\xBFid,theta\ns1,0.5\n\n\"s,2\",-1\r\ns3,2");
  const auto all = read_thetas_csv_file(path);
  ThetasCsvReader reader(path);
  CHECK(reader.rows_at_most() >= 3);
  SimulatedCandidate next{"old", "old", Eigen::VectorXd::Zero(3)};  // storage reused: every field is set
  for (const SimulatedCandidate& expected : all) {
    REQUIRE(reader.next(next));
    CHECK(next.id == expected.id);
    CHECK(next.population == "thetas");
    REQUIRE(next.theta.size() == 1);
    CHECK(next.theta(0) == expected.theta(0));
  }
  CHECK(all.size() == 3);
  CHECK(all[1].id == "s,2");
  CHECK_FALSE(reader.next(next));
  CHECK_FALSE(reader.next(next));  // and after the end, still none
  // A bad row fails when it is reached, naming its line; a bad header or a missing file when the reader opens.
  ThetasCsvReader bad(written("irtcat_thetas_reader_bad.csv", "id,theta\ns1,0.5\ns2,x\n"));
  REQUIRE(bad.next(next));
  try {
    bad.next(next);
    FAIL("a theta that is not a number was read");
  } catch (const DataError& error) {
    CHECK(error.line() == 3);
    CHECK(error.column() == "theta");
  }
  CHECK_THROWS_AS(ThetasCsvReader(written("irtcat_thetas_reader_header.csv", "person,theta\ns1,1\n")), DataError);
  CHECK_THROWS_AS(ThetasCsvReader(written("irtcat_thetas_reader_empty.csv", "")), DataError);
  CHECK_THROWS_AS(ThetasCsvReader("/nonexistent/thetas.csv"), DataError);
  CHECK_THROWS_AS(read_thetas_csv_file(written("irtcat_thetas_reader_only_header.csv", "id,theta\n")), DataError);
}
