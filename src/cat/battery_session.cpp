#include "irtcat/battery_session.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail/check.hpp"
#include "detail/infinity.hpp"
#include "detail/one_line.hpp"
#include "detail/random.hpp"
#include "detail/selector.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using detail::kMinusInfinity;

bool any_eligible(const std::vector<char>& ok) { return std::find(ok.begin(), ok.end(), 1) != ok.end(); }

// A domain's most informative eligible item at θ and its information (item −1 when none is eligible).
struct DomainBest {
  std::ptrdiff_t item = -1;
  double information = kMinusInfinity;
};

DomainBest most_informative(const ItemBank& bank, const MaxInformationSearch* search, double theta,
                            const std::vector<char>& ok) {
  if (search) return {search->best(theta, ok), search->highest_information(theta, ok)};
  // Every item scored (polytomous banks): the same kernel as the search, ties to the first in bank order.
  const Eigen::ArrayXd information = bank.information(theta);
  DomainBest best;
  for (std::size_t j = 0; j < ok.size(); ++j) {
    const auto i = static_cast<Eigen::Index>(j);
    if (ok[j] && information(i) > best.information) best = {static_cast<std::ptrdiff_t>(j), information(i)};
  }
  return best;
}

}  // namespace

std::string_view to_string(BatteryCriterion criterion) noexcept {
  switch (criterion) {
    case BatteryCriterion::d_optimal: return "d_optimal";
    case BatteryCriterion::a_optimal: return "a_optimal";
  }
  return "unknown";
}

BatteryCriterion battery_criterion_from_string(std::string_view name) {
  for (auto criterion : {BatteryCriterion::d_optimal, BatteryCriterion::a_optimal}) {
    if (name == to_string(criterion)) return criterion;
  }
  throw InvalidArgument("battery_criterion_from_string: unknown criterion " + detail::quoted_value(name) +
                        " (expected d_optimal or a_optimal)");
}

void BatteryConfig::validate(std::size_t domains) const {
  prior.validate();
  const auto count_mismatch = [&](const char* what, std::size_t size) {
    return InvalidArgument(std::string("BatteryConfig: ") + what + " has " + std::to_string(size) + " entries for " +
                           std::to_string(domains) + " domains");
  };
  if (static_cast<std::size_t>(prior.mean.size()) != domains) {
    throw count_mismatch("the prior", static_cast<std::size_t>(prior.mean.size()));
  }
  if (min_items.size() != domains) throw count_mismatch("min_items", min_items.size());
  if (max_items.size() != domains) throw count_mismatch("max_items", max_items.size());
  if (max_length < 1) {
    throw InvalidArgument("BatteryConfig: max_length must be >= 1, got " + std::to_string(max_length));
  }
  long owed = 0;
  for (std::size_t d = 0; d < domains; ++d) {
    if (min_items[d] < 0 || min_items[d] > max_items[d]) {
      throw InvalidArgument("BatteryConfig: domain " + std::to_string(d) + " needs 0 <= min_items <= max_items, got " +
                            std::to_string(min_items[d]) + " and " + std::to_string(max_items[d]));
    }
    owed += min_items[d];
  }
  if (owed > max_length) {
    throw InvalidArgument("BatteryConfig: the domains' minimums sum to " + std::to_string(owed) +
                          ", more than max_length " + std::to_string(max_length));
  }
  if (se_target && !(std::isfinite(*se_target) && *se_target > 0)) {
    throw InvalidArgument("BatteryConfig: se_target must be finite and positive, got " + std::to_string(*se_target));
  }
}

BatteryConfig BatteryConfig::even(std::size_t domains, int max_length) {
  BatteryConfig config;
  config.max_length = max_length;
  config.min_items.assign(domains, domains == 0 ? 0 : max_length / (2 * static_cast<int>(domains)));
  config.max_items.assign(domains, max_length / 2);
  return config;
}

BatteryDesign::BatteryDesign(std::vector<std::shared_ptr<const TestDesign>> domains, BatteryConfig config)
    : domains_(std::move(domains)), config_(std::move(config)) {
  if (domains_.empty()) throw InvalidArgument("BatteryDesign: no domains");
  for (std::size_t d = 0; d < domains_.size(); ++d) {
    if (!domains_[d]) throw InvalidArgument("BatteryDesign: the design of domain " + std::to_string(d) + " is null");
    const SessionConfig& domain = domains_[d]->config();
    const bool policy = domain.exposure.method != ExposureMethod::none || domain.start.random_among > 0;
    if (policy && domain.selection.rule != SelectionRule::mfi) {
      throw InvalidArgument("BatteryDesign: domain " + std::to_string(d) + " has exposure control or a random start " +
                            "over the rule " + std::string(to_string(domain.selection.rule)) +
                            "; the battery selects by information (rule mfi)");
    }
  }
  config_.validate(domains_.size());
  prior_precision_ = config_.prior.precision();
  // Each domain's best item by the MFI search where its design has one, or one built here for a dichotomous bank
  // (a domain design may have another rule, which the battery does not use); polytomous banks are scored in full.
  for (const auto& domain : domains_) {
    if (domain->mfi_search()) {
      searches_.emplace_back(domain, domain->mfi_search());  // shares the design's ownership: alive while it is
    } else if (MaxInformationSearch::supports(domain->bank())) {
      searches_.push_back(std::make_shared<const MaxInformationSearch>(domain->bank()));
    } else {
      searches_.emplace_back();
    }
  }
}

BatterySession::BatterySession(std::shared_ptr<const BatteryDesign> design, std::uint64_t seed)
    : design_(design ? std::move(design) : throw InvalidArgument("BatterySession: the design is null")),
      seed_(seed),
      responses_(design_->size()),
      administered_(design_->size()),
      counts_(design_->size(), 0),
      eligible_(design_->size()),
      set_aside_(design_->size()),
      estimate_{design_->config().prior.mean, design_->config().prior.covariance, 0, EstimateStatus::no_responses} {
  update_stop();
}

std::optional<BatteryItem> BatterySession::next_item(std::span<const ExposureCounts* const> exposure) {
  if (!exposure.empty() && exposure.size() != design_->size()) {
    throw InvalidArgument("BatterySession::next_item: " + std::to_string(exposure.size()) +
                          " sets of exposure counts for " + std::to_string(design_->size()) + " domains");
  }
  if (finished()) return std::nullopt;
  if (!pending_) pending_ = select(exposure);
  return pending_;
}

// The criterion chooses the domain; the domain's exposure control, the item (see the header).
std::optional<BatteryItem> BatterySession::select(std::span<const ExposureCounts* const> exposure) {
  const BatteryDesign& design = *design_;
  const auto counts_of = [&](std::size_t d) { return exposure.empty() ? nullptr : exposure[d]; };
  if (!eligibility_drawn_) {
    // Item eligibility: each domain's ineligible items for this battery, drawn before its first item from a stream
    // of the domain's own (the steps' draws stay as they are); at least the domain's maximum stay eligible.
    eligibility_drawn_ = true;
    bool drawn = false;
    for (std::size_t d = 0; d < design.size(); ++d) {
      if (design.domain(d).config().exposure.method != ExposureMethod::item_eligibility) continue;
      detail::SplitMix64 draw(mix_seed(mix_seed(seed_, 0x656c6967ULL), d));
      const auto keep = static_cast<std::size_t>(design.config().max_items[d]);
      design.domain(d).policy().draw_ineligible(counts_of(d), eligible_[d], keep, draw, set_aside_[d]);
      drawn = true;
    }
    if (drawn) {
      update_stop();
      if (finished()) return std::nullopt;
    }
  }

  const std::optional<BatteryItem> best = best_domain();
  if (!best) return best;
  const std::size_t d = best->domain;
  const TestDesign& domain = design.domain(d);
  if (domain.config().exposure.method == ExposureMethod::none && domain.config().start.random_among == 0) return best;
  // The domain's policy, as a session of that domain at its estimate and its count of items (the rule is MFI: the
  // design checked), with this step's stream: its exposure control, and its start rule for its first item.
  detail::SplitMix64 rng(mix_seed(seed_, log_.size()));
  if (!scratch_.workspace) scratch_.workspace = std::make_unique<Workspace>();
  detail::SelectionStep at;
  at.state.theta = estimate_.theta(static_cast<Eigen::Index>(d));
  at.state.responses = responses_[d];
  at.state.estimation = &domain.config().estimation;
  at.step = static_cast<std::size_t>(counts_[d]);
  const std::optional<ItemIndex> item =
      domain.policy().choose(at, eligible_[d], counts_of(d), set_aside_[d], rng, scratch_.workspace->buffers());
  if (!item) return std::nullopt;  // not reached: the domain has an eligible item
  // Items Sympson–Hetter passed over are out of the domain for the rest of the battery.
  if (!set_aside_[d].empty()) {
    for (std::size_t i = 0; i < eligible_[d].size(); ++i) eligible_[d][i] = eligible_[d][i] && !set_aside_[d][i];
  }
  return BatteryItem{d, *item};
}

// The posterior information after item j of domain d is A + I_j(θ̂_d)·e_d e_dᵀ (between-item structure: the item
// informs its own domain's θ only). With v = A⁻¹e_d and v_d = [A⁻¹]_dd,
//   det(A + I·e_d e_dᵀ) = det(A)·(1 + I·v_d)                         (matrix determinant lemma)
//   tr((A + I·e_d e_dᵀ)⁻¹) = tr(A⁻¹) − I·‖v‖² / (1 + I·v_d)           (Sherman–Morrison)
// so D-optimality gains the factor 1 + I·v_d and A-optimality lowers the trace by I·‖v‖²/(1 + I·v_d). Both gains
// rise with I (v_d > 0, A being positive definite), so a domain's best item is its most informative eligible one at
// θ̂_d, and only the domains' best items need comparing: D + 1 numbers, not one determinant per item.
std::optional<BatteryItem> BatterySession::best_domain() const {
  const BatteryDesign& design = *design_;
  const Eigen::VectorXd& theta = estimate_.theta;
  Eigen::MatrixXd information = design.prior_precision();
  for (std::size_t d = 0; d < design.size(); ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    information(i, i) += test_information(design.domain(d).bank(), administered_[d], theta(i));
  }
  const Eigen::Index size = information.rows();
  const Eigen::MatrixXd inverse = information.llt().solve(Eigen::MatrixXd::Identity(size, size));
  std::optional<BatteryItem> chosen;
  double best_gain = kMinusInfinity;
  for (std::size_t d = 0; d < design.size(); ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    if (!any_eligible(eligible_[d])) continue;
    const DomainBest best = most_informative(design.domain(d).bank(), design.search(d), theta(i), eligible_[d]);
    if (best.item < 0) continue;
    const double lift = best.information * inverse(i, i);  // I·v_d
    // D: the determinant's factor less one; A: the trace's fall. Ties go to the first domain.
    const double gain = design.config().criterion == BatteryCriterion::d_optimal
                            ? lift
                            : best.information * inverse.col(i).squaredNorm() / (1.0 + lift);
    if (gain > best_gain) {
      best_gain = gain;
      chosen = BatteryItem{d, ItemIndex{static_cast<std::size_t>(best.item)}};
    }
  }
  return chosen;
}

void BatterySession::record(BatteryItem item, int response) {
  if (finished()) {
    throw SessionError("BatterySession::record: the battery has finished (" + std::string(to_string(stop_)) + ")");
  }
  if (!pending_) throw SessionError("BatterySession::record: no item is pending; call next_item() first");
  if (item != *pending_) {
    throw SessionError("BatterySession::record: item " + std::to_string(item.item.value) + " of domain " +
                       std::to_string(item.domain) + " is not the item offered (item " +
                       std::to_string(pending_->item.value) + " of domain " + std::to_string(pending_->domain) + ")");
  }
  const std::size_t d = item.domain;
  detail::check_category("BatterySession::record", design_->domain(d).bank().item(item.item), response);

  responses_[d].push_back({item.item, response});
  administered_[d].push_back(item.item);
  counts_[d] += 1;
  log_.emplace_back(item, response);
  std::vector<DomainResponses> domains;
  domains.reserve(design_->size());
  for (std::size_t e = 0; e < design_->size(); ++e) domains.push_back({&design_->domain(e).bank(), responses_[e]});
  // Warm start: one answer moves θ̂ little, so Newton's method needs a step or two from the last estimate.
  estimate_ = joint_map(domains, design_->config().prior, estimate_.theta);
  history_.push_back({item, response, estimate_});
  pending_.reset();
  update_stop();
}

void BatterySession::update_stop() {
  const BatteryConfig& config = design_->config();
  const std::size_t size = design_->size();
  const int answered = static_cast<int>(log_.size());
  const int slots = config.max_length - answered;

  // First each domain on its own: the items its content plan allows in its own remaining slots. A domain owes its
  // minimum only while it has an item to give.
  std::vector<int> owed(size, 0);
  int total_owed = 0;
  for (std::size_t d = 0; d < size; ++d) {
    const ContentPlan& content = design_->domain(d).content();
    const int own_remaining = config.max_items[d] - counts_[d];
    if (own_remaining <= 0) {
      eligible_[d].assign(design_->domain(d).bank().size(), 0);
      continue;
    }
    eligible_[d].resize(design_->domain(d).bank().size());
    content.eligible(administered_[d], set_aside_[d], own_remaining, eligible_[d]);
    if (any_eligible(eligible_[d])) owed[d] = std::max(0, config.min_items[d] - counts_[d]);
    total_owed += owed[d];
  }

  // Then the battery's slots: a domain may use those the other domains are not owed (so that when the slots left
  // equal the items owed, only the domains below their minimum may come), and a domain whose SE met the target
  // with its minimum given is done, unless its content plan still owes a topic's minimum.
  bool all_done = true;
  bool any_by_se = false;
  bool any_item = false;
  for (std::size_t d = 0; d < size; ++d) {
    const ContentPlan& content = design_->domain(d).content();
    std::vector<char>& ok = eligible_[d];
    const int own_remaining = config.max_items[d] - counts_[d];
    bool done = own_remaining <= 0;
    if (!done) {
      const int remaining = std::min(own_remaining, slots - (total_owed - owed[d]));
      if (remaining <= 0) std::fill(ok.begin(), ok.end(), 0);
      else if (remaining < own_remaining) content.eligible(administered_[d], set_aside_[d], remaining, ok);
      // The SE of the joint MAP covariance, the one the estimate reports: a domain stops when the SE its result
      // carries meets the target (the selection's A⁻¹ uses the expected information, which may differ for 3PL).
      const auto i = static_cast<Eigen::Index>(d);
      const bool precise = config.se_target && counts_[d] >= config.min_items[d] &&
                           std::sqrt(estimate_.covariance(i, i)) <= *config.se_target;
      if (precise) {
        if (content.owes(administered_[d], ok)) {
          content.eligible(administered_[d], set_aside_[d], 0, ok);
        } else {
          std::fill(ok.begin(), ok.end(), 0);
          done = true;
          any_by_se = true;
        }
      }
    }
    all_done = all_done && done;
    any_item = any_item || any_eligible(ok);
  }

  if (slots <= 0) stop_ = StopReason::max_length;
  else if (all_done) stop_ = any_by_se ? StopReason::se_target : StopReason::max_length;
  else if (!any_item) stop_ = StopReason::bank_exhausted;
  else stop_ = StopReason::not_stopped;
}

BatterySession BatterySession::replay(std::shared_ptr<const BatteryDesign> design, std::uint64_t seed,
                                      const std::vector<std::pair<BatteryItem, int>>& log,
                                      std::span<const ExposureCounts* const> exposure) {
  BatterySession session(std::move(design), seed);
  for (std::size_t step = 0; step < log.size(); ++step) {
    const auto& [item, response] = log[step];
    const std::optional<BatteryItem> offered = session.next_item(exposure);
    if (offered != item) {
      throw SessionError("BatterySession::replay: entry " + std::to_string(step) + " (item " +
                         std::to_string(item.item.value) + " of domain " + std::to_string(item.domain) +
                         ") is not the item the session offers at that step");
    }
    session.record(item, response);
  }
  return session;
}

}  // namespace irtcat
