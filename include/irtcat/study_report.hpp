#pragma once
// The files a simulation study writes: one CSV row per candidate, the study statistics as JSON, and a
// self-contained HTML report (inline SVG charts, no scripts, no network) that opens from disk.

#include <iosfwd>
#include <string>
#include <vector>

#include "irtcat/simulation.hpp"

namespace irtcat {

struct StudyReport {
  const std::vector<DomainDesign>& designs;
  const std::vector<SimulatedCandidate>& candidates;
  const std::vector<CandidateOutcome>& outcomes;
  const StudySummary& summary;
  const RoleCatalog* catalog = nullptr;  ///< scale, levels and role fit; may be null
  std::string title = "irtcat simulation study";
  std::vector<std::pair<std::string, std::string>> settings;  ///< shown as a table: rule, estimator, seed, ...
};

/// id,population, then per domain <domain>_theta_true,_theta,_se,_length (and _score,_level with a catalog), then
/// fit_<role> per role and best_role.
void write_candidates_csv(std::ostream& out, const StudyReport& report);

/// {"format": "irtcat.study", "version": 1, "settings", "domains": [...statistics...], "roles": {...}}.
void write_study_json(std::ostream& out, const StudyReport& report);

/// The HTML report: summary tables; conditional SE and RMSE by true θ; each bank's test information function;
/// exposure rates; test-length histograms; role-fit profiles of the first few candidates.
void write_study_html(std::ostream& out, const StudyReport& report);

}  // namespace irtcat
