// The EM iteration of the calibration (Bock & Aitkin 1981): the vectorized E-step over response patterns × nodes,
// the parallel M-step, SQUAREM acceleration kept monotone, and the observed-information covariance.

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>

#include "detail/calibration_internal.hpp"
#include "simd/kernels.hpp"

namespace irtcat::detail {
namespace {

using RowArray = Eigen::Array<double, 1, Eigen::Dynamic>;

// Work split of the E-step: a function of the number of patterns only, so that sums are formed in the same order
// whatever the number of threads.
std::size_t chunk_count(std::size_t patterns) { return std::clamp<std::size_t>(patterns / 96, 1, 48); }

// E-step engine: owns per-chunk partial sums, reused across cycles.
class EStep {
 public:
  EStep(const CalibrationProblem& problem, WorkerPool& pool) : problem_(problem), pool_(pool) {
    const std::size_t chunks = chunk_count(problem.frequencies.size());
    const Eigen::Index q = problem.nodes.size();
    partial_counts_.assign(chunks, RowMatrix::Zero(problem.rows, q));
    partial_nodes_.assign(chunks, Eigen::ArrayXd::Zero(q));
    partial_log_likelihood_.assign(chunks, 0.0);
  }

  EStepResult run(const ParameterState& state) {
    const RowMatrix table = log_probability_table(problem_, state);
    const RowArray log_weights = log_node_weights(problem_.nodes, state.mean, state.variance).transpose();
    const std::size_t patterns = problem_.frequencies.size();
    const std::size_t chunks = partial_counts_.size();
    pool_.run(chunks, [&](std::size_t chunk) {
      const std::size_t begin = patterns * chunk / chunks;
      const std::size_t end = patterns * (chunk + 1) / chunks;
      RowMatrix& counts = partial_counts_[chunk];
      counts.setZero();
      Eigen::ArrayXd& nodes = partial_nodes_[chunk];
      nodes.setZero();
      double log_likelihood = 0.0;
      const Eigen::Index q = log_weights.size();
      RowArray log_post(q);
      RowArray post(q);
      const RowArray zeros = RowArray::Zero(q);
      for (std::size_t p = begin; p < end; ++p) {
        // log L_p(θ_q) + log w_q, then the posterior with the maximum subtracted before exp. The passes over the
        // nodes run in the SIMD kernels (each node on its own: the same bits on every target); the sum is Eigen's.
        const std::size_t first = problem_.offsets[p];
        const std::size_t count = problem_.offsets[p + 1] - first;
        const std::int32_t* cells = problem_.cells.data() + first;
        simd::add_table_rows(table.data(), q, cells, count, log_weights.data(), log_post.data());
        const double top = log_post.maxCoeff();
        simd::exp_shifted(log_post.data(), zeros.data(), top, post.data(), q);
        const double total = post.sum();
        const double frequency = problem_.frequencies[p];
        log_likelihood += frequency * (top + std::log(total));
        post *= frequency / total;
        nodes += post.transpose();
        simd::add_to_rows(post.data(), q, cells, count, counts.data());
      }
      partial_log_likelihood_[chunk] = log_likelihood;
    });
    EStepResult result;
    result.counts = partial_counts_[0];
    result.node_counts = partial_nodes_[0];
    result.log_likelihood = partial_log_likelihood_[0];
    for (std::size_t chunk = 1; chunk < chunks; ++chunk) {
      result.counts += partial_counts_[chunk];
      result.node_counts += partial_nodes_[chunk];
      result.log_likelihood += partial_log_likelihood_[chunk];
    }
    return result;
  }

 private:
  const CalibrationProblem& problem_;
  WorkerPool& pool_;
  std::vector<RowMatrix> partial_counts_;
  std::vector<Eigen::ArrayXd> partial_nodes_;
  std::vector<double> partial_log_likelihood_;
};

bool is_one_pl(const ItemSpec& spec) { return spec.model == CalibrationModel::one_pl && !spec.fixed; }

// What EM increases: the marginal log-likelihood plus the log priors of the parameters (just the former without).
double log_posterior(const CalibrationProblem& problem, const ParameterState& state, double log_likelihood) {
  double sum = log_likelihood;
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    if (!problem.specs[i].fixed) sum += item_log_prior(problem.specs[i], state.items[i], problem.priors);
  }
  if (problem.common_slope && problem.priors.slope) sum += slope_log_prior(*problem.priors.slope, state.slope).value;
  return sum;
}

// The latent part of the M-step: maximize f = Σ_q n_q log w_q over N(μ, σ²) weights normalized on the nodes (see
// LatentMoments). Newton in η from the current values (the moments are nearly exact). Returns the largest projected
// score of (μ, σ²) at the starting values (see latent_score).
double latent_step(const CalibrationProblem& problem, const EStepResult& estep, ParameterState& state) {
  const double n = estep.node_counts.sum();
  const double s1 = (estep.node_counts * problem.nodes).sum();
  const double s2 = (estep.node_counts * problem.nodes.square()).sum();
  double eta1 = state.mean / state.variance;
  double eta2 = -0.5 / state.variance;
  const LatentScore score = latent_score(problem, estep, state);
  double largest = problem.free_mean ? std::abs(score.mean) : 0.0;
  if (problem.free_variance) {
    largest = std::max(largest, std::abs(projected_gradient(score.variance, state.variance, kMinVariance, kMaxVariance)));
  }
  for (int iteration = 0; iteration < 50; ++iteration) {
    const LatentMoments m = latent_moments(problem.nodes, eta1, eta2);
    const double g1 = problem.free_mean ? s1 - n * m.e1 : 0.0;
    const double g2 = s2 - n * m.e2;
    double d1 = 0.0, d2 = 0.0;
    if (problem.free_mean) {
      const double det = n * n * (m.v11 * m.v22 - m.v12 * m.v12);
      if (!(det > 0.0)) break;
      d1 = (n * m.v22 * g1 - n * m.v12 * g2) / det;
      d2 = (n * m.v11 * g2 - n * m.v12 * g1) / det;
    } else {
      if (!(m.v22 > 0.0)) break;
      d2 = g2 / (n * m.v22);
    }
    // Keep σ² within [kMinVariance, kMaxVariance].
    const double next2 = std::clamp(eta2 + d2, -0.5 / kMinVariance, -0.5 / kMaxVariance);
    eta1 += d1;
    const double moved = std::abs(next2 - eta2) + std::abs(d1);
    eta2 = next2;
    if (moved < 1e-12) break;
  }
  state.variance = -0.5 / eta2;
  if (problem.free_mean) state.mean = eta1 * state.variance;
  return largest;
}

// The common 1PL slope given the items' intercepts: Newton on Σ_j Q_j(s) (+ slope prior), step halving. Returns the
// absolute score of the slope at its starting value.
double common_slope_step(const CalibrationProblem& problem, const EStepResult& estep, ParameterState& state) {
  auto evaluate = [&](double slope, bool derivatives, double& gradient, double& hessian) {
    double value = 0.0;
    gradient = 0.0;
    hessian = 0.0;
    for (std::size_t i = 0; i < problem.specs.size(); ++i) {
      const ItemSpec& spec = problem.specs[i];
      if (!is_one_pl(spec)) continue;
      Eigen::VectorXd par = state.items[i];
      par[0] = slope;
      const ItemObjective objective = item_objective(
          spec, par, problem.nodes, estep.counts.middleRows(static_cast<Eigen::Index>(spec.row), spec.categories),
          problem.priors, derivatives);
      value += objective.value;
      if (derivatives) {
        gradient += objective.gradient[0];
        hessian += objective.hessian(0, 0);
      }
    }
    if (problem.priors.slope) {
      const LogPriorTerms terms = slope_log_prior(*problem.priors.slope, slope);
      value += terms.value;
      gradient += terms.first;
      hessian += terms.second;
    }
    return value;
  };
  double slope = state.slope;
  double first_gradient = -1.0;
  for (int iteration = 0; iteration < 30; ++iteration) {
    double gradient = 0.0;
    double hessian = 0.0;
    const double value = evaluate(slope, true, gradient, hessian);
    if (first_gradient < 0.0) first_gradient = std::abs(gradient);
    double step = hessian < 0.0 ? -gradient / hessian : (gradient > 0.0 ? 0.1 : -0.1);
    step = std::clamp(step, -1.0, 1.0);
    bool accepted = false;
    for (int halving = 0; halving < 40; ++halving, step *= 0.5) {
      const double candidate = slope + step;
      if (std::abs(candidate) > kSlopeBound || (problem.priors.slope && candidate <= 0.0)) continue;
      double g = 0.0;
      double h = 0.0;
      if (evaluate(candidate, false, g, h) >= value) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    slope += step;
    if (std::abs(step) < 1e-10) break;
  }
  state.slope = slope;
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    if (is_one_pl(problem.specs[i])) state.items[i][0] = slope;
  }
  return std::max(first_gradient, 0.0);
}

// One M-step: every estimated item in parallel, then the common slope and the latent distribution. Returns the
// largest projected score of the marginal log-likelihood (plus log priors) at the starting `state`, from the same
// derivatives (Fisher's identity: the E-step's expected counts are those at `state`).
double m_step(const CalibrationProblem& problem, const EStepResult& estep, ParameterState& state, WorkerPool& pool) {
  std::vector<double> gradients(problem.specs.size(), 0.0);
  pool.run(problem.specs.size(), [&](std::size_t i) {
    const ItemSpec& spec = problem.specs[i];
    if (spec.fixed) return;
    gradients[i] = maximize_item(spec, state.items[i], problem.nodes,
                                 estep.counts.middleRows(static_cast<Eigen::Index>(spec.row), spec.categories),
                                 problem.priors);
  });
  double largest = gradients.empty() ? 0.0 : *std::max_element(gradients.begin(), gradients.end());
  if (problem.common_slope) largest = std::max(largest, common_slope_step(problem, estep, state));
  if (problem.free_mean || problem.free_variance) largest = std::max(largest, latent_step(problem, estep, state));
  return largest;
}

}  // namespace

Eigen::VectorXd pack(const CalibrationProblem& problem, const ParameterLayout& layout, const ParameterState& state) {
  Eigen::VectorXd flat(layout.size);
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    const ItemSpec& spec = problem.specs[i];
    Eigen::Index at = layout.item_offsets[i];
    for (int k = 0; k < spec.parameter_count(); ++k) {
      if (spec.free[static_cast<std::size_t>(k)]) flat[at++] = state.items[i][k];
    }
  }
  if (layout.slope >= 0) flat[layout.slope] = state.slope;
  if (layout.mean >= 0) flat[layout.mean] = state.mean;
  if (layout.variance >= 0) flat[layout.variance] = state.variance;
  return flat;
}

ParameterState unpack(const CalibrationProblem& problem, const ParameterLayout& layout, const Eigen::VectorXd& flat,
                      ParameterState state) {
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    const ItemSpec& spec = problem.specs[i];
    Eigen::Index at = layout.item_offsets[i];
    for (int k = 0; k < spec.parameter_count(); ++k) {
      if (spec.free[static_cast<std::size_t>(k)]) state.items[i][k] = flat[at++];
    }
  }
  if (layout.slope >= 0) {
    state.slope = flat[layout.slope];
    for (std::size_t i = 0; i < problem.specs.size(); ++i) {
      if (is_one_pl(problem.specs[i])) state.items[i][0] = state.slope;
    }
  }
  if (layout.mean >= 0) state.mean = flat[layout.mean];
  if (layout.variance >= 0) state.variance = flat[layout.variance];
  return state;
}

namespace {

bool feasible(const CalibrationProblem& problem, const ParameterState& state) {
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    if (!problem.specs[i].fixed && !feasible(problem.specs[i], state.items[i], problem.priors)) return false;
  }
  if (problem.common_slope && (std::abs(state.slope) > kSlopeBound || (problem.priors.slope && state.slope <= 0.0))) {
    return false;
  }
  return std::isfinite(state.mean) && std::abs(state.mean) < 4.0 && state.variance >= kMinVariance &&
         state.variance <= kMaxVariance;
}

// Every item's free parameters and the latent variance moved onto their boxes (SQUAREM's extrapolation may leave
// them; a projected extrapolation is still accepted only if it does not lower the objective).
void project_onto_boxes(const CalibrationProblem& problem, ParameterState& state) {
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    if (problem.specs[i].fixed) continue;
    Eigen::VectorXd& par = state.items[i];
    const Eigen::VectorXd before = par;
    project_onto_box(parameter_box(problem.specs[i], problem.priors), par);
    for (int k = 0; k < problem.specs[i].parameter_count(); ++k) {
      if (!problem.specs[i].free[static_cast<std::size_t>(k)]) par[k] = before[k];
    }
  }
  state.variance = std::clamp(state.variance, kMinVariance, kMaxVariance);
}

// The box of every flat parameter: the items' boxes, the common slope's, and the latent mean's and variance's.
ParameterBox flat_box(const CalibrationProblem& problem, const ParameterLayout& layout) {
  ParameterBox box{Eigen::VectorXd(layout.size), Eigen::VectorXd(layout.size)};
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    const ItemSpec& spec = problem.specs[i];
    const ParameterBox item = parameter_box(spec, problem.priors);
    Eigen::Index at = layout.item_offsets[i];
    for (int k = 0; k < spec.parameter_count(); ++k) {
      if (!spec.free[static_cast<std::size_t>(k)]) continue;
      box.lower[at] = item.lower[k];
      box.upper[at++] = item.upper[k];
    }
  }
  if (layout.slope >= 0) {
    box.lower[layout.slope] = problem.priors.slope ? 1e-12 : -kSlopeBound;
    box.upper[layout.slope] = kSlopeBound;
  }
  if (layout.mean >= 0) {
    box.lower[layout.mean] = -4.0;
    box.upper[layout.mean] = 4.0;
  }
  if (layout.variance >= 0) {
    box.lower[layout.variance] = kMinVariance;
    box.upper[layout.variance] = kMaxVariance;
  }
  return box;
}

// EM's last stretch is slow: its rate is the fraction of information that is missing, so when its parameters barely
// move the score can still be far from 0 (a slope direction in 2PL, an asymptote near its bound). From there one
// Newton step on the marginal log-likelihood with the observed information (Louis) converges
// quadratically. Parameters at a bound whose score points out of the box stay there. The step is taken only if the
// objective does not decrease; `state`, `at` and `objective` are then the new point's. Returns whether it was taken.
bool newton_step(const CalibrationProblem& problem, const ParameterLayout& layout, EStep& estep, WorkerPool& pool,
                 ParameterState& state, EStepResult& at, double& objective) {
  // Beyond this many parameters the information matrix (size² doubles) and its Cholesky factor (size³/3 flops)
  // cost more than the EM cycles they save: EM goes on alone.
  constexpr Eigen::Index kMaxNewtonParameters = 3000;
  if (layout.size == 0 || layout.size > kMaxNewtonParameters) return false;
  const ParameterBox box = flat_box(problem, layout);
  const Eigen::VectorXd x = pack(problem, layout, state);
  const Eigen::VectorXd score = marginal_score(problem, layout, state, at, pool);
  std::vector<Eigen::Index> moving;
  for (Eigen::Index k = 0; k < layout.size; ++k) {
    const bool inside = x[k] > box.lower[k] && x[k] < box.upper[k];
    if (inside || projected_gradient(score[k], x[k], box.lower[k], box.upper[k]) != 0.0) moving.push_back(k);
  }
  const Eigen::MatrixXd information = observed_information(problem, state, at, pool);
  // A parameter at a bound that the step would push out of the box is held too, and the step solved again.
  Eigen::VectorXd step;
  for (;;) {
    if (moving.empty()) return false;
    const Eigen::LLT<Eigen::MatrixXd> llt(information(moving, moving));
    if (llt.info() != Eigen::Success) return false;
    step = llt.solve(score(moving));
    if (!step.allFinite()) return false;
    std::vector<Eigen::Index> kept;
    for (std::size_t m = 0; m < moving.size(); ++m) {
      const Eigen::Index k = moving[m];
      const bool out = (x[k] <= box.lower[k] && step[static_cast<Eigen::Index>(m)] < 0.0) ||
                       (x[k] >= box.upper[k] && step[static_cast<Eigen::Index>(m)] > 0.0);
      if (!out) kept.push_back(k);
    }
    if (kept.size() == moving.size()) break;
    moving = std::move(kept);
  }
  // The longest step along the Newton direction that stays in the box, then halved until the objective does not
  // decrease (the direction ascends: the information is positive definite).
  double t = 1.0;
  for (std::size_t m = 0; m < moving.size(); ++m) {
    const Eigen::Index k = moving[m];
    const double d = step[static_cast<Eigen::Index>(m)];
    if (d > 0.0) t = std::min(t, (box.upper[k] - x[k]) / d);
    if (d < 0.0) t = std::min(t, (box.lower[k] - x[k]) / d);
  }
  for (int halving = 0; halving < 8; ++halving, t *= 0.5) {
    Eigen::VectorXd next = x;
    next(moving) += t * step;
    next = next.cwiseMax(box.lower).cwiseMin(box.upper);
    ParameterState candidate = unpack(problem, layout, next, state);
    if (!feasible(problem, candidate)) continue;
    EStepResult e = estep.run(candidate);
    const double value = log_posterior(problem, candidate, e.log_likelihood);
    if (!(value >= objective)) continue;
    state = std::move(candidate);
    at = std::move(e);
    objective = value;
    return true;
  }
  return false;
}

}  // namespace

Eigen::ArrayXd log_node_weights(const Eigen::ArrayXd& nodes, double mean, double variance) {
  const Eigen::ArrayXd log_density = -0.5 * (nodes - mean).square() / variance;
  const double top = log_density.maxCoeff();
  return log_density - (top + std::log((log_density - top).exp().sum()));
}

LatentMoments latent_moments(const Eigen::ArrayXd& nodes, double eta1, double eta2) {
  const Eigen::ArrayXd log_w = eta1 * nodes + eta2 * nodes.square();
  const Eigen::ArrayXd w = (log_w - log_w.maxCoeff()).exp();
  const Eigen::ArrayXd p = w / w.sum();
  LatentMoments m;
  m.e1 = (p * nodes).sum();
  m.e2 = (p * nodes.square()).sum();
  m.v11 = (p * (nodes - m.e1).square()).sum();
  m.v12 = (p * (nodes - m.e1) * (nodes.square() - m.e2)).sum();
  m.v22 = (p * (nodes.square() - m.e2).square()).sum();
  return m;
}

LatentScore latent_score(const CalibrationProblem& problem, const EStepResult& estep, const ParameterState& state) {
  // ∇ in η (S − N·E_η[t]) carried to (μ, σ²): ∂η1/∂μ = 1/σ², ∂η1/∂σ² = −μ/σ⁴, ∂η2/∂σ² = 1/(2σ⁴).
  const double n = estep.node_counts.sum();
  const double v = state.variance;
  const LatentMoments m = latent_moments(problem.nodes, state.mean / v, -0.5 / v);
  const double g1 = (estep.node_counts * problem.nodes).sum() - n * m.e1;
  const double g2 = (estep.node_counts * problem.nodes.square()).sum() - n * m.e2;
  return {g1 / v, -state.mean / (v * v) * g1 + g2 / (2.0 * v * v)};
}

RowMatrix log_probability_table(const CalibrationProblem& problem, const ParameterState& state) {
  RowMatrix table(problem.rows, problem.nodes.size());
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    const ItemSpec& spec = problem.specs[i];
    item_log_probabilities(spec, state.items[i], problem.nodes,
                           table.middleRows(static_cast<Eigen::Index>(spec.row), spec.categories));
  }
  return table;
}

ParameterLayout parameter_layout(const CalibrationProblem& problem) {
  ParameterLayout layout;
  for (const ItemSpec& spec : problem.specs) {
    layout.item_offsets.push_back(layout.size);
    layout.size += spec.free_count();
  }
  if (problem.common_slope) layout.slope = layout.size++;
  if (problem.free_mean) layout.mean = layout.size++;
  if (problem.free_variance) layout.variance = layout.size++;
  return layout;
}

EmOutcome run_em(const CalibrationProblem& problem, ParameterState start, const CalibrationOptions& options,
                 WorkerPool& pool) {
  const ParameterLayout layout = parameter_layout(problem);
  EStep estep(problem, pool);
  EmOutcome out;
  out.state = std::move(start);
  out.estep = estep.run(out.state);
  out.trace.push_back(log_posterior(problem, out.state, out.estep.log_likelihood));

  // One EM cycle from `from` (whose E-step is `at`): the M-step, the change, a progress report. `done` when no
  // parameter moved more than the tolerance and the largest projected score at `from` is within its tolerance.
  // EM is near its end when no parameter moved more than 10 tolerances: from there a Newton step with the observed
  // information (newton_step) reaches the score's tolerance in fewer E-steps than the cycles it replaces cost. It
  // is not taken where the score is within its tolerance already (an infinite tolerance gives mirt's criterion
  // alone, and its cycles).
  constexpr double kNewtonNear = 10.0;
  bool near = false;
  auto cycle = [&](const ParameterState& from, const EStepResult& at, bool& done) {
    ParameterState next = from;
    const double gradient = m_step(problem, at, next, pool);
    ++out.cycles;
    const double change =
        layout.size == 0 ? 0.0 : (pack(problem, layout, next) - pack(problem, layout, from)).cwiseAbs().maxCoeff();
    near = change < kNewtonNear * options.tolerance && gradient > options.gradient_tolerance;
    done = change < options.tolerance && gradient <= options.gradient_tolerance;
    if (options.progress) options.progress({out.cycles, options.max_cycles, at.log_likelihood, change, gradient});
    return next;
  };
  auto finish = [&](ParameterState state, bool converged) {
    out.state = std::move(state);
    out.estep = estep.run(out.state);
    out.trace.push_back(log_posterior(problem, out.state, out.estep.log_likelihood));
    out.converged = converged;
    return out;
  };

  // SQUAREM, scheme S3 (Varadhan & Roland 2008): from x0, two EM cycles x1, x2; r = x1 − x0, v = x2 − 2x1 + x0,
  // α = −‖r‖/‖v‖ clamped to [−α_max, −1], x' = x0 − 2αr + α²v, projected onto the boxes. x' is kept only if its
  // log-likelihood is at least that of x1; otherwise x2 is used. Either way the recorded log-likelihoods never
  // decrease.
  constexpr double kAlphaStart = 4.0;
  double alpha_max = kAlphaStart;
  int newton_failures = 0;
  for (;;) {
    bool done = false;
    ParameterState s1 = cycle(out.state, out.estep, done);
    if (done) return finish(std::move(s1), true);
    if (out.cycles >= options.max_cycles) return finish(std::move(s1), false);
    EStepResult e1 = estep.run(s1);
    double objective1 = log_posterior(problem, s1, e1.log_likelihood);
    out.trace.push_back(objective1);
    if (options.accelerate && near && newton_failures < 3) {
      if (newton_step(problem, layout, estep, pool, s1, e1, objective1)) {
        out.trace.push_back(objective1);
        out.state = std::move(s1);
        out.estep = std::move(e1);
        continue;
      }
      ++newton_failures;
    }
    if (!options.accelerate) {
      out.state = std::move(s1);
      out.estep = std::move(e1);
      continue;
    }
    ParameterState s2 = cycle(s1, e1, done);
    if (done) return finish(std::move(s2), true);
    if (out.cycles >= options.max_cycles) return finish(std::move(s2), false);

    const Eigen::VectorXd x0 = pack(problem, layout, out.state);
    const Eigen::VectorXd x1 = pack(problem, layout, s1);
    const Eigen::VectorXd x2 = pack(problem, layout, s2);
    const Eigen::VectorXd r = x1 - x0;
    const Eigen::VectorXd v = x2 - x1 - r;
    double alpha = v.squaredNorm() > 0.0 ? -std::sqrt(r.squaredNorm() / v.squaredNorm()) : -1.0;
    alpha = std::clamp(alpha, -alpha_max, -1.0);
    const bool at_max = alpha == -alpha_max;
    bool accepted = false;
    // A rejected extrapolation backtracks halfway towards α = −1 (which is x2) and tries again, as SQUAREM's
    // monotone variant does; the bound α_max grows by 4 after an accepted step at the bound and shrinks by 4 (to
    // no less than its start) after a rejected one.
    for (int attempt = 0; attempt < 3 && alpha < -1.0 && !accepted; ++attempt, alpha = (alpha - 1.0) / 2.0) {
      const Eigen::VectorXd extrapolated = x0 - 2.0 * alpha * r + alpha * alpha * v;
      ParameterState candidate = unpack(problem, layout, extrapolated, s2);
      project_onto_boxes(problem, candidate);
      if (!feasible(problem, candidate)) continue;
      EStepResult e = estep.run(candidate);
      if (std::isfinite(e.log_likelihood) && log_posterior(problem, candidate, e.log_likelihood) >= objective1) {
        accepted = true;
        out.state = std::move(candidate);
        out.estep = std::move(e);
      }
    }
    if (accepted && at_max) alpha_max *= 4.0;
    if (!accepted && at_max) alpha_max = std::max(kAlphaStart, alpha_max / 4.0);
    if (!accepted) {
      out.state = std::move(s2);
      out.estep = estep.run(out.state);
    }
    out.trace.push_back(log_posterior(problem, out.state, out.estep.log_likelihood));
  }
}

Eigen::VectorXd marginal_score(const CalibrationProblem& problem, const ParameterLayout& layout,
                               const ParameterState& state, const EStepResult& estep, WorkerPool& pool) {
  Eigen::VectorXd gradient = Eigen::VectorXd::Zero(layout.size);
  std::vector<double> slope_parts(problem.specs.size(), 0.0);
  pool.run(problem.specs.size(), [&](std::size_t i) {
    const ItemSpec& spec = problem.specs[i];
    if (spec.fixed) return;
    const ItemObjective objective = item_objective(
        spec, state.items[i], problem.nodes,
        estep.counts.middleRows(static_cast<Eigen::Index>(spec.row), spec.categories), problem.priors, true);
    Eigen::Index k_flat = layout.item_offsets[i];
    for (int k = 0; k < spec.parameter_count(); ++k) {
      if (spec.free[static_cast<std::size_t>(k)]) gradient[k_flat++] = objective.gradient[k];
    }
    if (is_one_pl(spec)) slope_parts[i] = objective.gradient[0];
  });
  if (layout.slope >= 0) {
    double g = 0.0;
    for (double part : slope_parts) g += part;
    if (problem.priors.slope) g += slope_log_prior(*problem.priors.slope, state.slope).first;
    gradient[layout.slope] = g;
  }
  if (layout.mean >= 0 || layout.variance >= 0) {
    const LatentScore latent = latent_score(problem, estep, state);
    if (layout.mean >= 0) gradient[layout.mean] = latent.mean;
    if (layout.variance >= 0) gradient[layout.variance] = latent.variance;
  }
  return gradient;
}

CovarianceOutcome parameter_covariance(const CalibrationProblem& problem, const ParameterState& state,
                                       const EStepResult& estep, StandardErrorMethod method, WorkerPool& pool) {
  switch (method) {
    case StandardErrorMethod::louis: break;
    case StandardErrorMethod::central_differences: return covariance_by_differences(problem, state, pool);
  }
  if (parameter_layout(problem).size == 0) return {false, "no parameters were estimated", {}};
  return invert_information(observed_information(problem, state, estep, pool));
}

CovarianceOutcome covariance_by_differences(const CalibrationProblem& problem, const ParameterState& state,
                                            WorkerPool& pool) {
  const ParameterLayout layout = parameter_layout(problem);
  EStep estep(problem, pool);
  CovarianceOutcome out;
  if (layout.size == 0) {
    out.message = "no parameters were estimated";
    return out;
  }
  // The marginal score by Fisher's identity: the gradient of the expected complete-data log-likelihood (and log
  // priors), with the E-step at the same parameters.
  auto score = [&](const Eigen::VectorXd& flat) {
    const ParameterState at = unpack(problem, layout, flat, state);
    return marginal_score(problem, layout, at, estep.run(at), pool);
  };
  const Eigen::VectorXd x = pack(problem, layout, state);
  Eigen::MatrixXd hessian(layout.size, layout.size);
  for (Eigen::Index i = 0; i < layout.size; ++i) {
    const double h = 1e-4 * std::max(1.0, std::abs(x[i]));
    Eigen::VectorXd up = x;
    Eigen::VectorXd down = x;
    up[i] += h;
    down[i] -= h;
    hessian.col(i) = (score(up) - score(down)) / (2.0 * h);
  }
  return invert_information(-0.5 * (hessian + hessian.transpose()));
}

Eigen::ArrayXd pattern_eap(const CalibrationProblem& problem, const ParameterState& state) {
  const RowMatrix table = log_probability_table(problem, state);
  const RowArray log_weights = log_node_weights(problem.nodes, state.mean, state.variance).transpose();
  const RowArray nodes = problem.nodes.transpose();
  Eigen::ArrayXd eap(static_cast<Eigen::Index>(problem.frequencies.size()));
  RowArray log_post(log_weights.size());
  for (std::size_t p = 0; p < problem.frequencies.size(); ++p) {
    log_post = log_weights;
    for (std::size_t i = problem.offsets[p]; i < problem.offsets[p + 1]; ++i) {
      log_post += table.row(problem.cells[i]).array();
    }
    const RowArray post = (log_post - log_post.maxCoeff()).exp();
    eap[static_cast<Eigen::Index>(p)] = (post * nodes).sum() / post.sum();
  }
  return eap;
}

}  // namespace irtcat::detail
