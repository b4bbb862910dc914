#pragma once
// The adaptive loop: a session picks the next item, records the answer, updates the estimate and decides when to
// stop. Its state is (bank identity, configuration, seed, response log); everything else is derived, so a session
// saved as JSON and restored continues exactly as one that never stopped, random choices included.
//
// Many sessions may run at once on many threads over one TestDesign (the bank, its grid tables and the compiled
// configuration, all read-only): no locks on the hot path.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "irtcat/ability.hpp"
#include "irtcat/constraints.hpp"
#include "irtcat/exposure.hpp"
#include "irtcat/information_search.hpp"
#include "irtcat/selection.hpp"
#include "irtcat/stopping.hpp"
#include "irtcat/workspace.hpp"

namespace irtcat {

namespace detail {
class SelectionPolicy;
}

/// Where a test starts.
struct StartOptions {
  std::optional<double> theta;  ///< a fixed starting ability; empty: the prior's mean (normal) or centre (uniform)
  int random_among = 0;         ///< > 0: the first item is drawn among this many most informative at the start
  /// The first item by maximum information at the start, whatever the rule (catR's default startSelect "MFI");
  /// false: by the session's rule. random_among > 0 takes precedence.
  bool most_informative = false;
};

struct SessionConfig {
  SelectionOptions selection;
  EstimationOptions estimation;  ///< estimator and prior; its grid is the grid of the posterior and the rules
  ExposureOptions exposure;
  ContentConstraints content;
  StartOptions start;
  StoppingOptions stopping;
  /// Throws InvalidArgument (or UnknownItem for an enemy id) when any part is invalid for `bank`.
  void validate(const ItemBank& bank) const;
};

/// A bank and a configuration compiled for sessions: the selection rule with only the tables it reads, its
/// exposure control and start rule, the content plan. Immutable, shareable.
class TestDesign {
 public:
  /// Throws as SessionConfig::validate, and InvalidArgument for a null or empty bank.
  TestDesign(std::shared_ptr<const ItemBank> bank, SessionConfig config);

  const ItemBank& bank() const noexcept { return *bank_; }
  const std::shared_ptr<const ItemBank>& shared_bank() const noexcept { return bank_; }
  const SessionConfig& config() const noexcept { return config_; }
  const ContentPlan& content() const noexcept { return content_; }
  /// The compiled selection (private to the library: detail/selector.hpp).
  const detail::SelectionPolicy& policy() const noexcept { return *policy_; }

  /// The design's rule at `state` (its posterior on config().estimation.grid, as a session's), over the items whose
  /// `eligible` entry (one per bank item) is not 0: every item's score (−infinity for the ineligible; for mepv the
  /// negated expected posterior variance), the best item (−1 if none), the `count` best, best first. The best
  /// items are found without scoring every item where the rule allows, and are those the scores name (ties to
  /// the first in bank order). Not for a_stratified and random, whose choice depends on the step or a random
  /// stream. Throws InvalidArgument for those rules, a missing posterior, a non-finite θ or a wrong-sized mask.
  /// The temporaries go to `workspace` (for calls in a loop), or to a fresh one.
  Eigen::ArrayXd item_scores(const SelectionState& state, std::span<const char> eligible,
                             Workspace* workspace = nullptr) const;
  std::ptrdiff_t best_item(const SelectionState& state, std::span<const char> eligible,
                           Workspace* workspace = nullptr) const;
  std::vector<std::size_t> best_items(const SelectionState& state, std::span<const char> eligible,
                                      std::size_t count, Workspace* workspace = nullptr) const;
  /// Adds the answer `category` to `item` to `posterior` (on config().estimation.grid) as a session does: the
  /// item's log-probabilities at the nodes, computed once for the design. Throws as GridPosterior::add, UnknownItem
  /// and InvalidResponse.
  void add_response(GridPosterior& posterior, ItemIndex item, int category) const;

  /// The ability the first item is chosen at.
  double start_theta() const noexcept { return start_theta_; }
  /// What a session starts from: the prior on the grid, and the start ability with the estimator's SE for an
  /// empty pattern.
  const GridPosterior& prior_posterior() const noexcept { return prior_posterior_; }
  const AbilityEstimate& start_estimate() const noexcept { return start_estimate_; }
  /// MFI on a dichotomous bank: the bounded search that picks the same item as scoring every item, faster.
  /// Null for other rules and for banks with polytomous items.
  const MaxInformationSearch* mfi_search() const noexcept;

 private:
  std::shared_ptr<const ItemBank> bank_;
  SessionConfig config_;
  std::shared_ptr<const detail::SelectionPolicy> policy_;
  ContentPlan content_;
  double start_theta_;
  GridPosterior prior_posterior_;
  AbilityEstimate start_estimate_;
};

/// One answered item and the estimate after it.
struct SessionStep {
  ItemIndex item;
  int response = 0;
  AbilityEstimate estimate;
};

class Session {
 public:
  /// A session on its own design (built here: for many sessions build one TestDesign and share it).
  Session(std::shared_ptr<const ItemBank> bank, SessionConfig config, std::uint64_t seed);
  /// Throws InvalidArgument for a null design. `workspace`: the scratch memory its steps use (see set_workspace).
  Session(std::shared_ptr<const TestDesign> design, std::uint64_t seed, std::shared_ptr<Workspace> workspace = nullptr);

  /// The scratch memory the session's steps use from now on: a thread that runs many sessions lends each its
  /// own workspace; null (the default) makes the session its own on first use. Copies of a session share it, so
  /// run them on one thread (or give each its own). Results do not depend on it.
  void set_workspace(std::shared_ptr<Workspace> workspace) noexcept { workspace_ = std::move(workspace); }

  /// Starts a new test on the same design with `seed`, whatever the state of this one: afterwards the session is the
  /// same as Session(design, seed, workspace), but keeps its storage, so that a thread running many tests one after
  /// another (a study's) allocates nothing per test.
  void restart(std::uint64_t seed);

  /// The item to present next, or nullopt once the test has stopped (see stop_reason()). Calling it again before
  /// record() returns the same item. `exposure` feeds progressive-restricted control; the counts are only read.
  std::optional<ItemIndex> next_item(const ExposureCounts* exposure = nullptr);

  /// Records the answer to the offered item. Throws SessionError if no item is pending, `item` is not the one
  /// offered or was already answered, and InvalidResponse for a category outside the item's 0..K; nothing changes
  /// then.
  void record(ItemIndex item, int response);

  /// The current estimate (the start, flagged no_responses, before the first answer).
  const AbilityEstimate& estimate() const noexcept { return estimate_; }
  bool finished() const noexcept { return stop_ != StopReason::not_stopped; }
  StopReason stop_reason() const noexcept { return stop_; }
  std::span<const SessionStep> history() const noexcept { return history_; }
  std::span<const Response> responses() const noexcept { return responses_; }
  /// Per bank item, 1 for the items set aside for this test: passed over by Sympson–Hetter, or drawn ineligible
  /// by the item-eligibility method at its start (empty before either happened).
  const std::vector<char>& set_aside() const noexcept { return set_aside_; }
  /// The posterior on the design's grid (prior times the likelihood of the answers so far).
  const GridPosterior& posterior() const noexcept { return posterior_; }
  std::uint64_t seed() const noexcept { return seed_; }
  const TestDesign& design() const noexcept { return *design_; }
  const std::shared_ptr<const TestDesign>& shared_design() const noexcept { return design_; }

  /// The session as JSON: {"format": "irtcat.session", "version": 1, bank, config, seed, log}, and "offered" (the
  /// item on offer) when progressive-restricted control chose it, "ineligible" (the items drawn ineligible) under
  /// the item-eligibility method: those read exposure counts the log does not hold, so a restored session keeps
  /// them instead of drawing or choosing again.
  std::string to_json() const;
  /// Restores a session saved by to_json, replaying its log on `design`. Throws SessionError when the stored
  /// bank name or version differs from the design's, or when the stored configuration differs from the design's
  /// (use the overload that takes a bank to restore with the stored configuration), and DataError for a document
  /// that is not a session.
  static Session from_json(std::shared_ptr<const TestDesign> design, const std::string& json);
  /// Restores a session with the configuration it was saved with, on `bank`.
  static Session from_json(std::shared_ptr<const ItemBank> bank, const std::string& json);

 private:
  /// A session on `design` with `seed` that has answered `log` (item id, response), replayed in order, offering
  /// `offered` next when given (progressive-restricted: the item offered before it was saved).
  static Session replay(std::shared_ptr<const TestDesign> design, std::uint64_t seed,
                        const std::vector<std::pair<std::string, int>>& log, const std::optional<std::string>& offered,
                        const std::optional<std::vector<std::string>>& ineligible);
  void apply(ItemIndex item, int response);
  /// Recomputes eligible_ for the current step (update_stop does, after every change of state); `no_slot_left`:
  /// the stopping rule is met but topic minimums are owed, so only the topics still short may come.
  void refresh_eligible(bool no_slot_left = false);
  std::optional<ItemIndex> select(const ExposureCounts* exposure);
  void update_stop();
  double current_theta() const;
  Workspace& workspace();

  std::shared_ptr<const TestDesign> design_;
  std::uint64_t seed_;
  GridPosterior posterior_;
  // What every step writes is on cache lines of its own (cache_line.hpp): the logs, the eligible items and the
  // posterior's arrays.
  CacheLineVector<Response> responses_;
  CacheLineVector<ItemIndex> administered_;
  CacheLineVector<SessionStep> history_;
  std::vector<char> set_aside_;  ///< Sympson–Hetter: items passed over for this test; item eligibility: ineligible
  bool eligibility_drawn_ = false;  ///< item eligibility: the start's draw was made (or restored)
  CacheLineVector<char> eligible_;   ///< the items that may come next (content plan, administered, set aside)
  std::optional<ItemIndex> pending_;
  std::shared_ptr<Workspace> workspace_;  ///< scratch, lent or made on first use
  AbilityEstimate estimate_;
  StopReason stop_ = StopReason::not_stopped;
};

/// The item `design`'s rule picks after the answers `answered`, outside a session (catR's nextItem): at the
/// estimate of `answered` by the design's estimator, with its posterior on the design's grid, among the active items
/// not answered (no content plan, exposure control or start rule: those belong to a session's history). `seed`
/// seeds the random rule's draw. Nullopt when no item is left. Throws as estimate_ability for invalid answers.
std::optional<ItemIndex> next_item_after(const TestDesign& design, std::span<const Response> answered,
                                         std::uint64_t seed);

/// Items given and the score (the sum of the categories answered) on one topic of a test.
struct TopicScore {
  std::string topic;  ///< empty for items without a topic
  int items = 0;
  int score = 0;
};
/// Per topic of the items in `history` (answered on `bank`): in the order of `topic_order` (a bank's topics), then
/// any other topics in the order they were first given; topics with no item given are left out. Throws
/// UnknownItem for an item the bank does not hold.
std::vector<TopicScore> topic_scores(const ItemBank& bank, std::span<const SessionStep> history,
                                     const std::vector<std::string>& topic_order);

/// A configuration as JSON (the "config" object of a stored session), and back. from_json throws DataError for
/// a malformed document and InvalidArgument for invalid values.
std::string to_json(const SessionConfig& config);
SessionConfig session_config_from_json(const std::string& json);

/// A 64-bit seed mixed from a seed and a stream number (splitmix64), for per-step and per-candidate streams.
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) noexcept;

}  // namespace irtcat
