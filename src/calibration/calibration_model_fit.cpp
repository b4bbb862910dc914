// Overall model fit after calibration: the limited-information statistic M2 of Maydeu-Olivares & Joe (2006) on the
// first- and second-order moments of the item scores, with its RMSEA, and the SRMSR of the residual correlations.
//
// With y the vector of item scores y_i and cross products y_i·y_j (i < j), the observed moments p and the model's
// π(ϑ), Ξ = Cov(y) under the model and Δ = ∂π/∂ϑ over the free parameters,
//
//   M2 = N (p − π)ᵀ C (p − π),  C = Ξ⁻¹ − Ξ⁻¹Δ (ΔᵀΞ⁻¹Δ)⁻¹ ΔᵀΞ⁻¹,
//
// asymptotically χ² with (moments − parameters) degrees of freedom. For dichotomous items these moments are the
// univariate and bivariate margins, so this is M2; for polytomous items they are the means and cross products of
// the scores, the collapsed M2* of Cai & Hansen (2013) that mirt reports by default. Every moment is an integral over
// the latent density on the quadrature nodes, where the items are independent: E[y_i^k y_j^l | θ] is a product of
// E[y_i^k | θ] and E[y_j^l | θ], and no moment needs an index more than twice.

#include <Eigen/Cholesky>
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>

#include "detail/calibration_internal.hpp"

namespace irtcat::detail {
namespace {

// The moments: 0..n−1 the items' scores, then the pairs (i, j), i < j, in row order.
struct Moments {
  std::vector<std::pair<int, int>> index;  // (i, −1) or (i, j)
  explicit Moments(int n) {
    for (int i = 0; i < n; ++i) index.emplace_back(i, -1);
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) index.emplace_back(i, j);
    }
  }
  Eigen::Index size() const { return static_cast<Eigen::Index>(index.size()); }
};

// E[y_i | θ_q] and E[y_i² | θ_q] (rows: items; columns: nodes) and the latent weights on the nodes, at `state`.
struct Conditional {
  Eigen::ArrayXXd m1;
  Eigen::ArrayXXd m2;
  Eigen::ArrayXd weights;
};
Conditional conditional_moments(const CalibrationProblem& problem, const ParameterState& state) {
  const RowMatrix table = log_probability_table(problem, state);
  const Eigen::Index n = static_cast<Eigen::Index>(problem.specs.size());
  const Eigen::Index q_count = problem.nodes.size();
  Conditional out{Eigen::ArrayXXd::Zero(n, q_count), Eigen::ArrayXXd::Zero(n, q_count),
                  log_node_weights(problem.nodes, state.mean, state.variance).exp()};
  for (Eigen::Index i = 0; i < n; ++i) {
    const ItemSpec& spec = problem.specs[static_cast<std::size_t>(i)];
    for (int k = 1; k < spec.categories; ++k) {
      const Eigen::ArrayXd p = table.row(static_cast<Eigen::Index>(spec.row) + k).array().exp().transpose();
      out.m1.row(i) += k * p.transpose();
      out.m2.row(i) += double(k) * k * p.transpose();
    }
  }
  return out;
}

// The model's moments π.
Eigen::VectorXd model_moments(const Moments& moments, const Conditional& c) {
  Eigen::VectorXd pi(moments.size());
  for (Eigen::Index a = 0; a < moments.size(); ++a) {
    const auto [i, j] = moments.index[static_cast<std::size_t>(a)];
    pi[a] = j < 0 ? (c.m1.row(i).transpose() * c.weights).sum()
                  : (c.m1.row(i).transpose() * c.m1.row(j).transpose() * c.weights).sum();
  }
  return pi;
}

// E[y_A · y_B] for two moments, on the nodes: an index in both A and B contributes its second conditional moment.
double product_moment(std::pair<int, int> a, std::pair<int, int> b, const Conditional& c) {
  const int all[4] = {a.first, a.second, b.first, b.second};
  Eigen::ArrayXd product = c.weights;
  for (int k = 0; k < 4; ++k) {
    const int i = all[k];
    if (i < 0 || std::find(all, all + k, i) != all + k) continue;  // absent, or counted already
    const auto power = std::count(all, all + 4, i);
    product *= (power == 1 ? c.m1.row(i) : c.m2.row(i)).transpose();
  }
  return product.sum();
}

// Ξ = E[y yᵀ] − π πᵀ. Moments with no index in common multiply first conditional moments only, so E[y yᵀ] is one
// weighted product U Uᵀ with U(a, q) = √w_q Π_{i∈A} E[y_i | θ_q]; the entries of moments that share an index are
// then recomputed with second conditional moments.
Eigen::MatrixXd moment_covariance(const Moments& moments, const Conditional& c, const Eigen::VectorXd& pi, int n) {
  const Eigen::Index s = moments.size();
  const Eigen::Index q_count = c.weights.size();
  Eigen::MatrixXd u(s, q_count);
  const Eigen::ArrayXd root = c.weights.sqrt();
  for (Eigen::Index a = 0; a < s; ++a) {
    const auto [i, j] = moments.index[static_cast<std::size_t>(a)];
    Eigen::ArrayXd row = c.m1.row(i).transpose() * root;
    if (j >= 0) row *= c.m1.row(j).transpose();
    u.row(a) = row.matrix().transpose();
  }
  Eigen::MatrixXd xi = Eigen::MatrixXd::Zero(s, s);
  xi.selfadjointView<Eigen::Lower>().rankUpdate(u);
  std::vector<std::vector<Eigen::Index>> with(static_cast<std::size_t>(n));  // the moments that hold item i
  for (Eigen::Index a = 0; a < s; ++a) {
    const auto [i, j] = moments.index[static_cast<std::size_t>(a)];
    with[static_cast<std::size_t>(i)].push_back(a);
    if (j >= 0) with[static_cast<std::size_t>(j)].push_back(a);
  }
  for (Eigen::Index a = 0; a < s; ++a) {
    const auto ma = moments.index[static_cast<std::size_t>(a)];
    for (int i : {ma.first, ma.second}) {
      if (i < 0) continue;
      for (Eigen::Index b : with[static_cast<std::size_t>(i)]) {
        if (b > a) continue;
        xi(a, b) = product_moment(ma, moments.index[static_cast<std::size_t>(b)], c);
      }
    }
  }
  xi.triangularView<Eigen::Lower>() -= (pi * pi.transpose()).triangularView<Eigen::Lower>().toDenseMatrix();
  const Eigen::MatrixXd lower = xi.triangularView<Eigen::Lower>();
  return lower.selfadjointView<Eigen::Lower>();
}

}  // namespace

ModelFitOutcome model_fit(const CalibrationProblem& problem, const ParameterState& state) {
  ModelFitOutcome out;
  const int n = static_cast<int>(problem.specs.size());
  bool polytomous = false;
  for (const ItemSpec& spec : problem.specs) polytomous = polytomous || !spec.dichotomous();
  out.fit.statistic = polytomous ? "M2*" : "M2";
  if (n < 2) {
    out.message = "M2 needs at least two items";
    return out;
  }
  // The observed moments, from the persons who answered every item.
  const Moments moments(n);
  const Eigen::Index s = moments.size();
  Eigen::VectorXd observed = Eigen::VectorXd::Zero(s);
  Eigen::VectorXd squares = Eigen::VectorXd::Zero(n);
  double persons = 0.0;
  Eigen::VectorXd y(n);
  for (std::size_t p = 0; p < problem.frequencies.size(); ++p) {
    if (problem.offsets[p + 1] - problem.offsets[p] != static_cast<std::size_t>(n)) continue;
    for (int i = 0; i < n; ++i) {
      y[i] = problem.cells[problem.offsets[p] + static_cast<std::size_t>(i)] -
             static_cast<double>(problem.specs[static_cast<std::size_t>(i)].row);
    }
    const double f = problem.frequencies[p];
    persons += f;
    squares += f * y.cwiseProduct(y);
    for (Eigen::Index a = 0; a < s; ++a) {
      const auto [i, j] = moments.index[static_cast<std::size_t>(a)];
      observed[a] += f * (j < 0 ? y[i] : y[i] * y[j]);
    }
  }
  out.fit.persons = static_cast<std::size_t>(persons);
  if (persons < 2.0) {
    out.message = "M2 needs persons who answered every item; there are " + std::to_string(out.fit.persons);
    return out;
  }
  observed /= persons;
  squares /= persons;

  // The model's moments, their covariance, and their derivatives in the free parameters (central differences).
  const Conditional at = conditional_moments(problem, state);
  const Eigen::VectorXd pi = model_moments(moments, at);
  const Eigen::MatrixXd xi = moment_covariance(moments, at, pi, n);
  const ParameterLayout layout = parameter_layout(problem);
  const Eigen::VectorXd x = pack(problem, layout, state);
  Eigen::MatrixXd delta(s, layout.size);
  for (Eigen::Index k = 0; k < layout.size; ++k) {
    const double h = 1e-6 * std::max(1.0, std::abs(x[k]));
    Eigen::VectorXd up = x;
    Eigen::VectorXd down = x;
    up[k] += h;
    down[k] -= h;
    delta.col(k) = (model_moments(moments, conditional_moments(problem, unpack(problem, layout, up, state))) -
                    model_moments(moments, conditional_moments(problem, unpack(problem, layout, down, state)))) /
                   (2.0 * h);
  }
  out.fit.df = static_cast<int>(s - layout.size);
  out.fit.parameters = static_cast<int>(layout.size);
  if (out.fit.df <= 0) {
    out.message = std::to_string(s) + " moments for " + std::to_string(layout.size) +
                  " parameters leave no degrees of freedom";
    return out;
  }
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(xi);
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().array() > 0.0).all()) {
    out.message = "the moments' covariance is singular (an item with a constant score, or perfectly dependent items)";
    return out;
  }
  const Eigen::VectorXd e = observed - pi;
  const Eigen::VectorXd xi_e = ldlt.solve(e);
  const Eigen::MatrixXd xi_delta = ldlt.solve(delta);
  const Eigen::MatrixXd middle = delta.transpose() * xi_delta;
  const Eigen::LDLT<Eigen::MatrixXd> inner(middle);
  if (inner.info() != Eigen::Success) {
    out.message = "the moments do not identify the parameters (ΔᵀΞ⁻¹Δ is singular)";
    return out;
  }
  const Eigen::VectorXd projected = delta.transpose() * xi_e;
  const double m2 = persons * (e.dot(xi_e) - projected.dot(inner.solve(projected)));
  out.fit.m2 = std::max(m2, 0.0);
  out.fit.p = boost::math::cdf(boost::math::complement(boost::math::chi_squared(out.fit.df), out.fit.m2));
  out.fit.rmsea = std::sqrt(std::max(out.fit.m2 - out.fit.df, 0.0) / (persons * out.fit.df));

  // SRMSR: the root mean square of observed minus model correlations over the item pairs.
  double sum = 0.0;
  int pairs = 0;
  for (Eigen::Index a = n; a < s; ++a) {
    const auto [i, j] = moments.index[static_cast<std::size_t>(a)];
    const double vi = squares[i] - observed[i] * observed[i];
    const double vj = squares[j] - observed[j] * observed[j];
    const double model_vi = (at.m2.row(i).transpose() * at.weights).sum() - pi[i] * pi[i];
    const double model_vj = (at.m2.row(j).transpose() * at.weights).sum() - pi[j] * pi[j];
    if (!(vi > 0.0 && vj > 0.0 && model_vi > 0.0 && model_vj > 0.0)) continue;  // a constant score has no correlation
    const double r_observed = (observed[a] - observed[i] * observed[j]) / std::sqrt(vi * vj);
    const double r_model = (pi[a] - pi[i] * pi[j]) / std::sqrt(model_vi * model_vj);
    sum += (r_observed - r_model) * (r_observed - r_model);
    ++pairs;
  }
  out.fit.srmsr = pairs > 0 ? std::sqrt(sum / pairs) : 0.0;
  out.ok = true;
  return out;
}

}  // namespace irtcat::detail
