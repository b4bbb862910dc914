// The kernels of simd/kernels.hpp for every target: Highway's foreach_target.h includes this file once per target,
// each time inside that target's namespace and with its instruction set enabled, and the part under HWY_ONCE (the
// dispatch) once. The bodies call the same inline code as the rest of the library (detail/), which the compiler
// inlines and vectorizes for the target at hand.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/kernels.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <algorithm>

#include "detail/exp.hpp"
#include "simd/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace irtcat::detail::simd {
namespace HWY_NAMESPACE {

void Information(const DichotomousColumns& rows, Eigen::Index n, double theta, double* out) {
  dichotomous_information(rows, n, theta, out);
}

bool Scan(const CandidateRows& candidates, double theta, const std::vector<char>& eligible, std::ptrdiff_t& best,
          double& best_information) {
  const std::size_t items = eligible.size();
  alignas(64) double information[kInformationBlock];
  for (Eigen::Index start = 0; start < candidates.size; start += kInformationBlock) {
    // Sorted by bound: once a block's first bound is below the best, no later item can reach it. (An equal bound
    // could still tie, and a tie goes to the first in bank order, so equality does not stop the search.)
    if (candidates.bound[start] < best_information) return true;
    information_block(candidates.rows, start, theta, information);
    if (*std::max_element(information, information + kInformationBlock) < best_information) continue;
    for (Eigen::Index k = 0; k < kInformationBlock; ++k) {
      const std::size_t item = candidates.bank_index[start + k];
      if (item >= items || !eligible[item]) continue;
      const double value = information[k];
      const auto index = static_cast<std::ptrdiff_t>(item);
      if (value > best_information || (value == best_information && index < best)) {
        best = index;
        best_information = value;
      }
    }
  }
  return false;
}

void ExpShifted(const double* a, const double* b, double top, double* out, Eigen::Index n) {
  const double* __restrict first = a;
  const double* __restrict second = b;
  double* __restrict result = out;
  for (Eigen::Index q = 0; q < n; ++q) result[q] = exp_nonpositive(first[q] + second[q] - top);
}

}  // namespace HWY_NAMESPACE
}  // namespace irtcat::detail::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cstdlib>

#include "detail/ascii.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"
#include "irtcat/simd.hpp"
#include "irtcat/text.hpp"

namespace irtcat::detail::simd {

HWY_EXPORT(Information);
HWY_EXPORT(Scan);
HWY_EXPORT(ExpShifted);

namespace {

std::string name_of(std::int64_t target) { return ascii_lower(hwy::TargetName(target)); }

// The targets compiled in that this CPU has, best first, before anything narrows Highway's choice.
const std::vector<std::int64_t>& cpu_targets() {
  static const std::vector<std::int64_t> targets = hwy::SupportedAndGeneratedTargets();
  return targets;
}

// IRTCAT_SIMD, read at the first kernel call: the target every kernel then runs on (0: the best).
std::int64_t apply_environment() {
  static const std::int64_t forced = [] {
    const std::vector<std::int64_t>& targets = cpu_targets();
    const char* wanted = std::getenv("IRTCAT_SIMD");
    if (wanted == nullptr || *wanted == '\0') return std::int64_t{0};
    for (const std::int64_t target : targets) {
      if (name_of(target) == ascii_lower(wanted)) {
        hwy::SetSupportedTargetsForTest(target);
        return target;
      }
    }
    throw InvalidArgument("IRTCAT_SIMD: " + quoted_value(wanted) + " is not a target this build runs on this CPU (" +
                          join(simd_targets(), ", ") + ")");
  }();
  return forced;
}

}  // namespace

void information(const DichotomousColumns& rows, Eigen::Index n, double theta, double* out) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(Information)(rows, n, theta, out);
}

bool scan(const CandidateRows& candidates, double theta, const std::vector<char>& eligible, std::ptrdiff_t& best,
          double& best_information) {
  apply_environment();
  return HWY_DYNAMIC_DISPATCH(Scan)(candidates, theta, eligible, best, best_information);
}

void exp_shifted(const double* a, const double* b, double top, double* out, Eigen::Index n) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(ExpShifted)(a, b, top, out, n);
}

std::string target_name() {
  apply_environment();
  return hwy::TargetName(hwy::SupportedAndGeneratedTargets().front());
}

std::vector<std::int64_t> available_targets() { return cpu_targets(); }

void use_target(std::int64_t target) {
  const std::int64_t forced = apply_environment();  // first, so that cpu_targets() holds every target
  hwy::SetSupportedTargetsForTest(target != 0 ? target : forced);
}

}  // namespace irtcat::detail::simd

namespace irtcat {

std::string simd_target() { return detail::ascii_lower(detail::simd::target_name()); }

std::vector<std::string> simd_targets() {
  std::vector<std::string> names;
  for (const std::int64_t target : detail::simd::available_targets()) {
    names.push_back(detail::simd::name_of(target));
  }
  return names;
}

}  // namespace irtcat
#endif  // HWY_ONCE
