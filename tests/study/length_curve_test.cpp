// RMSE against battery length (rmse_by_length, length_reaching): the estimates along each test, kept by the studies
// with StudyOptions::keep_paths.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "irtcat/error.hpp"
#include "irtcat/simulation.hpp"

using namespace irtcat;

namespace {

SimulatedCandidate candidate(const char* id, double first, double second) {
  Eigen::VectorXd theta(2);
  theta << first, second;
  return {id, "population", theta};
}

DomainOutcome domain(std::vector<double> path) {
  DomainOutcome outcome;
  outcome.path = std::move(path);
  outcome.estimate.theta = outcome.path.empty() ? 0.0 : outcome.path.back();
  for (std::size_t i = 0; i < outcome.path.size(); ++i) outcome.items.push_back(i);
  return outcome;
}

}  // namespace

TEST_CASE("length curve: separate tests at multiples of the domains, one battery at every length, by hand") {
  // Two candidates at (0, 1) and (1, −1). Separate tests of 3 items: candidate a's first domain estimates 0.5, 0.2, 0
  // and its second 0, 0.5, 1; candidate b's stopped after 2 items in its first domain (1.5, 1.2), so its third
  // point keeps 1.2.
  const std::vector<SimulatedCandidate> candidates = {candidate("a", 0.0, 1.0), candidate("b", 1.0, -1.0)};
  std::vector<CandidateOutcome> separate(2);
  separate[0].domains = {domain({0.5, 0.2, 0.0}), domain({0.0, 0.5, 1.0})};
  separate[1].domains = {domain({1.5, 1.2}), domain({-2.0, -1.5, -1.0})};
  const std::vector<LengthPoint> curve = rmse_by_length(candidates, separate, BatteryForm::separate);
  REQUIRE(curve.size() == 3);
  CHECK(curve[0].length == 2);
  CHECK(curve[2].length == 6);
  // Length 2 (one item each): errors (0.5, 0.5) in the first domain, (−1, −1) in the second.
  CHECK(curve[0].rmse[0] == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(curve[0].rmse[1] == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(curve[0].mean_rmse == doctest::Approx(0.75).epsilon(1e-15));
  // Length 6: errors (0, 0.2) and (0, 0).
  CHECK(curve[2].rmse[0] == doctest::Approx(std::sqrt(0.04 / 2)).epsilon(1e-15));
  CHECK(curve[2].rmse[1] == 0.0);
  CHECK(length_reaching(curve, 0.75) == 2);
  CHECK(length_reaching(curve, 0.1) == 6);
  CHECK(!length_reaching(curve, 0.01));

  // One battery session of 3 items: every domain's estimate after each of the battery's items.
  const std::vector<LengthPoint> joint = rmse_by_length(candidates, separate, BatteryForm::joint);
  REQUIRE(joint.size() == 3);
  CHECK(joint[0].length == 1);
  CHECK(joint[2].length == 3);
  CHECK(joint[1].rmse[0] == curve[1].rmse[0]);

  // An outcome that answered items without a path, or candidates that do not match, are refused.
  std::vector<CandidateOutcome> without = separate;
  without[1].domains[0].path.clear();
  CHECK_THROWS_AS(rmse_by_length(candidates, without, BatteryForm::separate), InvalidArgument);
  CHECK_THROWS_AS(rmse_by_length({candidates[0]}, separate, BatteryForm::separate), InvalidArgument);
  CHECK(rmse_by_length({}, {}, BatteryForm::joint).empty());
}

TEST_CASE("length curve: a study's last point is its summary's RMSE") {
  // The estimates along a test end at the reported one, so the curve's final point is the summary's per-domain RMSE
  // for separate tests and for one battery session alike.
  const auto bank = [](std::uint64_t seed) {
    std::vector<Item> items;
    for (int i = 0; i < 40; ++i) {
      std::string id = std::to_string(seed);
      id.append("_").append(std::to_string(i));
      items.push_back(Item::dichotomous(ItemId(id), Model::two_pl, 0.8 + 0.03 * i, -2.0 + 0.1 * i));
    }
    return std::make_shared<const ItemBank>(std::move(items));
  };
  SessionConfig config;
  config.stopping.max_length = 8;
  const std::vector<DomainDesign> designs = {{"first", std::make_shared<const TestDesign>(bank(1), config)},
                                             {"second", std::make_shared<const TestDesign>(bank(2), config)}};
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(2), sd = Eigen::VectorXd::Ones(2);
  Eigen::MatrixXd correlation(2, 2);
  correlation << 1.0, 0.5, 0.5, 1.0;
  const std::vector<SimulatedCandidate> candidates = draw_candidates(mean, sd, correlation, 200, 4);
  StudyOptions options;
  options.keep_paths = true;
  options.threads = 1;
  const std::vector<CandidateOutcome> separate = run_study(designs, candidates, nullptr, options);
  const std::vector<LengthPoint> curve = rmse_by_length(candidates, separate, BatteryForm::separate);
  const StudySummary summary = summarize(designs, candidates, separate, nullptr);
  REQUIRE(curve.size() == 8);
  for (std::size_t d = 0; d < 2; ++d) CHECK(curve.back().rmse[d] == doctest::Approx(summary.domains[d].rmse).epsilon(1e-12));
  CHECK(curve.front().mean_rmse > curve.back().mean_rmse);

  BatteryConfig battery = BatteryConfig::even(2, 16);
  battery.prior = {mean, correlation};
  const std::vector<CandidateOutcome> joint = run_battery_study(designs, battery, candidates, nullptr, options);
  const std::vector<LengthPoint> joint_curve = rmse_by_length(candidates, joint, BatteryForm::joint);
  const StudySummary joint_summary = summarize(designs, candidates, joint, nullptr);
  REQUIRE(joint_curve.size() == 16);
  for (std::size_t d = 0; d < 2; ++d) {
    CHECK(joint_curve.back().rmse[d] == doctest::Approx(joint_summary.domains[d].rmse).epsilon(1e-12));
  }
  // Without keep_paths nothing is kept.
  options.keep_paths = false;
  CHECK(run_study(designs, candidates, nullptr, options).front().domains.front().path.empty());
}
