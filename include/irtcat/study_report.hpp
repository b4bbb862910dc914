#pragma once
// The files a simulation study writes: one CSV row per candidate, the study statistics as JSON, and a
// self-contained HTML report (inline SVG charts, no scripts, no network) that opens from disk.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

#include "irtcat/simulation.hpp"

namespace irtcat {

/// A setting's value as study.json types it: null (not set), a boolean, a count, a number or a name.
using SettingValue = std::variant<std::monostate, bool, std::uint64_t, double, std::string>;

struct StudySetting {
  std::string key;
  SettingValue value;
};

/// The settings every battery study reports, always the same keys in the same order: design, candidates, population,
/// rule, estimator, max_length, min_length, se_target (null when not set), exposure, randomesque_count,
/// max_rate, topics_balanced, seed; the design values from `config` (the configuration each domain was built
/// with). `design` names the design ("standard v1", a file); `population` says where the candidates came from
/// ("roles", a role's name, "normal", a file). max_rate is the progressive-restricted or item-eligibility cap, or
/// the Sympson-Hetter target.
std::vector<StudySetting> study_settings(const std::string& design, const SessionConfig& config, std::uint64_t seed, std::size_t candidates,
                                         const std::string& population, bool topics_balanced);

/// A battery's RMSE against its length (rmse_by_length), named for the report's legend.
struct LengthCurve {
  std::string label;
  std::vector<LengthPoint> points;
};

struct StudyReport {
  const std::vector<DomainDesign>& designs;
  const std::vector<SimulatedCandidate>& candidates;
  const std::vector<CandidateOutcome>& outcomes;
  const StudySummary& summary;
  const RoleCatalog* catalog = nullptr;  ///< scale, levels and role fit; may be null
  std::string title = "irtcat simulation study";
  std::vector<StudySetting> settings;  ///< shown as a table and written typed: study_settings(...)
  /// RMSE against battery length, drawn in one chart (the first curve is the one the others are measured against:
  /// the length at which each reaches its final RMSE); none: no chart.
  std::vector<LengthCurve> length_curves;
};

/// id,population, then per domain <domain>_theta_true,_theta,_se,_length (and _score,_level with a catalog), then
/// fit_<role> per role and best_role.
void write_candidates_csv(std::ostream& out, const StudyReport& report);

/// {"format": "irtcat.study", "version": 2, "title", "settings" (typed), "candidates", "domains": [...statistics,
/// conditional bins (null statistics where a bin is empty), exposure rates keyed by item id...], "roles": {...
/// accuracy, the drawn-by-best-fitting confusion matrix}, "length_curves" (with any)}. docs/study_report.md
/// describes every field.
void write_study_json(std::ostream& out, const StudyReport& report);

/// The HTML report (readable from 800 px wide up): settings and per-domain summary tables, a glossary;
/// conditional bias and RMSE by true θ with their standard errors, and the mean SE; each bank's test information
/// function; exposure rates; test lengths; score distributions per domain with the level cut-offs; the role
/// confusion matrix and role-fit profiles of the first few candidates (with a catalog); RMSE against battery length
/// (with length curves).
void write_study_html(std::ostream& out, const StudyReport& report);

}  // namespace irtcat
