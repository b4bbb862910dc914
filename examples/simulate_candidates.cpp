// The main example: 1,000 simulated candidates, spread over the seven role populations, take the six-domain
// battery on the shipped banks (EAP + maximum information, 20 items, topics balanced, randomesque exposure
// control). Prints a few candidates' domain scores mapped to role profiles and the study summary, and writes the
// per-candidate CSV, the study JSON and the HTML report. Then the same candidates take the battery as one
// multidimensional adaptive test of as many items in all (D-optimal, joint MAP under the roles' population), and
// the two are compared side by side.
//
//   simulate_candidates [item_banks directory] [output directory]

#include <irtcat/irtcat.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <unistd.h>

#ifndef IRTCAT_ITEM_BANKS
#define IRTCAT_ITEM_BANKS "item_banks"
#endif

int main(int argc, char** argv) try {
  using namespace irtcat;
  const std::string banks = argc > 1 ? argv[1] : IRTCAT_ITEM_BANKS;
  const std::filesystem::path output = argc > 2 ? argv[2] : "study";
  const RoleCatalog roles = read_role_catalog_file(banks + "/roles.json");

  // The shipped standard design, which `irtcat take` and the service run on the stored banks: 20 items by maximum
  // information at the EAP estimate, randomesque among the 3 best, topics balanced.
  const DesignDocument design = read_design_json_file(banks + "/designs/standard.json");
  const SessionConfig& config = design.config;
  const std::vector<DomainDesign> battery =
      battery_from_bank_files(banks, roles.domains, config, design.balance_topics);

  const std::vector<SimulatedCandidate> candidates = draw_role_candidates(roles, 1000, 20261124);
  StudyOptions options;
  options.seed = 20261124;
  options.keep_paths = true;  // the estimates along each test, for RMSE against the battery's length
  if (isatty(STDERR_FILENO)) {
    options.progress = [](std::size_t done, std::size_t total) {
      std::fprintf(stderr, "\rsimulating candidates %zu / %zu", done, total);
      if (done == total) std::fprintf(stderr, "\n");
    };
  }
  const std::vector<CandidateOutcome> outcomes = run_study(battery, candidates, &roles, options);
  const StudySummary summary = summarize(battery, candidates, outcomes, &roles);

  // A few candidates, one from each role population.
  std::printf("%-6s %-28s", "id", "drawn as");
  for (const std::string& domain : roles.domains) std::printf(" %8.8s", domain.c_str());
  std::printf("  best-fitting role (P meets)\n");
  for (std::size_t c = 0; c < roles.roles.size() && c < candidates.size(); ++c) {
    std::printf("%-6s %-28s", candidates[c].id.c_str(), candidates[c].population.c_str());
    for (const DomainOutcome& domain : outcomes[c].domains) std::printf(" %8.1f", roles.scale.score(domain.estimate.theta));
    const RoleFit& best = outcomes[c].fit.front();
    std::printf("  %s (%.2f)\n", roles.roles[best.role].title.c_str(), best.probability);
  }
  std::printf("\n%-22s %7s %7s %7s %7s %8s %8s\n", "domain", "bias", "RMSE", "SE", "length", "max exp", "levels");
  for (const DomainStatistics& s : summary.domains) {
    std::printf("%-22s %7.3f %7.3f %7.3f %7.1f %8.3f %8.3f\n", s.domain.c_str(), s.bias, s.rmse, s.mean_se, s.mean_length,
                s.max_exposure, s.level_accuracy);
  }
  std::printf("\nrole fit accuracy %.3f; best role = population role for %.1f %% of candidates\n",
              summary.role_fit_accuracy, 100 * summary.best_role_matches);

  // The same candidates, the same 120 items in all, as one multidimensional adaptive test: each domain between 10
  // and 60 items, the abilities tied by the population of the roles (the mixture's mean and covariance).
  BatteryConfig joint =
      BatteryConfig::even(roles.domains.size(), static_cast<int>(roles.domains.size()) * config.stopping.max_length);
  joint.prior = population_prior(roles);
  const std::vector<CandidateOutcome> joint_outcomes = run_battery_study(battery, joint, candidates, &roles, options);
  const StudySummary joint_summary = summarize(battery, candidates, joint_outcomes, &roles);
  std::printf("\nthe same candidates, %d items in all: separate tests | one multidimensional test (D-optimal)\n",
              joint.max_length);
  std::printf("%-22s %7s %7s %7s | %7s %7s %7s\n", "domain", "RMSE", "SE", "length", "RMSE", "SE", "length");
  for (std::size_t d = 0; d < summary.domains.size(); ++d) {
    const DomainStatistics& s = summary.domains[d];
    const DomainStatistics& m = joint_summary.domains[d];
    std::printf("%-22s %7.3f %7.3f %7.1f | %7.3f %7.3f %7.1f\n", s.domain.c_str(), s.rmse, s.mean_se, s.mean_length,
                m.rmse, m.mean_se, m.mean_length);
  }
  std::printf("%-22s %23.3f | %23.3f\n", "role fit accuracy", summary.role_fit_accuracy, joint_summary.role_fit_accuracy);

  // RMSE against length: separate tests of 10, 15 and 20 items per domain (their first items), the battery stopped
  // after 60, 90 and 120; and how many items the battery needs for the separate tests' RMSE at full length.
  const std::vector<LengthCurve> curves = {
      {"separate tests", rmse_by_length(candidates, outcomes, BatteryForm::separate)},
      {"one adaptive battery (D-optimal)", rmse_by_length(candidates, joint_outcomes, BatteryForm::joint)}};
  std::printf("%-34s", "mean RMSE at battery length");
  for (int length : {60, 90, 120}) std::printf(" %7d", length);
  std::printf("\n");
  for (const LengthCurve& curve : curves) {
    std::printf("%-34s", curve.label.c_str());
    for (int length : {60, 90, 120}) {
      for (const LengthPoint& point : curve.points) {
        if (point.length == length) std::printf(" %7.3f", point.mean_rmse);
      }
    }
    std::printf("\n");
  }
  const double full = curves.front().points.back().mean_rmse;
  if (const std::optional<int> reached = length_reaching(curves.back().points, full)) {
    std::printf("the battery reaches the separate tests' %.3f after %d items\n", full, *reached);
  }

  std::filesystem::create_directories(output);
  const StudyReport report{battery, candidates, outcomes, summary, &roles, "irtcat: six-domain battery, 1,000 candidates",
                           study_settings(design.name + " (designs/standard.json)", battery.front().design->config(),
                                          options.seed, candidates.size(), "roles", design.balance_topics),
                           curves};
  std::ofstream csv(output / "candidates.csv");
  write_candidates_csv(csv, report);
  std::ofstream json(output / "study.json");
  write_study_json(json, report);
  std::ofstream html(output / "report.html");
  write_study_html(html, report);
  std::printf("wrote %s, %s and %s\n", (output / "candidates.csv").c_str(), (output / "study.json").c_str(),
              (output / "report.html").c_str());
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "simulate_candidates: %s\n", error.what());
  return 1;
}
