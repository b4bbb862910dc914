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
#include "detail/low_rank_table.hpp"
#include "simd/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace irtcat::detail::simd {
namespace HWY_NAMESPACE {

void Information(const DichotomousColumns& rows, Eigen::Index n, double theta, double* out) {
  dichotomous_information(rows, n, theta, out);
}

bool Scan(const CandidateRows& candidates, double theta, std::span<const char> eligible, std::ptrdiff_t& best,
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

void AddTableRows(const double* table, Eigen::Index nodes, const std::int32_t* cells, std::size_t count,
                  const double* base, double* out) {
  double* __restrict sum = out;
  std::copy_n(base, nodes, sum);
  for (std::size_t i = 0; i < count; ++i) {
    const double* __restrict row = table + static_cast<Eigen::Index>(cells[i]) * nodes;
    for (Eigen::Index q = 0; q < nodes; ++q) sum[q] += row[q];
  }
}

void AddToRows(const double* add, Eigen::Index nodes, const std::int32_t* cells, std::size_t count, double* rows) {
  const double* __restrict term = add;
  for (std::size_t i = 0; i < count; ++i) {
    double* __restrict row = rows + static_cast<Eigen::Index>(cells[i]) * nodes;
    for (Eigen::Index q = 0; q < nodes; ++q) row[q] += term[q];
  }
}

void Probabilities(const DichotomousColumns& rows, Eigen::Index start, double theta, Logs logs,
                   ProbabilityBlock& out) {
  if (logs == Logs::compute) {
    probability_block<Logs::compute>(rows, start, theta, out);
  } else {
    probability_block<Logs::skip>(rows, start, theta, out);
  }
}

void KullbackLeibler(const double* log_p, Eigen::Index nodes, const double* weights, double total,
                     const double* at_theta, const double* log_at_theta, double* out) {
  kullback_leibler_block(log_p, nodes, weights, total, at_theta, log_at_theta, out);
}

void PosteriorVariance(const double* panel, const MomentColumns& weights, const double* at_theta, double* out) {
  posterior_variance_block(panel, weights, at_theta, out);
}

void PosteriorMeans(const double* panel, const MomentColumns& weights, double mean, double* out) {
  posterior_means_block(panel, weights, mean, out);
}

void WeightedInformation(const double* table, Eigen::Index stride, const double* weights, Eigen::Index nodes,
                         double* out) {
  weighted_information_block(table, stride, weights, nodes, out);
}

// The screens' bounds capture a copy of their parameters, whose fields then stay in registers (through a reference,
// GCC reloaded them after every store to low and high: MEPV's screen ran at half speed).
void KullbackLeiblerScreenRows(const ProbabilityBlock& block, Eigen::Index start, Eigen::Index count,
                               const KullbackLeiblerScreen& screen, double* low, double* high) {
  const auto bound = [screen](double p, double log_p, Eigen::Index row) {
    return kullback_leibler_bound(screen, p, log_p, row);
  };
  dichotomous_screen(block, start, count, bound, low, high);
}

void PosteriorVarianceScreenRows(const ProbabilityBlock& block, Eigen::Index start, Eigen::Index count,
                                 const PosteriorVarianceScreen& screen, double* low, double* high) {
  const auto bound = [screen](double p, double, Eigen::Index row) { return posterior_variance_bound(screen, p, row); };
  dichotomous_screen(block, start, count, bound, low, high);
}

template <int Columns>
void LowRankSumsOf(const float* panel, Eigen::Index padded, Eigen::Index rank, const float* projected, float* sums) {
  constexpr Eigen::Index kBlock = LowRankTable::kRowBlock;
  for (Eigen::Index start = 0; start < padded; start += kBlock) {
    float block[Columns][kBlock] = {};
    for (Eigen::Index k = 0; k < rank; ++k, panel += kBlock) {
      for (int c = 0; c < Columns; ++c) {
        const float y = projected[c * LowRankTable::kRank + k];
        for (Eigen::Index i = 0; i < kBlock; ++i) block[c][i] += panel[i] * y;
      }
    }
    for (int c = 0; c < Columns; ++c) std::copy_n(block[c], kBlock, sums + c * padded + start);
  }
}

void LowRankSums(const float* panels, Eigen::Index padded, Eigen::Index rank, const float* projected, int columns,
                 float* sums) {
  if (columns == 1) return LowRankSumsOf<1>(panels, padded, rank, projected, sums);
  LowRankSumsOf<3>(panels, padded, rank, projected, sums);
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
HWY_EXPORT(Probabilities);
HWY_EXPORT(AddTableRows);
HWY_EXPORT(AddToRows);
HWY_EXPORT(KullbackLeibler);
HWY_EXPORT(PosteriorVariance);
HWY_EXPORT(PosteriorMeans);
HWY_EXPORT(WeightedInformation);
HWY_EXPORT(LowRankSums);
HWY_EXPORT(KullbackLeiblerScreenRows);
HWY_EXPORT(PosteriorVarianceScreenRows);

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

bool scan(const CandidateRows& candidates, double theta, std::span<const char> eligible, std::ptrdiff_t& best,
          double& best_information) {
  apply_environment();
  return HWY_DYNAMIC_DISPATCH(Scan)(candidates, theta, eligible, best, best_information);
}

void exp_shifted(const double* a, const double* b, double top, double* out, Eigen::Index n) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(ExpShifted)(a, b, top, out, n);
}

void add_table_rows(const double* table, Eigen::Index nodes, const std::int32_t* cells, std::size_t count,
                    const double* base, double* out) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(AddTableRows)(table, nodes, cells, count, base, out);
}

void add_to_rows(const double* add, Eigen::Index nodes, const std::int32_t* cells, std::size_t count, double* rows) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(AddToRows)(add, nodes, cells, count, rows);
}

void probabilities(const DichotomousColumns& rows, Eigen::Index start, double theta, Logs logs, ProbabilityBlock& out) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(Probabilities)(rows, start, theta, logs, out);
}

void kullback_leibler(const double* log_p, Eigen::Index nodes, const double* weights, double total,
                      const double* at_theta, const double* log_at_theta, double* out) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(KullbackLeibler)(log_p, nodes, weights, total, at_theta, log_at_theta, out);
}

void posterior_variance(const double* panel, const MomentColumns& weights, const double* at_theta, double* out) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(PosteriorVariance)(panel, weights, at_theta, out);
}

void posterior_means(const double* panel, const MomentColumns& weights, double mean, double* out) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(PosteriorMeans)(panel, weights, mean, out);
}

void weighted_information(const double* table, Eigen::Index stride, const double* weights, Eigen::Index nodes,
                          double* out) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(WeightedInformation)(table, stride, weights, nodes, out);
}

void kullback_leibler_screen(const ProbabilityBlock& block, Eigen::Index start, Eigen::Index count,
                             const KullbackLeiblerScreen& screen, double* low, double* high) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(KullbackLeiblerScreenRows)(block, start, count, screen, low, high);
}

void posterior_variance_screen(const ProbabilityBlock& block, Eigen::Index start, Eigen::Index count,
                               const PosteriorVarianceScreen& screen, double* low, double* high) {
  apply_environment();
  HWY_DYNAMIC_DISPATCH(PosteriorVarianceScreenRows)(block, start, count, screen, low, high);
}

void low_rank_sums(const float* panels, Eigen::Index padded, Eigen::Index rank, const float* projected, int columns,
                   float* sums) {
  if (columns != 1 && columns != 3) throw InvalidArgument("simd::low_rank_sums: 1 or 3 weight vectors");
  apply_environment();
  HWY_DYNAMIC_DISPATCH(LowRankSums)(panels, padded, rank, projected, columns, sums);
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
