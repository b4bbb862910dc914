// The observed information of the marginal likelihood at the estimates, by Louis' (1982) identity:
//
//   −∇² log L = −E[∇² log L_c | x] − Σ_p Cov[∇ log L_c,p | x_p],
//
// the expected complete-data information minus the information the unobserved θ carries. The first term is the
// Hessian of the M-step's objective at the E-step's counts (block diagonal, from item_objective, plus the latent
// density's and the common slope's parts). The second is, per response pattern p, the covariance over its posterior
// on the nodes of the complete-data score s_p(θ_q) = Σ_j ∂ log P_j(x_pj | θ_q) + ∂ log w(θ_q): a small dense product
// over the parameters of the items p answered, so that sparse data stay cheap. Parameter priors do not involve θ and
// enter the first term only.

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>

#include "detail/calibration_internal.hpp"

namespace irtcat::detail {
namespace {

using RowArray = Eigen::Array<double, 1, Eigen::Dynamic>;

// Posterior weights below this fraction of a pattern's largest weight are left out of its covariance: their share
// of any moment is below double precision's resolution.
constexpr double kNegligibleWeight = 1e-17;
// The columns of complete patterns gathered for one rank update: about 512 kB, to stay in the cache.
constexpr Eigen::Index kBatchBytes = Eigen::Index{512} << 10;

// The flat index of every internal parameter of every item of the problem (−1 where it is not estimated); a 1PL
// item's slope maps to the common slope.
std::vector<std::vector<Eigen::Index>> flat_indices(const CalibrationProblem& problem, const ParameterLayout& layout) {
  std::vector<std::vector<Eigen::Index>> flat(problem.specs.size());
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    const ItemSpec& spec = problem.specs[i];
    flat[i].assign(static_cast<std::size_t>(spec.parameter_count()), -1);
    if (spec.fixed) continue;
    Eigen::Index at = layout.item_offsets[i];
    for (int k = 0; k < spec.parameter_count(); ++k) {
      if (spec.free[static_cast<std::size_t>(k)]) flat[i][static_cast<std::size_t>(k)] = at++;
    }
    if (spec.model == CalibrationModel::one_pl) flat[i][0] = layout.slope;
  }
  return flat;
}

// ∂ log P_k(θ_q) / ∂par of one item, for every category k and node q: row = internal parameter, column k·Q + q. Each
// column is item_objective's gradient for one response in category k at node q (no priors).
RowMatrix category_scores(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes) {
  const Eigen::Index q_count = nodes.size();
  RowMatrix scores(spec.parameter_count(), spec.categories * q_count);
  RowMatrix one(spec.categories, q_count);
  const ParameterPriors none;
  for (int k = 0; k < spec.categories; ++k) {
    for (Eigen::Index q = 0; q < q_count; ++q) {
      one.setZero();
      one(k, q) = 1.0;
      scores.col(k * q_count + q) = item_objective(spec, par, nodes, one, none, true).gradient;
    }
  }
  return scores;
}

// The latent density's complete-data score per node, ∂ log w(θ_q)/∂(μ, σ²) = Jᵀ(t_q − E_η[t]) with t = (θ, θ²) and
// J = ∂η/∂(μ, σ²) (see LatentMoments), and the Hessian of Σ_q n_q log w_q in (μ, σ²):
// Jᵀ ∇²_η J + Σ_k (∇_η)_k ∇²η_k, with ∇²η1 = [[0, −1/σ⁴], [−1/σ⁴, 2μ/σ⁶]] and ∇²η2 = [[0, 0], [0, −1/σ⁶]].
struct LatentParts {
  Eigen::ArrayXd score_mean;
  Eigen::ArrayXd score_variance;
  Eigen::Matrix2d hessian;
};
LatentParts latent_parts(const CalibrationProblem& problem, const EStepResult& estep, const ParameterState& state) {
  const double mu = state.mean;
  const double v = state.variance;
  const LatentMoments m = latent_moments(problem.nodes, mu / v, -0.5 / v);
  Eigen::Matrix2d jacobian;  // rows η1, η2; columns μ, σ²
  jacobian << 1.0 / v, -mu / (v * v), 0.0, 1.0 / (2.0 * v * v);
  LatentParts parts;
  const Eigen::ArrayXd t1 = problem.nodes - m.e1;
  const Eigen::ArrayXd t2 = problem.nodes.square() - m.e2;
  parts.score_mean = jacobian(0, 0) * t1;
  parts.score_variance = jacobian(0, 1) * t1 + jacobian(1, 1) * t2;
  const double n = estep.node_counts.sum();
  const double g1 = (estep.node_counts * problem.nodes).sum() - n * m.e1;
  const double g2 = (estep.node_counts * problem.nodes.square()).sum() - n * m.e2;
  Eigen::Matrix2d natural;
  natural << m.v11, m.v12, m.v12, m.v22;
  parts.hessian = -n * jacobian.transpose() * natural * jacobian;
  parts.hessian(0, 1) += -g1 / (v * v);
  parts.hessian(1, 0) += -g1 / (v * v);
  parts.hessian(1, 1) += g1 * 2.0 * mu / (v * v * v) - g2 / (v * v * v);
  return parts;
}

}  // namespace

Eigen::MatrixXd observed_information(const CalibrationProblem& problem, const ParameterState& state,
                                     const EStepResult& estep, WorkerPool& pool) {
  const ParameterLayout layout = parameter_layout(problem);
  const Eigen::Index size = layout.size;
  const std::vector<std::vector<Eigen::Index>> flat = flat_indices(problem, layout);
  const Eigen::Index q_count = problem.nodes.size();
  std::vector<std::size_t> item_of_row(static_cast<std::size_t>(problem.rows));
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    std::fill_n(item_of_row.begin() + static_cast<std::ptrdiff_t>(problem.specs[i].row), problem.specs[i].categories, i);
  }

  // ---- the expected complete-data Hessian, and each item's category scores ----------------------------------
  Eigen::MatrixXd information = Eigen::MatrixXd::Zero(size, size);
  std::vector<RowMatrix> scores(problem.specs.size());
  std::vector<Eigen::MatrixXd> hessians(problem.specs.size());
  pool.run(problem.specs.size(), [&](std::size_t i) {
    const ItemSpec& spec = problem.specs[i];
    if (spec.fixed) return;
    scores[i] = category_scores(spec, state.items[i], problem.nodes);
    hessians[i] = item_objective(spec, state.items[i], problem.nodes,
                                 estep.counts.middleRows(static_cast<Eigen::Index>(spec.row), spec.categories),
                                 problem.priors, true)
                      .hessian;
  });
  for (std::size_t i = 0; i < problem.specs.size(); ++i) {
    if (problem.specs[i].fixed) continue;
    const std::vector<Eigen::Index>& f = flat[i];
    for (std::size_t k = 0; k < f.size(); ++k) {
      for (std::size_t l = 0; l < f.size(); ++l) {
        if (f[k] >= 0 && f[l] >= 0) {
          information(f[k], f[l]) -= hessians[i](static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(l));
        }
      }
    }
  }
  if (layout.slope >= 0 && problem.priors.slope) {
    // The common slope's lognormal prior (the items' own prior terms skip a slope that is not theirs).
    information(layout.slope, layout.slope) -= slope_log_prior(*problem.priors.slope, state.slope).second;
  }
  const bool latent = layout.mean >= 0 || layout.variance >= 0;
  LatentParts latent_part;
  if (latent) {
    latent_part = latent_parts(problem, estep, state);
    const Eigen::Index index[2] = {layout.mean, layout.variance};
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 2; ++c) {
        if (index[r] >= 0 && index[c] >= 0) information(index[r], index[c]) -= latent_part.hessian(r, c);
      }
    }
  }

  // ---- minus Σ_p f_p Cov_p[s_p(θ)]: per pattern, over its posterior on the nodes ------------------------------
  const RowMatrix table = log_probability_table(problem, state);
  const RowArray log_weights = log_node_weights(problem.nodes, state.mean, state.variance).transpose();
  const std::size_t patterns = problem.frequencies.size();
  // A fixed split into chunks (a function of the problem only, so sums never depend on the number of threads), each
  // with its own size × size sum; at most about 512 MB of them.
  const double bytes = 8.0 * static_cast<double>(size) * static_cast<double>(size);
  const std::size_t by_memory = static_cast<std::size_t>(std::max(1.0, 512e6 / bytes));
  const std::size_t chunks = std::clamp<std::size_t>(std::min(patterns / 256, by_memory), 1, 8);
  std::vector<Eigen::MatrixXd> missing(chunks);
  pool.run(chunks, [&](std::size_t chunk) {
    Eigen::MatrixXd& sum = missing[chunk];
    sum = Eigen::MatrixXd::Zero(size, size);
    std::vector<Eigen::Index> local_of(static_cast<std::size_t>(size), -1);
    std::vector<Eigen::Index> global;  // local → flat
    RowArray log_post(q_count);
    RowMatrix g;  // rows: parameters; columns: nodes
    Eigen::MatrixXd cov;
    // Patterns that involve most parameters (complete data) put their weighted columns side by side in the flat
    // order, and one rank update per batch adds them: a large product instead of many small ones and scatters.
    const Eigen::Index batch_columns = std::max<Eigen::Index>(2 * q_count, kBatchBytes / (8 * size));
    RowMatrix batch(size, batch_columns);
    Eigen::Index used = 0;
    auto flush = [&] {
      if (used > 0) sum.selfadjointView<Eigen::Lower>().rankUpdate(batch.leftCols(used));
      used = 0;
    };
    const std::size_t begin = patterns * chunk / chunks;
    const std::size_t end = patterns * (chunk + 1) / chunks;
    for (std::size_t p = begin; p < end; ++p) {
      const std::size_t first = problem.offsets[p];
      const std::size_t last = problem.offsets[p + 1];
      log_post = log_weights;
      for (std::size_t c = first; c < last; ++c) log_post += table.row(problem.cells[c]).array();
      const double top = log_post.maxCoeff();
      // The nodes that carry weight: a contiguous range around the mode holds every weight above the cut-off.
      const double cut = top + std::log(kNegligibleWeight);
      Eigen::Index q0 = 0;
      Eigen::Index q1 = q_count - 1;
      while (log_post[q0] < cut) ++q0;
      while (log_post[q1] < cut) --q1;
      const Eigen::Index width = q1 - q0 + 1;
      RowArray post = (log_post.segment(q0, width) - top).exp();
      post /= post.sum();

      // The parameters this pattern's complete-data score involves, in local order.
      global.clear();
      auto local = [&](Eigen::Index f) {
        if (local_of[static_cast<std::size_t>(f)] < 0) {
          local_of[static_cast<std::size_t>(f)] = static_cast<Eigen::Index>(global.size());
          global.push_back(f);
        }
        return local_of[static_cast<std::size_t>(f)];
      };
      for (std::size_t c = first; c < last; ++c) {
        const std::size_t i = item_of_row[static_cast<std::size_t>(problem.cells[c])];
        for (Eigen::Index f : flat[i]) {
          if (f >= 0) local(f);
        }
      }
      if (layout.mean >= 0) local(layout.mean);
      if (layout.variance >= 0) local(layout.variance);
      const Eigen::Index n = static_cast<Eigen::Index>(global.size());
      if (n == 0) continue;

      // g(l, q): the complete-data score of local parameter l at node q.
      g.setZero(n, width);
      for (std::size_t c = first; c < last; ++c) {
        const auto row = static_cast<std::size_t>(problem.cells[c]);
        const std::size_t i = item_of_row[row];
        const Eigen::Index k = static_cast<Eigen::Index>(row - problem.specs[i].row);
        for (std::size_t par = 0; par < flat[i].size(); ++par) {
          const Eigen::Index f = flat[i][par];
          if (f < 0) continue;
          g.row(local_of[static_cast<std::size_t>(f)]) +=
              scores[i].row(static_cast<Eigen::Index>(par)).segment(k * q_count + q0, width);
        }
      }
      if (layout.mean >= 0) {
        g.row(local_of[static_cast<std::size_t>(layout.mean)]) =
            latent_part.score_mean.segment(q0, width).transpose().matrix();
      }
      if (layout.variance >= 0) {
        g.row(local_of[static_cast<std::size_t>(layout.variance)]) =
            latent_part.score_variance.segment(q0, width).transpose().matrix();
      }
      // Centred at the posterior mean score and weighted by √w: Cov_p = G̃ G̃ᵀ.
      const Eigen::VectorXd mean = g * post.transpose().matrix();
      g.colwise() -= mean;
      g.array().rowwise() *= post.sqrt();
      if (2 * n >= size) {
        if (used + width > batch_columns) flush();
        auto columns = batch.middleCols(used, width);
        const double root = std::sqrt(problem.frequencies[p]);
        if (n < size) columns.setZero();
        for (Eigen::Index a = 0; a < n; ++a) columns.row(global[static_cast<std::size_t>(a)]) = root * g.row(a);
        used += width;
        for (Eigen::Index f : global) local_of[static_cast<std::size_t>(f)] = -1;
        continue;
      }
      cov.setZero(n, n);
      cov.selfadjointView<Eigen::Lower>().rankUpdate(g, problem.frequencies[p]);
      for (Eigen::Index b = 0; b < n; ++b) {
        for (Eigen::Index a = b; a < n; ++a) {
          const Eigen::Index fa = global[static_cast<std::size_t>(a)];
          const Eigen::Index fb = global[static_cast<std::size_t>(b)];
          sum(std::max(fa, fb), std::min(fa, fb)) += cov(a, b);
        }
      }
      for (Eigen::Index f : global) local_of[static_cast<std::size_t>(f)] = -1;
    }
    flush();
  });
  for (const Eigen::MatrixXd& part : missing) information -= part;
  // The missing-information sums fill the lower triangle only; the complete-data part is symmetric.
  const Eigen::MatrixXd lower = information.triangularView<Eigen::Lower>();
  return lower.selfadjointView<Eigen::Lower>();
}

CovarianceOutcome invert_information(const Eigen::MatrixXd& information) {
  CovarianceOutcome out;
  if (!information.allFinite()) {
    out.message = "the observed information is not finite";
    return out;
  }
  Eigen::LLT<Eigen::MatrixXd> llt(information);
  if (llt.info() != Eigen::Success) {
    out.message = "the observed information is not positive definite (a parameter is not identified)";
    return out;
  }
  out.covariance = llt.solve(Eigen::MatrixXd::Identity(information.rows(), information.cols()));
  out.ok = out.covariance.allFinite() && (out.covariance.diagonal().array() > 0.0).all();
  if (!out.ok) out.message = "the inverse observed information has a non-positive variance";
  return out;
}

}  // namespace irtcat::detail
