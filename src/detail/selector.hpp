#pragma once
// Item selection compiled once per TestDesign. A Selector is one rule with only the tables that rule reads; it
// answers, over an eligibility mask, the best item, the k best items and every item's score. The exposure control
// wraps the rule's selector, and the start rule is a selector too; SelectionPolicy composes them, so that a
// session's step is one call.
//
// Adding a rule: an enum value, its name and its place in kSelectionRules (selection.hpp; the parser and the command
// line read the list), and a selector type here (or its scores in item_scores when it reads a bank grid). The
// switches that say which tables it reads (GridTables::for_rule) and which selector it gets (Selector's
// constructor) have no default, so -Wswitch names each place a new value is missing from.

#include <Eigen/Core>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "detail/bank_grid.hpp"
#include "detail/random.hpp"
#include "detail/workspace.hpp"
#include "irtcat/exposure.hpp"
#include "irtcat/information_search.hpp"
#include "irtcat/selection.hpp"
#include "irtcat/session.hpp"

namespace irtcat::detail {

/// What a selector looks at in one step of a test.
struct SelectionStep {
  SelectionState state;  ///< the estimate (and posterior, responses, estimator) the rule scores at
  std::size_t step = 0;  ///< items answered so far
};

/// MFI: the bounded search where the bank allows it (dichotomous items), else every item's information.
struct MaxInformationSelector {
  const BankGrid* grid = nullptr;
  std::shared_ptr<const MaxInformationSearch> search;  ///< null: score every item
};

/// The rules integrated over the bank grid (KL, KLP, MLWI, MPWI, MEPV, MEI): screened where the rule allows, so
/// the best items are found without scoring every one exactly.
struct GridSelector {
  SelectionRule rule = SelectionRule::kl;
  const BankGrid* grid = nullptr;
};

/// b-matching: the difficulty (location) closest to the estimate.
struct ClosestSelector {
  const BankGrid* grid = nullptr;
};

/// a-stratified (Chang, Qian & Ying 2001): stage s of S serves stratum s, closest b within it; an empty stratum
/// hands over to the nearest ones that have eligible items.
struct StratifiedSelector {
  const ItemBank* bank = nullptr;
  std::vector<int> stratum;  ///< each item's stratum, a_strata()
  int strata = 1;
  int max_length = 1;  ///< the test's stages split this evenly
};

/// Uniform among the eligible items: chooses without scores (exposure control does not apply).
struct RandomSelector {};

class Selector {
 public:
  /// The selector of `rule` on `grid` (which holds the rule's tables); `config` gives the strata and the length.
  Selector(SelectionRule rule, const BankGrid& grid, const SessionConfig& config);
  /// MFI scoring every item, without a search: the start rule's selector.
  static Selector max_information(const BankGrid& grid);

  /// False for the random rule, which chooses without scores.
  bool scored() const noexcept { return !std::holds_alternative<RandomSelector>(rule_); }
  /// The best eligible item (ties to the first in bank order), −1 if none; `rng` feeds the random rule only. The
  /// temporaries of every call go to `workspace`.
  std::ptrdiff_t best(const SelectionStep& at, std::span<const char> eligible, SplitMix64& rng,
                      WorkspaceBuffers& workspace) const;
  /// The `count` best eligible items, best first. Throws InvalidArgument for the random rule.
  std::vector<std::size_t> best(const SelectionStep& at, std::span<const char> eligible, std::size_t count,
                                WorkspaceBuffers& workspace) const;
  /// Every item's score, −infinity for the ineligible. Throws InvalidArgument for the random rule.
  Eigen::ArrayXd scores(const SelectionStep& at, std::span<const char> eligible, WorkspaceBuffers& workspace) const;

  /// The MFI search when this is MFI with one, else null.
  const MaxInformationSearch* search() const noexcept;

 private:
  using Rule = std::variant<MaxInformationSelector, GridSelector, ClosestSelector, StratifiedSelector, RandomSelector>;
  explicit Selector(Rule rule) : rule_(std::move(rule)) {}
  Rule rule_;
};

/// The rule's selector under exposure control, with the start rule for the first item: everything a session's
/// step asks of selection. Built once per TestDesign; holds the bank grid with the tables the rule reads (its
/// selectors point into it, so it stays where it was built).
class SelectionPolicy {
 public:
  /// `config` was validated for `bank`.
  SelectionPolicy(std::shared_ptr<const ItemBank> bank, const SessionConfig& config);
  SelectionPolicy(const SelectionPolicy&) = delete;
  SelectionPolicy& operator=(const SelectionPolicy&) = delete;

  const BankGrid& grid() const noexcept { return grid_; }
  const Selector& rule() const noexcept { return rule_; }

  /// The next item from `eligible` (which the session's content plan made), or nullopt when no item is eligible.
  /// `exposure` feeds progressive-restricted control; Sympson–Hetter adds the items it passes over to
  /// `set_aside` (sized to the bank on first use). `rng` is this step's stream; `workspace` takes the temporaries.
  std::optional<ItemIndex> choose(const SelectionStep& at, std::span<const char> eligible,
                                  const ExposureCounts* exposure, std::vector<char>& set_aside, SplitMix64& rng,
                                  WorkspaceBuffers& workspace) const;

  /// item_eligibility, at the start of a test: marks in `set_aside` (sized to the bank on use) the items not eligible
  /// in it. Each item of `eligible` is eligible with probability exposure->eligibility(item, max_rate) (1 without
  /// counts), drawn from `rng` in bank order, and none is made ineligible once only `keep` eligible items are left.
  /// Nothing for other methods.
  void draw_ineligible(const ExposureCounts* exposure, std::span<const char> eligible, std::size_t keep,
                       SplitMix64& rng, std::vector<char>& set_aside) const;

  /// The greatest information at θ among the eligible items, −infinity if none: what the information-target
  /// stopping rule compares with its target. Found by the MFI search where the bank allows (the rule's, or one
  /// built for the stopping rule), else by an information pass over the bank into `workspace`.
  double highest_information(double theta, std::span<const char> eligible, WorkspaceBuffers& workspace) const;

 private:
  BankGrid grid_;
  Selector rule_;
  Selector start_;  ///< MFI at the start ability, for random_among and most_informative
  /// The search highest_information uses when the rule has none and the design stops on an information target
  /// (null when the bank has polytomous items).
  std::unique_ptr<const MaxInformationSearch> stopping_search_;
  SelectionRule rule_name_;
  ExposureOptions exposure_;
  StartOptions start_options_;
  int max_length_;
};

}  // namespace irtcat::detail
