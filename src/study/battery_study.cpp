// run_battery_study: the battery as one multidimensional adaptive test per candidate (battery_session.hpp), its
// outcomes in run_study's shape.

#include <cmath>
#include <span>

#include "detail/study_streams.hpp"
#include "irtcat/simulation.hpp"

namespace irtcat {
namespace {

// Candidate `index` through one battery session. Domain d's answers come from the stream run_study's session of
// domain d draws them from; the session's seed (its exposure control's draws) is the candidate's. `exposure`: the
// counts of the candidates before this one's wave, per domain (or none).
CandidateOutcome run_battery_candidate(const std::shared_ptr<const BatteryDesign>& design,
                                       const SimulatedCandidate& candidate, std::size_t index,
                                       const RoleCatalog* catalog, const StudyOptions& options,
                                       std::span<const ExposureCounts* const> exposure) {
  const std::size_t domains = design->size();
  std::vector<detail::SplitMix64> answers;
  answers.reserve(domains);
  for (std::size_t d = 0; d < domains; ++d) {
    answers.push_back(detail::answer_stream(detail::domain_stream(options.seed, index, domains, d)));
  }
  BatterySession session(design, mix_seed(options.seed, index));
  std::vector<std::vector<std::size_t>> items(domains);
  while (const auto item = session.next_item(exposure)) {
    const std::size_t d = item->domain;
    const int response =
        detail::study_response(options.responses.empty() ? nullptr : options.responses.data(), d,
                               design->domain(d).bank(), item->item, candidate,
                               candidate.theta(static_cast<Eigen::Index>(d)), index, answers[d]);
    items[d].push_back(item->item.value);
    session.record(*item, response);
  }
  const JointEstimate& joint = session.estimate();
  CandidateOutcome outcome;
  outcome.domains.reserve(domains);
  for (std::size_t d = 0; d < domains; ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    const AbilityEstimate estimate{joint.theta(i), std::sqrt(joint.covariance(i, i)), joint.iterations, joint.status};
    std::vector<std::size_t> set_aside;
    for (std::size_t i = 0; i < session.set_aside(d).size(); ++i) {
      if (session.set_aside(d)[i]) set_aside.push_back(i);
    }
    std::vector<double> path;
    if (options.keep_paths) {
      path.reserve(session.history().size());
      for (const BatteryStep& step : session.history()) path.push_back(step.estimate.theta(i));
    }
    outcome.domains.push_back(
        {estimate, session.stop_reason(), std::move(items[d]), std::move(set_aside), std::move(path)});
  }
  if (catalog != nullptr) outcome.fit = role_fit(*catalog, joint, options.role_fit_integration);
  return outcome;
}

}  // namespace

std::vector<CandidateOutcome> run_battery_study(const std::vector<DomainDesign>& domains, const BatteryConfig& config,
                                                const std::vector<SimulatedCandidate>& candidates,
                                                const RoleCatalog* catalog, const StudyOptions& options) {
  detail::check_study("run_battery_study", domains, candidates, catalog, options);
  std::vector<std::shared_ptr<const TestDesign>> designs;
  for (const DomainDesign& domain : domains) designs.push_back(domain.design);
  const auto design = std::make_shared<const BatteryDesign>(std::move(designs), config);
  options.role_fit_integration.validate();

  // Waves of candidates as run_study's, and its exposure counts: each outcome depends on its candidate's streams and
  // the counts before its wave only.
  detail::StudyExposure exposure(domains);
  std::vector<CandidateOutcome> outcomes(candidates.size());
  detail::run_in_waves(
      candidates.size(), options, detail::waves_of(candidates.size(), exposure.wave()),
      [&](std::size_t i, detail::StudyThread&, CandidateOutcome& outcome) {
        outcome = run_battery_candidate(design, candidates[i], i, catalog, options, exposure.counts());
      },
      [&](std::span<const CandidateOutcome> done) { exposure.add(done); },
      [&](std::size_t index, CandidateOutcome&& outcome) { outcomes[index] = std::move(outcome); });
  return outcomes;
}

}  // namespace irtcat
