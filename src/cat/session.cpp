#include "irtcat/session.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include "detail/check.hpp"
#include "detail/infinity.hpp"
#include "detail/random.hpp"
#include "detail/selector.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using detail::kMinusInfinity;

SessionConfig validated(const std::shared_ptr<const ItemBank>& bank, SessionConfig config) {
  if (!bank) throw InvalidArgument("TestDesign: the bank is null");
  config.validate(*bank);
  if (bank->empty()) throw InvalidArgument("TestDesign: the bank has no items");
  return config;
}

double prior_centre(const Prior& prior) {
  if (const auto* normal = std::get_if<NormalPrior>(&prior)) return normal->mean;
  if (const auto* uniform = std::get_if<UniformPrior>(&prior)) return 0.5 * (uniform->lower + uniform->upper);
  return 0.0;
}

}  // namespace

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  // splitmix64 (Steele, Lea & Flood 2014) of the seed, mixed with the stream number.
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void SessionConfig::validate(const ItemBank& bank) const {
  selection.validate();
  estimation.validate();
  exposure.validate(bank.size());
  content.validate(bank);
  stopping.validate();
  if (start.theta && !std::isfinite(*start.theta)) throw InvalidArgument("SessionConfig: the start theta must be finite");
  if (start.random_among < 0) throw InvalidArgument("SessionConfig: start.random_among must be >= 0");
}

TestDesign::TestDesign(std::shared_ptr<const ItemBank> bank, SessionConfig config)
    : bank_(std::move(bank)),
      config_(validated(bank_, std::move(config))),
      policy_(std::make_shared<const detail::SelectionPolicy>(bank_, config_)),
      content_(*bank_, config_.content),
      start_theta_(config_.start.theta ? *config_.start.theta : prior_centre(config_.estimation.prior)),
      prior_posterior_(config_.estimation.grid, config_.estimation.prior) {
  // Before any answer: the start ability, with the estimator's SE for an empty pattern (the prior's spread for
  // MAP and EAP, infinity for ML and WLE).
  start_estimate_ = estimate_ability(*bank_, {}, config_.estimation);
  start_estimate_.theta = start_theta_;
}

const MaxInformationSearch* TestDesign::mfi_search() const noexcept { return policy_->rule().search(); }

namespace {

// The design's rule as a selector that needs neither a step nor a random stream.
const detail::Selector& stepless(const TestDesign& design, const char* function) {
  const SelectionRule rule = design.config().selection.rule;
  if (rule == SelectionRule::a_stratified || rule == SelectionRule::random) {
    throw InvalidArgument(std::string(function) + ": rule " + std::string(to_string(rule)) +
                          " chooses by the step or at random (use a Session)");
  }
  return design.policy().rule();
}

}  // namespace

Eigen::ArrayXd TestDesign::item_scores(const SelectionState& state, std::span<const char> eligible,
                                       Workspace* workspace) const {
  const detail::Selector& rule = stepless(*this, "TestDesign::item_scores");
  std::optional<Workspace> fresh;  // made only when the caller lends none
  return rule.scores({state, 0}, eligible, (workspace ? *workspace : fresh.emplace()).buffers());
}

std::ptrdiff_t TestDesign::best_item(const SelectionState& state, std::span<const char> eligible,
                                     Workspace* workspace) const {
  const detail::Selector& rule = stepless(*this, "TestDesign::best_item");
  detail::SplitMix64 unused(0);
  std::optional<Workspace> fresh;
  return rule.best({state, 0}, eligible, unused, (workspace ? *workspace : fresh.emplace()).buffers());
}

std::vector<std::size_t> TestDesign::best_items(const SelectionState& state, std::span<const char> eligible,
                                                std::size_t count, Workspace* workspace) const {
  const detail::Selector& rule = stepless(*this, "TestDesign::best_items");
  std::optional<Workspace> fresh;
  return rule.best({state, 0}, eligible, count, (workspace ? *workspace : fresh.emplace()).buffers());
}

void TestDesign::add_response(GridPosterior& posterior, ItemIndex item, int category) const {
  detail::check_category("TestDesign::add_response", bank_->item(item), category);
  const BankGrid& grid = policy_->grid();
  const Eigen::Index row = grid.row(item, category);
  posterior.add(grid.log_p().row(row).transpose().array(), grid.p().row(row).transpose().array());
}

Session::Session(std::shared_ptr<const ItemBank> bank, SessionConfig config, std::uint64_t seed)
    : Session(std::make_shared<const TestDesign>(std::move(bank), std::move(config)), seed) {}

Session::Session(std::shared_ptr<const TestDesign> design, std::uint64_t seed, std::shared_ptr<Workspace> workspace)
    : design_(design ? std::move(design) : throw InvalidArgument("Session: the design is null")),
      seed_(seed),
      posterior_(design_->prior_posterior()),
      workspace_(std::move(workspace)),
      estimate_(design_->start_estimate()) {
  // The logs grow to at most the maximum length (or the bank's size): one allocation each, not one per doubling.
  const auto max_length = std::min(static_cast<std::size_t>(design_->config().stopping.max_length), design_->bank().size());
  responses_.reserve(max_length);
  administered_.reserve(max_length);
  history_.reserve(max_length);
  eligible_.resize(design_->bank().size());
  update_stop();
}

void Session::restart(std::uint64_t seed) {
  // Every member the constructor sets, to the value it gives; assignments and clear() keep the storage.
  seed_ = seed;
  posterior_ = design_->prior_posterior();
  responses_.clear();
  administered_.clear();
  history_.clear();
  set_aside_.clear();
  eligibility_drawn_ = false;
  pending_.reset();
  estimate_ = design_->start_estimate();
  stop_ = StopReason::not_stopped;
  update_stop();
}

double Session::current_theta() const { return responses_.empty() ? design_->start_theta() : estimate_.theta; }

Workspace& Session::workspace() {
  if (!workspace_) workspace_ = std::make_shared<Workspace>();
  return *workspace_;
}

void Session::refresh_eligible(bool no_slot_left) {
  const int remaining = no_slot_left ? 0 : design_->config().stopping.max_length - static_cast<int>(responses_.size());
  design_->content().eligible(administered_, set_aside_, remaining, eligible_);
}

std::optional<ItemIndex> Session::next_item(const ExposureCounts* exposure) {
  if (finished()) return std::nullopt;
  if (!pending_) pending_ = select(exposure);
  return pending_;
}

std::optional<ItemIndex> Session::select(const ExposureCounts* exposure) {
  const std::size_t step = responses_.size();
  if (step == 0 && !eligibility_drawn_ && design_->config().exposure.method == ExposureMethod::item_eligibility) {
    // The test's eligible items, from a stream of their own (the step's draws stay as they are).
    detail::SplitMix64 draw(mix_seed(seed_, 0x656c6967ULL));
    const auto keep = static_cast<std::size_t>(design_->config().stopping.max_length);
    design_->policy().draw_ineligible(exposure, eligible_, keep, draw, set_aside_);
    eligibility_drawn_ = true;
    refresh_eligible();
  }
  detail::SplitMix64 rng(mix_seed(seed_, step));  // this step's draws: they depend on the seed and the step only
  detail::SelectionStep at;
  at.state.theta = current_theta();
  at.state.posterior = &posterior_;
  at.state.responses = responses_;
  at.state.estimation = &design_->config().estimation;
  at.step = step;
  const auto item = design_->policy().choose(at, eligible_, exposure, set_aside_, rng, workspace().buffers());
  if (!item) stop_ = StopReason::bank_exhausted;
  return item;
}

std::optional<ItemIndex> next_item_after(const TestDesign& design, std::span<const Response> answered,
                                         std::uint64_t seed) {
  const ItemBank& bank = design.bank();
  const EstimationOptions& estimation = design.config().estimation;
  const AbilityEstimate estimate = estimate_ability(bank, answered, estimation);  // validates the answers
  std::vector<char> eligible(bank.size(), 1);
  for (const Response& response : answered) eligible[response.item.value] = 0;
  for (std::size_t i = 0; i < bank.size(); ++i) {
    if (!bank.metadata(ItemIndex{i}).active) eligible[i] = 0;
  }
  GridPosterior posterior = design.prior_posterior();
  for (const Response& response : answered) design.add_response(posterior, response.item, response.category);
  detail::SelectionStep at;
  at.state.theta = estimate.theta;
  at.state.posterior = &posterior;
  at.state.responses = answered;
  at.state.estimation = &estimation;
  at.step = answered.size();
  detail::SplitMix64 rng(seed);
  Workspace workspace;
  const std::ptrdiff_t best = design.policy().rule().best(at, eligible, rng, workspace.buffers());
  if (best < 0) return std::nullopt;
  return ItemIndex{static_cast<std::size_t>(best)};
}

std::vector<TopicScore> topic_scores(const ItemBank& bank, std::span<const SessionStep> history,
                                     const std::vector<std::string>& topic_order) {
  std::vector<TopicScore> out;
  for (const std::string& topic : topic_order) out.push_back({topic, 0, 0});
  for (const SessionStep& step : history) {
    const std::string& topic = bank.metadata(step.item).topic;
    auto found = std::find_if(out.begin(), out.end(), [&](const TopicScore& t) { return t.topic == topic; });
    if (found == out.end()) found = out.insert(out.end(), {topic, 0, 0});
    found->items += 1;
    found->score += step.response;
  }
  std::erase_if(out, [](const TopicScore& t) { return t.items == 0; });
  return out;
}

void Session::record(ItemIndex item, int response) {
  if (finished()) throw SessionError("Session::record: the test has finished (" + std::string(to_string(stop_)) + ")");
  if (!pending_) throw SessionError("Session::record: no item is pending; call next_item() first");
  if (item != *pending_) {
    const bool repeated = std::find(administered_.begin(), administered_.end(), item) != administered_.end();
    throw SessionError(std::string("Session::record: item ") + std::to_string(item.value) +
                       (repeated ? " was already answered" : " is not the item offered (" +
                                                                 std::to_string(pending_->value) + ")"));
  }
  const Item& offered = design_->bank().item(item);
  detail::check_category("Session::record", offered, response);
  apply(item, response);
}

void Session::apply(ItemIndex item, int response) {
  const BankGrid& grid = design_->policy().grid();
  const Eigen::Index row = grid.row(item, response);
  posterior_.add(grid.log_p().row(row).transpose().array(), grid.p().row(row).transpose().array());
  responses_.push_back({item, response});
  administered_.push_back(item);
  const EstimationOptions& estimation = design_->config().estimation;
  estimate_ = estimation.estimator == Estimator::eap ? expected_a_posteriori(posterior_)
                                                     : estimate_ability(design_->bank(), responses_, estimation);
  history_.push_back({item, response, estimate_});
  pending_.reset();
  update_stop();
}

void Session::update_stop() {
  const SessionConfig& config = design_->config();
  refresh_eligible();
  const std::span<const char> ok = eligible_;
  StoppingState state;
  state.length = static_cast<int>(responses_.size());
  state.estimate = estimate_;
  state.bank_exhausted = std::find(ok.begin(), ok.end(), 1) == ok.end();
  state.best_remaining_information = kMinusInfinity;
  if (config.stopping.information_target && !state.bank_exhausted) {
    state.best_remaining_information = design_->policy().highest_information(estimate_.theta, ok, workspace().buffers());
  }
  if (config.stopping.classification && config.stopping.classification->method == ClassificationRule::Method::sprt &&
      !responses_.empty()) {
    const ClassificationRule& rule = *config.stopping.classification;
    state.log_likelihood_ratio = likelihood_terms(design_->bank(), responses_, rule.cut + rule.indifference).log_likelihood -
                                 likelihood_terms(design_->bank(), responses_, rule.cut - rule.indifference).log_likelihood;
  }
  stop_ = irtcat::stop_reason(config.stopping, state);
  // A stop before the test's length (SE, information, classification) waits for the topics' minimums: the test
  // goes on with only the topics still short, for as many items as they are owed (or while the bank has them).
  const bool early = stop_ != StopReason::not_stopped && stop_ != StopReason::max_length &&
                     stop_ != StopReason::bank_exhausted;
  if (early && design_->content().owes(administered_, eligible_)) {
    stop_ = StopReason::not_stopped;
    refresh_eligible(true);
  }
}

}  // namespace irtcat
