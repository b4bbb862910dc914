#pragma once
// Exposure control: how often an item may be shown across candidates.
//
//   randomesque             uniform among the k best items (Kingsbury & Zara 1989)
//   sympson_hetter          the best item is administered with probability K_j, else set aside for this test
//                           and the next best tried (Sympson & Hetter 1985); K_j from calibrate_sympson_hetter
//   progressive_restricted  score (1 − s/L)·R + (s/L)·score with R ~ U(0, range of scores), s items given of L;
//                           items whose exposure rate has reached max_rate are not offered (Revuelta & Ponsoda 1998)

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "irtcat/item_bank.hpp"

namespace irtcat {

enum class ExposureMethod { none, randomesque, sympson_hetter, progressive_restricted };

std::string_view to_string(ExposureMethod method) noexcept;
/// Throws InvalidArgument for an unknown name.
ExposureMethod exposure_method_from_string(std::string_view name);

struct ExposureOptions {
  ExposureMethod method = ExposureMethod::none;
  int randomesque_count = 5;               ///< randomesque: choose among this many best items
  std::vector<double> sympson_hetter;      ///< K_j per item in bank order, in [0, 1]; empty means all 1
  double max_rate = 0.25;                  ///< progressive_restricted: the highest exposure rate allowed
  /// Throws InvalidArgument for a count below 1, a K_j outside [0, 1], a K vector of the wrong size, or a rate
  /// outside (0, 1].
  void validate(std::size_t items) const;
};

/// How often each item was administered, over how many tests: shared by concurrent sessions (atomic counters).
class ExposureCounts {
 public:
  explicit ExposureCounts(std::size_t items);
  /// Counts restored from storage; throws InvalidArgument if a count exceeds `tests`.
  ExposureCounts(const std::vector<std::uint64_t>& counts, std::uint64_t tests);

  void record_item(ItemIndex item);
  void record_test();
  std::uint64_t count(ItemIndex item) const;
  std::uint64_t tests() const noexcept { return tests_.load(std::memory_order_relaxed); }
  /// count / tests (0 before the first test).
  double rate(ItemIndex item) const;
  std::vector<std::uint64_t> counts() const;
  std::size_t size() const noexcept { return counts_.size(); }

 private:
  std::vector<std::atomic<std::uint64_t>> counts_;
  std::atomic<std::uint64_t> tests_{0};
};

}  // namespace irtcat
