#include "irtcat/selection.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "detail/ascii.hpp"
#include "detail/check.hpp"
#include "detail/selection_kernels.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using Eigen::ArrayXd;
using Eigen::Index;

using detail::kMinusInfinity;

// Σ over each eligible item's category rows of `per_row` (one value per row of the grid's layout); −∞ for the
// others. The per-row values are computed for all rows in vectorized passes; this adds them up.
ArrayXd sum_over_categories(const BankGrid& grid, std::span<const char> eligible, const ArrayXd& per_row) {
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

ArrayXd kullback_leibler(const BankGrid& grid, double theta, const ArrayXd& weights, std::span<const char> eligible,
                         detail::WorkspaceBuffers& workspace) {
  ArrayXd& per_row = detail::scratch(workspace, detail::Scratch::per_row, 0);
  detail::kullback_leibler_terms(grid, weights, weights.sum(),
                                 detail::probabilities_at(grid, theta, detail::Logs::compute, workspace), per_row,
                                 workspace);
  return sum_over_categories(grid, eligible, per_row);
}

ArrayXd expected_posterior_variance(const BankGrid& grid, double theta, const ArrayXd& weights,
                                    std::span<const char> eligible, detail::WorkspaceBuffers& workspace) {
  ArrayXd& per_row = detail::scratch(workspace, detail::Scratch::per_row, 0);
  const ArrayXd& at_theta = detail::probabilities_at(grid, theta, detail::Logs::skip, workspace).p;
  if (weights.maxCoeff() > 0) {
    detail::posterior_variance_terms(grid, detail::moment_weights(weights, grid.nodes()), at_theta, per_row);
  } else {
    per_row.setZero(at_theta.size());  // no posterior mass anywhere: nothing to tell the items apart by
  }
  const ArrayXd expected = sum_over_categories(grid, eligible, per_row);
  return (expected > kMinusInfinity).select(-expected, expected);  // minimum variance first; ineligible stay −inf
}

// MEI: Σ_k P_k(θ̂)·(−∂² log P_k(θ̂_k)), θ̂_k the estimate after answering k. EAP's θ̂_k comes from the grid
// products; the other estimators re-estimate with the response added.
ArrayXd expected_information(const BankGrid& grid, const SelectionState& state, std::span<const char> eligible,
                             detail::WorkspaceBuffers& workspace) {
  const ItemBank& bank = grid.bank();
  const ArrayXd& at_theta = detail::probabilities_at(grid, state.theta, detail::Logs::skip, workspace).p;
  const EstimationOptions options = state.estimation ? *state.estimation : EstimationOptions{};
  const bool eap = options.estimator == Estimator::eap && state.posterior->weights().maxCoeff() > 0;
  ArrayXd& means = detail::scratch(workspace, detail::Scratch::per_row, 0);
  if (eap) detail::posterior_means_after(grid, detail::moment_weights(state.posterior->weights(), grid.nodes()), means);
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
        theta_k = means(row);
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

ArrayXd weighted_information(const BankGrid& grid, const ArrayXd& weights, std::span<const char> eligible,
                             detail::WorkspaceBuffers& workspace) {
  ArrayXd& all = detail::scratch(workspace, detail::Scratch::per_row, 0);
  detail::weighted_information(grid, weights, all);
  ArrayXd scores = ArrayXd::Constant(static_cast<Index>(eligible.size()), kMinusInfinity);
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    if (eligible[i]) scores(static_cast<Index>(i)) = all(static_cast<Index>(i));
  }
  return scores;
}

ArrayXd masked(ArrayXd scores, std::span<const char> eligible) {
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

std::string selection_rule_names() {
  std::string names;
  for (std::size_t i = 0; i < kSelectionRules.size(); ++i) {
    if (i > 0) names += i + 1 == kSelectionRules.size() ? " or " : ", ";
    names += to_string(kSelectionRules[i]);
  }
  return names;
}

SelectionRule selection_rule_from_string(std::string_view name) {
  const std::string lower = detail::ascii_lower(name);
  if (lower == "a-stratified" || lower == "astratified") return SelectionRule::a_stratified;
  for (const SelectionRule rule : kSelectionRules) {
    if (lower == to_string(rule)) return rule;
  }
  throw InvalidArgument("selection_rule_from_string: unknown rule " + detail::quoted_value(name) + " (expected " +
                        selection_rule_names() + ")");
}

void SelectionOptions::validate() const {
  if (strata < 1) throw InvalidArgument("SelectionOptions: strata must be >= 1, got " + std::to_string(strata));
}

Eigen::ArrayXd item_scores(SelectionRule rule, const BankGrid& grid, const SelectionState& state,
                           std::span<const char> eligible, detail::WorkspaceBuffers& workspace) {
  const ItemBank& bank = grid.bank();
  detail::check_mask_size("item_scores", eligible.size(), bank.size());
  detail::check_finite("item_scores", "theta", state.theta);
  switch (rule) {
    case SelectionRule::mfi: return masked(bank.information(state.theta), eligible);
    case SelectionRule::closest: {
      ArrayXd scores(static_cast<Index>(bank.size()));
      for (std::size_t i = 0; i < bank.size(); ++i) scores(static_cast<Index>(i)) = -std::abs(bank.items()[i].b() - state.theta);
      return masked(std::move(scores), eligible);
    }
    case SelectionRule::mlwi:
    case SelectionRule::mpwi: {
      const GridPosterior& posterior = detail::require_posterior(state, rule, grid);
      const ArrayXd weights = rule == SelectionRule::mlwi ? posterior.likelihood_weights() : posterior.weights();
      return weighted_information(grid, weights, eligible, workspace);
    }
    case SelectionRule::kl:
    case SelectionRule::klp: {
      const GridPosterior& posterior = detail::require_posterior(state, rule, grid);
      const ArrayXd weights = rule == SelectionRule::kl ? posterior.likelihood_weights() : posterior.weights();
      return kullback_leibler(grid, state.theta, weights, eligible, workspace);
    }
    case SelectionRule::mepv:
      return expected_posterior_variance(grid, state.theta, detail::require_posterior(state, rule, grid).weights(), eligible,
                                         workspace);
    case SelectionRule::mei:
      detail::require_posterior(state, rule, grid);
      return expected_information(grid, state, eligible, workspace);
    case SelectionRule::a_stratified:
    case SelectionRule::random: break;
  }
  throw InvalidArgument("item_scores: rule " + std::string(to_string(rule)) + " chooses without scores");
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
