#pragma once
// Item calibration: marginal maximum likelihood by EM (Bock & Aitkin 1981) on a quadrature grid.
//
// Conventions are mirt's (Chalmers 2012), so that estimates agree with it:
//   - 61 equally spaced nodes on [−6, 6]; latent N(0, 1) density at the nodes, normalized to sum 1;
//   - items are estimated in slope-intercept form, P = 1 / (1 + exp(−(a·θ + d))), and reported in irtcat's
//     items-CSV parameterization: b = −d/a, GRM b_k = −d_k/a, GPCM steps b_k = −(d_k − d_{k−1})/a, with a
//     divided by the scaling constant D (1 by default);
//   - 3PL/4PL asymptotes are estimated on the logit scale (c = σ(γ), d = σ(υ)), which keeps them inside (0, 1);
//   - convergence when no internal parameter (a, d, γ, υ, latent variance) moves more than 1e−4 in an EM cycle;
//   - Rasch: a = 1 for every item and the latent variance estimated (mean 0); 1PL: one common a, N(0, 1).
// Missing responses (not administered) drop out of the likelihood.
//
// Standard errors: the observed information of the marginal likelihood, by central differences of its analytic
// gradient (Fisher's identity: the gradient of the marginal log-likelihood equals the gradient of the expected
// complete-data log-likelihood at the same parameters), inverted, then carried to the reported
// parameterization by the delta method. See kStandardErrorMethod.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irtcat/item_bank.hpp"
#include "irtcat/model.hpp"
#include "irtcat/responses_csv.hpp"

namespace irtcat {

/// The models an item can be calibrated with. Rasch and 1PL differ in what is estimated (DESIGN.md, mirt):
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

/// One report per EM cycle, for a progress display. The library prints nothing.
struct CalibrationProgress {
  int cycle = 0;                ///< EM cycles done
  int max_cycles = 0;           ///< the limit
  double log_likelihood = 0.0;  ///< marginal log-likelihood at the latest parameters
  double max_change = 0.0;      ///< largest parameter change of the latest cycle
};

/// How calibrate() works. Defaults are mirt's (mirt 1.x, `mirt()` with method = "EM").
struct CalibrationOptions {
  double quadrature_lower = -6.0;  ///< mirt: quadrature on [−6, 6] for one factor
  double quadrature_upper = 6.0;
  int quadrature_points = 61;      ///< mirt: quadpts = 61 for one factor
  double tolerance = 1e-4;         ///< mirt: TOL = 1e−4 on the largest absolute parameter change
  int max_cycles = 2000;           ///< EM cycles at most
  int min_responses = 10;          ///< an item with fewer responses is not estimated (status too_few_responses)
  ParameterPriors priors;          ///< none by default (mirt)
  bool accelerate = true;          ///< SQUAREM extrapolation (Varadhan & Roland 2008), kept monotone
  bool standard_errors = true;     ///< observed-information standard errors (2·P extra E-steps for P parameters)
  bool fit_statistics = true;      ///< S-X2 for dichotomous items, infit/outfit for Rasch-family items
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
  no_items,     ///< nothing could be estimated (every item fixed or inestimable)
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
};
/// "estimated", "fixed", "all_correct", "all_incorrect", "too_few_responses", "empty_category", "negative_slope".
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
  std::vector<double> log_likelihood_trace; ///< at every accepted iterate, in order; never decreases (with parameter
                                            ///< priors: log-likelihood + log priors, what EM increases)
  double latent_mean = 0.0;                 ///< of θ: 0 unless estimated (fixed-item calibration)
  double latent_variance = 1.0;             ///< of θ: 1 unless estimated (Rasch, fixed-item calibration)
  std::string standard_error_method;        ///< empty when standard errors were not asked for
  std::string standard_error_message;       ///< why some or all standard errors are missing, if they are
  std::vector<CalibratedItem> items;        ///< one per response column, in column order

  /// The valid items (estimated and fixed) as a bank with scaling constant `scaling`, in column order.
  ItemBank bank(double scaling = kLogisticScaling) const;
};

/// How calibrate() computes standard errors, in words for reports.
inline constexpr std::string_view kStandardErrorMethod =
    "observed information of the marginal likelihood: central differences of its analytic gradient "
    "(Fisher's identity), delta method to the reported parameters";

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

}  // namespace irtcat
