// `irtcat calibrate --latent`: the latent means and covariance across the shipped battery's domains, every item held
// at its bank's parameters; a summary on standard output, the estimate as JSON in --out; refusals in one line.
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "irtcat/bank_json.hpp"
#include "irtcat/latent_json.hpp"
#include "irtcat/roles_json.hpp"
#include "scratch.hpp"
#include "test_support.hpp"

using namespace irtcat;
using namespace irtcat::testing;

namespace {

// A responses CSV over every item of the shipped banks in the roles file's domain order, `persons` simulees from
// N(0, R) (R: 0.5 between every two domains) answering `per_domain` items of each domain but `skipped` ones, and one
// more person with no response at all; `extra` is appended to the header (with empty cells).
std::string battery_responses(int persons, std::size_t per_domain, const std::vector<std::string>& skipped = {},
                              const std::string& extra = "") {
  const RoleCatalog roles = read_role_catalog_file(std::string(IRTCAT_ITEM_BANKS) + "/roles.json");
  std::vector<BankDocument> banks;
  for (const std::string& domain : roles.domains) {
    banks.push_back(read_bank_json_file(std::string(IRTCAT_ITEM_BANKS) + "/" + domain + ".json"));
  }
  const auto size = static_cast<Eigen::Index>(roles.domains.size());
  Eigen::MatrixXd correlation = Eigen::MatrixXd::Constant(size, size, 0.5);
  correlation.diagonal().setOnes();
  const Eigen::MatrixXd lower = correlation.llt().matrixL();
  std::mt19937_64 rng(5150);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::ostringstream csv;
  csv << "person_id";
  for (const BankDocument& bank : banks) {
    for (const Item& item : bank.bank.items()) csv << ',' << item.id().str();
  }
  if (!extra.empty()) csv << ',' << extra;
  csv << '\n';
  for (int p = 0; p <= persons; ++p) {
    Eigen::VectorXd z(size);
    for (Eigen::Index d = 0; d < size; ++d) z(d) = normal(rng);
    const Eigen::VectorXd theta = lower * z;
    csv << 'p' << p;
    for (std::size_t d = 0; d < banks.size(); ++d) {
      const ItemBank& bank = banks[d].bank;
      std::vector<std::size_t> order(bank.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::shuffle(order.begin(), order.end(), rng);
      order.resize(per_domain);
      const bool answered = p < persons && std::find(skipped.begin(), skipped.end(), roles.domains[d]) == skipped.end();
      for (std::size_t i = 0; i < bank.size(); ++i) {
        csv << ',';
        if (answered && std::find(order.begin(), order.end(), i) != order.end()) {
          csv << draw_response(bank.items()[i], theta(static_cast<Eigen::Index>(d)), bank.scaling(), rng);
        }
      }
    }
    if (!extra.empty()) csv << ',';
    csv << '\n';
  }
  return csv.str();
}

}  // namespace

TEST_CASE("cli: calibrate --latent writes the estimate as JSON and a summary of means, SDs and correlations") {
  const Scratch scratch;
  const std::string responses = scratch.write("responses.csv", battery_responses(200, 8));
  const std::string banks = IRTCAT_ITEM_BANKS;
  const Run run = scratch.irtcat("calibrate --latent --responses " + responses + " --banks " + banks +
                                 " --points 3 --out " + scratch.path("latent.json"));
  REQUIRE(run.status == 0);
  CHECK(run.err.empty());  // standard error is no terminal: no progress bar
  CAPTURE(run.out);
  CHECK(run.out.rfind("latent distribution of 200 persons over 6 domains of " + banks + "/roles.json (1 person without "
                      "a response left out): converged after ", 0) == 0);
  CHECK(run.out.find("3 Gauss-Hermite points per dimension") != std::string::npos);
  CHECK(lines_in(run.out) == 8);  // the line above, a header, a line per domain
  const RoleCatalog roles = read_role_catalog_file(banks + "/roles.json");
  for (const std::string& domain : roles.domains) CHECK(run.out.find('\n' + domain + ' ') != std::string::npos);

  const LatentEstimate estimate = read_latent_json_file(scratch.path("latent.json"));
  CHECK(estimate.domains == roles.domains);
  CHECK(estimate.converged);
  CHECK(estimate.persons == 200);
  CHECK(estimate.excluded == 1);
  for (Eigen::Index d = 0; d < 6; ++d) {
    CHECK(std::abs(estimate.distribution.mean(d)) < 0.35);  // N(0, R) truth; 200 persons, 8 items each
    CHECK(estimate.sd(d) == doctest::Approx(1.0).epsilon(0.35));
  }

  SUBCASE("the shipped banks and their roles file are the default; without --out only the summary is printed") {
    const Run defaults = scratch.irtcat("calibrate --latent --points 3 --responses " + responses);
    REQUIRE(defaults.status == 0);
    CHECK(defaults.out == run.out);
  }
}

TEST_CASE("cli: calibrate --latent refuses what it cannot do in one line") {
  const Scratch scratch;
  const std::string responses = scratch.write("responses.csv", battery_responses(40, 4));
  const auto refused = [&](const std::string& arguments, const std::string& expected) {
    CAPTURE(arguments);
    const Run run = scratch.irtcat(arguments);
    CHECK(run.status == 1);
    CHECK(lines_in(run.err) == 1);
    CHECK(run.err.rfind("irtcat: ", 0) == 0);
    CHECK(run.err.find(expected) != std::string::npos);
    CHECK(run.out.empty());
  };
  const std::string latent = "calibrate --latent --points 3 --responses " + responses;
  refused(latent + " --model 2pl", "--model does not apply to --latent");
  refused(latent + " --fixed items.csv", "--fixed does not apply to --latent");
  refused(latent + " --store mathematics", "--store does not apply to --latent");
  refused(latent + " --prior-a 0,0.5", "--prior-a does not apply to --latent");
  refused(latent + " --summary s.json", "--summary does not apply to --latent");
  refused("calibrate --points 3 --responses " + responses, "--points needs --latent");
  refused("calibrate --banks . --responses " + responses, "--banks needs --latent");
  refused("calibrate --latent --points 1 --responses " + responses,
          "--points: must be 0 (automatic) or in 2..50, got 1");
  refused(latent + " --roles " + scratch.path("none.json"), "none.json");
  refused(latent + " --banks " + scratch.dir().string(), "roles.json");

  const std::string unknown = scratch.write("unknown.csv", battery_responses(40, 4, {}, "zz_unknown"));
  refused("calibrate --latent --points 3 --responses " + unknown,
          "unknown item id 'zz_unknown': no domain's bank holds it");
  const std::string silent = scratch.write("silent.csv", battery_responses(40, 4, {"software_engineering"}));
  refused("calibrate --latent --points 3 --responses " + silent + " --out " + scratch.path("latent.json"),
          "no response to any item of domain 'software_engineering'");
  CHECK_FALSE(std::filesystem::exists(scratch.path("latent.json")));
}
