// best_item by rule: the item best_item(item_scores(...)) names, found by screening every item with bounds that
// are cheap to compute and scoring exactly (with the kernels item_scores uses) only the items whose bounds let them
// be best. MLWI and MPWI screen with a single-precision copy of the information table; KL, KLP and MEPV with the
// compressed tables of log P and P (low_rank_table.hpp), which a selection reads in a fraction of the time the
// full tables take. The screens are kept out of line: inlined together into best_item, they left GCC 12 short of
// registers, and a running maximum went through memory (bench: BM_BestItem/mlwi).
#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>
#include <cmath>
#include <limits>
#include <string>

#include "detail/check.hpp"
#include "detail/dichotomous_probability.hpp"
#include "detail/screening_bounds.hpp"
#include "detail/selection_kernels.hpp"
#include "irtcat/error.hpp"
#include "irtcat/selection.hpp"
#include "simd/kernels.hpp"

namespace irtcat {
namespace {

using Eigen::ArrayXd;
using Eigen::Index;
using Eigen::VectorXd;

using detail::kMinusInfinity;

// The `count` eligible items of highest exact score, best first, ties in bank order, as best_items(scores, count)
// names them: exact(i) must give the number item_scores gives. Only the items whose screened interval
// bounds(i) = [low, high] reaches the count-th highest low get an exact score: at least `count` items score at least
// that much, so an item below it cannot be among them, and an item that ties with the count-th best reaches it.
using Interval = detail::ScreenInterval;
template <typename Bounds, typename Exact>
std::vector<std::size_t> best_screened(std::span<const char> eligible, const Bounds& bounds, const Exact& exact,
                                       std::size_t count) {
  const std::size_t n = eligible.size();
  double floor = kMinusInfinity;
  if (count == 1) {
    // The highest low, in four running maxima that do not wait on each other (one would cost the latency of a
    // comparison per item).
    double floor0 = kMinusInfinity, floor1 = kMinusInfinity, floor2 = kMinusInfinity, floor3 = kMinusInfinity;
    const auto raise = [&](double& lane, std::size_t i) {
      const double low = bounds(i).low;
      lane = eligible[i] && low > lane ? low : lane;
    };
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      raise(floor0, i);
      raise(floor1, i + 1);
      raise(floor2, i + 2);
      raise(floor3, i + 3);
    }
    for (; i < n; ++i) raise(floor0, i);
    floor = std::max(std::max(floor0, floor1), std::max(floor2, floor3));
  } else if (count > 1) {
    // The count-th highest low: the least of the count highest so far, on top of a min-heap (most items do not beat
    // it, and cost one comparison).
    std::vector<double> highest;
    highest.reserve(count);
    for (std::size_t i = 0; i < n; ++i) {
      if (!eligible[i]) continue;
      const double low = bounds(i).low;
      if (highest.size() < count) {
        highest.push_back(low);
        std::push_heap(highest.begin(), highest.end(), std::greater<>());
      } else if (low > highest.front()) {
        std::pop_heap(highest.begin(), highest.end(), std::greater<>());
        highest.back() = low;
        std::push_heap(highest.begin(), highest.end(), std::greater<>());
      }
    }
    if (highest.size() == count) floor = highest.front();
  }
  std::vector<std::pair<double, std::size_t>> scored;  // (exact score, item)
  for (std::size_t i = 0; i < n && count > 0; ++i) {
    if (!eligible[i] || bounds(i).high < floor) continue;
    scored.emplace_back(exact(i), i);
  }
  const std::size_t kept = std::min(count, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(kept), scored.end(),
                    [](const auto& x, const auto& y) { return x.first > y.first || (x.first == y.first && x.second < y.second); });
  std::vector<std::size_t> best(kept);
  for (std::size_t j = 0; j < kept; ++j) best[j] = scored[j].second;
  return best;
}

// The per-item screening intervals of KL and MEPV (the workspace's low and high) for best_screened, through plain
// pointers: read through the workspace, every access would reload the vectors' addresses.
struct IntervalBounds {
  const double* low;
  const double* high;
  explicit IntervalBounds(const detail::WorkspaceBuffers& workspace)
      : low(workspace.low.data()), high(workspace.high.data()) {}
  Interval operator()(std::size_t i) const { return {low[i], high[i]}; }
};

// Every item's screening interval into the workspace's low and high, the sum of its rows' intervals
// bound(P, log P, grid row), with P_k(θ) and log P_k(θ) as item_at_theta gives them: dichotomous items a block at a
// time (by probability_block), then the polytomous ones. In a bank of dichotomous items only, item i has the rows 2i
// and 2i + 1, and a block's intervals come from the screen's SIMD kernel (`dichotomous`, detail/screening_bounds.hpp).
template <detail::Logs kLogs, typename RowBound, typename DichotomousScreen>
void screen_rows(const BankGrid& grid, double theta, RowBound bound, DichotomousScreen dichotomous,
                 detail::WorkspaceBuffers& out) {
  const ItemBank& bank = grid.bank();
  const DichotomousArrays& d = bank.dichotomous();
  const bool dichotomous_only = bank.polytomous().empty();
  if (dichotomous_only) {  // every entry is written below
    out.low.resize(bank.size());
    out.high.resize(bank.size());
  } else {  // polytomous items add up their rows
    out.low.assign(bank.size(), 0.0);
    out.high.assign(bank.size(), 0.0);
  }
  const detail::DichotomousColumns columns{d.da.data(), d.dab.data(), d.c.data(), d.spread.data(), d.one_minus_d.data()};
  const auto& first = grid.first_rows();
  detail::ProbabilityBlock block{};
  for (Index start = 0; start < d.da.size(); start += detail::kProbabilityBlock) {
    detail::probability_rows(columns, d.da.size(), start, theta, kLogs, block);
    const Index count = std::min(detail::kProbabilityBlock, d.da.size() - start);
    if (dichotomous_only) {
      dichotomous(block, start, count, out.low.data() + start, out.high.data() + start);
      continue;
    }
    for (Index r = 0; r < count; ++r) {
      const std::size_t item = d.bank_index[static_cast<std::size_t>(start + r)];
      const auto row = static_cast<Index>(first[item]);
      const Interval q = bound(block.q[r], block.log_q[r], row);
      const Interval p = bound(block.p[r], block.log_p[r], row + 1);
      out.low[item] = q.low + p.low;
      out.high[item] = q.high + p.high;
    }
  }
  for (const PolytomousArrays& arrays : bank.polytomous()) {
    for (std::size_t item : arrays.bank_index) {
      const detail::ItemAtTheta at = detail::item_at_theta(grid, item, theta, kLogs);
      const auto row = static_cast<Index>(first[item]);
      for (int k = 0; k < at.count; ++k) {
        const auto category = static_cast<std::size_t>(k);
        const Interval part = bound(at.p[category], at.log_p[category], row + k);
        out.low[item] += part.low;
        out.high[item] += part.high;
      }
    }
  }
}

// MLWI and MPWI: single-precision screening. The weights are scaled to a largest of 1 and rounded to single
// precision, and the single-precision information table times them gives every item's sum at once. All the terms
// w_q·I_j(θ_q) are >= 0, so the single-precision sum is within γ·|exact| of the exact one, γ = (nodes + 3)·2⁻²⁴
// (rounding of the table, of the weights, of each product and of the sum; Higham 2002, §3.1), plus what single
// precision's underflow drops: below nodes·2·FLT_MIN·(largest entry, at least 1). Twice γ also covers the exact
// sums' own rounding.
[[gnu::noinline]] std::vector<std::size_t> best_weighted_information(const BankGrid& grid, const ArrayXd& weights,
                                                                    std::span<const char> eligible,
                                                                    std::size_t count,
                                                                    detail::WorkspaceBuffers& workspace) {
  Eigen::VectorXf& scaled = workspace.scaled_single;
  const double scale = weights.maxCoeff();
  scaled = (weights / scale).cast<float>().matrix();
  workspace.sums_single.noalias() = grid.information_single() * scaled;
  const float* sums = workspace.sums_single.data();  // a plain pointer in the loops, not reloaded through the workspace
  const auto nodes = static_cast<double>(weights.size());
  const double relative = 2.0 * (nodes + 3.0) * 0x1p-24;
  const double absolute = nodes * 2.0 * static_cast<double>(std::numeric_limits<float>::min()) *
                          std::max(grid.largest_information(), 1.0);
  const auto bounds = [&](std::size_t i) {
    const auto sum = static_cast<double>(sums[i]);
    return Interval{sum * (1.0 - relative) - absolute, sum * (1.0 + relative) + absolute};
  };
  return best_screened(
      eligible, bounds, [&](std::size_t i) { return detail::weighted_information(grid, weights, i); }, count);
}

// KL and KLP. With the weights scaled to a largest of 1 (w̃ = w/s), each row's L_k = Σ_q w̃_q·log P_k(θ_q) is within
// e_k = error·‖w̃‖₂ + absolute of its approximation L̃_k, so an item's score/s = Σ_k P_k(θ̂)·(log P_k(θ̂)·W̃ − L_k) is
// within Σ_k P_k(θ̂)·e_k of its screened value. Rounding, of the screened value here and of the exact score, is
// under (nodes + 8)·2⁻⁴⁸ (a generous multiple of what it can be) times the sum of the terms' magnitudes,
// Σ_k P_k(θ̂)·(|log P_k(θ̂)|·W̃ + |L̃_k| + e_k).
[[gnu::noinline]] std::vector<std::size_t> best_kullback_leibler(const BankGrid& grid, double theta,
                                                                const ArrayXd& weights,
                                                                std::span<const char> eligible, std::size_t count,
                                                                detail::WorkspaceBuffers& workspace) {
  const LowRankTable& table = grid.log_p_low_rank();
  VectorXd& scaled = workspace.scaled;
  scaled = weights.matrix() / weights.maxCoeff();
  table.approximate(scaled, workspace.sums_single);
  detail::KullbackLeiblerScreen screen;
  screen.approximated = workspace.sums_single.data();
  screen.error = table.error().data();
  screen.norm = scaled.norm();
  screen.scaled_total = scaled.sum();
  screen.rounding = (static_cast<double>(weights.size()) + 8.0) * 0x1p-48;
  screen.absolute = table.absolute_error();
  screen_rows<detail::Logs::compute>(
      grid, theta,
      [&screen](double p, double log_p, Index row) { return detail::kullback_leibler_bound(screen, p, log_p, row); },
      [&screen](const detail::ProbabilityBlock& block, Index start, Index count, double* low, double* high) {
        detail::simd::kullback_leibler_screen(block, start, count, screen, low, high);
      },
      workspace);
  const double total = weights.sum();
  return best_screened(eligible, IntervalBounds(workspace), [&](std::size_t i) {
    const detail::ItemAtTheta at = detail::item_at_theta(grid, i, theta, detail::Logs::compute);
    return detail::kullback_leibler(grid, i, weights, total, at, workspace);
  }, count);
}

// MEPV. Each row's moments M_j = Σ_q w̃_q (θ_q − μ)^j P_k(θ_q) are within e_j = error·‖w̃_j‖₂ + absolute of their
// approximations m_j. With â = m_2/m_0, b̂ = m_1/m_0 and e_0 < m_0/2 (so M_0 > m_0/2 > 0), the ratios a = M_2/M_0
// and b = M_1/M_0 satisfy a − â = (d_2 − â·d_0)/M_0 and b − b̂ = (d_1 − b̂·d_0)/M_0 (d_j = M_j − m_j), so
//   |a − â| <= Δa = (e_2 + |â|·e_0)/(m_0 − e_0),   |b − b̂| <= Δb = (e_1 + |b̂|·e_0)/(m_0 − e_0),
// and the variance a − b² is within D = Δa + Δb·(2|b̂| + Δb) of v̂ = â − b̂²; 1/(m_0 − e_0) <= (1 + 2ε)/m_0 for
// ε = e_0/m_0 <= 1/2. It is also in [0, V], V = (range of the nodes)²/4 the largest variance a distribution on the
// nodes can have (Popoviciu 1935), which is all there is to say when e_0 >= m_0/2. Rounding, here and in the exact
// kernel, is under (nodes + 10)·2⁻⁴⁸·(a + b²) per row, a generous multiple of what it can be (the M_j are sums of
// `nodes` terms, M_0 and M_2 of positive ones, and |M_1| <= √(M_0·M_2) by Cauchy–Schwarz); the exact variance is
// never below 0. The item's expected variance is Σ_k P_k(θ̂)·variance_k.
[[gnu::noinline]] std::vector<std::size_t> best_expected_posterior_variance(const BankGrid& grid, double theta,
                                                                           const ArrayXd& weights,
                                                                           std::span<const char> eligible,
                                                                           std::size_t count,
                                                                           detail::WorkspaceBuffers& workspace) {
  const LowRankTable& table = grid.probability_low_rank();
  const detail::MomentWeights moments = detail::moment_weights(weights, grid.nodes());
  Eigen::Matrix<double, Eigen::Dynamic, 3>& columns = workspace.moment_columns;
  Eigen::Matrix<float, Eigen::Dynamic, 3>& approximated = workspace.moment_approximations;
  columns.resize(weights.size(), 3);
  columns << moments.mass, moments.first, moments.second;
  table.approximate(columns, approximated);
  const Eigen::Array3d norms = columns.colwise().norm().transpose().array();
  const double range = grid.nodes().maxCoeff() - grid.nodes().minCoeff();
  detail::PosteriorVarianceScreen screen;
  screen.m0 = approximated.col(0).data();
  screen.m1 = approximated.col(1).data();
  screen.m2 = approximated.col(2).data();
  screen.error = table.error().data();
  screen.norm0 = norms(0);
  screen.norm1 = norms(1);
  screen.norm2 = norms(2);
  screen.absolute = table.absolute_error();
  screen.rounding = (static_cast<double>(weights.size()) + 10.0) * 0x1p-48;
  screen.largest = range * range / 4.0;
  screen.undetermined = screen.largest + screen.rounding * 2.0 * range * range;  // a and b² are at most range²
  screen_rows<detail::Logs::skip>(
      grid, theta, [&screen](double p, double, Index row) { return detail::posterior_variance_bound(screen, p, row); },
      [&screen](const detail::ProbabilityBlock& block, Index start, Index count, double* low, double* high) {
        detail::simd::posterior_variance_screen(block, start, count, screen, low, high);
      },
      workspace);
  return best_screened(eligible, IntervalBounds(workspace), [&](std::size_t i) {
    const detail::ItemAtTheta at = detail::item_at_theta(grid, i, theta, detail::Logs::skip);
    return -detail::expected_posterior_variance(grid, i, moments, at);
  }, count);
}

// The `count` best items by screening, or nothing when the rule is not screened (or no weight is positive, so
// there is nothing to scale by): then the caller scores every item.
std::optional<std::vector<std::size_t>> screened_best(SelectionRule rule, const BankGrid& grid,
                                                      const SelectionState& state, std::span<const char> eligible,
                                                      std::size_t count, detail::WorkspaceBuffers& workspace) {
  const bool screened = rule == SelectionRule::mlwi || rule == SelectionRule::mpwi || rule == SelectionRule::kl ||
                        rule == SelectionRule::klp || rule == SelectionRule::mepv;
  if (!screened) return std::nullopt;
  detail::check_mask_size("best_item", eligible.size(), grid.bank().size());
  detail::check_finite("best_item", "theta", state.theta);
  const GridPosterior& posterior = detail::require_posterior(state, rule, grid);
  const bool likelihood = rule == SelectionRule::mlwi || rule == SelectionRule::kl;
  const ArrayXd weights = likelihood ? posterior.likelihood_weights() : posterior.weights();
  if (!(weights.maxCoeff() > 0)) return std::nullopt;
  switch (rule) {
    case SelectionRule::mlwi:
    case SelectionRule::mpwi: return best_weighted_information(grid, weights, eligible, count, workspace);
    case SelectionRule::kl:
    case SelectionRule::klp: return best_kullback_leibler(grid, state.theta, weights, eligible, count, workspace);
    case SelectionRule::mepv: return best_expected_posterior_variance(grid, state.theta, weights, eligible, count, workspace);
    default: return std::nullopt;
  }
}

}  // namespace

std::ptrdiff_t best_item(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                         std::span<const char> eligible, detail::WorkspaceBuffers& workspace) {
  const auto best = screened_best(rule, grid, state, eligible, 1, workspace);
  if (!best) return best_item(item_scores(rule, grid, state, eligible, workspace));
  return best->empty() ? -1 : static_cast<std::ptrdiff_t>(best->front());
}

std::vector<std::size_t> best_items(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                                    std::span<const char> eligible, std::size_t count,
                                    detail::WorkspaceBuffers& workspace) {
  auto best = screened_best(rule, grid, state, eligible, count, workspace);
  if (!best) return best_items(item_scores(rule, grid, state, eligible, workspace), count);
  return std::move(*best);
}

}  // namespace irtcat
