#pragma once
// Private pieces of the EM calibration, shared by src/calibration*.cpp.
//
// Internal parameters of one item (mirt's slope-intercept form, Chalmers 2012):
//   index 0        a, the slope (fixed at 1 for Rasch and PCM; the common slope for 1PL)
//   1 .. K         intercepts d_1..d_K: dichotomous z = a·θ + d; GRM P*_k = σ(a·θ + d_k), d_1 > ... > d_K;
//                  GPCM P_k ∝ exp(k·a·θ + d_k), d_0 = 0
//   K + 1          c, the lower asymptote (3PL, 4PL), on its own scale: inside [0, 1)
//   K + 2          u, the upper asymptote (4PL), on its own scale: inside (0, 1]
//
// The asymptotes are not on the logit scale: there an asymptote whose maximum is at (or near) 0 or 1 drifts towards
// ±∞, where its derivative vanishes and a Newton step can no longer bring it back once the other parameters move.
// On their own scale the bounds are reached and left exactly, by the projected Newton step of maximize_item.

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "detail/helper_threads.hpp"
#include "irtcat/calibration.hpp"

namespace irtcat::detail {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Internal parameters are kept inside these boxes (the M-step projects onto them); an estimate on a box's edge is
/// reported as at its bound.
inline constexpr double kSlopeBound = 30.0;
inline constexpr double kInterceptBound = 60.0;
/// The lower asymptote stays in [0, 1 − kAsymptoteMargin], the upper in [kAsymptoteMargin, 1], and u − c at least
/// kAsymptoteMargin (so that log P and log Q stay finite).
inline constexpr double kAsymptoteMargin = 1e-4;
/// Linear predictors are clamped to ±35 (mirt's traceLinePts) before the logistic function.
inline constexpr double kPredictorBound = 35.0;

/// One item that takes part in the likelihood (estimated or fixed).
struct ItemSpec {
  CalibrationModel model = CalibrationModel::two_pl;
  int categories = 2;               ///< K + 1
  std::size_t row = 0;              ///< first row of this item's categories in the log-probability table
  bool fixed = false;               ///< held at its parameters
  std::vector<bool> free;           ///< per internal parameter: estimated in this item's M-step

  int thresholds() const noexcept { return categories - 1; }
  bool dichotomous() const noexcept;
  bool has_lower() const noexcept { return model == CalibrationModel::three_pl || model == CalibrationModel::four_pl; }
  bool has_upper() const noexcept { return model == CalibrationModel::four_pl; }
  int parameter_count() const noexcept { return categories + (has_lower() ? 1 : 0) + (has_upper() ? 1 : 0); }
  int free_count() const noexcept;
};

/// The free-slope flag and the mask of one model's parameters.
ItemSpec make_item_spec(CalibrationModel model, int categories, bool fixed);

/// log P_k(θ_q) for every category k (rows) and node q (columns), into `out` (categories × nodes).
void item_log_probabilities(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                            Eigen::Ref<RowMatrix> out);

/// The expected complete-data log-likelihood of one item, Σ_q Σ_k r_kq log P_k(θ_q), plus its log prior, and its
/// gradient and Hessian in all internal parameters (unused entries zero).
struct ItemObjective {
  double value = 0.0;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;
};

/// `counts`: this item's block of expected counts, categories × nodes. With `derivatives` false only `value`.
ItemObjective item_objective(const ItemSpec& spec, const Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                             const Eigen::Ref<const RowMatrix>& counts, const ParameterPriors& priors,
                             bool derivatives);

/// A log prior's value and its first and second derivatives at one point.
struct LogPriorTerms {
  double value = 0.0;
  double first = 0.0;
  double second = 0.0;
};
/// The lognormal prior on a slope: log p(a) = −log a − (log a − μ)²/(2σ²) up to a constant.
LogPriorTerms slope_log_prior(const LognormalPrior& prior, double a);

/// Σ log prior of one item's parameters (0 without priors).
double item_log_prior(const ItemSpec& spec, const Eigen::VectorXd& par, const ParameterPriors& priors);

/// The box of every internal parameter of one item: lower and upper bounds (a prior whose density vanishes at an
/// edge moves that edge just inside, since the objective is −∞ there).
struct ParameterBox {
  Eigen::VectorXd lower;
  Eigen::VectorXd upper;
};
ParameterBox parameter_box(const ItemSpec& spec, const ParameterPriors& priors);

/// True if `par` is inside the box, GRM intercepts are strictly decreasing, and u − c >= kAsymptoteMargin.
bool feasible(const ItemSpec& spec, const Eigen::VectorXd& par, const ParameterPriors& priors);

/// `par` moved onto its box (GRM order and the asymptotes' gap are not boxes: feasible() checks them).
void project_onto_box(const ParameterBox& box, Eigen::VectorXd& par);

/// The gradient of a maximization projected onto the box: 0 for a parameter at a bound whose gradient points out of
/// the box (a Karush–Kuhn–Tucker point has projected gradient 0).
double projected_gradient(double gradient, double value, double lower, double upper) noexcept;

/// The M-step of one item: projected Newton–Raphson (Bertsekas 1982) on its free parameters from `par`. Parameters
/// at a bound whose gradient points out of the box are held there; the Newton direction on the others is damped
/// (Levenberg) when their Hessian is not negative definite, and the projected step is halved until the objective
/// does not decrease. Returns the largest projected gradient at the starting `par`: by Fisher's identity this is the
/// largest projected score of the marginal log-likelihood (plus log priors) when `counts` come from the E-step at
/// `par`.
double maximize_item(const ItemSpec& spec, Eigen::VectorXd& par, const Eigen::ArrayXd& nodes,
                     const Eigen::Ref<const RowMatrix>& counts, const ParameterPriors& priors);

/// Starting values from the item's category proportions and its correlation with the rest score
/// (normal-ogive approximations, Lord & Novick 1968, moved to the logistic metric with 1.702).
Eigen::VectorXd starting_values(const ItemSpec& spec, const std::vector<double>& category_counts,
                                double item_rest_correlation);

/// Internal parameters of a given irtcat item (for fixed items); `scaling` is the item's D.
Eigen::VectorXd internal_parameters(const Item& item, double scaling);

}  // namespace irtcat::detail

namespace irtcat::detail {

/// Everything fixed during one calibration: nodes, the items in the likelihood, the compressed response patterns.
struct CalibrationProblem {
  Eigen::ArrayXd nodes;                 ///< quadrature nodes
  std::vector<ItemSpec> specs;          ///< items in the likelihood (estimated and fixed), in column order
  std::vector<std::size_t> columns;     ///< the response column of each
  Eigen::Index rows = 0;                ///< Σ categories: rows of the log-probability table
  // Distinct response patterns, CSR: pattern p observed the table rows cells[offsets[p] .. offsets[p + 1]).
  std::vector<std::size_t> offsets{0};
  std::vector<std::int32_t> cells;
  std::vector<double> frequencies;      ///< persons with each pattern
  bool common_slope = false;            ///< some items are 1PL: one slope shared by all of them
  bool free_mean = false;               ///< estimate the latent mean
  bool free_variance = false;           ///< estimate the latent variance
  ParameterPriors priors;
};

/// The parameters EM iterates on.
struct ParameterState {
  std::vector<Eigen::VectorXd> items;   ///< internal parameters per item of the problem
  double slope = 1.0;                   ///< the common 1PL slope (also stored in those items' par[0])
  double mean = 0.0;
  double variance = 1.0;
};

/// What an E-step gives: the marginal log-likelihood and the expected counts.
struct EStepResult {
  double log_likelihood = 0.0;
  RowMatrix counts;                     ///< rows × nodes: expected persons per item category per node
  Eigen::ArrayXd node_counts;           ///< expected persons per node
};

/// log of the N(mean, variance) density at the nodes, normalized to sum 1 (mirt).
Eigen::ArrayXd log_node_weights(const Eigen::ArrayXd& nodes, double mean, double variance);
/// The latent density's log weights as an exponential family on the nodes: in the natural parameters
/// η = (μ/σ², −1/(2σ²)) with statistics t = (θ, θ²), f(η) = Σ_q n_q log w_q has ∇f = S − N·E_η[t] and
/// ∇²f = −N·Cov_η[t], so it is concave. These are E_η[t] and Cov_η[t] on the nodes.
struct LatentMoments {
  double e1 = 0.0, e2 = 0.0, v11 = 0.0, v12 = 0.0, v22 = 0.0;
};
LatentMoments latent_moments(const Eigen::ArrayXd& nodes, double eta1, double eta2);
/// The latent variance stays in [kMinVariance, kMaxVariance].
inline constexpr double kMinVariance = 1e-4;
inline constexpr double kMaxVariance = 16.0;

/// The score of the latent mean and variance, ∂/∂(μ, σ²) of Σ_q n_q log w_q, with n_q the E-step's node counts.
struct LatentScore {
  double mean = 0.0;
  double variance = 0.0;
};
LatentScore latent_score(const CalibrationProblem& problem, const EStepResult& estep, const ParameterState& state);

/// The log-probability table (rows × nodes) of every item at `state`.
RowMatrix log_probability_table(const CalibrationProblem& problem, const ParameterState& state);

/// The outcome of EM.
struct EmOutcome {
  ParameterState state;
  EStepResult estep;                    ///< at `state`
  int cycles = 0;
  bool converged = false;
  std::vector<double> trace;
};
EmOutcome run_em(const CalibrationProblem& problem, ParameterState start, const CalibrationOptions& options,
                 WorkerPool& pool);

/// Positions of the free parameters in the flat vector that EM, SQUAREM and the covariance work on.
struct ParameterLayout {
  std::vector<Eigen::Index> item_offsets;  ///< first flat index of each item's free parameters
  Eigen::Index slope = -1;                 ///< the common slope, or −1
  Eigen::Index mean = -1;
  Eigen::Index variance = -1;
  Eigen::Index size = 0;
};
ParameterLayout parameter_layout(const CalibrationProblem& problem);
/// The free parameters of `state` as a flat vector, and back (the other parameters taken from `state`).
Eigen::VectorXd pack(const CalibrationProblem& problem, const ParameterLayout& layout, const ParameterState& state);
ParameterState unpack(const CalibrationProblem& problem, const ParameterLayout& layout, const Eigen::VectorXd& flat,
                      ParameterState state);

/// Covariance of the flat parameters: the inverse observed information of the marginal likelihood (plus log
/// priors) at `state`, whose E-step is `estep`.
struct CovarianceOutcome {
  bool ok = false;
  std::string message;
  Eigen::MatrixXd covariance;
};
/// The score of the marginal log-likelihood (plus log priors) in the flat parameters at `state`, whose E-step is
/// `estep`: by Fisher's identity, the gradient of the M-step's objective at the same parameters.
Eigen::VectorXd marginal_score(const CalibrationProblem& problem, const ParameterLayout& layout,
                               const ParameterState& state, const EStepResult& estep, WorkerPool& pool);
/// The observed information (minus the Hessian of the marginal log-likelihood plus log priors) in the flat parameters
/// at `state`, by Louis' (1982) identity: the expected complete-data information minus the per-pattern posterior
/// covariance of the complete-data score (src/calibration_information.cpp).
Eigen::MatrixXd observed_information(const CalibrationProblem& problem, const ParameterState& state,
                                     const EStepResult& estep, WorkerPool& pool);
/// By `method` (see StandardErrorMethod).
CovarianceOutcome parameter_covariance(const CalibrationProblem& problem, const ParameterState& state,
                                       const EStepResult& estep, StandardErrorMethod method, WorkerPool& pool);
/// Central differences of the marginal score (Fisher's identity), 2·P E-steps for P parameters.
CovarianceOutcome covariance_by_differences(const CalibrationProblem& problem, const ParameterState& state,
                                            WorkerPool& pool);
/// The inverse of a symmetric information matrix by Cholesky, or why there is none.
CovarianceOutcome invert_information(const Eigen::MatrixXd& information);

/// Posterior mean of θ for every pattern (EAP), at `state`.
Eigen::ArrayXd pattern_eap(const CalibrationProblem& problem, const ParameterState& state);

}  // namespace irtcat::detail

namespace irtcat::detail {

/// M2 (or M2* with polytomous items), RMSEA and SRMSR at `state` from the persons who answered every item
/// (src/calibration_model_fit.cpp); `message` says why not where `ok` is false.
struct ModelFitOutcome {
  bool ok = false;
  std::string message;
  ModelFit fit;
};
ModelFitOutcome model_fit(const CalibrationProblem& problem, const ParameterState& state);

/// Fit statistics of the estimated items of `problem` at `state`, one per item of the problem: S-X2 for
/// dichotomous items (from persons who answered every item), infit and outfit for Rasch-family items.
std::vector<ItemFit> item_fit(const CalibrationProblem& problem, const ParameterState& state);

}  // namespace irtcat::detail
