#pragma once
// Exposure control: how often an item may be shown across candidates.
//
//   randomesque             uniform among the k best items (Kingsbury & Zara 1989)
//   sympson_hetter          the best item is administered with probability K_j, else set aside for this test
//                           and the next best tried (Sympson & Hetter 1985); K_j from calibrate_sympson_hetter
//   progressive_restricted  score (1 − s/L)·R + (s/L)·score with R ~ U(0, range of scores), s items given of L;
//                           items whose exposure rate has reached max_rate are not offered (Revuelta & Ponsoda 1998)
//   conditional_sympson_hetter  Sympson–Hetter with K_j per θ stratum (Stocking & Lewis 1998): the K of the
//                           stratum the current estimate lies in, so that the rate is held at every level of
//                           ability, not only over the population; K from calibrate_conditional_sympson_hetter
//   item_eligibility        at the start of a test each item is eligible with probability
//                           min(1, max_rate·ε_j/α_j), ε_j the earlier tests it was eligible in and α_j those that gave
//                           it (1 before it was first given): P(A_j) = P(A_j | E_j)·P(E_j) is then held to max_rate
//                           without a simulation beforehand (van der Linden & Veldkamp 2004). The draw never leaves
//                           fewer eligible items than the test's length.

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat {

enum class ExposureMethod {
  none,
  randomesque,
  sympson_hetter,
  progressive_restricted,
  item_eligibility,
  conditional_sympson_hetter
};

std::string_view to_string(ExposureMethod method) noexcept;
/// Throws InvalidArgument for an unknown name.
ExposureMethod exposure_method_from_string(std::string_view name);

struct ExposureOptions {
  ExposureMethod method = ExposureMethod::none;
  int randomesque_count = 5;               ///< randomesque: choose among this many best items
  /// K_j per item in bank order, in [0, 1]; empty means all 1. Conditional: stratum by stratum (K of item j in
  /// stratum g at g·items + j), items × strata values.
  std::vector<double> sympson_hetter;
  /// conditional_sympson_hetter: the θ values between the strata, increasing (stratum g holds the θ with g cuts
  /// at or below it)
  std::vector<double> theta_cuts;
  double max_rate = 0.25;                  ///< progressive_restricted, item_eligibility: the highest rate allowed
  /// Throws InvalidArgument for a count below 1, a K_j outside [0, 1], a K vector of the wrong size, a rate
  /// outside (0, 1], or cuts that are not finite and increasing (or missing for the conditional method).
  void validate(std::size_t items) const;
  /// The θ stratum of `theta`: the number of cuts at or below it.
  std::size_t stratum(double theta) const noexcept;
  /// The Sympson–Hetter K of `item` at the estimate `theta` (1 when no K are set).
  double sympson_hetter_k(std::size_t item, std::size_t items, double theta) const noexcept;
};

/// Throws InvalidArgument, its message starting with `context`, when `exposure` cannot run in live tests kept in a
/// store: Sympson–Hetter without its K (irtcat design calibrate-exposure sets them), and item eligibility, whose
/// per-test eligibility counts the store does not keep.
void require_live_exposure(const ExposureOptions& exposure, std::string_view context);

/// How often each item was administered (and, for the item-eligibility method, eligible), over how many tests:
/// shared by concurrent sessions (atomic counters).
class ExposureCounts {
 public:
  explicit ExposureCounts(std::size_t items);
  /// Counts restored from storage; throws InvalidArgument if a count exceeds `tests`.
  ExposureCounts(const std::vector<std::uint64_t>& counts, std::uint64_t tests);

  void record_item(ItemIndex item);
  void record_test();
  /// A test in which `item` was eligible (item_eligibility).
  void record_eligible(ItemIndex item);
  std::uint64_t eligible_count(ItemIndex item) const;
  /// The probability that `item` is eligible in the next test: min(1, max_rate·eligible/count), 1 before it was
  /// ever given.
  double eligibility(ItemIndex item, double max_rate) const;
  std::uint64_t count(ItemIndex item) const;
  std::uint64_t tests() const noexcept { return tests_.load(std::memory_order_relaxed); }
  /// count / tests (0 before the first test).
  double rate(ItemIndex item) const;
  std::vector<std::uint64_t> counts() const;
  std::size_t size() const noexcept { return counts_.size(); }

 private:
  std::vector<std::atomic<std::uint64_t>> counts_;
  std::vector<std::atomic<std::uint64_t>> eligible_;
  std::atomic<std::uint64_t> tests_{0};
};

}  // namespace irtcat
