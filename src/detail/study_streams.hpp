#pragma once
// What a study's candidates share however their tests are run (one session per domain, or one battery session over
// every domain): the random streams derived from (seed, candidate, domain), the answer to an item (drawn from the
// model at the candidate's true θ, or read from a post-hoc matrix), the checks of a study's inputs, and the waves
// of candidates on threads.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "detail/random.hpp"
#include "irtcat/cache_line.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"
#include "irtcat/simulation.hpp"

namespace irtcat::detail {

/// Candidate `index`'s stream for domain `d` of `domains`: the seed of its session in that domain.
inline std::uint64_t domain_stream(std::uint64_t seed, std::size_t index, std::size_t domains, std::size_t d) noexcept {
  return mix_seed(seed, index * domains + d);
}

/// The stream a domain's answers are drawn from, derived from the domain's stream.
inline SplitMix64 answer_stream(std::uint64_t domain_stream) noexcept {
  return SplitMix64(mix_seed(domain_stream, 0x616e73ULL));
}

/// Candidate `index`'s answer to `item` of domain `d` (on `bank`): read from `responses` (per domain) when the study
/// is post hoc, else (null) drawn from the model at `theta`, the candidate's true θ_d, with `answers`. Throws
/// DataError, naming `candidate`, when the post-hoc matrix lacks the response.
inline int study_response(const Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>* responses, std::size_t d,
                          const ItemBank& bank, ItemIndex item, const SimulatedCandidate& candidate, double theta,
                          std::size_t index, SplitMix64& answers) {
  if (responses == nullptr) return draw_response(bank.item(item), theta, bank.scaling(), answers);
  const int response = responses[d](static_cast<Eigen::Index>(index), static_cast<Eigen::Index>(item.value));
  if (response < 0) {
    throw DataError("responses", index + 2, bank.item(item).id().str(),
                    "post-hoc simulation needs a complete response matrix; candidate " + candidate.id +
                        " has no response to this item");
  }
  return response;
}

/// What a study's candidates read of its inputs, copied at its start into storage of the study's own: the caller's
/// may lie beside what the calling thread writes while the study runs (irtcat simulate's options and designs share
/// a stack frame with its row buffer and count of rows, written at every row), and each such write took the line
/// from the threads reading it at every candidate.
struct alignas(kCacheLineBytes) StudyInputs {
  StudyInputs(const std::vector<DomainDesign>& designs, const StudyOptions& options);

  CacheLineVector<std::shared_ptr<const TestDesign>> designs;
  std::uint64_t seed = 0;
  bool keep_paths = false;
  /// The post-hoc matrices, one per domain (the caller's, read in place); null when answers are drawn.
  const Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>* responses = nullptr;
};

/// What a study's thread keeps from one candidate to the next: its workspace, and a session per domain that each
/// candidate restarts, so that a test allocates nothing. What a step writes (the sessions, their logs, eligible
/// items and posteriors) is on cache lines of its own: from the ordinary heap, on the calling thread, it lay beside
/// the designs' and the candidates' data that the other threads read at every step, and two threads ran 10–15 %
/// slower than two separate studies.
struct StudyThread {
  std::shared_ptr<Workspace> workspace = std::make_shared<Workspace>();
  CacheLineVector<std::optional<Session>> sessions;  ///< by domain, made on first use; every step writes them

  /// The session of domain `d`, on `design`, (re)started with `seed` and this thread's workspace.
  Session& session(std::size_t d, const std::shared_ptr<const TestDesign>& design, std::uint64_t seed);
};

/// Fills candidate i's outcome in place (every field; its vectors may hold an earlier candidate's values, which keeps
/// their capacity), on the running thread's StudyThread.
using RunCandidate = std::function<void(std::size_t, StudyThread&, CandidateOutcome&)>;

/// Makes ready the wave of candidates from `begin` (at most a wave's length of them) and returns how many it holds,
/// 0 when none are left. Called on the calling thread: the first wave's before any runs, each next one's while the
/// wave before it runs.
using PrepareWave = std::function<std::size_t(std::size_t begin)>;

/// The waves of `wave` candidates of [0, count).
PrepareWave waves_of(std::size_t count, std::size_t wave);

/// Runs the candidates `prepare` makes ready, wave after wave, on options.threads threads (the calling thread among
/// them): `run` gives candidate i's outcome; after each wave, `after_wave` takes its outcomes on the calling thread
/// (before the next wave starts), and the wave goes to `sink` (in order, on the calling thread) while the next runs;
/// options.progress after each wave, with `expected` as the total (the candidates done, if more, and after the last
/// wave). Rethrows the
/// first failure of `prepare`, `run` or `sink` once the running wave has stopped.
void run_in_waves(std::size_t expected, const StudyOptions& options, const PrepareWave& prepare, const RunCandidate& run,
                  const std::function<void(std::span<const CandidateOutcome>)>& after_wave, const OutcomeSink& sink);

/// The exposure counts a study keeps per domain for progressive-restricted and item-eligibility control, which read
/// how often each item has been given (and eligible). Every candidate of a wave gets the counts of all the
/// candidates before the wave (in candidate order), so that the outcomes are the same on any number of threads.
class StudyExposure {
 public:
  /// Counts for every domain when one of `designs` has such control; none otherwise.
  explicit StudyExposure(const std::vector<DomainDesign>& designs);
  /// Per domain, the counts a session reads (empty when nothing is counted).
  const std::vector<const ExposureCounts*>& counts() const noexcept { return view_; }
  /// Candidates per wave: kExposureWave when counting, else kStudyWave.
  std::size_t wave() const noexcept;
  /// Adds a finished wave's items, tests and (item eligibility) eligible items, from each DomainOutcome's items and
  /// set_aside. Nothing when nothing is counted.
  void add(std::span<const CandidateOutcome> wave);

 private:
  const std::vector<DomainDesign>* designs_;
  std::vector<std::unique_ptr<ExposureCounts>> counts_;
  std::vector<const ExposureCounts*> view_;
};

/// The checks of run_study's inputs (messages start with `function`): no null design, one ability per domain per
/// candidate, a catalog (if any) of the designs' domains in order, and one candidates × items matrix per domain
/// (if any). Throws InvalidArgument.
void check_study(std::string_view function, const std::vector<DomainDesign>& designs,
                 const std::vector<SimulatedCandidate>& candidates, const RoleCatalog* catalog,
                 const StudyOptions& options);

/// One candidate's part of those checks: one ability per domain. Throws InvalidArgument.
void check_candidate(std::string_view function, const SimulatedCandidate& candidate, std::size_t domains);

}  // namespace irtcat::detail
