// estimate_latent(): the latent means and covariance across domains with the items held fixed, by EM over adaptive
// Gauss–Hermite E-steps (irtcat/latent.hpp; docs/conventions.md, "Latent means and covariance across domains").

#include "irtcat/latent.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detail/calibration_internal.hpp"
#include "detail/exp.hpp"
#include "detail/gauss_hermite.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"
#include "irtcat/model.hpp"

namespace irtcat {
namespace {

// The grid every item's category terms are tabulated on: step 1/8 (exact in binary) over [−12, 12]. A person's θ_d
// beyond it (a start far from the data, an extreme μ) is evaluated exactly instead. The quintic Hermite interpolant
// on it errs by at most h⁶/46080 times the sixth derivative of ℓ_d: estimates made with it and with exact evaluation
// differ by less than 1e−9 (six shipped banks, 200 persons, 20 items each; docs/conventions.md).
constexpr double kGridLower = -12.0;
constexpr double kGridStep = 0.125;
constexpr double kInverseStep = 8.0;
constexpr int kGridPoints = 193;
// Newton's steps for the MAP stop when a step is at most this in every domain. The MAP only centres the quadrature,
// which is exact for any centre up to its rule's error; Newton converges quadratically, so the last step is far
// smaller still. kMaxNewtonIterations guards against an endless loop; every step raises the log posterior.
constexpr double kMapStepTolerance = 1e-10;
constexpr int kMaxNewtonIterations = 100;
constexpr int kMaxPoints = 50;
constexpr double kMaxNodes = 1e6;
// The automatic number of points per dimension: the most, up to kMaxAutomaticPoints, whose product rule has at most
// kAutomaticNodes nodes (docs/conventions.md gives the accuracy measured for each).
constexpr int kMaxAutomaticPoints = 21;
constexpr double kAutomaticNodes = 20000.0;
// Persons per task of the worker pool: the split is a function of the number of persons only, and each person's
// results are stored on their own and summed in person order, so nothing depends on the number of threads.
constexpr std::size_t kPersonsPerTask = 16;
constexpr std::size_t kNoRow = std::numeric_limits<std::size_t>::max();

// Nodes and log weights of the Gauss–Hermite rule (detail/gauss_hermite.hpp), as the E-step reads them.
struct HermiteRule {
  std::vector<double> nodes;
  std::vector<double> log_weights;
};

HermiteRule gauss_hermite(int points) {
  const detail::GaussHermiteRule rule = detail::gauss_hermite(points);
  HermiteRule out;
  for (int k = 0; k < points; ++k) {
    out.nodes.push_back(rule.nodes(k));
    out.log_weights.push_back(std::log(rule.weights(k)));
  }
  return out;
}

// One domain's items in the likelihood: for every item some person answered, one row per category, and per row and
// grid point log P_k, ∂ log P_k/∂θ and ∂² log P_k/∂θ² (the row's kGridPoints triples one after another).
struct DomainTable {
  const ItemBank* bank = nullptr;
  std::vector<std::size_t> first_row;   // per item of the bank: its category 0's row, kNoRow when nobody answered it
  std::vector<ItemIndex> row_item;      // per row: its item
  std::vector<int> row_category;        // per row: its category
  std::vector<double> terms;            // rows × kGridPoints × 3

  const double* at(std::size_t row, int point) const {
    return terms.data() + (row * kGridPoints + static_cast<std::size_t>(point)) * 3;
  }
};

// Everything fixed while EM runs: the domains' tables and each person's responses as rows of them.
struct LatentProblem {
  std::vector<DomainTable> domains;
  // Person p (of the persons used) answered in domain d the rows rows[offsets[p·D + d] .. offsets[p·D + d + 1]).
  std::vector<std::size_t> offsets{0};
  std::vector<std::uint32_t> rows;
  std::size_t persons = 0;
  HermiteRule rule;

  std::size_t dimensions() const noexcept { return domains.size(); }
};

// A log-likelihood and its first two derivatives at one θ.
struct Terms {
  double value = 0.0;
  double first = 0.0;
  double second = 0.0;
};

// One person's ℓ_d(θ) for every domain: in grid cell [t_k, t_{k+1}], θ = t_k + s·h, the quintic Hermite interpolant
// of the sums over the person's responses of the tabulated terms (value, first and second derivative at both ends),
// kept as its polynomial c0 + c1 s + … + c5 s⁵. A grid point's sums and a cell's coefficients are formed when first
// needed, once per person (a stamp marks those of the current person).
class PersonLikelihood {
 public:
  explicit PersonLikelihood(const LatentProblem& problem)
      : problem_(problem),
        point_sums_(problem.dimensions() * kGridPoints * 3, 0.0),
        point_stamps_(problem.dimensions() * kGridPoints, 0),
        cells_(problem.dimensions() * (kGridPoints - 1) * 6, 0.0),
        cell_stamps_(problem.dimensions() * (kGridPoints - 1), 0) {}

  void start(std::size_t person) {
    person_ = person;
    ++stamp_;
  }

  bool answered(std::size_t d) const noexcept { return begin(d) != end(d); }

  double value(std::size_t d, double theta) { return answered(d) ? interpolate(d, theta) : 0.0; }

  /// value() for a domain the person answered.
  double interpolate(std::size_t d, double theta) {
    double s = 0.0;
    const int k = locate(theta, s);
    if (k < 0) return exact(d, theta).value;
    const double* c = cell(d, k);
    return c[0] + s * (c[1] + s * (c[2] + s * (c[3] + s * (c[4] + s * c[5]))));
  }

  Terms terms(std::size_t d, double theta) {
    if (!answered(d)) return {};
    double s = 0.0;
    const int k = locate(theta, s);
    if (k < 0) return exact(d, theta);
    const double* c = cell(d, k);
    Terms t;
    t.value = c[0] + s * (c[1] + s * (c[2] + s * (c[3] + s * (c[4] + s * c[5]))));
    t.first = (c[1] + s * (2.0 * c[2] + s * (3.0 * c[3] + s * (4.0 * c[4] + s * 5.0 * c[5])))) * kInverseStep;
    t.second = (2.0 * c[2] + s * (6.0 * c[3] + s * (12.0 * c[4] + s * 20.0 * c[5]))) * kInverseStep * kInverseStep;
    return t;
  }

 private:
  std::size_t begin(std::size_t d) const noexcept { return problem_.offsets[person_ * problem_.dimensions() + d]; }
  std::size_t end(std::size_t d) const noexcept { return problem_.offsets[person_ * problem_.dimensions() + d + 1]; }

  // The grid cell that holds θ and the position s in it, 0..1, or −1 outside the grid (and for NaN).
  static int locate(double theta, double& s) {
    const double u = (theta - kGridLower) * kInverseStep;
    if (!(u >= 0.0 && u <= kGridPoints - 1)) return -1;
    const int k = std::min(static_cast<int>(u), kGridPoints - 2);
    s = u - k;
    return k;
  }

  // The person's sums of value, first and second derivative at grid point k of domain d.
  const double* point(std::size_t d, int k) {
    const std::size_t slot = d * kGridPoints + static_cast<std::size_t>(k);
    double* sum = point_sums_.data() + slot * 3;
    if (point_stamps_[slot] != stamp_) {
      point_stamps_[slot] = stamp_;
      const DomainTable& table = problem_.domains[d];
      double v = 0.0, g = 0.0, c = 0.0;
      for (std::size_t i = begin(d); i < end(d); ++i) {
        const double* t = table.at(problem_.rows[i], k);
        v += t[0];
        g += t[1];
        c += t[2];
      }
      sum[0] = v;
      sum[1] = g;
      sum[2] = c;
    }
    return sum;
  }

  // The interpolant's coefficients on cell k of domain d: with A, B, C the value, h·first and h²·second derivative
  // at t_k and P, Q, R those at t_{k+1}, the quintic Hermite basis (H0 = 1 − 10s³ + 15s⁴ − 6s⁵, ...) collected by
  // powers of s.
  const double* cell(std::size_t d, int k) {
    const std::size_t slot = d * (kGridPoints - 1) + static_cast<std::size_t>(k);
    double* c = cells_.data() + slot * 6;
    if (cell_stamps_[slot] != stamp_) {
      cell_stamps_[slot] = stamp_;
      const double* left = point(d, k);
      const double* right = point(d, k + 1);
      const double a = left[0], b = kGridStep * left[1], cc = kGridStep * kGridStep * left[2];
      const double p = right[0], q = kGridStep * right[1], r = kGridStep * kGridStep * right[2];
      c[0] = a;
      c[1] = b;
      c[2] = 0.5 * cc;
      c[3] = 10.0 * (p - a) - 6.0 * b - 4.0 * q - 1.5 * cc + 0.5 * r;
      c[4] = 15.0 * (a - p) + 8.0 * b + 7.0 * q + 1.5 * cc - r;
      c[5] = 6.0 * (p - a) - 3.0 * b - 3.0 * q - 0.5 * cc + 0.5 * r;
    }
    return c;
  }

  Terms exact(std::size_t d, double theta) const {
    const DomainTable& table = problem_.domains[d];
    Terms t;
    for (std::size_t i = begin(d); i < end(d); ++i) {
      const std::uint32_t row = problem_.rows[i];
      const auto k = static_cast<std::size_t>(table.row_category[row]);
      const CategoryTerms c = category_terms(table.bank->item(table.row_item[row]), theta, table.bank->scaling());
      t.value += c.log_p[k];
      t.first += c.d1[k];
      t.second += c.d2[k];
    }
    return t;
  }

  const LatentProblem& problem_;
  std::size_t person_ = 0;
  std::uint64_t stamp_ = 0;
  std::vector<double> point_sums_;
  std::vector<std::uint64_t> point_stamps_;
  std::vector<double> cells_;
  std::vector<std::uint64_t> cell_stamps_;
};

// The current latent distribution, with what every person's E-step needs of it.
struct LatentState {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
  Eigen::MatrixXd precision;
  double log_determinant = 0.0;  // log |Σ|

  static LatentState of(Eigen::VectorXd mean, Eigen::MatrixXd covariance) {
    LatentState state{std::move(mean), std::move(covariance), {}, 0.0};
    const Eigen::LLT<Eigen::MatrixXd> factor(state.covariance);
    const Eigen::Index size = state.mean.size();
    const Eigen::MatrixXd inverse = factor.solve(Eigen::MatrixXd::Identity(size, size));
    state.precision = 0.5 * (inverse + inverse.transpose());
    state.log_determinant = 2.0 * factor.matrixLLT().diagonal().array().log().sum();
    return state;
  }
};

// What each person's E-step gives: posterior mean and covariance, and marginal log-likelihood; and the MAP.
struct PersonMoments {
  Eigen::MatrixXd means;         // D × persons
  Eigen::MatrixXd covariances;   // D² × persons (each column a column-major D × D matrix)
  Eigen::VectorXd log_marginal;  // persons
  Eigen::MatrixXd modes;         // D × persons: each person's joint MAP, the next E-step's warm start
};

// One person's E-step: the joint MAP of the (interpolated) log posterior by Newton's method from the previous MAP,
// with joint_map's steps, then the adaptive Gauss–Hermite sums about it.
class PersonEStep {
 public:
  PersonEStep(const LatentProblem& problem, const LatentState& state)
      : problem_(problem),
        state_(state),
        likelihood_(problem),
        size_(static_cast<Eigen::Index>(problem.dimensions())),
        llt_(size_) {
    const auto n = static_cast<std::size_t>(size_);
    for (Eigen::VectorXd* v : {&theta_, &trial_, &gradient_, &trial_gradient_, &step_, &second_, &trial_second_,
                               &deviation_, &pull_, &b_, &s1_}) {
      v->resize(size_);
    }
    for (Eigen::MatrixXd* m : {&negative_hessian_, &lower_, &m_, &s2_}) m->resize(size_, size_);
    z_.assign(n, 0.0);
    index_.assign(n, 0);
    partial_.assign(n + 1, 0.0);
    at_mode_.assign(n, 0.0);
    node_terms_.assign(problem.rule.nodes.size(), 0.0);
  }

  void run(std::size_t person, PersonMoments& out) {
    const auto p = static_cast<Eigen::Index>(person);
    likelihood_.start(person);
    theta_ = out.modes.col(p);
    maximize();
    out.modes.col(p) = theta_;
    integrate();
    // Moments in z, then in θ = θ̂ + L·z.
    const Eigen::VectorXd mean_z = s1_ / s0_;
    Eigen::MatrixXd covariance_z = s2_.selfadjointView<Eigen::Lower>();
    covariance_z = covariance_z / s0_ - mean_z * mean_z.transpose();
    out.means.col(p) = theta_ + lower_ * mean_z;
    Eigen::MatrixXd covariance = lower_ * covariance_z * lower_.transpose();
    covariance = 0.5 * (covariance + covariance.transpose());
    out.covariances.col(p) = Eigen::Map<const Eigen::VectorXd>(covariance.data(), size_ * size_);
    // log ∫ Π_d L_d(θ_d) N(θ; μ, Σ) dθ = log p̃(θ̂) + log S0 + log |L| − ½ log |Σ|, with p̃ the posterior density
    // without the prior's normalizing constant (2π)^{−D/2} (the rule's weights carry it for the z-integral).
    out.log_marginal(p) =
        log_posterior_at_mode_ + std::log(s0_) + lower_.diagonal().array().log().sum() - 0.5 * state_.log_determinant;
  }

 private:
  // The log posterior (up to the prior's constant) at `theta`, its gradient and the per-domain second derivatives.
  double evaluate(const Eigen::VectorXd& theta, Eigen::VectorXd& gradient, Eigen::VectorXd& second) {
    deviation_ = theta - state_.mean;
    pull_.noalias() = state_.precision * deviation_;
    double value = -0.5 * deviation_.dot(pull_);
    for (Eigen::Index d = 0; d < size_; ++d) {
      const Terms t = likelihood_.terms(static_cast<std::size_t>(d), theta(d));
      value += t.value;
      gradient(d) = t.first - pull_(d);
      second(d) = t.second;
    }
    return value;
  }

  // −Hessian = Σ⁻¹ − diag(ℓ″_d), factored; where it is not positive definite (3PL items far from the data) the
  // positive definite Σ⁻¹ + diag(max(−ℓ″_d, 0)) instead, whose step still ascends.
  void factor_negative_hessian(const Eigen::VectorXd& second) {
    negative_hessian_ = state_.precision;
    negative_hessian_.diagonal() -= second;
    llt_.compute(negative_hessian_);
    if (llt_.info() == Eigen::Success) return;
    negative_hessian_ = state_.precision;
    negative_hessian_.diagonal() += (-second).cwiseMax(0.0);
    llt_.compute(negative_hessian_);
  }

  void maximize() {
    double value = evaluate(theta_, gradient_, second_);
    for (int iteration = 0; iteration < kMaxNewtonIterations; ++iteration) {
      factor_negative_hessian(second_);
      step_ = llt_.solve(gradient_);
      const double length = step_.lpNorm<Eigen::Infinity>();
      // Halved until the log posterior does not fall; stopped where the step is within the tolerance, where
      // rounding is all there is left to gain.
      double fraction = 1.0;
      trial_ = theta_ + step_;
      double next = evaluate(trial_, trial_gradient_, trial_second_);
      while (!(next >= value) && fraction * length > kMapStepTolerance) {
        fraction /= 2;
        trial_ = theta_ + fraction * step_;
        next = evaluate(trial_, trial_gradient_, trial_second_);
      }
      if (!(next >= value)) break;
      theta_.swap(trial_);
      gradient_.swap(trial_gradient_);
      second_.swap(trial_second_);
      value = next;
      if (length <= kMapStepTolerance) break;
    }
    // The quadrature's scale: the Cholesky factor L of the MAP's covariance (−Hessian)⁻¹ (of the positive definite
    // substitute where the observed one is not).
    factor_negative_hessian(second_);
    Eigen::MatrixXd covariance = llt_.solve(Eigen::MatrixXd::Identity(size_, size_));
    covariance = 0.5 * (covariance + covariance.transpose());
    lower_ = Eigen::LLT<Eigen::MatrixXd>(covariance).matrixL();
    // log p̃(θ̂ + L z) − log p̃(θ̂) = Σ_d [ℓ_d(θ_d) − ℓ_d(θ̂_d)] − bᵀz − ½ zᵀMz with b = LᵀΣ⁻¹(θ̂ − μ), M = LᵀΣ⁻¹L.
    deviation_ = theta_ - state_.mean;
    pull_.noalias() = state_.precision * deviation_;
    log_posterior_at_mode_ = -0.5 * deviation_.dot(pull_);
    for (Eigen::Index d = 0; d < size_; ++d) {
      at_mode_[static_cast<std::size_t>(d)] = likelihood_.value(static_cast<std::size_t>(d), theta_(d));
      log_posterior_at_mode_ += at_mode_[static_cast<std::size_t>(d)];
    }
    b_.noalias() = lower_.transpose() * pull_;
    m_.noalias() = lower_.transpose() * state_.precision * lower_;
  }

  // The term of dimension k of the log integrand, which depends on z_0 … z_k only (as θ_k does):
  // ℓ_k(θ_k) − ℓ_k(θ̂_k) − b_k z_k − ½ M_kk z_k² − z_k Σ_{j<k} M_kj z_j + ½ z_k² + log w(z_k).
  double term(Eigen::Index k, double theta, double z, double cross, double log_weight) {
    const double ell = likelihood_.value(static_cast<std::size_t>(k), theta) - at_mode_[static_cast<std::size_t>(k)];
    return ell - b_(k) * z - 0.5 * m_(k, k) * z * z - z * cross + 0.5 * z * z + log_weight;
  }

  // S0 = Σ g, S1 = Σ g·z, S2 = Σ g·zzᵀ (lower triangle) over the product rule, g = w(z)·p̃(θ̂ + Lz)/p̃(θ̂)·e^{|z|²/2}.
  // The multi-index runs over the first D − 1 dimensions with the last fastest; a dimension's term is formed again
  // only when its index or an earlier one changed, and the last dimension's sums are formed in one loop: about
  // points^D evaluations of the last domain's ℓ and points^{D−1} of the one before, and so on.
  void integrate() {
    const std::vector<double>& nodes = problem_.rule.nodes;
    const std::vector<double>& log_weights = problem_.rule.log_weights;
    const int n = static_cast<int>(nodes.size());
    const Eigen::Index last = size_ - 1;
    for (std::size_t q = 0; q < nodes.size(); ++q) {
      node_terms_[q] = 0.5 * (1.0 - m_(last, last)) * nodes[q] * nodes[q] + log_weights[q];
    }
    s0_ = 0.0;
    s1_.setZero();
    s2_.setZero();
    std::fill(index_.begin(), index_.end(), 0);
    Eigen::Index changed = 0;
    for (;;) {
      for (Eigen::Index k = changed; k < last; ++k) {
        const auto uk = static_cast<std::size_t>(k);
        z_[uk] = nodes[static_cast<std::size_t>(index_[uk])];
        double theta = theta_(k);
        double cross = 0.0;
        for (Eigen::Index j = 0; j <= k; ++j) theta += lower_(k, j) * z_[static_cast<std::size_t>(j)];
        for (Eigen::Index j = 0; j < k; ++j) cross += m_(k, j) * z_[static_cast<std::size_t>(j)];
        const double log_weight = log_weights[static_cast<std::size_t>(index_[uk])];
        partial_[uk + 1] = partial_[uk] + term(k, theta, z_[uk], cross, log_weight);
      }
      double base = theta_(last);
      double cross = 0.0;
      for (Eigen::Index j = 0; j < last; ++j) {
        base += lower_(last, j) * z_[static_cast<std::size_t>(j)];
        cross += m_(last, j) * z_[static_cast<std::size_t>(j)];
      }
      // The exponent at node q of the last dimension: constant + slope·z_q + node_terms_q + ℓ_last(base + scale·z_q).
      const double constant = partial_[static_cast<std::size_t>(last)] - at_mode_[static_cast<std::size_t>(last)];
      const double slope = -b_(last) - cross;
      const double scale = lower_(last, last);
      const bool answered = likelihood_.answered(static_cast<std::size_t>(last));
      double g0 = 0.0, g1 = 0.0, g2 = 0.0;
      for (int q = 0; q < n; ++q) {
        const double z = nodes[static_cast<std::size_t>(q)];
        double exponent = constant + slope * z + node_terms_[static_cast<std::size_t>(q)];
        if (answered) exponent += likelihood_.interpolate(static_cast<std::size_t>(last), base + scale * z);
        // About the MAP the exponent is near log w(z) < 0; above 0 only where the posterior's tail is heavier than
        // the normal the rule integrates.
        const double g = exponent <= 0.0 ? detail::exp_nonpositive(exponent) : std::exp(exponent);
        g0 += g;
        g1 += g * z;
        g2 += g * z * z;
      }
      s0_ += g0;
      for (Eigen::Index k = 0; k < last; ++k) {
        const double zk = z_[static_cast<std::size_t>(k)];
        s1_(k) += g0 * zk;
        for (Eigen::Index j = 0; j <= k; ++j) s2_(k, j) += g0 * zk * z_[static_cast<std::size_t>(j)];
        s2_(last, k) += g1 * zk;
      }
      s1_(last) += g1;
      s2_(last, last) += g2;
      // The next multi-index over the first D − 1 dimensions; done when every index wrapped around.
      Eigen::Index k = last - 1;
      while (k >= 0 && ++index_[static_cast<std::size_t>(k)] == n) index_[static_cast<std::size_t>(k--)] = 0;
      if (k < 0) return;
      changed = k;
    }
  }

  const LatentProblem& problem_;
  const LatentState& state_;
  PersonLikelihood likelihood_;
  Eigen::Index size_;
  Eigen::VectorXd theta_, trial_, gradient_, trial_gradient_, step_, second_, trial_second_, deviation_, pull_;
  Eigen::MatrixXd negative_hessian_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::MatrixXd lower_;
  Eigen::VectorXd b_;
  Eigen::MatrixXd m_;
  double log_posterior_at_mode_ = 0.0;
  std::vector<double> at_mode_;
  std::vector<double> z_;
  std::vector<int> index_;
  std::vector<double> partial_;
  std::vector<double> node_terms_;  // per node z of the last dimension: ½(1 − M_ll) z² + log w(z)
  double s0_ = 0.0;
  Eigen::VectorXd s1_;
  Eigen::MatrixXd s2_;
};

// Every person's E-step at `state` (in parallel; each person's results on their own), and the marginal
// log-likelihood summed in person order.
double e_step(const LatentProblem& problem, const LatentState& state, PersonMoments& moments,
              detail::WorkerPool& pool) {
  const std::size_t tasks = (problem.persons + kPersonsPerTask - 1) / kPersonsPerTask;
  pool.run(tasks, [&](std::size_t task) {
    PersonEStep person(problem, state);
    const std::size_t end = std::min(problem.persons, (task + 1) * kPersonsPerTask);
    for (std::size_t p = task * kPersonsPerTask; p < end; ++p) person.run(p, moments);
  });
  double log_likelihood = 0.0;
  for (Eigen::Index p = 0; p < moments.log_marginal.size(); ++p) log_likelihood += moments.log_marginal(p);
  return log_likelihood;
}

// The M-step: μ = mean of m_i, Σ = mean of V_i + (m_i − μ)(m_i − μ)ᵀ, summed in person order.
std::pair<Eigen::VectorXd, Eigen::MatrixXd> m_step(const PersonMoments& moments) {
  const Eigen::Index size = moments.means.rows();
  const auto persons = static_cast<double>(moments.means.cols());
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(size);
  for (Eigen::Index p = 0; p < moments.means.cols(); ++p) mean += moments.means.col(p);
  mean /= persons;
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Zero(size, size);
  for (Eigen::Index p = 0; p < moments.means.cols(); ++p) {
    const Eigen::VectorXd deviation = moments.means.col(p) - mean;
    covariance += Eigen::Map<const Eigen::MatrixXd>(moments.covariances.col(p).data(), size, size);
    covariance.noalias() += deviation * deviation.transpose();
  }
  covariance /= persons;
  return {mean, 0.5 * (covariance + covariance.transpose())};
}

// (μ, Σ) as the flat vector SQUAREM extrapolates: μ, then the Cholesky factor's lower triangle column by column, so
// that every extrapolation is a covariance again (LLᵀ), positive definite unless a diagonal entry reaches 0.
Eigen::VectorXd pack(const LatentState& state) {
  const Eigen::Index size = state.mean.size();
  const Eigen::MatrixXd lower = state.covariance.llt().matrixL();
  Eigen::VectorXd flat(size + size * (size + 1) / 2);
  flat.head(size) = state.mean;
  Eigen::Index at = size;
  for (Eigen::Index j = 0; j < size; ++j) {
    for (Eigen::Index i = j; i < size; ++i) flat(at++) = lower(i, j);
  }
  return flat;
}

std::pair<Eigen::VectorXd, Eigen::MatrixXd> unpack(const Eigen::VectorXd& flat, Eigen::Index size) {
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(size, size);
  Eigen::Index at = size;
  for (Eigen::Index j = 0; j < size; ++j) {
    for (Eigen::Index i = j; i < size; ++i) lower(i, j) = flat(at++);
  }
  const Eigen::MatrixXd covariance = lower * lower.transpose();
  return {flat.head(size), 0.5 * (covariance + covariance.transpose())};
}

bool valid(const Eigen::VectorXd& mean, const Eigen::MatrixXd& covariance) {
  return mean.allFinite() && covariance.allFinite() && Eigen::LLT<Eigen::MatrixXd>(covariance).info() == Eigen::Success;
}

std::size_t line_of(const ResponseTable& table, Eigen::Index person) {
  const auto p = static_cast<std::size_t>(person);
  return p < table.lines.size() ? table.lines[p] : 0;
}

// The problem: the columns mapped to their domains' items, the responses checked and gathered by person and
// domain, the persons without a response left out, and every answered item's terms tabulated.
LatentProblem set_up(const std::vector<LatentDomain>& domains, const ResponseTable& table, std::size_t& excluded,
                     detail::WorkerPool& pool) {
  const std::string fn = "estimate_latent: ";
  if (domains.empty()) throw InvalidArgument(fn + "no domains");
  struct Place {
    std::size_t domain = 0;
    ItemIndex item;
  };
  std::unordered_map<std::string, Place> place_of;
  for (std::size_t d = 0; d < domains.size(); ++d) {
    const LatentDomain& domain = domains[d];
    if (domain.name.empty()) throw InvalidArgument(fn + "domain " + std::to_string(d) + " has no name");
    if (domain.bank == nullptr) {
      throw InvalidArgument(fn + "the bank of domain " + detail::quoted_value(domain.name) + " is null");
    }
    for (std::size_t e = 0; e < d; ++e) {
      if (domains[e].name == domain.name) {
        throw InvalidArgument(fn + "domain " + detail::quoted_value(domain.name) + " is given twice");
      }
    }
    for (std::size_t i = 0; i < domain.bank->size(); ++i) {
      const std::string& id = domain.bank->items()[i].id().str();
      const auto [where, inserted] = place_of.emplace(id, Place{d, ItemIndex{i}});
      if (!inserted) {
        throw InvalidArgument(fn + "item " + detail::quoted_value(id) + " is in the banks of both " +
                              detail::quoted_value(domains[where->second.domain].name) + " and " +
                              detail::quoted_value(domain.name));
      }
    }
  }
  const Eigen::Index columns = table.responses.cols();
  const Eigen::Index rows = table.responses.rows();
  if (static_cast<std::size_t>(columns) != table.item_ids.size()) {
    throw InvalidArgument(fn + "the table has " + std::to_string(columns) + " columns of responses but " +
                          std::to_string(table.item_ids.size()) + " item ids");
  }
  // Each domain's columns, in column order.
  std::vector<std::vector<std::pair<Eigen::Index, ItemIndex>>> columns_of(domains.size());
  for (Eigen::Index j = 0; j < columns; ++j) {
    const std::string& id = table.item_ids[static_cast<std::size_t>(j)];
    const auto found = place_of.find(id);
    if (found == place_of.end()) {
      throw DataError(table.file, table.header_line, id,
                      "unknown item id " + detail::quoted_value(id) + ": no domain's bank holds it");
    }
    columns_of[found->second.domain].emplace_back(j, found->second.item);
  }

  LatentProblem problem;
  problem.domains.resize(domains.size());
  for (std::size_t d = 0; d < domains.size(); ++d) {
    problem.domains[d].bank = domains[d].bank;
    problem.domains[d].first_row.assign(domains[d].bank->size(), kNoRow);
  }
  std::vector<std::size_t> answers(domains.size(), 0);
  for (Eigen::Index p = 0; p < rows; ++p) {
    const std::size_t mark = problem.rows.size();
    std::vector<std::size_t> ends;
    for (std::size_t d = 0; d < domains.size(); ++d) {
      DomainTable& domain = problem.domains[d];
      for (const auto& [j, item] : columns_of[d]) {
        const int x = table.responses(p, j);
        if (x == ResponseTable::kMissingResponse) continue;
        const int categories = domain.bank->item(item).category_count();
        if (x < 0 || x >= categories) {
          throw DataError(table.file, line_of(table, p), table.item_ids[static_cast<std::size_t>(j)],
                          "response " + std::to_string(x) + " is outside the item's categories 0.." +
                              std::to_string(categories - 1));
        }
        std::size_t& first = domain.first_row[item.value];
        if (first == kNoRow) {
          constexpr std::size_t kMaxRows = std::numeric_limits<std::uint32_t>::max();
          if (domain.row_item.size() + static_cast<std::size_t>(categories) > kMaxRows) {
            throw InvalidArgument(fn + "domain " + detail::quoted_value(domains[d].name) +
                                  " has more item categories than 2^32");
          }
          first = domain.row_item.size();
          for (int k = 0; k < categories; ++k) {
            domain.row_item.push_back(item);
            domain.row_category.push_back(k);
          }
        }
        problem.rows.push_back(static_cast<std::uint32_t>(first + static_cast<std::size_t>(x)));
      }
      ends.push_back(problem.rows.size());
    }
    if (problem.rows.size() == mark) {
      ++excluded;  // no response at all: nothing to the likelihood
      continue;
    }
    std::size_t from = mark;
    for (std::size_t d = 0; d < domains.size(); ++d) {
      answers[d] += ends[d] - from;
      from = ends[d];
      problem.offsets.push_back(ends[d]);
    }
    ++problem.persons;
  }
  for (std::size_t d = 0; d < domains.size(); ++d) {
    if (answers[d] == 0) {
      throw DataError(table.file, 0, "",
                      "no response to any item of domain " + detail::quoted_value(domains[d].name) +
                          ": its mean and variance cannot be estimated");
    }
  }

  // Tabulate every answered item's category terms, item by item in parallel (each item writes its own rows).
  std::vector<std::pair<std::size_t, ItemIndex>> answered;
  for (std::size_t d = 0; d < domains.size(); ++d) {
    DomainTable& domain = problem.domains[d];
    domain.terms.assign(domain.row_item.size() * kGridPoints * 3, 0.0);
    for (std::size_t i = 0; i < domain.first_row.size(); ++i) {
      if (domain.first_row[i] != kNoRow) answered.emplace_back(d, ItemIndex{i});
    }
  }
  pool.run(answered.size(), [&](std::size_t task) {
    DomainTable& domain = problem.domains[answered[task].first];
    const ItemIndex item = answered[task].second;
    const Item& parameters = domain.bank->item(item);
    const std::size_t first = domain.first_row[item.value];
    for (int q = 0; q < kGridPoints; ++q) {
      const CategoryTerms terms = category_terms(parameters, kGridLower + q * kGridStep, domain.bank->scaling());
      for (int k = 0; k < terms.count; ++k) {
        const auto row = first + static_cast<std::size_t>(k);
        double* point = domain.terms.data() + (row * kGridPoints + static_cast<std::size_t>(q)) * 3;
        point[0] = terms.log_p[static_cast<std::size_t>(k)];
        point[1] = terms.d1[static_cast<std::size_t>(k)];
        point[2] = terms.d2[static_cast<std::size_t>(k)];
      }
    }
  });
  return problem;
}

}  // namespace

int automatic_latent_points(std::size_t domains) noexcept {
  int points = kMaxAutomaticPoints;
  while (points > 2 && std::pow(static_cast<double>(points), static_cast<double>(domains)) > kAutomaticNodes) --points;
  return points;
}

void LatentOptions::validate() const {
  const std::string fn = "LatentOptions::validate: ";
  if (points_per_dimension != 0 && (points_per_dimension < 2 || points_per_dimension > kMaxPoints)) {
    throw InvalidArgument(fn + "points_per_dimension must be 0 (automatic) or in 2..50, got " +
                          std::to_string(points_per_dimension));
  }
  if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
    throw InvalidArgument(fn + "tolerance must be finite and > 0, got " + std::to_string(tolerance));
  }
  if (max_cycles < 1) throw InvalidArgument(fn + "max_cycles must be >= 1, got " + std::to_string(max_cycles));
  if (start) {
    try {
      start->validate();
    } catch (const InvalidArgument& error) {
      throw InvalidArgument(fn + "start: " + error.what());
    }
  }
}

LatentEstimate estimate_latent(const std::vector<LatentDomain>& domains, const ResponseTable& table,
                               const LatentOptions& options) {
  options.validate();
  const auto size = static_cast<Eigen::Index>(domains.size());
  const int points = options.points_per_dimension == 0 ? automatic_latent_points(domains.size())
                                                       : options.points_per_dimension;
  if (std::pow(static_cast<double>(points), static_cast<double>(size)) > kMaxNodes) {
    throw InvalidArgument("estimate_latent: " + std::to_string(points) + " points per dimension in " +
                          std::to_string(size) + " dimensions are more than 10^6 nodes per person");
  }
  if (options.start && options.start->mean.size() != size) {
    throw InvalidArgument("estimate_latent: the start has " + std::to_string(options.start->mean.size()) +
                          " dimensions for " + std::to_string(size) + " domains");
  }
  detail::WorkerPool pool(options.threads);
  LatentEstimate result;
  LatentProblem problem = set_up(domains, table, result.excluded, pool);
  problem.rule = gauss_hermite(points);
  for (const LatentDomain& domain : domains) result.domains.push_back(domain.name);
  result.persons = problem.persons;
  result.points_per_dimension = points;

  LatentState state = options.start
                          ? LatentState::of(options.start->mean, options.start->covariance)
                          : LatentState::of(Eigen::VectorXd::Zero(size), Eigen::MatrixXd::Identity(size, size));
  const auto persons = static_cast<Eigen::Index>(problem.persons);
  PersonMoments moments{Eigen::MatrixXd(size, persons), Eigen::MatrixXd(size * size, persons),
                           Eigen::VectorXd(persons), state.mean.replicate(1, persons)};
  double log_likelihood = e_step(problem, state, moments, pool);

  // One EM cycle from `from`, whose E-step is the latest (`moments`; log-likelihood `at`): the M-step, the change, a
  // progress report. `done` when no entry of μ or Σ moved more than the tolerance; nullopt when the new covariance
  // is not positive definite (rounding, where the data make some domains' θ collinear).
  bool singular = false;
  const auto cycle = [&](const LatentState& from, double at, bool& done) -> std::optional<LatentState> {
    auto [mean, covariance] = m_step(moments);
    if (!valid(mean, covariance)) {
      singular = true;
      return std::nullopt;
    }
    const double change = std::max((mean - from.mean).lpNorm<Eigen::Infinity>(),
                                   (covariance - from.covariance).lpNorm<Eigen::Infinity>());
    ++result.cycles;
    done = change < options.tolerance;
    if (options.progress) options.progress({result.cycles, options.max_cycles, at, change});
    return LatentState::of(std::move(mean), std::move(covariance));
  };
  const auto finish = [&](LatentState last, bool converged) {
    state = std::move(last);
    log_likelihood = e_step(problem, state, moments, pool);
    result.converged = converged;
  };
  // SQUAREM, scheme S3 (Varadhan & Roland 2008), as the item calibration (src/calibration/calibration_em.cpp): from
  // x0 two EM cycles x1, x2; r = x1 − x0, v = x2 − 2x1 + x0, α = −‖r‖/‖v‖ clamped to [−α_max, −1],
  // x' = x0 − 2αr + α²v, kept if its log-likelihood is at least x1's, else x2. Σ is extrapolated through its Cholesky
  // factor, so that x' is a covariance.
  constexpr double kAlphaStart = 4.0;
  double alpha_max = kAlphaStart;
  for (;;) {
    bool done = false;
    std::optional<LatentState> s1 = cycle(state, log_likelihood, done);
    if (!s1) break;
    if (done || result.cycles >= options.max_cycles) {
      finish(std::move(*s1), done);
      break;
    }
    const double log_likelihood1 = e_step(problem, *s1, moments, pool);
    if (!options.accelerate) {
      state = std::move(*s1);
      log_likelihood = log_likelihood1;
      continue;
    }
    std::optional<LatentState> s2 = cycle(*s1, log_likelihood1, done);
    if (!s2) {
      state = std::move(*s1);
      log_likelihood = log_likelihood1;
      break;
    }
    if (done || result.cycles >= options.max_cycles) {
      finish(std::move(*s2), done);
      break;
    }
    const Eigen::VectorXd x0 = pack(state);
    const Eigen::VectorXd r = pack(*s1) - x0;
    const Eigen::VectorXd v = pack(*s2) - x0 - 2.0 * r;
    double alpha = v.squaredNorm() > 0.0 ? -std::sqrt(r.squaredNorm() / v.squaredNorm()) : -1.0;
    alpha = std::clamp(alpha, -alpha_max, -1.0);
    const bool at_max = alpha == -alpha_max;
    bool accepted = false;
    // A rejected extrapolation backtracks halfway towards α = −1 (which is x2) and tries again.
    for (int attempt = 0; attempt < 3 && alpha < -1.0 && !accepted; ++attempt, alpha = (alpha - 1.0) / 2.0) {
      auto [mean, covariance] = unpack(x0 - 2.0 * alpha * r + alpha * alpha * v, size);
      if (!valid(mean, covariance)) continue;
      LatentState candidate = LatentState::of(std::move(mean), std::move(covariance));
      const double at = e_step(problem, candidate, moments, pool);
      if (std::isfinite(at) && at >= log_likelihood1) {
        accepted = true;
        state = std::move(candidate);
        log_likelihood = at;
      }
    }
    if (accepted && at_max) alpha_max *= 4.0;
    if (!accepted && at_max) alpha_max = std::max(kAlphaStart, alpha_max / 4.0);
    if (!accepted) {
      state = std::move(*s2);
      log_likelihood = e_step(problem, state, moments, pool);
    }
  }
  if (result.converged) {
    result.message = "converged after " + std::to_string(result.cycles) + " EM cycles";
  } else if (singular) {
    result.message = "stopped after " + std::to_string(result.cycles) +
                     " EM cycles: the covariance became singular (the data do not separate some domains)";
  } else {
    result.message = "no convergence within " + std::to_string(options.max_cycles) + " EM cycles";
  }
  result.log_likelihood = log_likelihood;
  result.distribution = {state.mean, state.covariance};
  result.sd = state.covariance.diagonal().cwiseSqrt();
  result.correlation = correlation_matrix(state.covariance);
  return result;
}

Eigen::MatrixXd correlation_matrix(const Eigen::MatrixXd& covariance) {
  const Eigen::VectorXd sd = covariance.diagonal().cwiseSqrt();
  Eigen::MatrixXd correlation = Eigen::MatrixXd::Identity(covariance.rows(), covariance.cols());
  for (Eigen::Index j = 0; j < covariance.cols(); ++j) {
    for (Eigen::Index i = j + 1; i < covariance.rows(); ++i) {
      correlation(i, j) = covariance(i, j) / (sd(i) * sd(j));
      correlation(j, i) = correlation(i, j);
    }
  }
  return correlation;
}

MultivariateNormal latent_distribution_over(const LatentEstimate& estimate, const std::vector<std::string>& domains) {
  if (domains.empty()) throw InvalidArgument("latent_distribution_over: no domains asked for");
  std::vector<Eigen::Index> index;
  for (std::size_t d = 0; d < domains.size(); ++d) {
    const auto found = std::find(estimate.domains.begin(), estimate.domains.end(), domains[d]);
    if (found == estimate.domains.end()) {
      throw InvalidArgument("latent_distribution_over: the estimate has no domain " + detail::quoted_value(domains[d]) +
                            " (it has " + std::to_string(estimate.domains.size()) + " domains)");
    }
    if (std::find(domains.begin(), domains.begin() + static_cast<std::ptrdiff_t>(d), domains[d]) !=
        domains.begin() + static_cast<std::ptrdiff_t>(d)) {
      throw InvalidArgument("latent_distribution_over: domain " + detail::quoted_value(domains[d]) + " is given twice");
    }
    index.push_back(static_cast<Eigen::Index>(found - estimate.domains.begin()));
  }
  return {estimate.distribution.mean(index), estimate.distribution.covariance(index, index)};
}

}  // namespace irtcat
