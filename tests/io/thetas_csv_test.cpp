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
