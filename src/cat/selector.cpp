#include "detail/infinity.hpp"
#include "detail/selector.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail/check.hpp"
#include "irtcat/error.hpp"

namespace irtcat::detail {
namespace {

using detail::kMinusInfinity;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// The item scores of a selector that scores every item (all but random).
Eigen::ArrayXd scores_of(const MaxInformationSelector& s, const SelectionStep& at, std::span<const char> eligible,
                         WorkspaceBuffers& workspace) {
  return item_scores(SelectionRule::mfi, *s.grid, at.state, eligible, workspace);
}
Eigen::ArrayXd scores_of(const GridSelector& s, const SelectionStep& at, std::span<const char> eligible,
                         WorkspaceBuffers& workspace) {
  return item_scores(s.rule, *s.grid, at.state, eligible, workspace);
}
Eigen::ArrayXd scores_of(const ClosestSelector& s, const SelectionStep& at, std::span<const char> eligible,
                         WorkspaceBuffers& workspace) {
  return item_scores(SelectionRule::closest, *s.grid, at.state, eligible, workspace);
}
Eigen::ArrayXd scores_of(const StratifiedSelector& s, const SelectionStep& at, std::span<const char> eligible,
                         WorkspaceBuffers&) {
  // Stage s of S serves stratum s; an empty stratum hands over to the nearest one that has eligible items (the
  // strata on both sides at that distance together). Two passes over the bank, whatever the number of strata.
  const ItemBank& bank = *s.bank;
  check_mask_size("a_stratified", eligible.size(), bank.size());
  const int stage = std::min(s.strata - 1, static_cast<int>(at.step) * s.strata / s.max_length);
  int nearest = s.strata;
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (eligible[i]) nearest = std::min(nearest, std::abs(s.stratum[i] - stage));
  }
  Eigen::ArrayXd scores = Eigen::ArrayXd::Constant(static_cast<Eigen::Index>(bank.size()), kMinusInfinity);
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (eligible[i] && std::abs(s.stratum[i] - stage) == nearest) {
      scores(static_cast<Eigen::Index>(i)) = -std::abs(bank.items()[i].b() - at.state.theta);
    }
  }
  return scores;
}
Eigen::ArrayXd scores_of(const RandomSelector&, const SelectionStep&, std::span<const char>, WorkspaceBuffers&) {
  throw InvalidArgument("Selector: the random rule chooses without scores");
}

// The draw's place among the eligible items, found by counting: no list of candidates, whose allocation (a large
// one goes to mmap and page-faults on every call) would cost more than the draw (bench: BM_SessionSelection/random).
std::ptrdiff_t uniform_among(std::span<const char> eligible, SplitMix64& rng) {
  const auto count = static_cast<std::size_t>(std::count_if(eligible.begin(), eligible.end(), [](char e) { return e != 0; }));
  if (count == 0) return -1;
  std::size_t place = uniform_index(rng, count);
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (eligible[i] && place-- == 0) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;  // not reached: `place` < count
}

ItemIndex uniform_among(const std::vector<std::size_t>& candidates, SplitMix64& rng) {
  return ItemIndex{candidates[uniform_index(rng, candidates.size())]};
}

}  // namespace

Selector::Selector(SelectionRule rule, const BankGrid& grid, const SessionConfig& config)
    : rule_(RandomSelector{}) {
  switch (rule) {
    case SelectionRule::mfi: {
      MaxInformationSelector mfi{&grid, nullptr};
      if (MaxInformationSearch::supports(grid.bank())) mfi.search = std::make_shared<const MaxInformationSearch>(grid.bank());
      rule_ = std::move(mfi);
      return;
    }
    case SelectionRule::kl:
    case SelectionRule::klp:
    case SelectionRule::mlwi:
    case SelectionRule::mpwi:
    case SelectionRule::mepv:
    case SelectionRule::mei: rule_ = GridSelector{rule, &grid}; return;
    case SelectionRule::closest: rule_ = ClosestSelector{&grid}; return;
    case SelectionRule::a_stratified:
      rule_ = StratifiedSelector{&grid.bank(), a_strata(grid.bank(), config.selection.strata), config.selection.strata,
                                 config.stopping.max_length};
      return;
    case SelectionRule::random: rule_ = RandomSelector{}; return;
  }
  throw InvalidArgument("Selector: unknown rule");
}

Selector Selector::max_information(const BankGrid& grid) { return Selector(MaxInformationSelector{&grid, nullptr}); }

const MaxInformationSearch* Selector::search() const noexcept {
  const auto* mfi = std::get_if<MaxInformationSelector>(&rule_);
  return mfi ? mfi->search.get() : nullptr;
}

std::ptrdiff_t Selector::best(const SelectionStep& at, std::span<const char> eligible, SplitMix64& rng,
                              WorkspaceBuffers& workspace) const {
  return std::visit(
      Overloaded{
          [&](const MaxInformationSelector& s) {
            return s.search ? s.search->best(at.state.theta, eligible) : best_item(scores_of(s, at, eligible, workspace));
          },
          [&](const GridSelector& s) { return best_item(s.rule, *s.grid, at.state, eligible, workspace); },
          [&](const RandomSelector&) { return uniform_among(eligible, rng); },
          [&](const auto& s) { return best_item(scores_of(s, at, eligible, workspace)); },
      },
      rule_);
}

std::vector<std::size_t> Selector::best(const SelectionStep& at, std::span<const char> eligible,
                                        std::size_t count, WorkspaceBuffers& workspace) const {
  return std::visit(
      Overloaded{
          [&](const GridSelector& s) { return best_items(s.rule, *s.grid, at.state, eligible, count, workspace); },
          [&](const auto& s) { return best_items(scores_of(s, at, eligible, workspace), count); },
      },
      rule_);
}

Eigen::ArrayXd Selector::scores(const SelectionStep& at, std::span<const char> eligible,
                                WorkspaceBuffers& workspace) const {
  return std::visit([&](const auto& s) { return scores_of(s, at, eligible, workspace); }, rule_);
}

SelectionPolicy::SelectionPolicy(std::shared_ptr<const ItemBank> bank, const SessionConfig& config)
    : grid_(std::move(bank), config.estimation.grid, GridTables::for_rule(config.selection.rule)),
      rule_(config.selection.rule, grid_, config),
      start_(Selector::max_information(grid_)),
      rule_name_(config.selection.rule),
      exposure_(config.exposure),
      start_options_(config.start),
      max_length_(config.stopping.max_length) {
  if (config.stopping.information_target && !rule_.search() && MaxInformationSearch::supports(grid_.bank())) {
    stopping_search_ = std::make_unique<const MaxInformationSearch>(grid_.bank());
  }
}

void SelectionPolicy::draw_ineligible(const ExposureCounts* exposure, std::span<const char> eligible, std::size_t keep,
                                      SplitMix64& rng, std::vector<char>& set_aside) const {
  if (exposure_.method != ExposureMethod::item_eligibility) return;
  std::size_t left = static_cast<std::size_t>(std::count(eligible.begin(), eligible.end(), 1));
  if (set_aside.empty()) set_aside.assign(eligible.size(), 0);
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (!eligible[i]) continue;
    const double u = uniform01(rng);  // drawn for every eligible item, so that one item's draw moves no other's
    const double p = exposure ? exposure->eligibility(ItemIndex{i}, exposure_.max_rate) : 1.0;
    if (u >= p && left > keep) {
      set_aside[i] = 1;
      --left;
    }
  }
}

double SelectionPolicy::highest_information(double theta, std::span<const char> eligible,
                                            WorkspaceBuffers& workspace) const {
  const MaxInformationSearch* search = rule_.search() ? rule_.search() : stopping_search_.get();
  if (search) return search->highest_information(theta, eligible);
  const ItemBank& bank = grid_.bank();
  check_mask_size("highest_information", eligible.size(), bank.size());
  Eigen::ArrayXd& information = scratch(workspace, Scratch::per_row, static_cast<Eigen::Index>(bank.size()));
  bank.information(theta, information);
  double highest = kMinusInfinity;
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (eligible[i]) highest = std::max(highest, information(static_cast<Eigen::Index>(i)));
  }
  return highest;
}

std::optional<ItemIndex> SelectionPolicy::choose(const SelectionStep& at, std::span<const char> eligible,
                                                 const ExposureCounts* exposure, std::vector<char>& set_aside,
                                                 SplitMix64& rng, WorkspaceBuffers& workspace) const {
  std::span<const char> ok = eligible;
  std::vector<char> restricted;
  if (exposure_.method == ExposureMethod::progressive_restricted && exposure != nullptr && exposure->tests() > 0) {
    restricted.assign(eligible.begin(), eligible.end());
    bool any = false;
    for (std::size_t i = 0; i < restricted.size(); ++i) {
      restricted[i] = restricted[i] && exposure->rate(ItemIndex{i}) < exposure_.max_rate;
      any = any || restricted[i];
    }
    if (any) ok = restricted;  // if every item is over the rate, the bank still serves
  }
  if (std::find(ok.begin(), ok.end(), 1) == ok.end()) return std::nullopt;

  // The start rule: maximum information at the start ability.
  if (at.step == 0 && start_options_.random_among > 0) {
    const SelectionStep at_start{SelectionState{at.state.theta, nullptr, {}, nullptr}, 0};
    return uniform_among(start_.best(at_start, ok, static_cast<std::size_t>(start_options_.random_among), workspace),
                         rng);
  }
  if (at.step == 0 && start_options_.most_informative && rule_name_ != SelectionRule::mfi) {
    const SelectionStep at_start{SelectionState{at.state.theta, nullptr, {}, nullptr}, 0};
    return ItemIndex{static_cast<std::size_t>(start_.best(at_start, ok, rng, workspace))};
  }

  // The rule, under exposure control. The best item, or the k best for randomesque, is all that is needed where
  // there is no other control: the selector finds them without scoring every item exactly where it can.
  if (!rule_.scored()) return ItemIndex{static_cast<std::size_t>(rule_.best(at, ok, rng, workspace))};
  switch (exposure_.method) {
    case ExposureMethod::none:
    case ExposureMethod::item_eligibility:  // the ineligible items are out of `eligible` already
      return ItemIndex{static_cast<std::size_t>(rule_.best(at, ok, rng, workspace))};
    case ExposureMethod::randomesque:
      return uniform_among(rule_.best(at, ok, static_cast<std::size_t>(exposure_.randomesque_count), workspace), rng);
    case ExposureMethod::progressive_restricted: {
      // Revuelta & Ponsoda (1998): a random part that fades as the test proceeds.
      Eigen::ArrayXd scores = rule_.scores(at, ok, workspace);
      double low = std::numeric_limits<double>::infinity();
      double high = kMinusInfinity;
      for (Eigen::Index i = 0; i < scores.size(); ++i) {
        if (scores(i) > kMinusInfinity) {
          low = std::min(low, scores(i));
          high = std::max(high, scores(i));
        }
      }
      const double weight = static_cast<double>(at.step) / max_length_;
      for (Eigen::Index i = 0; i < scores.size(); ++i) {
        if (scores(i) > kMinusInfinity) {
          scores(i) = (1 - weight) * uniform01(rng) * (high - low) + weight * (scores(i) - low);
        }
      }
      return ItemIndex{static_cast<std::size_t>(best_item(scores))};
    }
    case ExposureMethod::sympson_hetter:
    case ExposureMethod::conditional_sympson_hetter: {
      // Sympson & Hetter (1985): the best item is given with probability K_j (conditional: the K of the current
      // estimate's θ stratum, Stocking & Lewis 1998), else set aside for this test.
      const std::size_t items = grid_.bank().size();
      // `best`, or the next best after it once it is set aside (`next_after`: −1 when none is left).
      const auto first_kept = [&](std::ptrdiff_t best, auto&& next_after) {
        while (true) {
          const double k = exposure_.sympson_hetter_k(static_cast<std::size_t>(best), items, at.state.theta);
          if (uniform01(rng) < k) return ItemIndex{static_cast<std::size_t>(best)};
          if (set_aside.empty()) set_aside.assign(items, 0);
          set_aside[static_cast<std::size_t>(best)] = 1;
          const std::ptrdiff_t next = next_after(best);
          if (next < 0) return ItemIndex{static_cast<std::size_t>(best)};  // every item passed over: give the last
          best = next;
        }
      };
      if (const MaxInformationSearch* search = rule_.search()) {
        // The search names the item best_item(scores) would, so asking it again over a mask without the items
        // passed over gives the same items as the scores below, without scoring the bank.
        std::vector<char> left(ok.begin(), ok.end());
        return first_kept(search->best(at.state.theta, left), [&](std::ptrdiff_t passed) {
          left[static_cast<std::size_t>(passed)] = 0;
          return search->best(at.state.theta, left);
        });
      }
      Eigen::ArrayXd scores = rule_.scores(at, ok, workspace);
      return first_kept(best_item(scores), [&](std::ptrdiff_t passed) {
        scores(passed) = kMinusInfinity;
        return best_item(scores);
      });
    }
  }
  throw InvalidArgument("SelectionPolicy: unknown exposure method");
}

}  // namespace irtcat::detail
