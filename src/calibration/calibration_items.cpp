// Per-item pieces of the EM calibration: category log-probabilities in slope-intercept form, the M-step objective
// with its analytic gradient and Hessian, the guarded Newton M-step, and starting values.

#include <Eigen/Cholesky>
#include <algorithm>
#include <array>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <utility>

#include "detail/calibration_internal.hpp"
#include "detail/logistic.hpp"
#include "irtcat/error.hpp"

namespace irtcat::detail {
namespace {

// ---- dichotomous ------------------------------------------------------------------------------------------------
//
// P = c + (u − c)·s, s = σ(a·θ + d) (c = 0 and u = 1 when absent). With e = r1/P − r0/Q and
// f = r1/P² + r0/Q², the objective's gradient is Σ_q e·∂P and its Hessian Σ_q (e·∂²P − f·∂P∂Pᵀ).
// Without asymptotes the log form is used instead: ∂Q/∂(a, d) = Σ (r1 − n·s)(θ, 1), Hessian −Σ n·s(1 − s)(θ, 1)(θ, 1)ᵀ,
// exact in the far tails.
void dichotomous_objective(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                           const Eigen::Ref<const RowMatrix>& counts, bool derivatives, ItemObjective& out) {
  const double a = par[0];
  const double d = par[1];
  const bool lower = spec.has_lower();
  const bool upper = spec.has_upper();
  const double c = lower ? par[2] : 0.0;
  const double u = upper ? par[3] : 1.0;
  const Eigen::Index q_count = nodes.size();
  if (!lower && !upper) {
    for (Eigen::Index q = 0; q < q_count; ++q) {
      const double theta = nodes[q];
      const double z = std::clamp(a * theta + d, -kPredictorBound, kPredictorBound);
      const double r0 = counts(0, q);
      const double r1 = counts(1, q);
      out.value += r1 * log_sigmoid(z) + r0 * log_sigmoid(-z);
      if (!derivatives) continue;
      const auto [s, sb] = sigmoid_pair(z);
      const double n = r0 + r1;
      const double residual = r1 - n * s;
      const double w = n * s * sb;
      out.gradient[0] += residual * theta;
      out.gradient[1] += residual;
      out.hessian(0, 0) -= w * theta * theta;
      out.hessian(0, 1) -= w * theta;
      out.hessian(1, 1) -= w;
    }
    if (derivatives) out.hessian(1, 0) = out.hessian(0, 1);
    return;
  }
  const int n_par = spec.parameter_count();
  std::array<double, 4> dp{};
  std::array<std::array<double, 4>, 4> d2p{};
  for (Eigen::Index q = 0; q < q_count; ++q) {
    const double theta = nodes[q];
    const auto [s, sb] = sigmoid_pair(std::clamp(a * theta + d, -kPredictorBound, kPredictorBound));
    const double p = c + (u - c) * s;
    const double qq = (1.0 - u) + (u - c) * sb;
    const double r0 = counts(0, q);
    const double r1 = counts(1, q);
    out.value += r1 * std::log(p) + r0 * std::log(qq);
    if (!derivatives) continue;
    const double w = s * sb;              // ∂s/∂z
    const double v = w * (sb - s);        // ∂²s/∂z²
    const double spread = u - c;
    dp[0] = spread * w * theta;
    dp[1] = spread * w;
    d2p[0][0] = spread * v * theta * theta;
    d2p[0][1] = spread * v * theta;
    d2p[1][1] = spread * v;
    // P is linear in c and u: ∂P/∂c = 1 − s, ∂P/∂u = s, and their second derivatives vanish but for the cross
    // terms with a and d.
    if (lower) {
      dp[2] = sb;
      d2p[0][2] = -w * theta;
      d2p[1][2] = -w;
    }
    if (upper) {
      dp[3] = s;
      d2p[0][3] = w * theta;
      d2p[1][3] = w;
    }
    const double e = r1 / p - r0 / qq;
    const double f = r1 / (p * p) + r0 / (qq * qq);
    for (int i = 0; i < n_par; ++i) {
      out.gradient[i] += e * dp[i];
      for (int j = i; j < n_par; ++j) out.hessian(i, j) += e * d2p[i][j] - f * dp[i] * dp[j];
    }
  }
  if (!derivatives) return;
  for (int i = 0; i < n_par; ++i) {
    for (int j = 0; j < i; ++j) out.hessian(i, j) = out.hessian(j, i);
  }
}

// ---- graded response --------------------------------------------------------------------------------------------
//
// P*_k = σ(a·θ + d_k), k = 1..K (P*_0 = 1, P*_{K+1} = 0), P_k = P*_k − P*_{k+1}. With w_k = P*_k(1 − P*_k) and
// v_k = w_k(1 − 2P*_k): ∂P*_k/∂a = w_k·θ, ∂P*_k/∂d_k = w_k, ∂²P*_k/∂a² = v_k·θ², ∂²P*_k/∂a∂d_k = v_k·θ,
// ∂²P*_k/∂d_k² = v_k. The objective's derivatives follow as for the dichotomous case, category by category.
// P_k for 0 < k < K is σ(z_k)·σ(−z_{k+1})·(1 − exp(d_{k+1} − d_k)): no cancellation.
void graded_objective(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                      const Eigen::Ref<const RowMatrix>& counts, bool derivatives, ItemObjective& out) {
  const int k_max = spec.thresholds();
  const double a = par[0];
  std::array<double, kMaxCategories + 1> s{};
  std::array<double, kMaxCategories + 1> sb{};
  std::array<double, kMaxCategories + 1> w{};
  std::array<double, kMaxCategories + 1> v{};
  std::array<double, kMaxCategories> gap{};  // 1 − exp(d_{k+1} − d_k)
  for (int k = 1; k < k_max; ++k) gap[k] = -std::expm1(par[k + 1] - par[k]);
  for (Eigen::Index q = 0; q < nodes.size(); ++q) {
    const double theta = nodes[q];
    for (int k = 1; k <= k_max; ++k) {
      const auto pair = sigmoid_pair(std::clamp(a * theta + par[k], -kPredictorBound, kPredictorBound));
      s[k] = pair.s;
      sb[k] = pair.sb;
      w[k] = pair.s * pair.sb;
      v[k] = w[k] * (pair.sb - pair.s);
    }
    s[k_max + 1] = 0.0;
    w[k_max + 1] = 0.0;
    v[k_max + 1] = 0.0;
    w[0] = 0.0;
    v[0] = 0.0;
    for (int k = 0; k <= k_max; ++k) {
      double p = 0.0;
      if (k == 0) {
        p = sb[1];
      } else if (k == k_max) {
        p = s[k];
      } else {
        p = s[k] * sb[k + 1] * gap[k];
      }
      p = std::max(p, 1e-300);
      const double r = counts(k, q);
      out.value += r * std::log(p);
      if (!derivatives || r == 0.0) continue;
      const double e = r / p;
      const double f = r / (p * p);
      // ∂P_k: a → (w_k − w_{k+1})θ, d_k → w_k (k ≥ 1), d_{k+1} → −w_{k+1} (k < K).
      const double dpa = (w[k] - w[k + 1]) * theta;
      const double dpk = w[k];
      const double dpk1 = -w[k + 1];
      out.gradient[0] += e * dpa;
      out.hessian(0, 0) += e * (v[k] - v[k + 1]) * theta * theta - f * dpa * dpa;
      if (k >= 1) {
        out.gradient[k] += e * dpk;
        out.hessian(0, k) += e * v[k] * theta - f * dpa * dpk;
        out.hessian(k, k) += e * v[k] - f * dpk * dpk;
      }
      if (k < k_max) {
        out.gradient[k + 1] += e * dpk1;
        out.hessian(0, k + 1) += -e * v[k + 1] * theta - f * dpa * dpk1;
        out.hessian(k + 1, k + 1) += -e * v[k + 1] - f * dpk1 * dpk1;
      }
      if (k >= 1 && k < k_max) out.hessian(k, k + 1) += -f * dpk * dpk1;
    }
  }
  if (!derivatives) return;
  for (int i = 0; i <= k_max; ++i) {
    for (int j = 0; j < i; ++j) out.hessian(i, j) = out.hessian(j, i);
  }
}

// ---- (generalized) partial credit -------------------------------------------------------------------------------
//
// log P_k = k·a·θ + d_k − log Σ_j exp(j·a·θ + d_j) (d_0 = 0): an exponential family in (a, d), so
// ∂Q/∂a = Σ_q θ(Σ_k k·r_k − n·E[k]), ∂Q/∂d_m = Σ_q (r_m − n·P_m), and the Hessian is −Σ_q n·Cov of (k·θ, 1[k = m]).
void partial_credit_objective(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                              const Eigen::Ref<const RowMatrix>& counts, bool derivatives, ItemObjective& out) {
  const int count = spec.categories;
  const double a = par[0];
  std::array<double, kMaxCategories> eta{};
  std::array<double, kMaxCategories> p{};
  for (Eigen::Index q = 0; q < nodes.size(); ++q) {
    const double theta = nodes[q];
    double eta_max = 0.0;
    for (int k = 1; k < count; ++k) {
      eta[k] = k * a * theta + par[k];
      eta_max = std::max(eta_max, eta[k]);
    }
    double total = 0.0;
    for (int k = 0; k < count; ++k) total += std::exp(eta[k] - eta_max);
    const double log_total = eta_max + std::log(total);
    double n = 0.0;
    double score = 0.0;
    double mean = 0.0;
    for (int k = 0; k < count; ++k) {
      const double log_p = eta[k] - log_total;
      p[k] = std::exp(log_p);
      const double r = counts(k, q);
      out.value += r * log_p;
      n += r;
      score += k * r;
      mean += k * p[k];
    }
    if (!derivatives || n == 0.0) continue;
    double variance = 0.0;
    for (int k = 0; k < count; ++k) variance += (k - mean) * (k - mean) * p[k];
    out.gradient[0] += theta * (score - n * mean);
    out.hessian(0, 0) -= n * theta * theta * variance;
    for (int m = 1; m < count; ++m) {
      out.gradient[m] += counts(m, q) - n * p[m];
      out.hessian(0, m) -= n * theta * p[m] * (m - mean);
      out.hessian(m, m) -= n * p[m];
      for (int l = m; l < count; ++l) out.hessian(m, l) += n * p[m] * p[l];
    }
  }
  if (!derivatives) return;
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < i; ++j) out.hessian(i, j) = out.hessian(j, i);
  }
}

// ---- priors -----------------------------------------------------------------------------------------------------

void add_priors(const ItemSpec& spec, const Eigen::VectorXd& par, const ParameterPriors& priors, bool derivatives,
                ItemObjective& out) {
  if (priors.slope && spec.free[0]) {
    const LogPriorTerms terms = slope_log_prior(*priors.slope, par[0]);
    out.value += terms.value;
    if (derivatives) {
      out.gradient[0] += terms.first;
      out.hessian(0, 0) += terms.second;
    }
  }
  const int k = spec.thresholds();
  // Beta(α, β) log density of x in (0, 1) up to a constant, and its derivatives: the estimate is a mode in the
  // asymptote itself, as mirt's parprior. A term with exponent 0 (α = 1 or β = 1) is left out, so that a flat side
  // allows the bound.
  auto beta_term = [&](const BetaPrior& prior, double x, double sign, int index) {
    const double a1 = prior.alpha - 1.0;
    const double b1 = prior.beta - 1.0;
    if (a1 > 0.0) out.value += a1 * std::log(x);
    if (b1 > 0.0) out.value += b1 * std::log1p(-x);
    if (!derivatives) return;
    out.gradient[index] += sign * ((a1 > 0.0 ? a1 / x : 0.0) - (b1 > 0.0 ? b1 / (1.0 - x) : 0.0));
    out.hessian(index, index) -= (a1 > 0.0 ? a1 / (x * x) : 0.0) + (b1 > 0.0 ? b1 / ((1.0 - x) * (1.0 - x)) : 0.0);
  };
  if (priors.lower_asymptote && spec.has_lower()) beta_term(*priors.lower_asymptote, par[k + 1], 1.0, k + 1);
  // The upper asymptote's prior is on 1 − u: d/du = −d/d(1 − u).
  if (priors.upper_asymptote && spec.has_upper()) beta_term(*priors.upper_asymptote, 1.0 - par[k + 2], -1.0, k + 2);
  if (priors.difficulty && spec.dichotomous() && std::abs(par[0]) > 1e-12) {
    // b = −d/a ~ N(μ, σ²): ∂b = (d/a², −1/a), ∂²b/∂a² = −2d/a³, ∂²b/∂a∂d = 1/a².
    const double a = par[0];
    const double d = par[1];
    const double b = -d / a;
    const double sd2 = priors.difficulty->sd * priors.difficulty->sd;
    const double z = (b - priors.difficulty->mean) / sd2;
    out.value += -0.5 * (b - priors.difficulty->mean) * z;
    if (derivatives) {
      const double ba = d / (a * a);
      const double bd = -1.0 / a;
      const bool slope_free = spec.free[0];
      if (slope_free) {
        out.gradient[0] += -z * ba;
        out.hessian(0, 0) += -ba * ba / sd2 - z * (-2.0 * d / (a * a * a));
        out.hessian(0, 1) += -ba * bd / sd2 - z / (a * a);
        out.hessian(1, 0) = out.hessian(0, 1);
      }
      out.gradient[1] += -z * bd;
      out.hessian(1, 1) += -bd * bd / sd2;
    }
  }
}

// Free entries of a full vector / matrix.
std::vector<int> free_indices(const ItemSpec& spec) {
  std::vector<int> indices;
  for (int i = 0; i < spec.parameter_count(); ++i) {
    if (spec.free[static_cast<std::size_t>(i)]) indices.push_back(i);
  }
  return indices;
}

}  // namespace

LogPriorTerms slope_log_prior(const LognormalPrior& prior, double a) {
  // log a ~ N(μ, σ²): log p(a) = −log a − L²/(2σ²), L = log a − μ.
  a = std::max(a, 1e-300);
  const double sd2 = prior.sdlog * prior.sdlog;
  const double l = std::log(a) - prior.meanlog;
  return {-std::log(a) - l * l / (2.0 * sd2), (-1.0 - l / sd2) / a, (1.0 - (1.0 - l) / sd2) / (a * a)};
}

bool ItemSpec::dichotomous() const noexcept {
  return model == CalibrationModel::rasch || model == CalibrationModel::one_pl || model == CalibrationModel::two_pl ||
         model == CalibrationModel::three_pl || model == CalibrationModel::four_pl;
}

int ItemSpec::free_count() const noexcept {
  return static_cast<int>(std::count(free.begin(), free.end(), true));
}

ItemSpec make_item_spec(CalibrationModel model, int categories, bool fixed) {
  ItemSpec spec;
  spec.model = model;
  spec.categories = categories;
  spec.fixed = fixed;
  spec.free.assign(static_cast<std::size_t>(spec.parameter_count()), !fixed);
  const bool slope_fixed = model == CalibrationModel::rasch || model == CalibrationModel::pcm ||
                           model == CalibrationModel::one_pl;
  if (slope_fixed) spec.free[0] = false;
  return spec;
}

void item_log_probabilities(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                            Eigen::Ref<RowMatrix> out) {
  const double a = par[0];
  if (spec.dichotomous()) {
    const double c = spec.has_lower() ? par[2] : 0.0;
    const double u = spec.has_upper() ? par[3] : 1.0;
    for (Eigen::Index q = 0; q < nodes.size(); ++q) {
      const double z = std::clamp(a * nodes[q] + par[1], -kPredictorBound, kPredictorBound);
      if (c == 0.0 && u == 1.0) {
        out(0, q) = log_sigmoid(-z);
        out(1, q) = log_sigmoid(z);
      } else {
        const auto [s, sb] = sigmoid_pair(z);
        out(0, q) = std::log((1.0 - u) + (u - c) * sb);
        out(1, q) = std::log(c + (u - c) * s);
      }
    }
    return;
  }
  const int k_max = spec.thresholds();
  if (spec.model == CalibrationModel::grm) {
    for (Eigen::Index q = 0; q < nodes.size(); ++q) {
      const double theta = nodes[q];
      out(0, q) = log_sigmoid(-std::clamp(a * theta + par[1], -kPredictorBound, kPredictorBound));
      out(k_max, q) = log_sigmoid(std::clamp(a * theta + par[k_max], -kPredictorBound, kPredictorBound));
      for (int k = 1; k < k_max; ++k) {
        const double zk = std::clamp(a * theta + par[k], -kPredictorBound, kPredictorBound);
        const double zk1 = std::clamp(a * theta + par[k + 1], -kPredictorBound, kPredictorBound);
        out(k, q) = std::max(log_sigmoid(zk) + log_sigmoid(-zk1) + std::log(-std::expm1(par[k + 1] - par[k])),
                             kMinLogProbability);
      }
    }
    return;
  }
  std::array<double, kMaxCategories> eta{};
  for (Eigen::Index q = 0; q < nodes.size(); ++q) {
    double eta_max = 0.0;
    for (int k = 1; k <= k_max; ++k) {
      eta[k] = k * a * nodes[q] + par[k];
      eta_max = std::max(eta_max, eta[k]);
    }
    double total = 0.0;
    for (int k = 0; k <= k_max; ++k) total += std::exp(eta[k] - eta_max);
    const double log_total = eta_max + std::log(total);
    for (int k = 0; k <= k_max; ++k) out(k, q) = eta[k] - log_total;
  }
}

ItemObjective item_objective(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                             const Eigen::Ref<const RowMatrix>& counts, const ParameterPriors& priors,
                             bool derivatives) {
  ItemObjective out;
  const int n = spec.parameter_count();
  if (derivatives) {
    out.gradient = Eigen::VectorXd::Zero(n);
    out.hessian = Eigen::MatrixXd::Zero(n, n);
  }
  if (spec.dichotomous()) {
    dichotomous_objective(spec, par, nodes, counts, derivatives, out);
  } else if (spec.model == CalibrationModel::grm) {
    graded_objective(spec, par, nodes, counts, derivatives, out);
  } else {
    partial_credit_objective(spec, par, nodes, counts, derivatives, out);
  }
  add_priors(spec, par, priors, derivatives, out);
  return out;
}

double item_log_prior(const ItemSpec& spec, const Eigen::VectorXd& par, const ParameterPriors& priors) {
  ItemObjective out;
  add_priors(spec, par, priors, false, out);
  return out.value;
}

ParameterBox parameter_box(const ItemSpec& spec, const ParameterPriors& priors) {
  const int n = spec.parameter_count();
  const int k_max = spec.thresholds();
  ParameterBox box{Eigen::VectorXd::Constant(n, -kInterceptBound), Eigen::VectorXd::Constant(n, kInterceptBound)};
  // A prior whose log density is −∞ at an edge keeps the estimate strictly inside: the edge moves in by a hair.
  constexpr double kInside = 1e-12;
  box.lower[0] = priors.slope && spec.free[0] ? kInside : -kSlopeBound;
  box.upper[0] = kSlopeBound;
  if (spec.has_lower()) {
    const bool barrier = priors.lower_asymptote && priors.lower_asymptote->alpha > 1.0;
    box.lower[k_max + 1] = barrier ? kInside : 0.0;
    box.upper[k_max + 1] = 1.0 - kAsymptoteMargin;
  }
  if (spec.has_upper()) {
    const bool barrier = priors.upper_asymptote && priors.upper_asymptote->alpha > 1.0;
    box.lower[k_max + 2] = kAsymptoteMargin;
    box.upper[k_max + 2] = barrier ? 1.0 - kInside : 1.0;
  }
  return box;
}

void project_onto_box(const ParameterBox& box, Eigen::VectorXd& par) {
  par = par.cwiseMax(box.lower).cwiseMin(box.upper);
}

double projected_gradient(double gradient, double value, double lower, double upper) noexcept {
  if (value <= lower && gradient < 0.0) return 0.0;
  if (value >= upper && gradient > 0.0) return 0.0;
  return gradient;
}

bool feasible(const ItemSpec& spec, const Eigen::VectorXd& par, const ParameterPriors& priors) {
  if (!par.allFinite()) return false;
  const ParameterBox box = parameter_box(spec, priors);
  for (int i = 0; i < spec.parameter_count(); ++i) {
    if (spec.free[static_cast<std::size_t>(i)] && !(par[i] >= box.lower[i] && par[i] <= box.upper[i])) return false;
  }
  const int k_max = spec.thresholds();
  for (int k = 2; k <= k_max; ++k) {
    if (spec.model == CalibrationModel::grm && !(par[k] < par[k - 1] - 1e-8)) return false;
  }
  if (spec.has_upper() && !(par[k_max + 2] - par[k_max + 1] >= kAsymptoteMargin)) return false;
  return true;
}

double maximize_item(const ItemSpec& spec, Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                     const Eigen::Ref<const RowMatrix>& counts, const ParameterPriors& priors) {
  const std::vector<int> index = free_indices(spec);
  const int m = static_cast<int>(index.size());
  if (m == 0) return 0.0;
  const ParameterBox box = parameter_box(spec, priors);
  constexpr int kMaxIterations = 50;
  constexpr double kMaxStep = 1.0;  // largest change of one internal parameter per Newton step
  double first_gradient = -1.0;
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    const ItemObjective objective = item_objective(spec, par, nodes, counts, priors, true);
    // Held: at a bound with the gradient pointing out of the box. The Newton system is solved for the others.
    std::vector<int> moving;
    double largest_gradient = 0.0;
    for (int i : index) {
      const double g = projected_gradient(objective.gradient[i], par[i], box.lower[i], box.upper[i]);
      largest_gradient = std::max(largest_gradient, std::abs(g));
      if (g != 0.0 || (par[i] > box.lower[i] && par[i] < box.upper[i])) moving.push_back(i);
    }
    if (first_gradient < 0.0) first_gradient = largest_gradient;
    const int n = static_cast<int>(moving.size());
    if (n == 0) break;
    Eigen::VectorXd g(n);
    Eigen::MatrixXd h(n, n);
    for (int i = 0; i < n; ++i) {
      g[i] = objective.gradient[moving[i]];
      for (int j = 0; j < n; ++j) h(i, j) = objective.hessian(moving[i], moving[j]);
    }
    if (!g.allFinite() || !h.allFinite()) break;
    // Newton direction on −H; damped (Levenberg) until −H + λI is positive definite.
    Eigen::MatrixXd information = -h;
    Eigen::VectorXd step;
    double lambda = 0.0;
    const double scale = std::max(1e-8, information.diagonal().cwiseAbs().maxCoeff());
    for (int attempt = 0; attempt < 30; ++attempt) {
      Eigen::MatrixXd damped = information;
      damped.diagonal().array() += lambda;
      Eigen::LLT<Eigen::MatrixXd> llt(damped);
      if (llt.info() == Eigen::Success) {
        step = llt.solve(g);
        if (step.allFinite()) break;
      }
      lambda = lambda == 0.0 ? 1e-6 * scale : lambda * 10.0;
      step.resize(0);
    }
    if (step.size() == 0) break;
    const double longest = step.cwiseAbs().maxCoeff();
    if (longest > kMaxStep) step *= kMaxStep / longest;
    // Step halving along the projected path: accept the first candidate that does not lower the objective.
    double t = 1.0;
    bool accepted = false;
    Eigen::VectorXd candidate = par;
    for (int halving = 0; halving < 40; ++halving, t *= 0.5) {
      candidate = par;
      for (int i = 0; i < n; ++i) candidate[moving[i]] += t * step[i];
      project_onto_box(box, candidate);
      if (!feasible(spec, candidate, priors)) continue;
      const double value = item_objective(spec, candidate, nodes, counts, priors, false).value;
      if (value >= objective.value) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    const double moved = (candidate - par).cwiseAbs().maxCoeff();
    par = candidate;
    if (moved < 1e-9) break;
  }
  return std::max(first_gradient, 0.0);
}

Eigen::VectorXd starting_values(const ItemSpec& spec, const std::vector<double>& category_counts,
                                double item_rest_correlation) {
  const boost::math::normal standard;
  Eigen::VectorXd par = Eigen::VectorXd::Zero(spec.parameter_count());
  double total = 0.0;
  for (double n : category_counts) total += n;
  // Slope: the biserial correlation r gives the normal-ogive a' = r/√(1 − r²) (Lord & Novick 1968, 16.10).
  const double r = std::clamp(item_rest_correlation, 0.05, 0.9);
  const double a_ogive = r / std::sqrt(1.0 - r * r);
  const bool free_slope = spec.free[0];
  const double a = free_slope ? std::clamp(1.702 * a_ogive, 0.3, 3.0) : 1.0;
  const double attenuation = std::sqrt(1.0 + (free_slope ? a_ogive * a_ogive : 1.0 / (1.702 * 1.702)));
  par[0] = a;
  const int k_max = spec.thresholds();
  if (spec.model == CalibrationModel::gpcm || spec.model == CalibrationModel::pcm) {
    // d_k ≈ log(n_k / n_0) at θ = 0, shrunk toward 0 a little for the spread of θ.
    const double n0 = category_counts[0] + 0.5;
    for (int k = 1; k <= k_max; ++k) {
      par[k] = std::log((category_counts[static_cast<std::size_t>(k)] + 0.5) / n0) / attenuation;
    }
    return par;
  }
  // P(X ≥ k) = Φ(d'_k / √(1 + a'²)) under the normal ogive; d = 1.702·d'.
  double above = total;
  for (int k = 1; k <= k_max; ++k) {
    above -= category_counts[static_cast<std::size_t>(k - 1)];
    double p = std::clamp((above + 0.5) / (total + 1.0), 1e-3, 1.0 - 1e-3);
    if (spec.has_lower()) p = std::clamp((p - 0.1) / 0.9, 1e-3, 1.0 - 1e-3);  // remove some guessing
    par[k] = std::clamp(1.702 * quantile(standard, p) * attenuation, -8.0, 8.0);
  }
  for (int k = 2; k <= k_max; ++k) par[k] = std::min(par[k], par[k - 1] - 0.05);
  if (spec.has_lower()) par[k_max + 1] = 0.1;
  if (spec.has_upper()) par[k_max + 2] = 0.95;
  return par;
}

Eigen::VectorXd internal_parameters(const Item& item, double scaling) {
  const double a = scaling * item.a();
  const auto b = item.thresholds();
  const int k_max = static_cast<int>(b.size());
  const bool lower = item.model() == Model::three_pl || item.model() == Model::four_pl;
  const bool upper = item.model() == Model::four_pl;
  Eigen::VectorXd par = Eigen::VectorXd::Zero(1 + k_max + (lower ? 1 : 0) + (upper ? 1 : 0));
  par[0] = a;
  if (item.model() == Model::gpcm || item.model() == Model::pcm) {
    double sum = 0.0;
    for (int k = 1; k <= k_max; ++k) {
      sum += b[static_cast<std::size_t>(k - 1)];
      par[k] = -a * sum;
    }
  } else {
    for (int k = 1; k <= k_max; ++k) par[k] = -a * b[static_cast<std::size_t>(k - 1)];
  }
  if (lower) par[k_max + 1] = item.c();
  if (upper) par[k_max + 2] = item.d();
  return par;
}

}  // namespace irtcat::detail
