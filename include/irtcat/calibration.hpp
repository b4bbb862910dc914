#pragma once
// Item calibration: marginal maximum likelihood by EM (Bock & Aitkin 1981) on a quadrature grid.
//
// Conventions are mirt's (Chalmers 2012), so that estimates agree with it:
//   - 61 equally spaced nodes on [−6, 6]; latent N(0, 1) density at the nodes, normalized to sum 1;
//   - items are estimated in slope-intercept form, P = 1 / (1 + exp(−(a·θ + d))), and reported in irtcat's
//     items-CSV parameterization: b = −d/a, GRM b_k = −d_k/a, GPCM steps b_k = −(d_k − d_{k−1})/a, with a
//     divided by the scaling constant D (1 by default);
//   - 3PL/4PL asymptotes are estimated on their own scale within [0, 1], by projected Newton steps, so that an
//     asymptote whose likelihood is highest at 0 (or 1) reaches that bound and is reported there (status at_bound);
//   - convergence when no internal parameter (a, d, c, u, latent variance) moves more than 1e−4 in an EM cycle
//     (mirt's TOL) and the score of every free parameter is at most 1e−3 (see gradient_tolerance);
//   - Rasch: a = 1 for every item and the latent variance estimated (mean 0); 1PL: one common a, N(0, 1).
// Missing responses (not administered) drop out of the likelihood.
//
// Standard errors: the observed information of the marginal likelihood, analytic by Louis' (1982) identity (or, as
// a check, by central differences of its analytic gradient), inverted, then carried to the reported
// parameterization by the delta method. See StandardErrorMethod.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irtcat/item_bank.hpp"
#include "irtcat/model.hpp"
#include "irtcat/prior.hpp"
#include "irtcat/response_table.hpp"

namespace irtcat {

/// The models an item can be calibrated with. Rasch and 1PL differ in what is estimated (docs/conventions.md, mirt):
/// Rasch fixes a = 1 and estimates the latent variance; 1PL estimates one slope common to all its items.
enum class CalibrationModel {
  rasch,     ///< a = 1, latent variance free (mean 0)
  one_pl,    ///< one slope common to all 1PL items, latent N(0, 1)
  two_pl,    ///< a, b
  three_pl,  ///< a, b, c (lower asymptote)
  four_pl,   ///< a, b, c, d (upper asymptote)
  grm,       ///< graded response: a, b_1 < ... < b_K
  gpcm,      ///< generalized partial credit: a, steps b_1..b_K
  pcm,       ///< partial credit: a = 1, steps b_1..b_K (latent variance free when every item is Rasch or PCM)
};

/// "rasch", "1pl", "2pl", "3pl", "4pl", "grm", "gpcm", "pcm".
std::string_view to_string(CalibrationModel model) noexcept;
/// Parses a model name (case-insensitive). Throws InvalidArgument for others.
CalibrationModel calibration_model_from_string(std::string_view name);

/// Lognormal prior on a slope: log a ~ N(meanlog, sdlog²).
struct LognormalPrior {
  double meanlog = 0.0;
  double sdlog = 0.5;
};
/// Beta(alpha, beta) prior on an asymptote (c, or 1 − d).
struct BetaPrior {
  double alpha = 5.0;
  double beta = 17.0;
};
/// Normal prior on the difficulty b of a dichotomous item.
struct DifficultyPrior {
  double mean = 0.0;
  double sd = 2.0;
};

/// Optional priors on item parameters (none by default, as in mirt). Estimates are then posterior modes.
struct ParameterPriors {
  std::optional<LognormalPrior> slope;         ///< on a (every model with a free slope); keeps a > 0
  std::optional<BetaPrior> lower_asymptote;    ///< on c (3PL, 4PL)
  std::optional<BetaPrior> upper_asymptote;    ///< on 1 − d (4PL)
  std::optional<DifficultyPrior> difficulty;   ///< on b = −d/a (dichotomous items)
};

/// How calibrate() computes the observed information whose inverse gives the standard errors (mirt's SE.type
/// "Louis" and a finite-difference check). Both are the observed information of the marginal likelihood (plus log
/// priors) in the free parameters, carried to the reported parameters by the delta method.
enum class StandardErrorMethod {
  louis,                ///< Louis (1982): complete-data information minus the posterior covariance of the complete-data
                        ///< score, analytic; about the cost of a few EM cycles
  central_differences,  ///< central differences of the analytic marginal score (Fisher's identity): 2 E-steps per
                        ///< parameter; kept as a check
};
/// "louis", "central-differences".
std::string_view to_string(StandardErrorMethod method) noexcept;
/// Parses a method name. Throws InvalidArgument for others.
StandardErrorMethod standard_error_method_from_string(std::string_view name);
/// The method in words, for reports.
std::string_view describe(StandardErrorMethod method) noexcept;

/// One report per EM cycle, for a progress display. The library prints nothing.
struct CalibrationProgress {
  int cycle = 0;                ///< EM cycles done
  int max_cycles = 0;           ///< the limit
  double log_likelihood = 0.0;  ///< marginal log-likelihood at the latest parameters
  double max_change = 0.0;      ///< largest parameter change of the latest cycle
  double max_gradient = 0.0;    ///< largest projected score (gradient of the log-likelihood) before the latest cycle
};

/// How calibrate() works. Defaults are mirt's (mirt 1.x, `mirt()` with method = "EM").
struct CalibrationOptions {
  double quadrature_lower = -6.0;  ///< mirt: quadrature on [−6, 6] for one factor
  double quadrature_upper = 6.0;
  int quadrature_points = 61;      ///< mirt: quadpts = 61 for one factor
  double tolerance = 1e-4;         ///< mirt: TOL = 1e−4 on the largest absolute parameter change
  /// And the largest absolute score of a free parameter (the gradient of the marginal log-likelihood, plus log
  /// priors, by Fisher's identity; a parameter on a bound counts only where its gradient points into the box) must be
  /// at most this. A change below `tolerance` alone can stop EM early where the map is flat (slow EM, an asymptote
  /// near 0); the score says whether the point is a maximum.
  double gradient_tolerance = 1e-3;
  int max_cycles = 2000;           ///< EM cycles at most
  int min_responses = 10;          ///< an item with fewer responses is not estimated (status too_few_responses)
  ParameterPriors priors;          ///< none by default (mirt)
  /// Starting values (mirt's `pars`): an item here whose id is a column's, and whose model is the column's (1pl for
  /// rasch and 1pl columns), starts from its parameters instead of the data's proportions and correlations. Scaled by
  /// `scaling`, as the result. Throws InvalidArgument if a model differs.
  std::vector<Item> start_items;
  /// SQUAREM extrapolation (Varadhan & Roland 2008), and once no parameter moves more than 10·`tolerance` a Newton
  /// step with the observed information (Louis 1982); both kept monotone. False: plain EM.
  bool accelerate = true;
  bool standard_errors = true;     ///< observed-information standard errors
  StandardErrorMethod standard_error_method = StandardErrorMethod::louis;
  bool fit_statistics = true;      ///< S-X2 for dichotomous items, infit/outfit for Rasch-family items
  bool model_fit = false;          ///< M2 (M2* with polytomous items), RMSEA and SRMSR (see ModelFit)
  /// With fixed items: also estimate the latent mean and variance, so that a calibration sample that is abler or
  /// more spread than the bank's reference population does not bias the new items (Kim 2006, FIPC).
  bool estimate_latent_with_fixed_items = true;
  double scaling = kLogisticScaling;  ///< D of the reported parameters (a is divided by it)
  unsigned threads = 0;               ///< worker threads; 0 = hardware concurrency. Results do not depend on it.
  std::function<void(const CalibrationProgress&)> progress;  ///< called after every EM cycle, if set

  /// Throws InvalidArgument naming the first violated constraint.
  void validate() const;
};

/// How the whole calibration ended.
enum class CalibrationStatus {
  converged,    ///< no parameter moved more than `tolerance` in the last cycle
  cycle_limit,  ///< `max_cycles` cycles ran without convergence; the estimates are the last ones
  no_items,     ///< nothing could be estimated (every item fixed or inestimable); `message` says why, item by status
};
/// "converged", "cycle_limit", "no_items".
std::string_view to_string(CalibrationStatus status) noexcept;

/// What became of one item.
enum class ItemCalibrationStatus {
  estimated,          ///< parameters estimated
  fixed,              ///< held at the given (operational) parameters
  all_correct,        ///< every response in the top category: b is not finite; left out
  all_incorrect,      ///< every response in category 0: b is not finite; left out
  too_few_responses,  ///< fewer than `min_responses` responses; left out
  empty_category,     ///< a polytomous item with a category between 0 and its highest that nobody chose; left out
  negative_slope,     ///< estimated, but a <= 0 (or GRM thresholds out of order): not a valid irtcat item
  at_bound,           ///< estimated, a valid item, but a parameter sits on its bound (c = 0, d = 1, |a| = 30, ...)
                      ///< where the likelihood still rises towards it; that parameter has no standard error
};
/// "estimated", "fixed", "all_correct", "all_incorrect", "too_few_responses", "empty_category", "negative_slope",
/// "at_bound".
std::string_view to_string(ItemCalibrationStatus status) noexcept;

/// Standard errors in the reported parameterization (delta method). Zero for a parameter that is not estimated.
struct ItemStandardErrors {
  double a = 0.0;
  double b = 0.0;                  ///< dichotomous items
  double c = 0.0;
  double d = 0.0;
  std::vector<double> thresholds;  ///< polytomous items: b_1..b_K
};

/// Item fit. Each statistic is present only where it is defined and computed.
struct ItemFit {
  std::optional<double> s_x2;     ///< Orlando & Thissen (2000) S-X2 (dichotomous items, persons with complete data)
  std::optional<int> s_x2_df;     ///< its degrees of freedom: score groups after collapsing − free parameters
  std::optional<double> s_x2_p;   ///< its p-value (chi-square)
  std::optional<double> infit;    ///< information-weighted mean square (Rasch family), at EAP abilities
  std::optional<double> outfit;   ///< unweighted mean square (Rasch family), at EAP abilities
};

/// Overall model fit (limited information): Maydeu-Olivares & Joe's (2006) M2 on the univariate and bivariate margins
/// of dichotomous items, or the M2* of Cai & Hansen (2013) on the means and cross products of the item scores when an
/// item is polytomous (mirt's default `M2()`), from the persons who answered every item; with the RMSEA of M2 and the
/// SRMSR of the residual inter-item correlations.
struct ModelFit {
  std::string statistic = "M2";  ///< "M2" or "M2*"
  double m2 = 0.0;               ///< the statistic, asymptotically χ²(df) under the model
  int df = 0;                    ///< moments − free parameters
  int parameters = 0;            ///< free parameters
  double p = 0.0;                ///< its p-value
  double rmsea = 0.0;            ///< √(max(M2 − df, 0) / (N·df))
  double srmsr = 0.0;            ///< root mean square of observed minus model correlations over item pairs
  std::size_t persons = 0;       ///< N: the persons with complete data it was computed from
};

/// One item's result.
struct CalibratedItem {
  ItemId id;
  CalibrationModel model = CalibrationModel::two_pl;
  ItemCalibrationStatus status = ItemCalibrationStatus::estimated;
  std::string message;                      ///< why, for every status other than estimated and fixed
  std::size_t responses = 0;                ///< how many persons answered it
  std::optional<Item> item;                 ///< the estimated (or fixed) item; absent when it is not a valid item
  std::optional<ItemStandardErrors> se;     ///< when standard errors were computed and the information is positive definite
  ItemFit fit;
  std::vector<double> slope_intercept;      ///< mirt's parameters: a, d (or d_1..d_K), then g, u when present
};

/// The result of calibrate().
struct CalibrationResult {
  CalibrationStatus status = CalibrationStatus::converged;
  std::string message;                      ///< one line on how it ended
  int cycles = 0;                           ///< EM cycles (E-step + M-step) run
  double log_likelihood = 0.0;              ///< marginal log-likelihood at the estimates
  double max_score = 0.0;                   ///< the largest absolute score (gradient of the log-likelihood plus log
                                            ///< priors) of an estimated parameter not on a bound, at the estimates
  std::vector<double> log_likelihood_trace; ///< at every accepted iterate, in order; never decreases (with parameter
                                            ///< priors: log-likelihood + log priors, what EM increases)
  double latent_mean = 0.0;                 ///< of θ: 0 unless estimated (fixed-item calibration)
  double latent_variance = 1.0;             ///< of θ: 1 unless estimated (Rasch, fixed-item calibration)
  std::string standard_error_method;        ///< empty when standard errors were not asked for
  std::string standard_error_message;       ///< why some or all standard errors are missing, if they are
  int parameters = 0;                       ///< free parameters estimated (not those held at a bound)
  std::size_t persons = 0;                  ///< persons with a response to an item in the likelihood (BIC's N)
  double aic = 0.0;                         ///< −2 log-likelihood + 2·parameters
  double bic = 0.0;                         ///< −2 log-likelihood + parameters·log(persons)
  std::optional<ModelFit> model_fit;        ///< when asked for (`CalibrationOptions::model_fit`) and computable
  std::string model_fit_message;            ///< why it is missing, if asked for
  std::vector<CalibratedItem> items;        ///< one per response column, in column order

  /// The valid items (estimated and fixed) as a bank with scaling constant `scaling`, in column order.
  ItemBank bank(double scaling = kLogisticScaling) const;
};

/// Calibrates the items of a response table.
///
/// `models`: one model for every column, or one per column (mixed models in one run). `fixed`: items whose id
/// matches a column are held at the bank's parameters (fixed-item calibration); their entry in `models` is not
/// used. Throws InvalidArgument for bad options or a wrong number of models, and DataError (naming the table's
/// file, line and column) for an empty matrix or a category outside an item's model (2+ for dichotomous models,
/// more than the fixed item's K, more than kMaxCategories − 1). Inestimable items and non-convergence are
/// statuses in the result.
CalibrationResult calibrate(const ResponseTable& table, const std::vector<CalibrationModel>& models,
                            const CalibrationOptions& options = {}, const ItemBank* fixed = nullptr);

/// A reported location parameter of an estimated item that lies outside a range of θ.
struct ParameterOutsideRange {
  ItemId id;
  std::string parameter;  ///< "b" (dichotomous items) or "b1".."bK" (polytomous thresholds or steps)
  double value = 0.0;
};

/// The location parameters (b, or b_1..b_K) of the items of `result` with status estimated or at_bound that lie
/// outside `range`, item by item in column order. An item located beyond the θ range a bank is scored on is
/// measured by nobody that scoring can report (b = 5.6 against [−4, 4]); usually the data did not determine it
/// (few responses, a slope near 0). Fixed and inestimable items are not looked at. Throws InvalidArgument for an
/// invalid range.
std::vector<ParameterOutsideRange> parameters_outside(const CalibrationResult& result, const Interval& range);

/// Checks, before calibrating new items into a stored bank `target` (named `bank` in messages) with the items of
/// `fixed` held fixed (read from `fixed_file`; null for none), that nothing would be computed in vain: every column
/// of `table` that is calibrated (not held fixed) is one of the bank's items, and every fixed item the bank also
/// holds carries the bank's parameters to 1e-3 (a hand-written CSV's rounding), else the new items would not land
/// on the bank's scale. Throws UnknownItem for a column the bank does not hold, DataError for a differing item.
void check_recalibration(const ItemBank& target, const std::string& bank, const ResponseTable& table,
                         const ItemBank* fixed, const std::string& fixed_file);

}  // namespace irtcat
