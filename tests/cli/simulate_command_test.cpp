// `irtcat simulate`: single-bank, post-hoc and battery studies.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>

#include "detail/csv.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/latent_json.hpp"
#include "irtcat/profiles.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/responses_csv.hpp"
#include "cli/cli_support.hpp"
#include "scratch.hpp"

namespace fs = std::filesystem;
using namespace irtcat::testing;
using irtcat::LatentEstimate;
using irtcat::MultivariateNormal;
using irtcat::RoleCatalog;

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
  // With --out, rows are written as the study goes; a study that fails leaves the file that was there.
  const std::string out = scratch.write("study.csv", "kept\n");
  const Run failed = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --responses " +
                                    scratch.path("gappy.csv") + " --length 3 --out " + out);
  CHECK(failed.status == 1);
  CHECK(slurp(out) == "kept\n");
  CHECK_FALSE(fs::exists(out + ".partial"));
  const Run written = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --length 2 --out " + out);
  CHECK(written.status == 0);
  CHECK(slurp(out).starts_with("id,theta_true,theta,se,length,items\np1,"));
  // What is not a regular file is written to, not replaced: /dev/null stays a device.
  const Run discarded = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --length 2 --out /dev/null");
  CHECK(discarded.status == 0);
  CHECK(fs::is_character_file("/dev/null"));
  CHECK_FALSE(fs::exists("/dev/null.partial"));
  const Run lonely = scratch.irtcat("simulate --items " + items);
  CHECK(lonely.status == 1);
  CHECK(lines_in(lonely.err) == 1);
}

TEST_CASE("cli: simulate reads the simulees as it goes: a bad row late in the file still fails the whole study") {
  const Scratch scratch;
  const std::string items = scratch.write("items.csv", kItems);
  std::string text = "id,theta\n";
  for (int i = 0; i < 3000; ++i) text += "s" + std::to_string(i) + "," + std::to_string((i % 7) - 3) + "\n";
  const std::string good = scratch.write("good.csv", text);
  const std::string bad = scratch.write("bad.csv", text + "s3000,high\n");
  const std::string out = scratch.write("study.csv", "kept\n");
  const Run failed = scratch.irtcat("simulate --items " + items + " --thetas " + bad + " --length 2 --out " + out);
  CHECK(failed.status == 1);
  CHECK(lines_in(failed.err) == 1);
  CHECK(failed.err.find("3002") != std::string::npos);  // the line of the bad row
  CHECK(slurp(out) == "kept\n");
  const Run empty = scratch.irtcat("simulate --items " + items + " --thetas " + scratch.write("empty.csv", "id,theta\n") +
                                   " --length 2 --out " + out);
  CHECK(empty.status == 1);
  CHECK(empty.err.find("at least one row") != std::string::npos);
  CHECK(slurp(out) == "kept\n");
  const Run run = scratch.irtcat("simulate --items " + items + " --thetas " + good + " --length 2 --out " + out);
  CHECK(run.status == 0);
  CHECK(lines_in(slurp(out)) == 3001);
}

TEST_CASE("cli: simulate quotes the cells whose ids need it, and only those") {
  const Scratch scratch;
  // An id with a comma and one with a quote: each row's items cell must read back as the three ids joined by
  // blanks. With plain ids only, the cell is written bare.
  const std::string odd = scratch.write("odd.csv", "id,model,a,b\n\"x,1\",2pl,1.2,-0.5\n\"y\"\"2\",2pl,0.9,0.4\nz3,2pl,1.5,1\n");
  const std::string plain = scratch.write("plain.csv", "id,model,a,b\nx1,2pl,1.2,-0.5\ny2,2pl,0.9,0.4\nz3,2pl,1.5,1\n");
  const std::string thetas = scratch.write("thetas.csv", "id,theta\n\"p,1\",-1\np2,0.5\n");
  for (const auto& bank : {std::pair<std::string, std::vector<std::string>>{odd, {"x,1", "y\"2", "z3"}},
                            {plain, {"x1", "y2", "z3"}}}) {
    const std::string& items = bank.first;
    const std::vector<std::string>& ids = bank.second;
    CAPTURE(items);
    const Run run = scratch.irtcat("simulate --items " + items + " --thetas " + thetas + " --length 3 --seed 2");
    CAPTURE(run.err);
    REQUIRE(run.status == 0);
    std::istringstream text(run.out);
    const auto rows = irtcat::detail::read_csv(text, "out");
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].cells.front() == "p,1");
    for (std::size_t r = 1; r < rows.size(); ++r) {
      REQUIRE(rows[r].cells.size() == 6);
      const std::string& cell = rows[r].cells[5];
      for (const std::string& id : ids) CHECK(cell.find(id) != std::string::npos);
      CHECK(cell.size() == ids[0].size() + ids[1].size() + ids[2].size() + 2);
    }
    // The items cell is the last of its row: quoted, it starts after ",3,\"".
    CHECK((run.out.find(",3,\"") != std::string::npos) == (items == odd));
  }
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

TEST_CASE("cli: simulate holds progressive-restricted's rate over the study") {
  // 400 simulees of one ability on a 60-item bank: without the rate cap the same few items would serve them all.
  // The study feeds the counts between waves of 16 candidates, so an item ends at most 16/400 above the cap.
  const Scratch scratch;
  std::string items = "id,model,a,b\n";
  for (int i = 0; i < 60; ++i) {  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "i" + std::string
    items += 'i';
    items += std::to_string(i);
    items += ",2pl,1.5,";
    items += std::to_string(-3.0 + i * 0.1);
    items += '\n';
  }
  std::string thetas = "id,theta\n";
  for (int p = 0; p < 400; ++p) {
    thetas += 'p';
    thetas += std::to_string(p);
    thetas += ",0.2\n";
  }
  const Run run = scratch.irtcat("simulate --items " + scratch.write("items.csv", items) + " --thetas " +
                                 scratch.write("thetas.csv", thetas) +
                                 " --length 10 --exposure progressive_restricted --max-rate 0.3 --seed 2 --threads 2");
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  std::map<std::string, int> given;
  std::istringstream rows(run.out);
  std::string row;
  std::getline(rows, row);  // header
  int persons = 0;
  while (std::getline(rows, row)) {
    std::istringstream ids(row.substr(row.rfind(',') + 1));
    for (std::string id; ids >> id;) ++given[id];
    ++persons;
  }
  REQUIRE(persons == 400);
  int most = 0;
  for (const auto& [id, count] : given) most = std::max(most, count);
  CHECK(most <= 0.3 * 400 + 16);
  CHECK(most >= 0.3 * 400 - 16);  // the cap binds
  const Run bad = scratch.irtcat("simulate --items " + scratch.write("items2.csv", items) + " --thetas " +
                                 scratch.write("thetas2.csv", "id,theta\np1,0\n") +
                                 " --length 5 --exposure progressive_restricted --max-rate 1.5");
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

TEST_CASE("cli: simulate --battery mcat --battery-prior reads the prior from a latent JSON file") {
  // The roles' population written as a latent file (the domains in reverse order: matched by name) gives the very
  // study the default prior gives, byte for byte; a file without one of the domains is refused in one line.
  const Scratch scratch;
  const RoleCatalog roles = irtcat::read_role_catalog_file(std::string(IRTCAT_ITEM_BANKS) + "/roles.json");
  const MultivariateNormal population = irtcat::population_prior(roles);
  const auto size = static_cast<Eigen::Index>(roles.domains.size());
  LatentEstimate latent;
  Eigen::VectorXd mean(size);
  Eigen::MatrixXd covariance(size, size);
  for (Eigen::Index j = 0; j < size; ++j) {
    latent.domains.push_back(roles.domains[static_cast<std::size_t>(size - 1 - j)]);
    mean(j) = population.mean(size - 1 - j);
    for (Eigen::Index k = 0; k < size; ++k) covariance(j, k) = population.covariance(size - 1 - j, size - 1 - k);
  }
  latent.distribution = {mean, covariance};
  latent.sd = covariance.diagonal().cwiseSqrt();
  latent.correlation = irtcat::correlation_matrix(covariance);
  latent.persons = 1;
  std::ostringstream text;
  irtcat::write_latent_json(text, latent);
  const std::string file = scratch.write("latent.json", text.str());
  const std::string common = "simulate --battery mcat --candidates 12 --battery-length 24 --seed 5 --out-dir ";
  const Run plain = scratch.irtcat(common + scratch.path("plain"));
  const Run read = scratch.irtcat(common + scratch.path("read") + " --battery-prior " + file);
  CAPTURE(read.err);
  REQUIRE(plain.status == 0);
  REQUIRE(read.status == 0);
  CHECK(read.out == plain.out);
  CHECK(slurp(scratch.path("read") + "/candidates.csv") == slurp(scratch.path("plain") + "/candidates.csv"));
  CHECK(slurp(scratch.path("read") + "/study.json").find("\"battery_prior\": \"" + file + "\"") != std::string::npos);

  latent.domains.pop_back();
  latent.distribution = {mean.head(size - 1), covariance.topLeftCorner(size - 1, size - 1)};
  latent.sd = latent.sd.head(size - 1).eval();
  latent.correlation = irtcat::correlation_matrix(latent.distribution.covariance);
  std::ostringstream fewer;
  irtcat::write_latent_json(fewer, latent);
  const std::string short_file = scratch.write("fewer.json", fewer.str());
  for (const std::string& bad : {common + scratch.path("bad") + " --battery-prior " + short_file,
                                 common + scratch.path("bad") + " --battery-prior " + scratch.path("missing.json"),
                                 "simulate --candidates 2 --battery-prior " + file + " --out-dir " + scratch.path("bad")}) {
    const Run refused = scratch.irtcat(bad);
    CAPTURE(bad);
    CAPTURE(refused.err);
    CHECK(refused.status == 1);
    CHECK(lines_in(refused.err) == 1);
  }
}

TEST_CASE("cli: simulate --battery mcat runs one adaptive battery, options that do not apply are refused") {
  const Scratch scratch;
  const std::string out_dir = scratch.path("mcat");
  const Run run = scratch.irtcat("simulate --battery mcat --candidates 20 --battery-length 30 --seed 3 --out-dir " + out_dir);
  CAPTURE(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.starts_with("domain,bias,rmse,mean_se,mean_length,max_exposure,level_accuracy\n"));
  CHECK(lines_in(run.out) == 7);
  for (const char* file : {"candidates.csv", "study.json", "report.html"}) CHECK(fs::exists(out_dir + "/" + file));
  CHECK(lines_in(slurp(out_dir + "/candidates.csv")) == 21);
  const std::string study = slurp(out_dir + "/study.json");
  CHECK(study.find("\"joint_map\"") != std::string::npos);
  CHECK(study.find("\"d_optimal\"") != std::string::npos);
  // The standard design's exposure control, which the battery applies within each domain.
  CHECK(study.find("\"exposure\": \"randomesque\"") != std::string::npos);
  // RMSE against length for separate tests of 5 items per domain (lengths 6 to 30 by 6) and for the battery (1 to 30).
  const nlohmann::json curves = nlohmann::json::parse(study).at("length_curves");
  REQUIRE(curves.size() == 2);
  CHECK(curves[0].at("label") == "separate tests of 5 items");
  CHECK(curves[0].at("points").size() == 5);
  CHECK(curves[0].at("points").back().at("length") == 30);
  CHECK(curves[1].at("points").size() == 30);
  CHECK(curves[1].at("points").back().at("rmse").size() == 6);
  CHECK(slurp(out_dir + "/report.html").find("RMSE by battery length") != std::string::npos);
  // Six domains share 30 items: their mean lengths add up to the battery's length.
  std::istringstream rows(run.out);
  std::string row;
  std::getline(rows, row);
  double items = 0.0;
  while (std::getline(rows, row)) {
    std::vector<std::string> cells;
    std::istringstream fields(row);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    REQUIRE(cells.size() == 7);
    CHECK(std::stod(cells[4]) >= 2.0);  // the default minimum: 30 / (2 × 6)
    items += std::stod(cells[4]);
  }
  CHECK(items == doctest::Approx(30.0));

  const std::string items_csv = scratch.write("items.csv", kItems);
  const std::string thetas = scratch.write("thetas.csv", "id,theta\np1,0\n");
  for (const std::string& bad : {std::string("simulate --battery joint --candidates 2 --out-dir ") + out_dir,
                                 "simulate --battery mcat --items " + items_csv + " --thetas " + thetas,
                                 "simulate --battery-length 30 --candidates 2 --out-dir " + out_dir,
                                 "simulate --battery mcat --rule kl --candidates 2 --out-dir " + out_dir,
                                 // Sympson–Hetter's K would come from one domain's tests, which do not hold for it.
                                 "simulate --battery mcat --exposure sympson_hetter --candidates 2 --out-dir " + out_dir,
                                 "simulate --battery mcat --battery-length 12 --domain-min 3 --candidates 2 --out-dir " +
                                     out_dir}) {
    const Run refused = scratch.irtcat(bad);
    CAPTURE(bad);
    CAPTURE(refused.err);
    CHECK(refused.status == 1);
    CHECK(lines_in(refused.err) == 1);
  }
}
