#include "irtcat/session.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include "detail/random.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

using detail::uniform01;
using detail::uniform_index;

SessionConfig validated(const std::shared_ptr<const ItemBank>& bank, SessionConfig config) {
  if (!bank) throw InvalidArgument("TestDesign: the bank is null");
  config.validate(*bank);
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
    : config_(validated(bank, std::move(config))),
      grid_(bank, config_.estimation.grid),
      content_(*bank, config_.content),
      start_theta_(config_.start.theta ? *config_.start.theta : prior_centre(config_.estimation.prior)),
      prior_posterior_(config_.estimation.grid, config_.estimation.prior) {
  if (grid_.bank().empty()) throw InvalidArgument("TestDesign: the bank has no items");
  // Before any answer: the start ability, with the estimator's SE for an empty pattern (the prior's spread for
  // MAP and EAP, infinity for ML and WLE).
  start_estimate_ = estimate_ability(grid_.bank(), {}, config_.estimation);
  start_estimate_.theta = start_theta_;
  if (config_.selection.rule == SelectionRule::a_stratified) strata_ = a_strata(grid_.bank(), config_.selection.strata);
  if (config_.selection.rule == SelectionRule::mfi && MaxInformationSearch::supports(grid_.bank())) {
    mfi_search_ = std::make_shared<const MaxInformationSearch>(grid_.bank());
  }
}

Session::Session(std::shared_ptr<const ItemBank> bank, SessionConfig config, std::uint64_t seed)
    : Session(std::make_shared<const TestDesign>(std::move(bank), std::move(config)), seed) {}

Session::Session(std::shared_ptr<const TestDesign> design, std::uint64_t seed)
    : design_(design ? std::move(design) : throw InvalidArgument("Session: the design is null")),
      seed_(seed),
      posterior_(design_->prior_posterior()),
      estimate_(design_->start_estimate()) {
  // The logs grow to at most the maximum length (or the bank's size): one allocation each, not one per doubling.
  const auto max_length = std::min(static_cast<std::size_t>(design_->config().stopping.max_length), design_->bank().size());
  responses_.reserve(max_length);
  administered_.reserve(max_length);
  history_.reserve(max_length);
  update_stop();
}

double Session::current_theta() const { return responses_.empty() ? design_->start_theta() : estimate_.theta; }

void Session::refresh_eligible() {
  const int remaining = design_->config().stopping.max_length - static_cast<int>(responses_.size());
  design_->content().eligible(administered_, set_aside_, remaining, eligible_);
}

std::optional<ItemIndex> Session::next_item(const ExposureCounts* exposure) {
  if (finished()) return std::nullopt;
  if (!pending_) pending_ = select(exposure);
  return pending_;
}

std::optional<ItemIndex> Session::select(const ExposureCounts* exposure) {
  const SessionConfig& config = design_->config();
  const ItemBank& bank = design_->bank();
  const std::size_t step = responses_.size();
  detail::SplitMix64 rng(mix_seed(seed_, step));  // this step's draws: they depend on the seed and the step only
  const std::vector<char>* eligible = &eligible_;

  const ExposureOptions& control = config.exposure;
  std::vector<char> restricted;
  if (control.method == ExposureMethod::progressive_restricted && exposure != nullptr && exposure->tests() > 0) {
    restricted = eligible_;
    bool any = false;
    for (std::size_t i = 0; i < restricted.size(); ++i) {
      restricted[i] = restricted[i] && exposure->rate(ItemIndex{i}) < control.max_rate;
      any = any || restricted[i];
    }
    if (any) eligible = &restricted;  // if every item is over the rate, the bank still serves
  }
  const std::vector<char>& ok = *eligible;
  if (std::find(ok.begin(), ok.end(), 1) == ok.end()) {
    stop_ = StopReason::bank_exhausted;
    return std::nullopt;
  }

  const double theta = current_theta();
  const auto pick_uniform = [&](const std::vector<std::size_t>& candidates) {
    return ItemIndex{candidates[uniform_index(rng, candidates.size())]};
  };
  if (step == 0 && config.start.random_among > 0) {
    SelectionState at_start;
    at_start.theta = theta;
    return pick_uniform(best_items(item_scores(SelectionRule::mfi, design_->grid(), at_start, ok),
                                   static_cast<std::size_t>(config.start.random_among)));
  }
  if (step == 0 && config.start.most_informative && config.selection.rule != SelectionRule::mfi) {
    SelectionState at_start;
    at_start.theta = theta;
    return ItemIndex{static_cast<std::size_t>(best_item(item_scores(SelectionRule::mfi, design_->grid(), at_start, ok)))};
  }

  Eigen::ArrayXd scores;
  switch (config.selection.rule) {
    case SelectionRule::random: {
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < ok.size(); ++i) {
        if (ok[i]) candidates.push_back(i);
      }
      return pick_uniform(candidates);
    }
    case SelectionRule::a_stratified: {
      // Stage s of S serves stratum s; an empty stratum hands over to the nearest one that has eligible items (the
      // strata on both sides at that distance together). Two passes over the bank, whatever the number of strata.
      const int strata = config.selection.strata;
      const int stage = std::min(strata - 1, static_cast<int>(step) * strata / config.stopping.max_length);
      const auto& stratum = design_->strata();
      int nearest = strata;
      for (std::size_t i = 0; i < ok.size(); ++i) {
        if (ok[i]) nearest = std::min(nearest, std::abs(stratum[i] - stage));
      }
      scores = Eigen::ArrayXd::Constant(static_cast<Eigen::Index>(bank.size()), kMinusInfinity);
      for (std::size_t i = 0; i < ok.size(); ++i) {
        if (ok[i] && std::abs(stratum[i] - stage) == nearest) {
          scores(static_cast<Eigen::Index>(i)) = -std::abs(bank.items()[i].b() - theta);
        }
      }
      break;
    }
    case SelectionRule::mfi:
      if (design_->mfi_search() != nullptr && control.method == ExposureMethod::none) {
        return ItemIndex{static_cast<std::size_t>(design_->mfi_search()->best(theta, ok))};
      }
      [[fallthrough]];
    default: {
      SelectionState state;
      state.theta = theta;
      state.posterior = &posterior_;
      state.responses = responses_;
      state.estimation = &config.estimation;
      // The best item, or the k best for randomesque, is all that is needed, not every score.
      if (control.method == ExposureMethod::none) {
        return ItemIndex{static_cast<std::size_t>(best_item(config.selection.rule, design_->grid(), state, ok))};
      }
      if (control.method == ExposureMethod::randomesque) {
        return pick_uniform(best_items(config.selection.rule, design_->grid(), state, ok,
                                       static_cast<std::size_t>(control.randomesque_count)));
      }
      scores = item_scores(config.selection.rule, design_->grid(), state, ok);
    }
  }

  if (control.method == ExposureMethod::progressive_restricted) {
    // Revuelta & Ponsoda (1998): a random part that fades as the test proceeds.
    double low = std::numeric_limits<double>::infinity();
    double high = kMinusInfinity;
    for (Eigen::Index i = 0; i < scores.size(); ++i) {
      if (scores(i) > kMinusInfinity) {
        low = std::min(low, scores(i));
        high = std::max(high, scores(i));
      }
    }
    const double weight = static_cast<double>(step) / config.stopping.max_length;
    for (Eigen::Index i = 0; i < scores.size(); ++i) {
      if (scores(i) > kMinusInfinity) {
        scores(i) = (1 - weight) * uniform01(rng) * (high - low) + weight * (scores(i) - low);
      }
    }
  }

  switch (control.method) {
    case ExposureMethod::randomesque:
      return pick_uniform(best_items(scores, static_cast<std::size_t>(control.randomesque_count)));
    case ExposureMethod::sympson_hetter: {
      std::ptrdiff_t best = best_item(scores);
      while (true) {
        const double k = control.sympson_hetter.empty() ? 1.0 : control.sympson_hetter[static_cast<std::size_t>(best)];
        if (uniform01(rng) < k) return ItemIndex{static_cast<std::size_t>(best)};
        if (set_aside_.empty()) set_aside_.assign(bank.size(), 0);
        set_aside_[static_cast<std::size_t>(best)] = 1;
        scores(best) = kMinusInfinity;
        const std::ptrdiff_t next = best_item(scores);
        if (next < 0) return ItemIndex{static_cast<std::size_t>(best)};  // every item passed over: give the last
        best = next;
      }
    }
    default: return ItemIndex{static_cast<std::size_t>(best_item(scores))};
  }
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
  if (response < 0 || response >= offered.category_count()) {
    throw InvalidResponse("Session::record: item " + detail::quoted_value(offered.id().str()) + " has categories 0.." +
                          std::to_string(offered.category_count() - 1) + ", got " + std::to_string(response));
  }
  apply(item, response);
}

void Session::apply(ItemIndex item, int response) {
  const BankGrid& grid = design_->grid();
  posterior_.add(grid.log_p().row(grid.row(item, response)).transpose().array());
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
  const std::vector<char>& ok = eligible_;
  StoppingState state;
  state.length = static_cast<int>(responses_.size());
  state.estimate = estimate_;
  state.bank_exhausted = std::find(ok.begin(), ok.end(), 1) == ok.end();
  state.best_remaining_information = kMinusInfinity;
  if (config.stopping.information_target && !state.bank_exhausted) {
    const Eigen::ArrayXd info = design_->bank().information(estimate_.theta);
    for (std::size_t i = 0; i < ok.size(); ++i) {
      if (ok[i]) state.best_remaining_information = std::max(state.best_remaining_information, info(static_cast<Eigen::Index>(i)));
    }
  }
  if (config.stopping.classification && config.stopping.classification->method == ClassificationRule::Method::sprt &&
      !responses_.empty()) {
    const ClassificationRule& rule = *config.stopping.classification;
    state.log_likelihood_ratio = likelihood_terms(design_->bank(), responses_, rule.cut + rule.indifference).log_likelihood -
                                 likelihood_terms(design_->bank(), responses_, rule.cut - rule.indifference).log_likelihood;
  }
  stop_ = irtcat::stop_reason(config.stopping, state);
}

void Battery::add(std::string domain, std::shared_ptr<const TestDesign> design) {
  if (!design) throw InvalidArgument("Battery::add: the design is null");
  domains_.emplace_back(std::move(domain), std::move(design));
}

std::vector<Battery::Result> Battery::run(const Respond& respond, std::uint64_t seed) const {
  std::vector<Result> results;
  results.reserve(domains_.size());
  for (std::size_t d = 0; d < domains_.size(); ++d) {
    Session session(domains_[d].second, mix_seed(seed, d));
    while (const auto item = session.next_item()) {
      session.record(*item, respond(d, session.design().bank().item(*item)));
    }
    results.push_back({domains_[d].first, session.estimate(), session.stop_reason(), session.history(), session.posterior()});
  }
  return results;
}

}  // namespace irtcat
