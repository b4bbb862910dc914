#include "irtcat/exposure.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "detail/ascii.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {

std::string_view to_string(ExposureMethod method) noexcept {
  switch (method) {
    case ExposureMethod::none: return "none";
    case ExposureMethod::randomesque: return "randomesque";
    case ExposureMethod::sympson_hetter: return "sympson_hetter";
    case ExposureMethod::progressive_restricted: return "progressive_restricted";
    case ExposureMethod::item_eligibility: return "item_eligibility";
    case ExposureMethod::conditional_sympson_hetter: return "conditional_sympson_hetter";
  }
  return "unknown";
}

ExposureMethod exposure_method_from_string(std::string_view name) {
  std::string lower = detail::ascii_lower(name);
  std::replace(lower.begin(), lower.end(), '-', '_');
  for (ExposureMethod method : {ExposureMethod::none, ExposureMethod::randomesque, ExposureMethod::sympson_hetter,
                                ExposureMethod::progressive_restricted, ExposureMethod::item_eligibility,
                                ExposureMethod::conditional_sympson_hetter}) {
    if (lower == to_string(method)) return method;
  }
  throw InvalidArgument("exposure_method_from_string: unknown method " + detail::quoted_value(name) +
                        " (expected none, randomesque, sympson_hetter, progressive_restricted, item_eligibility or "
                        "conditional_sympson_hetter)");
}

void ExposureOptions::validate(std::size_t items) const {
  if (randomesque_count < 1) {
    throw InvalidArgument("ExposureOptions: randomesque_count must be >= 1, got " + std::to_string(randomesque_count));
  }
  for (std::size_t g = 0; g < theta_cuts.size(); ++g) {
    if (!std::isfinite(theta_cuts[g]) || (g > 0 && !(theta_cuts[g] > theta_cuts[g - 1]))) {
      throw InvalidArgument("ExposureOptions: theta_cuts must be finite and increasing");
    }
  }
  const bool conditional = method == ExposureMethod::conditional_sympson_hetter;
  if (conditional && theta_cuts.empty()) {
    throw InvalidArgument("ExposureOptions: conditional Sympson-Hetter needs theta_cuts (the strata's bounds)");
  }
  const std::size_t expected = conditional ? items * (theta_cuts.size() + 1) : items;
  if (!sympson_hetter.empty() && sympson_hetter.size() != expected) {
    throw InvalidArgument("ExposureOptions: " + std::to_string(sympson_hetter.size()) +
                          " Sympson-Hetter parameters for " + std::to_string(items) + " items" +
                          (conditional ? " in " + std::to_string(theta_cuts.size() + 1) + " strata" : std::string()));
  }
  for (double k : sympson_hetter) {
    if (!(k >= 0 && k <= 1)) throw InvalidArgument("ExposureOptions: Sympson-Hetter parameters must be in [0, 1]");
  }
  if (!(max_rate > 0 && max_rate <= 1)) {
    throw InvalidArgument("ExposureOptions: max_rate must be in (0, 1], got " + std::to_string(max_rate));
  }
}

void require_live_exposure(const ExposureOptions& exposure, std::string_view context) {
  const ExposureMethod method = exposure.method;
  if ((method == ExposureMethod::sympson_hetter || method == ExposureMethod::conditional_sympson_hetter) &&
      exposure.sympson_hetter.empty()) {
    throw InvalidArgument(std::string(context) + ": " + std::string(to_string(method)) +
                          " needs the design's parameters: run irtcat design calibrate-exposure first");
  }
  if (method == ExposureMethod::item_eligibility) {
    throw InvalidArgument(std::string(context) +
                          ": item_eligibility is for simulations: the store does not count the tests each item was "
                          "eligible in (progressive_restricted holds a rate across live tests)");
  }
}

std::size_t ExposureOptions::stratum(double theta) const noexcept {
  return static_cast<std::size_t>(std::upper_bound(theta_cuts.begin(), theta_cuts.end(), theta) - theta_cuts.begin());
}

double ExposureOptions::sympson_hetter_k(std::size_t item, std::size_t items, double theta) const noexcept {
  if (sympson_hetter.empty()) return 1.0;
  if (method != ExposureMethod::conditional_sympson_hetter) return sympson_hetter[item];
  return sympson_hetter[stratum(theta) * items + item];
}

ExposureCounts::ExposureCounts(std::size_t items) : counts_(items), eligible_(items) {}

ExposureCounts::ExposureCounts(const std::vector<std::uint64_t>& counts, std::uint64_t tests)
    : counts_(counts.size()), eligible_(counts.size()), tests_(tests) {
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > tests) throw InvalidArgument("ExposureCounts: an item was shown more often than there were tests");
    counts_[i].store(counts[i], std::memory_order_relaxed);
  }
}

void ExposureCounts::record_item(ItemIndex item) {
  if (item.value >= counts_.size()) throw UnknownItem("ExposureCounts::record_item: index outside the bank");
  counts_[item.value].fetch_add(1, std::memory_order_relaxed);
}

void ExposureCounts::record_test() { tests_.fetch_add(1, std::memory_order_relaxed); }

void ExposureCounts::record_eligible(ItemIndex item) {
  if (item.value >= eligible_.size()) throw UnknownItem("ExposureCounts::record_eligible: index outside the bank");
  eligible_[item.value].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t ExposureCounts::eligible_count(ItemIndex item) const {
  if (item.value >= eligible_.size()) throw UnknownItem("ExposureCounts::eligible_count: index outside the bank");
  return eligible_[item.value].load(std::memory_order_relaxed);
}

double ExposureCounts::eligibility(ItemIndex item, double max_rate) const {
  const std::uint64_t given = count(item);
  if (given == 0) return 1.0;
  return std::min(1.0, max_rate * static_cast<double>(eligible_count(item)) / static_cast<double>(given));
}

std::uint64_t ExposureCounts::count(ItemIndex item) const {
  if (item.value >= counts_.size()) throw UnknownItem("ExposureCounts::count: index outside the bank");
  return counts_[item.value].load(std::memory_order_relaxed);
}

double ExposureCounts::rate(ItemIndex item) const {
  const std::uint64_t n = tests();
  return n == 0 ? 0.0 : static_cast<double>(count(item)) / static_cast<double>(n);
}

std::vector<std::uint64_t> ExposureCounts::counts() const {
  std::vector<std::uint64_t> out;
  out.reserve(counts_.size());
  for (const auto& count : counts_) out.push_back(count.load(std::memory_order_relaxed));
  return out;
}

}  // namespace irtcat
