// Item fit after calibration: Orlando & Thissen's (2000) S-X2 for dichotomous items, and Rasch infit / outfit mean
// squares (Wright & Masters 1982) at EAP abilities.

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>

#include "detail/calibration_internal.hpp"

namespace irtcat::detail {
namespace {

// Lord & Wingersky (1984): the summed-score distribution at every node, items added one at a time.
// `scores` is (max score + 1) × nodes; item i contributes score k with probability probs[i](k, q).
void add_item(const RowMatrix& item_probs, RowMatrix& scores, int& max_score) {
  const int k_max = static_cast<int>(item_probs.rows()) - 1;
  RowMatrix next = RowMatrix::Zero(max_score + k_max + 1, scores.cols());
  for (int s = 0; s <= max_score; ++s) {
    for (int k = 0; k <= k_max; ++k) next.row(s + k).array() += scores.row(s).array() * item_probs.row(k).array();
  }
  scores = std::move(next);
  max_score += k_max;
}

bool rasch_family(const ItemSpec& spec) {
  return spec.model == CalibrationModel::rasch || spec.model == CalibrationModel::one_pl ||
         spec.model == CalibrationModel::pcm;
}

void s_x2(const CalibrationProblem& problem, const ParameterState& state, std::vector<ItemFit>& fit) {
  const std::size_t items = problem.specs.size();
  // Persons who answered every item of the likelihood: their summed score is defined.
  std::vector<std::size_t> complete;
  for (std::size_t p = 0; p < problem.frequencies.size(); ++p) {
    if (problem.offsets[p + 1] - problem.offsets[p] == items) complete.push_back(p);
  }
  if (complete.empty()) return;
  const RowMatrix table = log_probability_table(problem, state);
  const Eigen::ArrayXd weights = log_node_weights(problem.nodes, state.mean, state.variance).exp();
  std::vector<RowMatrix> probs(items);
  for (std::size_t i = 0; i < items; ++i) {
    probs[i] = table.middleRows(static_cast<Eigen::Index>(problem.specs[i].row), problem.specs[i].categories)
                   .array()
                   .exp()
                   .matrix();
  }
  const Eigen::Index q_count = problem.nodes.size();
  RowMatrix full = RowMatrix::Ones(1, q_count);
  int full_max = 0;
  for (std::size_t i = 0; i < items; ++i) add_item(probs[i], full, full_max);
  const Eigen::ArrayXd full_marginal = full.array().matrix() * weights.matrix();  // P(score = s)

  // Each complete person's summed score.
  std::vector<int> score(complete.size(), 0);
  for (std::size_t n = 0; n < complete.size(); ++n) {
    const std::size_t p = complete[n];
    for (std::size_t i = 0; i < items; ++i) {
      score[n] += problem.cells[problem.offsets[p] + i] - static_cast<int>(problem.specs[i].row);
    }
  }
  for (std::size_t j = 0; j < items; ++j) {
    const ItemSpec& spec = problem.specs[j];
    if (spec.fixed || !spec.dichotomous()) continue;
    RowMatrix rest = RowMatrix::Ones(1, q_count);
    int rest_max = 0;
    for (std::size_t i = 0; i < items; ++i) {
      if (i != j) add_item(probs[i], rest, rest_max);
    }
    // Score groups 1 .. max − 1 (the extremes carry no information on the item).
    std::vector<double> persons(static_cast<std::size_t>(full_max + 1), 0.0);
    std::vector<double> correct(static_cast<std::size_t>(full_max + 1), 0.0);
    for (std::size_t n = 0; n < complete.size(); ++n) {
      const std::size_t p = complete[n];
      const int x = problem.cells[problem.offsets[p] + j] - static_cast<int>(spec.row);
      persons[static_cast<std::size_t>(score[n])] += problem.frequencies[p];
      correct[static_cast<std::size_t>(score[n])] += problem.frequencies[p] * x;
    }
    // Collapse adjacent groups until both expected cell counts are at least 1 (mirt's mincell = 1).
    struct Group {
      double n = 0.0, observed = 0.0, expected = 0.0;
    };
    std::vector<Group> groups;
    Group open;
    for (int s = 1; s < full_max; ++s) {
      const double denominator = full_marginal[s];
      const double e = denominator > 0.0
                           ? (probs[j].row(1).array() * rest.row(s - 1).array() * weights.transpose()).sum() / denominator
                           : 0.0;
      const double n = persons[static_cast<std::size_t>(s)];
      open.n += n;
      open.observed += correct[static_cast<std::size_t>(s)];
      open.expected += n * e;
      if (open.expected >= 1.0 && open.n - open.expected >= 1.0) {
        groups.push_back(open);
        open = Group{};
      }
    }
    if (open.n > 0.0) {
      if (groups.empty()) {
        groups.push_back(open);
      } else {
        groups.back().n += open.n;
        groups.back().observed += open.observed;
        groups.back().expected += open.expected;
      }
    }
    double statistic = 0.0;
    int used = 0;
    for (const Group& g : groups) {
      const double e_wrong = g.n - g.expected;
      if (g.expected <= 0.0 || e_wrong <= 0.0) continue;
      const double diff = g.observed - g.expected;
      statistic += diff * diff / g.expected + diff * diff / e_wrong;
      ++used;
    }
    const int df = used - spec.free_count();
    if (used == 0) continue;
    ItemFit& out = fit[j];
    out.s_x2 = statistic;
    out.s_x2_df = df;
    if (df > 0) out.s_x2_p = boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), statistic));
  }
}

void infit_outfit(const CalibrationProblem& problem, const ParameterState& state, std::vector<ItemFit>& fit) {
  const std::size_t items = problem.specs.size();
  bool any = false;
  for (const ItemSpec& spec : problem.specs) any = any || (!spec.fixed && rasch_family(spec));
  if (!any) return;
  std::vector<std::size_t> item_of_row(static_cast<std::size_t>(problem.rows));
  for (std::size_t i = 0; i < items; ++i) {
    for (int k = 0; k < problem.specs[i].categories; ++k) item_of_row[problem.specs[i].row + k] = i;
  }
  const Eigen::ArrayXd eap = pattern_eap(problem, state);
  std::vector<double> squared(items, 0.0), variance(items, 0.0), z2(items, 0.0), weight(items, 0.0);
  Eigen::ArrayXd node(1);
  RowMatrix log_p(kMaxCategories, 1);
  for (std::size_t p = 0; p < problem.frequencies.size(); ++p) {
    node[0] = eap[static_cast<Eigen::Index>(p)];
    const double f = problem.frequencies[p];
    for (std::size_t c = problem.offsets[p]; c < problem.offsets[p + 1]; ++c) {
      const std::size_t i = item_of_row[static_cast<std::size_t>(problem.cells[c])];
      const ItemSpec& spec = problem.specs[i];
      if (spec.fixed || !rasch_family(spec)) continue;
      item_log_probabilities(spec, state.items[i], node, log_p.topRows(spec.categories));
      double mean = 0.0;
      for (int k = 0; k < spec.categories; ++k) mean += k * std::exp(log_p(k, 0));
      double var = 0.0;
      for (int k = 0; k < spec.categories; ++k) var += (k - mean) * (k - mean) * std::exp(log_p(k, 0));
      const double x = problem.cells[c] - static_cast<double>(spec.row);
      const double r2 = (x - mean) * (x - mean);
      squared[i] += f * r2;
      variance[i] += f * var;
      z2[i] += f * r2 / std::max(var, 1e-12);
      weight[i] += f;
    }
  }
  for (std::size_t i = 0; i < items; ++i) {
    if (weight[i] == 0.0 || variance[i] <= 0.0) continue;
    fit[i].infit = squared[i] / variance[i];
    fit[i].outfit = z2[i] / weight[i];
  }
}

}  // namespace

std::vector<ItemFit> item_fit(const CalibrationProblem& problem, const ParameterState& state) {
  std::vector<ItemFit> fit(problem.specs.size());
  s_x2(problem, state, fit);
  infit_outfit(problem, state, fit);
  return fit;
}

}  // namespace irtcat::detail
