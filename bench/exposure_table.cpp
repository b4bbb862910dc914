// The exposure-control methods side by side on one bank and one population, as a Markdown table (the README's):
// for each method, the highest exposure rate, the test overlap rate, the items never given, and the RMSE and bias
// of θ̂ (conditional Sympson–Hetter's K hold the rate within each θ stratum, which this overall table does not show). A 200-item 3PL bank (a ~ U(0.8, 2), b ~ U(−2.5, 2.5), c ~ U(0.05, 0.25)), 2,000 simulees θ ~ N(0, 1),
// 20-item MFI + EAP tests, a target rate of 0.25 where a method takes one. Run from a Release build:
//   build/bench/irtcat_exposure_table [--simulees N] [--seed S]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "irtcat/irtcat.hpp"
#include "random_bank.hpp"

using namespace irtcat;

namespace {

struct Row {
  std::string method;
  double max_rate = 0, overlap = 0, rmse = 0, bias = 0;
  int never = 0;
};

Row measure(const std::string& method, const std::shared_ptr<const ItemBank>& bank, const SessionConfig& config,
            const std::vector<SimulatedCandidate>& simulees, std::uint64_t seed) {
  const std::vector<DomainDesign> designs{{"x", std::make_shared<const TestDesign>(bank, config)}};
  StudyOptions options;
  options.seed = seed;
  const std::vector<CandidateOutcome> outcomes = run_study(designs, simulees, nullptr, options);
  std::vector<double> given(bank->size(), 0.0);
  double squares = 0, errors = 0, length = 0;
  for (std::size_t s = 0; s < outcomes.size(); ++s) {
    const DomainOutcome& outcome = outcomes[s].domains[0];
    for (std::size_t item : outcome.items) given[item] += 1;
    const double error = outcome.estimate.theta - simulees[s].theta(0);
    squares += error * error;
    errors += error;
    length += static_cast<double>(outcome.items.size());
  }
  const auto n = static_cast<double>(outcomes.size());
  Row row{method};
  double pairs = 0;
  for (double count : given) {
    row.max_rate = std::max(row.max_rate, count / n);
    row.never += count == 0 ? 1 : 0;
    pairs += count * (count - 1) / 2;
  }
  // Overlap: the share of a test's items that another test also gave, averaged over all pairs of tests.
  row.overlap = pairs / (n * (n - 1) / 2) / (length / n);
  row.rmse = std::sqrt(squares / n);
  row.bias = errors / n;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  int simulees = 2000;
  std::uint64_t seed = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--simulees") simulees = std::atoi(argv[i + 1]);
    if (flag == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const auto bank = std::make_shared<const ItemBank>(
      bench::random_3pl_bank(200, 41, {.a = {0.8, 2.0}, .b = {-2.5, 2.5}, .c = {0.05, 0.25}}));
  const auto population = draw_candidates(Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1),
                                          Eigen::MatrixXd::Identity(1, 1), simulees, seed);
  SessionConfig base;
  base.stopping.max_length = 20;

  std::vector<Row> rows;
  rows.push_back(measure("none", bank, base, population, seed));
  SessionConfig randomesque = base;
  randomesque.exposure.method = ExposureMethod::randomesque;
  randomesque.exposure.randomesque_count = 5;
  rows.push_back(measure("randomesque (5)", bank, randomesque, population, seed));
  SympsonHetterOptions procedure;
  procedure.target_rate = 0.25;
  procedure.tolerance = 0.003;
  procedure.seed = seed + 1;  // the K's come from other simulees than the table's
  const SympsonHetterResult k = calibrate_sympson_hetter(bank, base, procedure);
  SessionConfig sympson = base;
  sympson.exposure.method = ExposureMethod::sympson_hetter;
  sympson.exposure.sympson_hetter = k.parameters;
  rows.push_back(measure("Sympson-Hetter (r = 0.25)", bank, sympson, population, seed));
  SessionConfig conditional = base;
  conditional.exposure.theta_cuts = {-1.0, 0.0, 1.0};
  SympsonHetterOptions per_stratum = procedure;
  per_stratum.tolerance = 0.01;
  per_stratum.max_candidates = 16000;
  const SympsonHetterResult kc = calibrate_conditional_sympson_hetter(bank, conditional, per_stratum);
  conditional.exposure.method = ExposureMethod::conditional_sympson_hetter;
  conditional.exposure.sympson_hetter = kc.parameters;
  rows.push_back(measure("conditional Sympson-Hetter (4 strata)", bank, conditional, population, seed));
  SessionConfig restricted = base;
  restricted.exposure.method = ExposureMethod::progressive_restricted;
  restricted.exposure.max_rate = 0.25;
  rows.push_back(measure("progressive-restricted (0.25)", bank, restricted, population, seed));
  SessionConfig eligibility = base;
  eligibility.exposure.method = ExposureMethod::item_eligibility;
  eligibility.exposure.max_rate = 0.25;
  rows.push_back(measure("item eligibility (0.25)", bank, eligibility, population, seed));

  std::printf("| method | max exposure | overlap | items never used | RMSE | bias |\n|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::printf("| %s | %.3f | %.3f | %d | %.3f | %+.3f |\n", row.method.c_str(), row.max_rate, row.overlap, row.never,
                row.rmse, row.bias);
  }
  std::printf("\nSympson-Hetter's K: %d iterations, the last on %d fresh simulees, highest rate %.4f (SE %.4f).\n",
              k.iterations, k.candidates, k.max_rate, k.max_rate_se);
  std::printf("Conditional K (θ < -1, -1..0, 0..1, > 1): %d iterations, the last on %d fresh simulees per stratum, "
              "highest rate in a stratum %.4f (SE %.4f).\n",
              kc.iterations, kc.candidates, kc.max_rate, kc.max_rate_se);
  return 0;
}
