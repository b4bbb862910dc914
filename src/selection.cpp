#include "irtcat/selection.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "detail/logistic.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using Eigen::ArrayXd;
using Eigen::Index;
using Eigen::VectorXd;

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// Per-thread scratch for the rules' temporaries with a row per (item, category). Allocated afresh on every call,
// arrays of this size go to mmap and their page faults cost more than the arithmetic; kept per thread, they are
// reused, and sessions on other threads never share them.
enum class Scratch { at_theta, log_at_theta, per_row };
ArrayXd& scratch(Scratch slot, Index size) {
  thread_local std::array<ArrayXd, 3> buffers;
  ArrayXd& buffer = buffers[static_cast<std::size_t>(slot)];
  buffer.resize(size);
  return buffer;
}

// P_k(θ) of every (item, category) row of the grid's layout; dichotomous items in vectorized blocks whose
// temporaries stay on the stack (a bank-sized temporary per call would cost more than the arithmetic).
const ArrayXd& probabilities_at(const BankGrid& grid, double theta) {
  constexpr Index kBlock = 16;
  using Block = Eigen::Array<double, Eigen::Dynamic, 1, Eigen::ColMajor, kBlock, 1>;
  const ItemBank& bank = grid.bank();
  ArrayXd& out = scratch(Scratch::at_theta, static_cast<Index>(grid.first_rows().back()));
  const DichotomousArrays& d = bank.dichotomous();
  for (Index start = 0; start < d.da.size(); start += kBlock) {
    const Index m = std::min(kBlock, d.da.size() - start);
    const auto spread = d.spread.segment(start, m);
    const Block e = (d.dab.segment(start, m) - d.da.segment(start, m) * theta).max(-kMaxLogit).min(kMaxLogit).exp();
    const Block s = (1.0 + e).inverse();
    const Block p = d.c.segment(start, m) + spread * s;
    const Block q = d.one_minus_d.segment(start, m) + spread * (e * s);
    for (Index r = 0; r < m; ++r) {
      const Index row = grid.row(ItemIndex{d.bank_index[static_cast<std::size_t>(start + r)]}, 0);
      out(row) = q(r);
      out(row + 1) = p(r);
    }
  }
  for (const PolytomousArrays& block : bank.polytomous()) {
    for (std::size_t index : block.bank_index) {
      const CategoryTerms terms = category_terms(bank.items()[index], theta, bank.scaling());
      const Index row = grid.row(ItemIndex{index}, 0);
      for (int k = 0; k < terms.count; ++k) out(row + k) = std::exp(terms.log_p[k]);
    }
  }
  return out;
}

const GridPosterior& require_posterior(const SelectionState& state, SelectionRule rule, const BankGrid& grid) {
  if (state.posterior == nullptr) {
    throw InvalidArgument("item_scores: rule " + std::string(to_string(rule)) + " needs the posterior on the grid");
  }
  if (state.posterior->nodes().size() != grid.nodes().size()) {
    throw InvalidArgument("item_scores: the posterior's grid differs from the bank grid's");
  }
  return *state.posterior;
}

// Σ over each eligible item's category rows of `per_row` (one value per row of the grid's layout); −∞ for the
// others. The per-row values are computed for all rows in vectorized passes; this adds them up.
ArrayXd sum_over_categories(const BankGrid& grid, const std::vector<char>& eligible, const ArrayXd& per_row) {
  const auto& first = grid.first_rows();
  ArrayXd out = ArrayXd::Constant(static_cast<Index>(eligible.size()), kMinusInfinity);
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (!eligible[i]) continue;
    double sum = 0.0;
    for (std::size_t row = first[i]; row < first[i + 1]; ++row) sum += per_row(static_cast<Index>(row));
    out(static_cast<Index>(i)) = sum;
  }
  return out;
}

// log P_k(θ̂) of every row, from probabilities_at's P_k(θ̂). P_k(θ̂) > 0 for every row (logits are clamped); the
// floor at the smallest normal only keeps a zero, should one ever occur, from making 0·log 0 a NaN.
const ArrayXd& log_probabilities_at(const ArrayXd& at_theta) {
  ArrayXd& out = scratch(Scratch::log_at_theta, at_theta.size());
  out = at_theta.max(std::numeric_limits<double>::min()).log();
  return out;
}

// Single-precision screening (MLWI, MPWI, KL, KLP). The weights are scaled to a largest of 1 and rounded to single
// precision, and `table` (a single-precision copy of a grid table) times them gives every row's sum at once. When
// all the terms of a sum have one sign, the single-precision sum is within γ·|exact| of the exact one,
// γ = (nodes + 3)·2⁻²⁴ (rounding of the table, of the weights, of each product and of the sum; Higham 2002, §3.1),
// plus what single precision's underflow drops: below nodes·2·FLT_MIN·(largest |entry|, at least 1).
struct Screened {
  const Eigen::VectorXf& sums;  ///< per row, in the scaled units (per-thread scratch, until the next screen())
  double scale;                 ///< the largest weight: exact sums are `scale` times the scaled ones
  double relative;              ///< 2γ: twice the bound, which also covers the exact sums' own rounding
  double absolute;              ///< the underflow bound, in the scaled units
};

template <typename Table>
Screened screen(const Table& table, const ArrayXd& weights, double largest_entry) {
  thread_local Eigen::VectorXf scaled;
  thread_local Eigen::VectorXf sums;
  const double scale = weights.maxCoeff();
  scaled = (weights / scale).cast<float>().matrix();
  sums.noalias() = table * scaled;
  const auto nodes = static_cast<double>(weights.size());
  return {sums, scale, 2.0 * (nodes + 3.0) * 0x1p-24,
          nodes * 2.0 * static_cast<double>(std::numeric_limits<float>::min()) * std::max(largest_entry, 1.0)};
}

// The eligible item of highest exact score, the first of equals, among the items whose screened interval
// bounds(i) = [low, high] reaches the highest low: no other item can be best. `exact(i)` must give the number
// item_scores gives.
struct Interval {
  double low, high;
};
template <typename Bounds, typename Exact>
std::ptrdiff_t best_screened(const std::vector<char>& eligible, Bounds bounds, Exact exact) {
  double floor = kMinusInfinity;  // the least the best item's exact score can be
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (eligible[i]) floor = std::max(floor, bounds(i).low);
  }
  std::ptrdiff_t best = -1;
  double best_score = kMinusInfinity;
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (!eligible[i] || bounds(i).high < floor) continue;
    const double score = exact(i);
    if (score > best_score) {  // strict: the first of equals keeps the place
      best = static_cast<std::ptrdiff_t>(i);
      best_score = score;
    }
  }
  return best;
}

// KL and KLP (catR's KL): Σ_q c_q Σ_k P_k(θ̂)(log P_k(θ̂) − log P_k(θ_q)) = Σ_k P_k(θ̂)(log P_k(θ̂)·Σc − (log P_k · c)),
// one term per (item, category) row. The terms of kRowBlock rows at a time: every path computes a term with this
// one out-of-line routine on its whole block, so a term is the same number whichever path computes it (a compiler
// may fuse a multiply and an add in one loop and not in another).
constexpr Index kRowBlock = 8;
[[gnu::noinline]] void kullback_leibler_block(const double* log_p, Index nodes, const double* weights, double total,
                                              const double* at_theta, const double* log_at_theta, double* out) {
  double integrated[kRowBlock] = {};
  for (Index q = 0; q < nodes; ++q) {
    for (Index r = 0; r < kRowBlock; ++r) integrated[r] += log_p[r * nodes + q] * weights[q];
  }
  for (Index r = 0; r < kRowBlock; ++r) out[r] = at_theta[r] * (log_at_theta[r] * total - integrated[r]);
}

// The terms of rows [start, start + kRowBlock) into out (only the rows that exist; the last block is padded).
void kullback_leibler_rows(const BankGrid& grid, Index start, const ArrayXd& weights, double total,
                           const ArrayXd& at_theta, const ArrayXd& log_at_theta, double* out) {
  const Index rows = grid.log_p().rows();
  const Index nodes = weights.size();
  if (start + kRowBlock <= rows) {
    kullback_leibler_block(grid.log_p().data() + start * nodes, nodes, weights.data(), total, at_theta.data() + start,
                           log_at_theta.data() + start, out);
    return;
  }
  const Index valid = rows - start;
  std::vector<double> log_p(static_cast<std::size_t>(kRowBlock * nodes), 0.0);
  std::copy_n(grid.log_p().data() + start * nodes, valid * nodes, log_p.begin());
  double at[kRowBlock] = {}, log_at[kRowBlock] = {}, terms[kRowBlock];
  std::copy_n(at_theta.data() + start, valid, at);
  std::copy_n(log_at_theta.data() + start, valid, log_at);
  kullback_leibler_block(log_p.data(), nodes, weights.data(), total, at, log_at, terms);
  std::copy_n(terms, valid, out);
}

ArrayXd kullback_leibler(const BankGrid& grid, double theta, const ArrayXd& weights, const std::vector<char>& eligible) {
  const ArrayXd& at_theta = probabilities_at(grid, theta);
  const ArrayXd& log_at_theta = log_probabilities_at(at_theta);
  const double total = weights.sum();
  ArrayXd& per_row = scratch(Scratch::per_row, at_theta.size());
  for (Index start = 0; start < per_row.size(); start += kRowBlock) {
    kullback_leibler_rows(grid, start, weights, total, at_theta, log_at_theta, per_row.data() + start);
  }
  return sum_over_categories(grid, eligible, per_row);
}

// The eligible item of highest KL, as best_item(kullback_leibler(...)) finds it, reading the single-precision
// log P table for every item and the double one only for the items that could be best. Every term w_q·log P_k(θ_q)
// is <= 0 (|log P| <= 708), so each row's L̃_k is screened as above, and an item's score
// Σ_k P_k(θ̂)·(log P_k(θ̂)·W − L_k) is within Σ_k P_k(θ̂)·(2γ·(|L̃_k| + |log P_k(θ̂)|·W) + underflow) of its screened
// value; the |log P_k(θ̂)|·W part covers the rounding of W and of the terms.
std::ptrdiff_t best_kullback_leibler(const BankGrid& grid, double theta, const ArrayXd& weights,
                                     const std::vector<char>& eligible) {
  if (!(weights.maxCoeff() > 0)) return best_item(kullback_leibler(grid, theta, weights, eligible));
  const ArrayXd& at_theta = probabilities_at(grid, theta);
  const ArrayXd& log_at_theta = log_probabilities_at(at_theta);
  const Screened screened = screen(grid.log_p_single(), weights, -kMinLogProbability);
  const double scaled_total = (weights / screened.scale).sum();
  const auto& first = grid.first_rows();
  thread_local std::vector<Interval> interval;  // computed once: an item's bound adds up its rows
  interval.resize(eligible.size());
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (!eligible[i]) continue;
    double score = 0.0, error = 0.0;
    for (std::size_t row = first[i]; row < first[i + 1]; ++row) {
      const auto r = static_cast<Index>(row);
      const double integrated = screened.sums(r);
      score += at_theta(r) * (log_at_theta(r) * scaled_total - integrated);
      error += at_theta(r) * (screened.relative * (std::abs(integrated) + std::abs(log_at_theta(r)) * scaled_total) +
                              screened.absolute);
    }
    interval[i] = {score - error, score + error};
  }
  const double total = weights.sum();
  std::vector<double> terms;
  const auto bounds = [&](std::size_t i) { return interval[i]; };
  return best_screened(eligible, bounds, [&](std::size_t i) {
    // The exact terms of the item's rows, from the blocks that hold them, added up as sum_over_categories does.
    const auto begin = static_cast<Index>(first[i]) / kRowBlock * kRowBlock;
    const auto end = static_cast<Index>(first[i + 1]);
    terms.resize(static_cast<std::size_t>((end - begin + kRowBlock - 1) / kRowBlock * kRowBlock));
    for (Index block = begin; block < end; block += kRowBlock) {
      kullback_leibler_rows(grid, block, weights, total, at_theta, log_at_theta, terms.data() + (block - begin));
    }
    double score = 0.0;
    for (auto row = static_cast<Index>(first[i]); row < end; ++row) score += terms[static_cast<std::size_t>(row - begin)];
    return score;
  });
}

// The EAP mean and variance after each possible response, from the posterior weights w: the columns
// m0 = Σ w P_k, m1 = Σ w θ P_k, m2 = Σ w θ² P_k, a row per (item, category).
using AfterResponse = Eigen::Matrix<double, Eigen::Dynamic, 3>;
const AfterResponse& moments_after_response(const BankGrid& grid, const ArrayXd& weights) {
  thread_local AfterResponse after;  // per-thread scratch, as scratch() above
  Eigen::Matrix<double, Eigen::Dynamic, 3> w(weights.size(), 3);
  w.col(0) = weights.matrix();
  w.col(1) = (weights * grid.nodes()).matrix();
  w.col(2) = (weights * grid.nodes().square()).matrix();
  after.resize(grid.probability().rows(), 3);
  after.noalias() = grid.probability() * w;
  return after;
}

ArrayXd expected_posterior_variance(const BankGrid& grid, double theta, const ArrayXd& weights,
                                    const std::vector<char>& eligible) {
  const AfterResponse& after = moments_after_response(grid, weights);
  const ArrayXd& at_theta = probabilities_at(grid, theta);
  const auto mass = after.col(0).array();
  const auto mean = after.col(1).array() / mass;
  ArrayXd& per_row = scratch(Scratch::per_row, at_theta.size());
  per_row = (mass > 0).select(at_theta * (after.col(2).array() / mass - mean.square()).max(0.0), 0.0);
  const ArrayXd expected = sum_over_categories(grid, eligible, per_row);
  return (expected > kMinusInfinity).select(-expected, expected);  // minimum variance first; ineligible stay −inf
}

// MEI: Σ_k P_k(θ̂)·(−∂² log P_k(θ̂_k)), θ̂_k the estimate after answering k. EAP's θ̂_k comes from the grid
// products; the other estimators re-estimate with the response added.
ArrayXd expected_information(const BankGrid& grid, const SelectionState& state, const std::vector<char>& eligible) {
  const ItemBank& bank = grid.bank();
  const ArrayXd& at_theta = probabilities_at(grid, state.theta);
  const EstimationOptions options = state.estimation ? *state.estimation : EstimationOptions{};
  const bool eap = options.estimator == Estimator::eap;
  const AfterResponse* after = eap ? &moments_after_response(grid, state.posterior->weights()) : nullptr;
  std::vector<Response> extended(state.responses.begin(), state.responses.end());
  extended.push_back({});
  ArrayXd out = ArrayXd::Constant(static_cast<Index>(bank.size()), kMinusInfinity);
  for (std::size_t i = 0; i < bank.size(); ++i) {
    if (!eligible[i]) continue;
    const Item& item = bank.items()[i];
    double sum = 0.0;
    for (int k = 0; k < item.category_count(); ++k) {
      const Index row = grid.row(ItemIndex{i}, k);
      double theta_k = 0.0;
      if (eap) {
        theta_k = (*after)(row, 0) > 0 ? (*after)(row, 1) / (*after)(row, 0) : state.theta;
      } else {
        extended.back() = {ItemIndex{i}, k};
        theta_k = estimate_ability(bank, extended, options).theta;
      }
      sum += at_theta(row) * -category_terms(item, theta_k, bank.scaling()).d2[k];
    }
    out(static_cast<Index>(i)) = sum;
  }
  return out;
}

// Σ_q w_q I_j(θ_q), the MLWI/MPWI score, of the BankGrid::kItemBlock items from `start`, summed over the nodes in
// order. Every path computes a score with this one out-of-line routine on the item's whole block, so an item's
// score is the same number whichever path computes it (a compiler may fuse a multiply and an add in one loop and
// not in another).
[[gnu::noinline]] void weighted_information_block(const BankGrid& grid, Index start, const ArrayXd& weights,
                                                  double* out) {
  constexpr Index kBlock = BankGrid::kItemBlock;
  const Eigen::MatrixXd& table = grid.information();
  double sum[kBlock] = {};
  const double* column = table.data() + start;
  for (Index q = 0; q < weights.size(); ++q, column += table.rows()) {
    const double w = weights(q);
    for (Index r = 0; r < kBlock; ++r) sum[r] += column[r] * w;
  }
  std::copy_n(sum, kBlock, out);
}

double weighted_information(const BankGrid& grid, const ArrayXd& weights, std::size_t item) {
  constexpr Index kBlock = BankGrid::kItemBlock;
  const auto index = static_cast<Index>(item);
  double block[kBlock];
  weighted_information_block(grid, index / kBlock * kBlock, weights, block);
  return block[index % kBlock];
}

ArrayXd weighted_information(const BankGrid& grid, const ArrayXd& weights, const std::vector<char>& eligible) {
  constexpr Index kBlock = BankGrid::kItemBlock;
  ArrayXd all(grid.information().rows());
  for (Index start = 0; start < all.size(); start += kBlock) weighted_information_block(grid, start, weights, all.data() + start);
  ArrayXd scores = ArrayXd::Constant(static_cast<Index>(eligible.size()), kMinusInfinity);
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (eligible[i]) scores(static_cast<Index>(i)) = all(static_cast<Index>(i));
  }
  return scores;
}

// The eligible item of highest weighted information, as best_item(weighted_information(...)) finds it, reading the
// single-precision table for every item and the double one only for the items that could be best. Every term
// w_q·I_j(θ_q) is >= 0, so each item's sum is screened as above.
std::ptrdiff_t best_weighted_information(const BankGrid& grid, const ArrayXd& weights, const std::vector<char>& eligible) {
  if (!(weights.maxCoeff() > 0)) return best_item(weighted_information(grid, weights, eligible));
  const Screened screened = screen(grid.information_single(), weights, grid.largest_information());
  const auto bounds = [&](std::size_t i) {
    const double sum = screened.sums(static_cast<Index>(i));
    return Interval{sum * (1.0 - screened.relative) - screened.absolute, sum * (1.0 + screened.relative) + screened.absolute};
  };
  return best_screened(eligible, bounds, [&](std::size_t i) { return weighted_information(grid, weights, i); });
}

ArrayXd masked(ArrayXd scores, const std::vector<char>& eligible) {
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (!eligible[i]) scores(static_cast<Index>(i)) = kMinusInfinity;
  }
  return scores;
}

}  // namespace

std::string_view to_string(SelectionRule rule) noexcept {
  switch (rule) {
    case SelectionRule::mfi: return "mfi";
    case SelectionRule::kl: return "kl";
    case SelectionRule::klp: return "klp";
    case SelectionRule::mlwi: return "mlwi";
    case SelectionRule::mpwi: return "mpwi";
    case SelectionRule::mepv: return "mepv";
    case SelectionRule::mei: return "mei";
    case SelectionRule::closest: return "closest";
    case SelectionRule::a_stratified: return "a_stratified";
    case SelectionRule::random: return "random";
  }
  return "unknown";
}

SelectionRule selection_rule_from_string(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (lower == "a-stratified" || lower == "astratified") return SelectionRule::a_stratified;
  for (SelectionRule rule : {SelectionRule::mfi, SelectionRule::kl, SelectionRule::klp, SelectionRule::mlwi,
                             SelectionRule::mpwi, SelectionRule::mepv, SelectionRule::mei, SelectionRule::closest,
                             SelectionRule::a_stratified, SelectionRule::random}) {
    if (lower == to_string(rule)) return rule;
  }
  throw InvalidArgument("selection_rule_from_string: unknown rule '" + std::string(name) +
                        "' (expected mfi, kl, klp, mlwi, mpwi, mepv, mei, closest, a_stratified or random)");
}

void SelectionOptions::validate() const {
  if (strata < 1) throw InvalidArgument("SelectionOptions: strata must be >= 1, got " + std::to_string(strata));
}

Eigen::ArrayXd item_scores(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                           const std::vector<char>& eligible) {
  const ItemBank& bank = grid.bank();
  if (eligible.size() != bank.size()) {
    throw InvalidArgument("item_scores: the eligibility mask has " + std::to_string(eligible.size()) +
                          " entries for " + std::to_string(bank.size()) + " items");
  }
  if (!std::isfinite(state.theta)) throw InvalidArgument("item_scores: theta must be finite");
  switch (rule) {
    case SelectionRule::mfi: return masked(bank.information(state.theta), eligible);
    case SelectionRule::closest: {
      ArrayXd scores(static_cast<Index>(bank.size()));
      for (std::size_t i = 0; i < bank.size(); ++i) scores(static_cast<Index>(i)) = -std::abs(bank.items()[i].b() - state.theta);
      return masked(std::move(scores), eligible);
    }
    case SelectionRule::mlwi:
    case SelectionRule::mpwi: {
      const GridPosterior& posterior = require_posterior(state, rule, grid);
      const ArrayXd weights = rule == SelectionRule::mlwi ? posterior.likelihood_weights() : posterior.weights();
      return weighted_information(grid, weights, eligible);
    }
    case SelectionRule::kl:
    case SelectionRule::klp: {
      const GridPosterior& posterior = require_posterior(state, rule, grid);
      const ArrayXd weights = rule == SelectionRule::kl ? posterior.likelihood_weights() : posterior.weights();
      return kullback_leibler(grid, state.theta, weights, eligible);
    }
    case SelectionRule::mepv:
      return expected_posterior_variance(grid, state.theta, require_posterior(state, rule, grid).weights(), eligible);
    case SelectionRule::mei:
      require_posterior(state, rule, grid);
      return expected_information(grid, state, eligible);
    case SelectionRule::a_stratified:
    case SelectionRule::random: break;
  }
  throw InvalidArgument("item_scores: rule " + std::string(to_string(rule)) + " chooses without scores");
}

std::ptrdiff_t best_item(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                         const std::vector<char>& eligible) {
  const bool weighted = rule == SelectionRule::mlwi || rule == SelectionRule::mpwi;
  const bool divergence = rule == SelectionRule::kl || rule == SelectionRule::klp;
  if (!weighted && !divergence) return best_item(item_scores(rule, grid, state, eligible));
  if (eligible.size() != grid.bank().size()) {
    throw InvalidArgument("best_item: the eligibility mask has " + std::to_string(eligible.size()) + " entries for " +
                          std::to_string(grid.bank().size()) + " items");
  }
  if (!std::isfinite(state.theta)) throw InvalidArgument("best_item: theta must be finite");
  const GridPosterior& posterior = require_posterior(state, rule, grid);
  const bool likelihood = rule == SelectionRule::mlwi || rule == SelectionRule::kl;
  const ArrayXd weights = likelihood ? posterior.likelihood_weights() : posterior.weights();
  return weighted ? best_weighted_information(grid, weights, eligible)
                  : best_kullback_leibler(grid, state.theta, weights, eligible);
}

std::ptrdiff_t best_item(const Eigen::ArrayXd& scores) {
  std::ptrdiff_t best = -1;
  double best_score = kMinusInfinity;
  for (Index i = 0; i < scores.size(); ++i) {
    if (scores(i) > best_score) {  // strict: the first of equals keeps the place
      best = i;
      best_score = scores(i);
    }
  }
  return best;
}

std::vector<std::size_t> best_items(const Eigen::ArrayXd& scores, std::size_t count) {
  std::vector<std::size_t> order;
  for (Index i = 0; i < scores.size(); ++i) {
    if (scores(i) > kMinusInfinity) order.push_back(static_cast<std::size_t>(i));
  }
  count = std::min(count, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      const double sa = scores(static_cast<Index>(a));
                      const double sb = scores(static_cast<Index>(b));
                      return sa > sb || (sa == sb && a < b);
                    });
  order.resize(count);
  return order;
}

std::vector<int> a_strata(const ItemBank& bank, int strata) {
  if (strata < 1) throw InvalidArgument("a_strata: needs at least one stratum, got " + std::to_string(strata));
  std::vector<std::size_t> by_b(bank.size());
  std::iota(by_b.begin(), by_b.end(), std::size_t{0});
  std::stable_sort(by_b.begin(), by_b.end(),
                   [&](std::size_t x, std::size_t y) { return bank.items()[x].b() < bank.items()[y].b(); });
  std::vector<int> stratum(bank.size(), 0);
  const auto block_size = static_cast<std::size_t>(strata);
  for (std::size_t start = 0; start < by_b.size(); start += block_size) {
    const std::size_t end = std::min(start + block_size, by_b.size());
    std::vector<std::size_t> block(by_b.begin() + static_cast<std::ptrdiff_t>(start),
                                   by_b.begin() + static_cast<std::ptrdiff_t>(end));
    std::stable_sort(block.begin(), block.end(),
                     [&](std::size_t x, std::size_t y) { return bank.items()[x].a() < bank.items()[y].a(); });
    // A short last block spreads over the strata as evenly as it can.
    for (std::size_t r = 0; r < block.size(); ++r) {
      stratum[block[r]] = static_cast<int>(r * block_size / block.size());
    }
  }
  return stratum;
}

}  // namespace irtcat
