#include "irtcat/simulation.hpp"

#include "irtcat/cache_line.hpp"
#include "irtcat/design.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <map>
#include <span>

#include "detail/helper_threads.hpp"
#include "detail/one_line.hpp"
#include "detail/random.hpp"
#include "detail/study_streams.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using detail::uniform01;

// A standard normal by inversion: the same numbers on every platform.
double standard_normal(detail::SplitMix64& rng) {
  static const boost::math::normal_distribution<double> normal;
  return boost::math::quantile(normal, std::clamp(uniform01(rng), 1e-15, 1 - 1e-15));
}

Eigen::MatrixXd cholesky_factor(const Eigen::MatrixXd& correlation) {
  const Eigen::LLT<Eigen::MatrixXd> llt(correlation);
  if (llt.info() != Eigen::Success) throw InvalidArgument("draw_candidates: the correlation matrix is not positive definite");
  return llt.matrixL();
}

std::string candidate_id(std::size_t number) {
  std::string id = "c";
  id += std::to_string(number + 1);
  return id;
}

// Candidate `index` through every domain's session, on the thread's sessions, into `outcome`: every field is set,
// and its vectors keep their capacity from the candidate it held before (a study reuses its outcomes wave after wave,
// so that a fixed-length test allocates nothing for them). The designs, abilities and matrices were checked.
void run_checked_candidate(const detail::StudyInputs& inputs, const SimulatedCandidate& candidate, std::size_t index,
                           const RoleCatalog* catalog, detail::StudyThread& thread,
                           const std::vector<const ExposureCounts*>& exposure, CandidateOutcome& outcome) {
  const std::size_t domains = inputs.designs.size();
  outcome.domains.resize(domains);
  std::vector<GridPosterior> posteriors;  // for the role fit only: an outcome does not keep them
  for (std::size_t d = 0; d < domains; ++d) {
    const TestDesign& design = *inputs.designs[d];
    const std::uint64_t stream = detail::domain_stream(inputs.seed, index, domains, d);
    detail::SplitMix64 answers = detail::answer_stream(stream);
    Session& session = thread.session(d, inputs.designs[d], stream);
    const ExposureCounts* counts = exposure.empty() ? nullptr : exposure[d];
    const double theta = candidate.theta(static_cast<Eigen::Index>(d));  // read once, not at every answer
    while (const auto item = session.next_item(counts)) {
      session.record(*item, detail::study_response(inputs.responses, d, design.bank(), *item, candidate, theta, index,
                                                   answers));
    }
    // The outcome is written once the test is over, not at every step: its storage may lie beside data the other
    // threads read (it was allocated on whichever thread first ran its place in the wave).
    DomainOutcome& result = outcome.domains[d];
    result.items.clear();
    for (const SessionStep& step : session.history()) result.items.push_back(step.item.value);
    result.set_aside.clear();
    for (std::size_t i = 0; i < session.set_aside().size(); ++i) {
      if (session.set_aside()[i]) result.set_aside.push_back(i);
    }
    if (catalog != nullptr) posteriors.push_back(session.posterior());
    result.path.clear();
    if (inputs.keep_paths) {
      for (const SessionStep& step : session.history()) result.path.push_back(step.estimate.theta);
    }
    result.estimate = session.estimate();
    result.stop_reason = session.stop_reason();
  }
  outcome.fit.clear();
  if (catalog != nullptr) {
    std::vector<const GridPosterior*> each;
    for (const GridPosterior& posterior : posteriors) each.push_back(&posterior);
    outcome.fit = role_fit(*catalog, each);
  }
}

}  // namespace

Session& detail::StudyThread::session(std::size_t d, const std::shared_ptr<const TestDesign>& design,
                                      std::uint64_t seed) {
  if (sessions.size() <= d) sessions.resize(d + 1);
  std::optional<Session>& session = sessions[d];
  if (session) {
    session->restart(seed);
  } else {
    session.emplace(design, seed, workspace);
  }
  return *session;
}

detail::StudyInputs::StudyInputs(const std::vector<DomainDesign>& domains, const StudyOptions& options)
    : seed(options.seed),
      keep_paths(options.keep_paths),
      responses(options.responses.empty() ? nullptr : options.responses.data()) {
  designs.reserve(domains.size());
  for (const DomainDesign& domain : domains) designs.push_back(domain.design);
}

std::vector<SimulatedCandidate> draw_candidates(const Eigen::VectorXd& mean, const Eigen::VectorXd& sd,
                                                const Eigen::MatrixXd& correlation, int count, std::uint64_t seed,
                                                const std::string& population) {
  const Eigen::Index d = mean.size();
  if (sd.size() != d || correlation.rows() != d || correlation.cols() != d) {
    throw InvalidArgument("draw_candidates: mean, sd and correlation sizes differ");
  }
  if (!(sd.array() > 0).all()) throw InvalidArgument("draw_candidates: every sd must be > 0");
  if (count < 0) throw InvalidArgument("draw_candidates: the count must be >= 0");
  const Eigen::MatrixXd lower = cholesky_factor(correlation);
  std::vector<SimulatedCandidate> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int c = 0; c < count; ++c) {
    detail::SplitMix64 rng(mix_seed(seed, static_cast<std::uint64_t>(c)));
    Eigen::VectorXd z(d);
    for (Eigen::Index k = 0; k < d; ++k) z(k) = standard_normal(rng);
    out.push_back({candidate_id(static_cast<std::size_t>(c)), population, mean + sd.cwiseProduct(lower * z)});
  }
  return out;
}

std::vector<SimulatedCandidate> draw_role_candidates(const RoleCatalog& catalog, int count, std::uint64_t seed) {
  if (catalog.roles.empty()) throw InvalidArgument("draw_role_candidates: the catalog has no roles");
  const auto d = static_cast<Eigen::Index>(catalog.domains.size());
  const Eigen::VectorXd sd = Eigen::VectorXd::Constant(d, catalog.population_spread);
  std::vector<SimulatedCandidate> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int c = 0; c < count; ++c) {
    const RoleProfile& role = catalog.roles[static_cast<std::size_t>(c) % catalog.roles.size()];
    const Eigen::VectorXd mean = Eigen::Map<const Eigen::VectorXd>(role.typical_theta.data(), d);
    SimulatedCandidate candidate = draw_candidates(mean, sd, catalog.correlation, 1, mix_seed(seed, static_cast<std::uint64_t>(c)), role.name).front();
    candidate.id = candidate_id(static_cast<std::size_t>(c));
    out.push_back(std::move(candidate));
  }
  return out;
}

DomainDesign domain_design(std::string domain, std::shared_ptr<const ItemBank> bank,
                           const std::vector<std::string>& topics, const SessionConfig& config, bool balance_topics) {
  SessionConfig domain_config = balance_topics ? with_balanced_topics(config, topics) : config;
  return {std::move(domain), std::make_shared<const TestDesign>(std::move(bank), std::move(domain_config))};
}

void detail::check_candidate(std::string_view function, const SimulatedCandidate& candidate, std::size_t domains) {
  if (candidate.theta.size() != static_cast<Eigen::Index>(domains)) {
    throw InvalidArgument(std::string(function) + ": candidate " + candidate.id + " has " +
                          std::to_string(candidate.theta.size()) + " abilities for " + std::to_string(domains) +
                          " domains");
  }
}

void detail::check_study(std::string_view function, const std::vector<DomainDesign>& designs,
                         const std::vector<SimulatedCandidate>& candidates, const RoleCatalog* catalog,
                         const StudyOptions& options) {
  const std::string name(function);
  for (const DomainDesign& design : designs) {
    if (!design.design) throw InvalidArgument(name + ": the design of domain " + detail::quoted_value(design.domain) + " is null");
  }
  for (const SimulatedCandidate& candidate : candidates) check_candidate(function, candidate, designs.size());
  if (catalog != nullptr) {
    if (catalog->domains.size() != designs.size()) throw InvalidArgument(name + ": the catalog's domains differ from the designs'");
    for (std::size_t d = 0; d < designs.size(); ++d) {
      if (catalog->domains[d] != designs[d].domain) {
        throw InvalidArgument(name + ": domain " + std::to_string(d) + " is " + detail::quoted_value(designs[d].domain) +
                              " but the catalog has " + detail::quoted_value(catalog->domains[d]));
      }
    }
  }
  if (!options.responses.empty()) {
    if (options.responses.size() != designs.size()) throw InvalidArgument(name + ": one response matrix per domain");
    for (std::size_t d = 0; d < designs.size(); ++d) {
      if (options.responses[d].rows() != static_cast<Eigen::Index>(candidates.size()) ||
          options.responses[d].cols() != static_cast<Eigen::Index>(designs[d].design->bank().size())) {
        throw InvalidArgument(name + ": the response matrix of " + detail::quoted_value(designs[d].domain) + " is not candidates × items");
      }
    }
  }
}

CandidateOutcome run_candidate(const std::vector<DomainDesign>& designs, const SimulatedCandidate& candidate,
                               std::size_t index, const RoleCatalog* catalog, const StudyOptions& options,
                               const std::vector<const ExposureCounts*>& exposure) {
  StudyOptions without_matrices;
  without_matrices.seed = options.seed;
  detail::check_study("run_study", designs, {candidate}, catalog, without_matrices);
  if (!options.responses.empty()) {
    if (options.responses.size() != designs.size()) throw InvalidArgument("run_candidate: one response matrix per domain");
    for (std::size_t d = 0; d < designs.size(); ++d) {
      if (static_cast<Eigen::Index>(index) >= options.responses[d].rows() ||
          options.responses[d].cols() != static_cast<Eigen::Index>(designs[d].design->bank().size())) {
        throw InvalidArgument("run_candidate: the response matrix of '" + designs[d].domain + "' has no row " +
                              std::to_string(index) + " or not one column per item");
      }
    }
  }
  if (!exposure.empty() && exposure.size() != designs.size()) {
    throw InvalidArgument("run_candidate: one set of exposure counts per domain");
  }
  CandidateOutcome outcome;
  detail::StudyThread thread;
  run_checked_candidate(detail::StudyInputs(designs, options), candidate, index, catalog, thread, exposure, outcome);
  return outcome;
}

Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> post_hoc_responses(const ResponseTable& table, const ItemBank& bank,
                                                                     const std::vector<SimulatedCandidate>& simulees) {
  std::map<std::string, Eigen::Index> row_of;
  for (std::size_t i = 0; i < table.person_ids.size(); ++i) row_of[table.person_ids[i]] = static_cast<Eigen::Index>(i);
  std::vector<Eigen::Index> column_of(bank.size(), -1);
  for (std::size_t j = 0; j < table.item_ids.size(); ++j) {
    const auto index = bank.find(ItemId(table.item_ids[j]));
    if (!index) throw DataError(table.file, table.header_line, table.item_ids[j], "unknown item id '" + table.item_ids[j] + "'");
    column_of[index->value] = static_cast<Eigen::Index>(j);
  }
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> matrix(static_cast<Eigen::Index>(simulees.size()),
                                                            static_cast<Eigen::Index>(bank.size()));
  matrix.setConstant(ResponseTable::kMissingResponse);
  for (std::size_t s = 0; s < simulees.size(); ++s) {
    const auto row = row_of.find(simulees[s].id);
    if (row == row_of.end()) throw DataError(table.file, 0, "person_id", "no responses for simulee '" + simulees[s].id + "'");
    for (std::size_t i = 0; i < bank.size(); ++i) {
      if (column_of[i] < 0) continue;
      const int response = table.responses(row->second, column_of[i]);
      if (response >= bank.items()[i].category_count()) {
        throw DataError(table.file, table.lines[static_cast<std::size_t>(row->second)], table.item_ids[static_cast<std::size_t>(column_of[i])],
                        "response " + std::to_string(response) + " is outside the item's categories");
      }
      matrix(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i)) = response;
    }
  }
  return matrix;
}

void run_study(const std::vector<DomainDesign>& designs, const std::vector<SimulatedCandidate>& candidates,
               const RoleCatalog* catalog, const StudyOptions& options, const OutcomeSink& sink) {
  detail::check_study("run_study", designs, candidates, catalog, options);

  detail::StudyExposure exposure(designs);
  const auto inputs = std::make_unique<const detail::StudyInputs>(designs, options);
  detail::run_in_waves(
      candidates.size(), options, detail::waves_of(candidates.size(), exposure.wave()),
      [&](std::size_t i, detail::StudyThread& thread, CandidateOutcome& outcome) {
        run_checked_candidate(*inputs, candidates[i], i, catalog, thread, exposure.counts(), outcome);
      },
      [&](std::span<const CandidateOutcome> done) { exposure.add(done); }, sink);
}

void run_study(const std::vector<DomainDesign>& designs, const CandidateStream& candidates, const RoleCatalog* catalog,
               const StudyOptions& options, const CandidateSink& sink) {
  if (!candidates.next) throw InvalidArgument("run_study: the candidate stream has no next");
  if (!options.responses.empty()) {
    throw InvalidArgument("run_study: post-hoc response matrices follow a vector of candidates; a stream takes none");
  }
  detail::check_study("run_study", designs, {}, catalog, options);

  detail::StudyExposure exposure(designs);
  const std::size_t wave = exposure.wave();
  // Three waves of candidates, by wave number mod 3: the one going to the sink, the one running and the one being
  // read. Every wave but the last is whole, so candidate i is at held[(i / wave) % 3][i % wave].
  std::array<std::vector<SimulatedCandidate>, 3> held;
  const auto candidate = [&](std::size_t i) -> SimulatedCandidate& { return held[(i / wave) % 3][i % wave]; };
  const auto prepare = [&](std::size_t begin) {
    std::vector<SimulatedCandidate>& slot = held[(begin / wave) % 3];
    slot.resize(wave);  // the storage of the wave before last, reused
    std::size_t read = 0;
    while (read < wave && candidates.next(slot[read])) detail::check_candidate("run_study", slot[read++], designs.size());
    return read;
  };
  const auto inputs = std::make_unique<const detail::StudyInputs>(designs, options);
  detail::run_in_waves(
      candidates.expected, options, prepare,
      [&](std::size_t i, detail::StudyThread& thread, CandidateOutcome& outcome) {
        run_checked_candidate(*inputs, candidate(i), i, catalog, thread, exposure.counts(), outcome);
      },
      [&](std::span<const CandidateOutcome> done) { exposure.add(done); },
      [&](std::size_t i, CandidateOutcome&& outcome) { sink(i, candidate(i), std::move(outcome)); });
}

detail::StudyExposure::StudyExposure(const std::vector<DomainDesign>& designs) : designs_(&designs) {
  const bool counted = std::any_of(designs.begin(), designs.end(), [](const DomainDesign& domain) {
    const ExposureMethod method = domain.design->config().exposure.method;
    return method == ExposureMethod::progressive_restricted || method == ExposureMethod::item_eligibility;
  });
  if (!counted) return;
  for (const DomainDesign& domain : designs) {
    counts_.push_back(std::make_unique<ExposureCounts>(domain.design->bank().size()));
    view_.push_back(counts_.back().get());
  }
}

std::size_t detail::StudyExposure::wave() const noexcept { return counts_.empty() ? kStudyWave : kExposureWave; }

void detail::StudyExposure::add(std::span<const CandidateOutcome> wave) {
  if (counts_.empty()) return;
  const std::vector<DomainDesign>& designs = *designs_;
  for (const CandidateOutcome& outcome : wave) {
    for (std::size_t d = 0; d < designs.size(); ++d) {
      const DomainOutcome& domain = outcome.domains[d];
      ExposureCounts& counts = *counts_[d];
      for (std::size_t item : domain.items) counts.record_item(ItemIndex{item});
      counts.record_test();
      if (designs[d].design->config().exposure.method != ExposureMethod::item_eligibility) continue;
      // Eligible: every item not drawn ineligible (set_aside is in bank order).
      auto ineligible = domain.set_aside.begin();
      for (std::size_t item = 0; item < designs[d].design->bank().size(); ++item) {
        if (ineligible != domain.set_aside.end() && *ineligible == item) {
          ++ineligible;
        } else {
          counts.record_eligible(ItemIndex{item});
        }
      }
    }
  }
}

detail::PrepareWave detail::waves_of(std::size_t count, std::size_t wave) {
  return [count, wave](std::size_t begin) { return begin < count ? std::min(wave, count - begin) : std::size_t{0}; };
}

namespace {

// Candidates are claimed kClaim at a time: one exchange of the shared counter's cache line per claim, not per
// candidate, and neighbouring outcomes written by one thread.
constexpr std::size_t kClaim = 8;

// What the threads read at every candidate while a wave runs, on cache lines of its own. In the calling thread's
// stack frame it lay beside what that thread writes as it runs candidates itself (its callees' frames), and each of
// those writes took the line from the other threads. So did what the helpers read at every wave, their work and
// their StudyThreads: with them in that frame, BM_StudyProgressive/2 (a wave per 16 candidates) took 41.6–42.6 ms
// instead of 36.7–37.5.
struct alignas(kCacheLineBytes) RunningWave {
  RunningWave(detail::RunCandidate candidate, unsigned helpers) : run(std::move(candidate)), helper_threads(helpers) {}

  /// Records the exception in flight, unless a thread failed before; the threads then stop claiming.
  void fail() noexcept {
    if (!failed.exchange(true)) failure = std::current_exception();
  }

  /// Runs the wave's candidates on `thread`, a claim at a time, until none is left or one has failed.
  void work(detail::StudyThread& thread) {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t first = next.fetch_add(kClaim);
      if (first >= end) return;
      try {
        for (std::size_t i = first; i < std::min(first + kClaim, end); ++i) run(i, thread, outcomes[i - begin]);
      } catch (...) {
        fail();
        return;
      }
    }
  }

  std::atomic<std::size_t> next{0};  ///< the next candidate to claim: every claim writes it, so it has a line alone
  // Set by the calling thread before it wakes the helpers for a wave; read at every claim and candidate.
  alignas(kCacheLineBytes) std::size_t begin = 0;
  std::size_t end = 0;
  CandidateOutcome* outcomes = nullptr;  ///< the wave's, from candidate `begin` on
  std::atomic<bool> failed{false};
  std::exception_ptr failure;  ///< the first thread's to fail; read once the wave is over
  const detail::RunCandidate run;
  /// Each helper's, made by the helper on its first wave (so that what it writes is its own memory) and kept for
  /// the whole study.
  std::vector<std::unique_ptr<detail::StudyThread>> helper_threads;
  const detail::HelperThreads::Work helper_work = [this](unsigned helper) {
    std::unique_ptr<detail::StudyThread>& thread = helper_threads[helper];
    if (!thread) thread = std::make_unique<detail::StudyThread>();
    work(*thread);
  };
};

}  // namespace

void detail::run_in_waves(std::size_t expected, const StudyOptions& options, const PrepareWave& prepare,
                          const RunCandidate& run, const std::function<void(std::span<const CandidateOutcome>)>& after_wave,
                          const OutcomeSink& sink) {
  const unsigned threads = detail::thread_count(options.threads);
  // The calling thread hands the previous wave to the sink and makes the next one ready while the helpers start on
  // this one, then runs candidates too and waits for them: `threads` threads in all, and the writing of one wave and
  // the reading of the next overlap the running of this one. The two waves' outcomes are filled in place wave after
  // wave: a sink that only reads them leaves their storage to be reused, so that no outcome is freed on one thread
  // after another allocated it (which took malloc's arena lock).
  std::vector<CandidateOutcome> running, finished;
  std::size_t finished_begin = 0;
  std::size_t finished_count = 0;
  const auto flush = [&] {
    for (std::size_t k = 0; k < finished_count; ++k) sink(finished_begin + k, std::move(finished[k]));
    finished_count = 0;
  };
  std::size_t begin = 0;
  std::size_t size = prepare(0);
  // Every wave but the last is whole: no more threads than the first wave has candidates.
  const auto helper_count = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(size, 1))) - 1;
  const auto wave = std::make_unique<RunningWave>(run, helper_count);
  const auto helpers = std::make_unique<detail::HelperThreads>(helper_count);
  detail::StudyThread own;  // the calling thread's
  while (size > 0) {
    running.resize(size);
    wave->begin = begin;
    wave->end = begin + size;
    wave->outcomes = running.data();
    wave->next.store(begin);
    helpers->start(wave->helper_work);
    std::size_t next_size = 0;
    try {
      flush();
      next_size = prepare(begin + size);
    } catch (...) {
      wave->fail();
    }
    wave->work(own);
    helpers->wait();
    if (wave->failure) std::rethrow_exception(wave->failure);
    after_wave(running);
    std::swap(running, finished);
    finished_begin = begin;
    finished_count = size;
    // The total is `expected` until the last wave, known by then to be the last: it ends the count, whatever was
    // expected.
    const std::size_t end = begin + size;
    if (options.progress) options.progress(end, next_size == 0 ? end : std::max(expected, end));
    begin = end;
    size = next_size;
  }
  flush();
}

std::vector<CandidateOutcome> run_study(const std::vector<DomainDesign>& designs,
                                        const std::vector<SimulatedCandidate>& candidates, const RoleCatalog* catalog,
                                        const StudyOptions& options) {
  std::vector<CandidateOutcome> outcomes(candidates.size());
  run_study(designs, candidates, catalog, options,
            [&](std::size_t index, CandidateOutcome&& outcome) { outcomes[index] = std::move(outcome); });
  return outcomes;
}

std::vector<LengthPoint> rmse_by_length(const std::vector<SimulatedCandidate>& candidates,
                                        const std::vector<CandidateOutcome>& outcomes, BatteryForm form) {
  if (outcomes.size() != candidates.size()) throw InvalidArgument("rmse_by_length: one outcome per candidate");
  if (outcomes.empty()) return {};
  const std::size_t domains = outcomes.front().domains.size();
  std::size_t longest = 0;  // the longest path of any domain
  for (std::size_t c = 0; c < outcomes.size(); ++c) {
    if (outcomes[c].domains.size() != domains ||
        static_cast<std::size_t>(candidates[c].theta.size()) != domains) {
      throw InvalidArgument("rmse_by_length: candidate " + candidates[c].id + " has another number of domains");
    }
    for (const DomainOutcome& domain : outcomes[c].domains) {
      if (domain.path.empty() && !domain.items.empty()) {
        throw InvalidArgument("rmse_by_length: candidate " + candidates[c].id +
                              " has no estimates along its test (StudyOptions::keep_paths)");
      }
      longest = std::max(longest, domain.path.size());
    }
  }
  // Separate tests give a battery of length D·m from each domain's first m items; one battery session, length L
  // from its first L items.
  const std::size_t per_step = form == BatteryForm::separate ? domains : 1;
  std::vector<LengthPoint> curve;
  curve.reserve(longest);
  for (std::size_t k = 0; k < longest; ++k) {
    LengthPoint point;
    point.length = static_cast<int>((k + 1) * per_step);
    point.rmse.assign(domains, 0.0);
    for (std::size_t c = 0; c < outcomes.size(); ++c) {
      for (std::size_t d = 0; d < domains; ++d) {
        const DomainOutcome& domain = outcomes[c].domains[d];
        // Before a domain's first item its estimate is where its test started; after its last, the last one.
        const double estimate = domain.path.empty() ? domain.estimate.theta : domain.path[std::min(k, domain.path.size() - 1)];
        const double error = estimate - candidates[c].theta(static_cast<Eigen::Index>(d));
        point.rmse[d] += error * error;
      }
    }
    double sum = 0.0;
    for (double& value : point.rmse) {
      value = std::sqrt(value / static_cast<double>(outcomes.size()));
      sum += value;
    }
    point.mean_rmse = sum / static_cast<double>(domains);
    curve.push_back(std::move(point));
  }
  return curve;
}

std::optional<int> length_reaching(const std::vector<LengthPoint>& curve, double target) {
  for (const LengthPoint& point : curve) {
    if (point.mean_rmse <= target) return point.length;
  }
  return std::nullopt;
}

StudySummary summarize(const std::vector<DomainDesign>& designs, const std::vector<SimulatedCandidate>& candidates,
                       const std::vector<CandidateOutcome>& outcomes, const RoleCatalog* catalog) {
  if (outcomes.size() != candidates.size()) throw InvalidArgument("summarize: one outcome per candidate");
  StudySummary summary;
  const double n = static_cast<double>(candidates.size());
  for (std::size_t d = 0; d < designs.size(); ++d) {
    const ItemBank& bank = designs[d].design->bank();
    DomainStatistics stats;
    stats.domain = designs[d].domain;
    stats.length_counts.assign(static_cast<std::size_t>(designs[d].design->config().stopping.max_length) + 1, 0);
    constexpr int kBins = 12;  // [−3, 3) in steps of 0.5, tails pooled into the end bins
    stats.conditional.resize(kBins);
    for (int b = 0; b < kBins; ++b) stats.conditional[static_cast<std::size_t>(b)] = {-3.0 + 0.5 * b, -2.5 + 0.5 * b};
    std::vector<double> counts(bank.size(), 0.0);
    std::vector<double> error_squares(kBins, 0.0);  // Σ e² per bin, for the SEs of bias and MSE
    std::vector<double> error_fourths(kBins, 0.0);  // Σ e⁴ per bin
    int level_hits = 0;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      const DomainOutcome& outcome = outcomes[c].domains[d];
      const double truth = candidates[c].theta(static_cast<Eigen::Index>(d));
      const double error = outcome.estimate.theta - truth;
      stats.bias += error / n;
      stats.rmse += error * error / n;
      stats.mean_se += outcome.estimate.se / n;
      stats.mean_length += static_cast<double>(outcome.items.size());
      ++stats.length_counts[std::min(outcome.items.size(), stats.length_counts.size() - 1)];
      for (std::size_t item : outcome.items) counts[item] += 1;
      const auto b = static_cast<std::size_t>(std::clamp(static_cast<int>(std::floor((truth + 3.0) / 0.5)), 0, kBins - 1));
      ConditionalStatistics& bin = stats.conditional[b];
      ++bin.count;
      bin.bias += error;
      bin.mean_se += outcome.estimate.se;
      error_squares[b] += error * error;
      error_fourths[b] += error * error * error * error;
      if (catalog != nullptr) level_hits += catalog->level_of(outcome.estimate.theta) == catalog->level_of(truth);
    }
    stats.rmse = std::sqrt(stats.rmse);
    stats.mean_length /= n;
    for (std::size_t b = 0; b < stats.conditional.size(); ++b) {
      ConditionalStatistics& bin = stats.conditional[b];
      if (bin.count == 0) continue;
      const double count = bin.count;
      const double mse = error_squares[b] / count;
      bin.bias /= count;
      bin.rmse = std::sqrt(mse);
      bin.mean_se /= count;
      if (bin.count < 2) continue;
      // Sample variances of e and e² from the sums (n − 1 in the denominator), floored at 0 against rounding.
      const double variance = std::max(0.0, (error_squares[b] - count * bin.bias * bin.bias) / (count - 1));
      const double variance_of_squares = std::max(0.0, (error_fourths[b] - count * mse * mse) / (count - 1));
      bin.bias_se = std::sqrt(variance / count);
      if (bin.rmse > 0) bin.rmse_se = std::sqrt(variance_of_squares / count) / (2 * bin.rmse);
    }
    // Exposure and overlap: the mean number of items two candidates share is Σ_j c_j(c_j − 1) / (N(N − 1)),
    // divided by the mean test length.
    double shared = 0.0;
    for (double count : counts) {
      stats.exposure_rates.push_back(n > 0 ? count / n : 0.0);
      shared += count * (count - 1);
    }
    if (!counts.empty()) {
      stats.max_exposure = *std::max_element(stats.exposure_rates.begin(), stats.exposure_rates.end());
      stats.never_used = static_cast<double>(std::count(counts.begin(), counts.end(), 0.0)) / static_cast<double>(counts.size());
      stats.over_20_percent = static_cast<double>(std::count_if(stats.exposure_rates.begin(), stats.exposure_rates.end(),
                                                                [](double rate) { return rate > 0.2; })) /
                              static_cast<double>(counts.size());
    }
    if (n > 1 && stats.mean_length > 0) stats.overlap = shared / (n * (n - 1)) / stats.mean_length;
    stats.level_accuracy = n > 0 ? level_hits / n : 0.0;
    summary.domains.push_back(std::move(stats));
  }
  if (catalog != nullptr) {
    summary.role_confusion.assign(catalog->roles.size(), std::vector<int>(catalog->roles.size(), 0));
  }
  if (catalog != nullptr && !candidates.empty()) {
    int agree = 0;
    int pairs = 0;
    int best = 0;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      for (const RoleFit& fit : outcomes[c].fit) {
        const bool truth = meets_role(*catalog, catalog->roles[fit.role], candidates[c].theta);
        agree += (fit.probability >= 0.5) == truth;
        ++pairs;
      }
      if (!outcomes[c].fit.empty() && catalog->roles[outcomes[c].fit.front().role].name == candidates[c].population) ++best;
      const auto drawn = std::find_if(catalog->roles.begin(), catalog->roles.end(),
                                      [&](const RoleProfile& role) { return role.name == candidates[c].population; });
      if (drawn == catalog->roles.end() || outcomes[c].fit.empty()) {
        ++summary.candidates_outside_roles;
      } else {
        ++summary.role_confusion[static_cast<std::size_t>(drawn - catalog->roles.begin())][outcomes[c].fit.front().role];
      }
    }
    summary.role_fit_accuracy = pairs > 0 ? static_cast<double>(agree) / pairs : 0.0;
    summary.best_role_matches = static_cast<double>(best) / n;
  }
  return summary;
}

}  // namespace irtcat
