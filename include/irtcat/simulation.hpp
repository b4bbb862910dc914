#pragma once
// Simulation studies: simulated candidates (correlated abilities across domains, or a role's population), one
// adaptive session per domain (or one battery session over every domain: battery_session.hpp) with answers drawn
// from the model (or read from a complete response matrix: post-hoc simulation), run in parallel with
// per-candidate random streams, and the study statistics.

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "irtcat/battery_session.hpp"
#include "irtcat/orthant.hpp"
#include "irtcat/profiles.hpp"
#include "irtcat/response_table.hpp"
#include "irtcat/session.hpp"

namespace irtcat {

struct SimulatedCandidate {
  std::string id;
  std::string population;  ///< the role (or population) the candidate was drawn from
  Eigen::VectorXd theta;   ///< true ability per domain
};

/// `count` candidates from N(mean, diag(sd)·R·diag(sd)), R the correlation (Cholesky with Eigen). The same seed
/// gives the same candidates on every platform (normals by inversion of 53-bit uniforms). Throws InvalidArgument
/// for mismatched sizes, a non-positive sd or an R that is not positive definite.
std::vector<SimulatedCandidate> draw_candidates(const Eigen::VectorXd& mean, const Eigen::VectorXd& sd,
                                                const Eigen::MatrixXd& correlation, int count, std::uint64_t seed,
                                                const std::string& population = "population");

/// `count` candidates spread evenly over the catalog's roles (candidate i from role i mod roles), each drawn from
/// its role's population: the typical profile, the catalog's spread and correlation.
std::vector<SimulatedCandidate> draw_role_candidates(const RoleCatalog& catalog, int count, std::uint64_t seed);

/// One domain of a battery: its name and the compiled test for it.
struct DomainDesign {
  std::string domain;
  std::shared_ptr<const TestDesign> design;
};

/// One domain's design from its bank and the bank's topics, with `config`; with `balance_topics` the topics get
/// equal target proportions (Kingsbury–Zara). A bank read from a file or loaded from the store: battery_files.hpp.
/// Throws as TestDesign.
DomainDesign domain_design(std::string domain, std::shared_ptr<const ItemBank> bank,
                           const std::vector<std::string>& topics, const SessionConfig& config, bool balance_topics);

struct DomainOutcome {
  AbilityEstimate estimate;
  StopReason stop_reason = StopReason::not_stopped;
  std::vector<std::size_t> items;  ///< bank positions, in the order given
  std::vector<std::size_t> set_aside;  ///< bank positions set aside for the test (Session::set_aside), in bank order
  /// With StudyOptions::keep_paths: θ̂ after each item of the test (of a battery session: after each item of the
  /// battery, of whichever domain), the last one `estimate.theta`; otherwise empty.
  std::vector<double> path;
};

struct CandidateOutcome {
  std::vector<DomainOutcome> domains;  ///< in the order of the designs
  std::vector<RoleFit> fit;            ///< best first (empty without a role catalog)
};

struct StudyOptions {
  unsigned threads = 0;     ///< 0: every core
  std::uint64_t seed = 1;
  /// Complete response matrices for post-hoc simulation, one per domain (persons × bank items, in the candidates'
  /// order); empty: answers are drawn from the model.
  std::vector<Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>> responses;
  /// Called now and then from the calling thread with (candidates done, total).
  std::function<void(std::size_t, std::size_t)> progress;
  /// Battery studies: how role fit integrates its orthant probabilities (role_fit from a joint estimate). The
  /// default rule of orthant_probability (1021 points × 12 shifts) costs about 3 ms per role in six domains;
  /// 251 × 8 costs 0.5 ms, for a standard error of about 1e−5 on average and 2e−4 at most (the roles of
  /// item_banks/roles.json over the joint estimates of 300 role candidates after 36, 60 and 120 items), and its
  /// fits (P >= 0.5) were those of the default rule in all 6,300 (candidate, role) pairs.
  OrthantOptions role_fit_integration{.points = 251, .shifts = 8};
  /// Keep each domain's estimates along its test in DomainOutcome::path (for rmse_by_length): 8 bytes per item
  /// given per domain per candidate.
  bool keep_paths = false;
};

/// A complete response matrix for post-hoc simulation (StudyOptions::responses): the row of `table` whose person id
/// is each simulee's id, its columns aligned to `bank`'s items (kMissingResponse for an item `table` lacks).
/// Throws DataError (naming table.file) for an item id the bank does not hold, a simulee without a row, or a
/// response outside its item's categories.
Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> post_hoc_responses(const ResponseTable& table, const ItemBank& bank,
                                                                     const std::vector<SimulatedCandidate>& simulees);

/// Candidates a study runs between updates of the exposure counts that progressive-restricted control reads.
inline constexpr std::size_t kExposureWave = 16;

/// Runs every candidate through every domain's session. Candidate i's sessions and answers use streams derived
/// from (seed, i), so the outcomes are the same for any number of threads. A domain with progressive-restricted
/// or item-eligibility exposure control gets the counts of the candidates before the current wave of
/// kExposureWave (in order). With a catalog (whose domains must be
/// the designs' domains in the same order) each outcome carries the role fit. Throws InvalidArgument when a
/// candidate's abilities do not match the domains, and DataError when a post-hoc matrix lacks a response.
std::vector<CandidateOutcome> run_study(const std::vector<DomainDesign>& designs,
                                        const std::vector<SimulatedCandidate>& candidates, const RoleCatalog* catalog,
                                        const StudyOptions& options);

/// Candidates a study runs between two hand-overs to its sink (when no exposure counts make the waves shorter).
inline constexpr std::size_t kStudyWave = 1024;

/// Receives candidate `index`'s outcome, in candidate order, on the thread that called run_study.
using OutcomeSink = std::function<void(std::size_t index, CandidateOutcome&& outcome)>;

/// run_study that hands each outcome to `sink` instead of keeping them all: at most two waves of outcomes are held
/// at a time, and the sink takes one wave while the threads run the next. The same outcomes as the other form, in
/// the same order, on any number of threads. Throws as run_study, and what the sink throws (after the running wave
/// has stopped).
void run_study(const std::vector<DomainDesign>& designs, const std::vector<SimulatedCandidate>& candidates,
               const RoleCatalog* catalog, const StudyOptions& options, const OutcomeSink& sink);

/// Candidates read as a study goes (run_study's streaming form). `next` fills the next candidate into its argument
/// (whose storage it may reuse) and returns true, or returns false when there are no more (and on any call after).
/// `expected`: about how many there are, for progress only (0 if unknown).
struct CandidateStream {
  std::function<bool(SimulatedCandidate&)> next;
  std::size_t expected = 0;
};

/// Receives candidate `index` and its outcome, in candidate order, on the thread that called run_study.
using CandidateSink =
    std::function<void(std::size_t index, const SimulatedCandidate& candidate, CandidateOutcome&& outcome)>;

/// run_study on candidates read as it goes: the calling thread reads a wave while the threads run the one before,
/// and a candidate is let go once its outcome went to `sink`, so memory stays flat for any number of candidates.
/// The same outcomes as the vector forms on the same candidates, in the same order, on any number of threads.
/// Post-hoc matrices (options.responses), whose rows follow a vector's order, are refused (InvalidArgument). Throws as
/// run_study, and what `next` or the sink throws (after the running wave has stopped).
void run_study(const std::vector<DomainDesign>& designs, const CandidateStream& candidates, const RoleCatalog* catalog,
               const StudyOptions& options, const CandidateSink& sink);

/// One candidate through every domain's session, in the designs' order, exactly as run_study runs candidate number
/// `index` (its sessions' and answers' streams derived from (options.seed, index); with post-hoc matrices, row
/// `index`). `exposure`: the counts progressive-restricted control reads, one per domain (as run_study had them
/// for the candidate's wave), or none. options.threads and progress are not used. Throws as run_study.
CandidateOutcome run_candidate(const std::vector<DomainDesign>& designs, const SimulatedCandidate& candidate,
                               std::size_t index, const RoleCatalog* catalog, const StudyOptions& options,
                               const std::vector<const ExposureCounts*>& exposure = {});

/// Runs every candidate through one battery session over `domains` under `config` (one multidimensional adaptive
/// test over every domain, joint MAP estimation: battery_session.hpp) instead of one session per domain, with domain
/// d's answers drawn from the stream run_study's session of domain d draws them from (or read from its post-hoc
/// matrix), so that the outcomes are the same for any number of threads. Each outcome has one DomainOutcome per
/// domain, as run_study's, so that summarize and the reports take it: the joint MAP θ̂_d, its SE √C_dd and the joint
/// status, the domain's items in the order given, the battery's stop reason and the items the domain's exposure
/// control set aside; with a catalog, the role fit from the joint estimate (role_fit, integrated by
/// options.role_fit_integration). Progressive-restricted and item-eligibility control read counts kept as
/// run_study keeps them. Throws as run_study and BatteryDesign.
std::vector<CandidateOutcome> run_battery_study(const std::vector<DomainDesign>& domains, const BatteryConfig& config,
                                                const std::vector<SimulatedCandidate>& candidates,
                                                const RoleCatalog* catalog, const StudyOptions& options);

/// How a battery's outcomes were given: one test per domain (run_study) or one battery session (run_battery_study).
enum class BatteryForm { separate, joint };

/// The RMSE of every domain's estimate had the battery stopped after `length` items in all.
struct LengthPoint {
  int length = 0;
  std::vector<double> rmse;  ///< per domain, over the candidates
  double mean_rmse = 0.0;    ///< the domains' mean
};

/// RMSE against the battery's length, from outcomes with paths (StudyOptions::keep_paths). Separate tests: at every
/// multiple of the number of domains D, L = D·m, each domain's θ̂ after its own m-th item, as separate tests of m
/// items would give. One battery session: at every length L, each domain's θ̂ after the battery's L-th item, as the
/// same battery stopped there would give (its per-domain minimums were planned for the whole length, which a battery
/// planned for L would meet sooner). Either way up to the longest path; a test that stopped sooner keeps its last
/// estimate. Throws InvalidArgument for outcomes and candidates that do not match, or an outcome that answered items
/// without a path.
std::vector<LengthPoint> rmse_by_length(const std::vector<SimulatedCandidate>& candidates,
                                        const std::vector<CandidateOutcome>& outcomes, BatteryForm form);

/// The shortest length of `curve` whose mean RMSE is at most `target`, or nullopt when none is.
std::optional<int> length_reaching(const std::vector<LengthPoint>& curve, double target);

/// Bias, RMSE and mean SE of the candidates whose true θ falls in [lower, upper), with the sampling error of bias
/// and RMSE over those candidates. Every statistic is 0 in an empty bin, and both standard errors with fewer than
/// two candidates: look at `count` first.
struct ConditionalStatistics {
  double lower = 0.0;
  double upper = 0.0;
  int count = 0;
  double bias = 0.0;
  double rmse = 0.0;
  double mean_se = 0.0;
  double bias_se = 0.0;  ///< s(e)/√n, s the sample SD of the errors e = θ̂ − θ
  /// By the delta method: SE(MSE)/(2·RMSE) with SE(MSE) = s(e²)/√n (0 when the RMSE is 0)
  double rmse_se = 0.0;
};

struct DomainStatistics {
  std::string domain;
  double bias = 0.0;
  double rmse = 0.0;
  double mean_se = 0.0;
  double mean_length = 0.0;
  std::vector<int> length_counts;           ///< candidates per test length 0..max
  std::vector<ConditionalStatistics> conditional;
  std::vector<double> exposure_rates;       ///< per item, share of candidates who saw it
  double max_exposure = 0.0;
  double never_used = 0.0;                  ///< share of items no candidate saw
  double over_20_percent = 0.0;             ///< share of items seen by more than 20 % of candidates
  double overlap = 0.0;                     ///< mean share of items two candidates' tests have in common
  double level_accuracy = 0.0;              ///< estimated level equals the true level (needs a catalog)
};

struct StudySummary {
  std::vector<DomainStatistics> domains;
  double role_fit_accuracy = 0.0;   ///< (candidate, role) pairs whose predicted fit (P >= 0.5) matches the truth
  double best_role_matches = 0.0;   ///< share of candidates whose best role is the role they were drawn from
  /// Candidates by the role they were drawn from (row; SimulatedCandidate::population names it) and their
  /// best-fitting role (column), both indices into the catalog's roles. Empty without a catalog; candidates
  /// whose population is not a role of the catalog are not counted (see candidates_outside_roles).
  std::vector<std::vector<int>> role_confusion;
  int candidates_outside_roles = 0;  ///< candidates without a role row in role_confusion
};

/// The study statistics. Conditional bins are 0.5 wide from −3 to 3, the tails pooled into the end bins.
StudySummary summarize(const std::vector<DomainDesign>& designs, const std::vector<SimulatedCandidate>& candidates,
                       const std::vector<CandidateOutcome>& outcomes, const RoleCatalog* catalog);

}  // namespace irtcat
