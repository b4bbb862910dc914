#pragma once
// The six-domain battery as one multidimensional adaptive test (Segall 1996; Mulder & van der Linden 2009): every
// item measures its own domain's θ_d (between-item structure), the domains are tied by the prior θ ~ N(μ, Σ), and
// after every answer the joint MAP θ̂ (multidimensional.hpp) moves every domain's estimate. The next item is the one
// that most increases the posterior information
//   A = Σ⁻¹ + diag(Σ_{j answered in d} I_j(θ̂_d)),
// by its determinant (D-optimality: the volume of the posterior ellipsoid shrinks most) or by the trace of its
// inverse (A-optimality: the sum of the domains' posterior variances falls most).
//
// Each domain is a TestDesign: its bank, content plan and enemy sets, its MFI search, its exposure control. The
// battery sets the counts (per-domain minimum and maximum, the total length) and the SE target; the domain designs'
// own stopping rules are not used. The criterion chooses the domain, comparing each domain's most informative
// eligible item; the chosen domain's exposure control then gives the item, as a unidimensional session of that
// domain would at its estimate and its own count of items: randomesque draws among its k most informative,
// Sympson–Hetter passes its best over with probability 1 − K (and sets it aside for the rest of the battery),
// progressive-restricted mixes chance into the information and leaves out items over the rate, item eligibility
// draws each domain's ineligible items at the start; a random start (StartOptions::random_among) draws a domain's
// first item among its most informative. Without either the item is the domain's most informative one, which the
// criterion compared. Draws come from the step's stream of the session's seed.
//
// Like a Session, a battery session's state is (design, seed, log); replay rebuilds it from the log and it continues
// exactly as one that never stopped.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "irtcat/exposure.hpp"
#include "irtcat/multidimensional.hpp"
#include "irtcat/session.hpp"
#include "irtcat/stopping.hpp"
#include "irtcat/workspace.hpp"

namespace irtcat {

/// How the battery compares the domains' best items.
enum class BatteryCriterion {
  d_optimal,  ///< the largest det(A + I_j e_d e_dᵀ): the joint posterior's volume shrinks most (Segall 1996)
  a_optimal,  ///< the smallest trace((A + I_j e_d e_dᵀ)⁻¹): the sum of the posterior variances falls most
};

/// "d_optimal", "a_optimal".
std::string_view to_string(BatteryCriterion criterion) noexcept;
/// Parses a criterion's name. Throws InvalidArgument for any other.
BatteryCriterion battery_criterion_from_string(std::string_view name);

struct BatteryConfig {
  MultivariateNormalPrior prior;  ///< θ ~ N(μ, Σ) over the domains, in domain order
  BatteryCriterion criterion = BatteryCriterion::d_optimal;
  std::vector<int> min_items;  ///< per domain: at least this many items (while the domain has eligible items)
  std::vector<int> max_items;  ///< per domain: at most this many
  int max_length = 30;         ///< items in the whole battery
  /// A domain whose posterior SD (√ of the joint MAP covariance's diagonal entry) is at most this takes no more
  /// items once its minimum is met; empty: domains stop at their maximum or at the battery's length only.
  std::optional<double> se_target;
  /// Throws InvalidArgument for an invalid prior, a prior or count vectors of another size than `domains`, a count
  /// outside 0 <= min <= max, max_length < 1, minimums summing past max_length, or a non-positive or non-finite
  /// SE target.
  void validate(std::size_t domains) const;

  /// The counts of a battery of `max_length` items over `domains` domains, each domain between half an equal share
  /// (max_length / (2 × domains)) and half the battery (max_length / 2): room for the criterion to favour the
  /// domains that gain most, while none is left out. The prior is left for the caller to set.
  static BatteryConfig even(std::size_t domains, int max_length);
};

/// Domain designs and a battery configuration compiled for battery sessions. Immutable, shareable across threads.
class BatteryDesign {
 public:
  /// `domains`: one design per domain, in domain order. Throws InvalidArgument for no domains, a null design or a
  /// design with exposure control or a random start whose rule is not MFI (the battery selects by information), and
  /// as BatteryConfig::validate.
  BatteryDesign(std::vector<std::shared_ptr<const TestDesign>> domains, BatteryConfig config);

  std::size_t size() const noexcept { return domains_.size(); }
  const TestDesign& domain(std::size_t d) const { return *domains_.at(d); }
  const BatteryConfig& config() const noexcept { return config_; }
  /// Σ⁻¹, the prior's precision: the posterior information before any answer.
  const Eigen::MatrixXd& prior_precision() const noexcept { return prior_precision_; }
  /// Domain `d`'s MFI search: its design's, or one built for its dichotomous bank when the design's rule is not MFI;
  /// null for a bank with polytomous items (scored in full).
  const MaxInformationSearch* search(std::size_t d) const { return searches_.at(d).get(); }

 private:
  std::vector<std::shared_ptr<const TestDesign>> domains_;
  BatteryConfig config_;
  Eigen::MatrixXd prior_precision_;
  std::vector<std::shared_ptr<const MaxInformationSearch>> searches_;  ///< per domain; a design's shares its owner
};

/// An item of the battery: its domain and its position in that domain's bank.
struct BatteryItem {
  std::size_t domain = 0;
  ItemIndex item;
  friend bool operator==(const BatteryItem&, const BatteryItem&) = default;
};

/// One answered item and the joint estimate after it.
struct BatteryStep {
  BatteryItem item;
  int response = 0;
  JointEstimate estimate;
};

class BatterySession {
 public:
  /// Throws InvalidArgument for a null design. `seed` seeds the draws of the domains' exposure control (each step's
  /// from a stream of its own, as a Session's), and is the session's identity.
  BatterySession(std::shared_ptr<const BatteryDesign> design, std::uint64_t seed);

  /// The item to present next, or nullopt once the battery has stopped (see stop_reason()). Calling it again before
  /// record() returns the same item. `exposure`: empty, or per domain the counts its progressive-restricted or
  /// item-eligibility control reads (null for none), as Session::next_item's. Throws InvalidArgument for counts of
  /// another number of domains.
  std::optional<BatteryItem> next_item(std::span<const ExposureCounts* const> exposure = {});

  /// Records the answer to the offered item and updates the joint MAP estimate (warm-started from the last). Throws
  /// SessionError when the battery has finished, no item is pending or `item` is not the one offered, and
  /// InvalidResponse for a category outside the item's 0..K; nothing changes then.
  void record(BatteryItem item, int response);

  /// The joint MAP estimate and its covariance (θ = μ, covariance = Σ, status no_responses before any answer).
  const JointEstimate& estimate() const noexcept { return estimate_; }
  bool finished() const noexcept { return stop_ != StopReason::not_stopped; }
  /// max_length (the battery's length, or every domain at its maximum), se_target (every domain done, one or more
  /// by its SE), bank_exhausted (no eligible item in any domain), or not_stopped.
  StopReason stop_reason() const noexcept { return stop_; }
  /// Items answered per domain.
  const std::vector<int>& counts() const noexcept { return counts_; }
  /// Per item of domain `d`'s bank, 1 for the items that may come next (all 0 for a domain that takes no more).
  const std::vector<char>& eligible(std::size_t d) const { return eligible_.at(d); }
  /// Per item of domain `d`'s bank, 1 for the items its exposure control set aside for this battery (Sympson–Hetter
  /// passed them over, or item eligibility drew them ineligible); empty when none was.
  const std::vector<char>& set_aside(std::size_t d) const { return set_aside_.at(d); }
  const std::vector<BatteryStep>& history() const noexcept { return history_; }
  const std::vector<std::pair<BatteryItem, int>>& log() const noexcept { return log_; }
  std::uint64_t seed() const noexcept { return seed_; }
  const BatteryDesign& design() const noexcept { return *design_; }

  /// A session on `design` with `seed` that has answered `log`, replayed in order: it continues exactly as the
  /// session that wrote the log (given the exposure counts it was given, where its domains read any). Throws
  /// SessionError when an entry is not the item the session offers at its step (a log of another design, or
  /// altered), and InvalidResponse as record.
  static BatterySession replay(std::shared_ptr<const BatteryDesign> design, std::uint64_t seed,
                               const std::vector<std::pair<BatteryItem, int>>& log,
                               std::span<const ExposureCounts* const> exposure = {});

 private:
  /// Recomputes every domain's eligible items and the stop reason from the counts and the estimate.
  void update_stop();
  /// The domain the criterion chooses, with its most informative eligible item; nullopt when no domain has one.
  std::optional<BatteryItem> best_domain() const;
  std::optional<BatteryItem> select(std::span<const ExposureCounts* const> exposure);

  std::shared_ptr<const BatteryDesign> design_;
  std::uint64_t seed_;
  std::vector<std::vector<Response>> responses_;    ///< per domain
  std::vector<std::vector<ItemIndex>> administered_;  ///< per domain, for the content plans
  std::vector<int> counts_;
  std::vector<std::vector<char>> eligible_;  ///< per domain
  std::vector<std::vector<char>> set_aside_;  ///< per domain, sized to the bank when an item is first set aside
  bool eligibility_drawn_ = false;
  /// The exposure control's scratch memory, made on first use. A copy of the session makes its own (a copy may run
  /// on another thread), a moved-to session takes it.
  struct Scratch {
    std::unique_ptr<Workspace> workspace;
    Scratch() = default;
    Scratch(const Scratch&) noexcept {}
    Scratch(Scratch&&) noexcept = default;
    Scratch& operator=(const Scratch&) noexcept { return *this; }
    Scratch& operator=(Scratch&&) noexcept = default;
    ~Scratch() = default;
  };
  Scratch scratch_;
  std::vector<BatteryStep> history_;
  std::vector<std::pair<BatteryItem, int>> log_;
  std::optional<BatteryItem> pending_;
  JointEstimate estimate_;
  StopReason stop_ = StopReason::not_stopped;
};

}  // namespace irtcat
