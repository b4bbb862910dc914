#pragma once
// Ability estimation: maximum likelihood (ML), maximum a posteriori (MAP, catR's "BM"), expected a posteriori
// (EAP) and Warm's weighted likelihood (WLE), each with its standard error and a status.
//
// Conventions (docs/conventions.md; they are catR's):
//   ML, MAP, WLE  the maximum on `bounds` (default [−4, 4]); when it lies at an end (constant patterns, some 3PL
//                 patterns) that end is returned with status lower_bound / upper_bound.
//   SE            ML and WLE: 1/√I(θ̂); MAP: 1/√(I(θ̂) + 1/σ²) (normal prior), 1/√I(θ̂) (uniform prior);
//                 EAP: the posterior SD on the same grid as the estimate.
//   EAP           trapezoidal rule on an equally spaced grid, default 33 points on [−4, 4].

#include <span>
#include <string_view>

#include "irtcat/grid_posterior.hpp"
#include "irtcat/item_bank.hpp"
#include "irtcat/prior.hpp"

namespace irtcat {

/// One recorded response: the item (by bank position) and the category observed (0/1, or 0..K).
struct Response {
  ItemIndex item;
  int category = 0;
};

enum class Estimator {
  ml,   ///< maximum likelihood
  map,  ///< maximum a posteriori (Bayes modal)
  eap,  ///< expected a posteriori
  wle,  ///< weighted likelihood (Warm 1989)
};

/// "ml", "map", "eap", "wle".
std::string_view to_string(Estimator estimator) noexcept;
/// Parses an estimator name (case-insensitive). Throws InvalidArgument for others.
Estimator estimator_from_string(std::string_view name);

/// How an estimate ended. Expected outcomes, not errors: the estimate is defined in every case.
enum class EstimateStatus {
  converged,     ///< an interior maximum (ML, MAP, WLE) solved to 1e−12, or an EAP posterior mean
  lower_bound,   ///< the maximum on the interval is its lower end (e.g. an all-incorrect pattern under ML)
  upper_bound,   ///< the maximum on the interval is its upper end (e.g. an all-correct pattern under ML)
  no_responses,  ///< nothing answered yet: the prior's centre (MAP, EAP) or the interval's midpoint (ML, WLE)
};

/// "converged", "lower_bound", "upper_bound", "no_responses".
std::string_view to_string(EstimateStatus status) noexcept;

struct AbilityEstimate {
  double theta = 0.0;
  double se = 0.0;      ///< standard error as defined per estimator (above); +infinity when there is no information
  int iterations = 0;   ///< root-finder iterations (0 for EAP)
  EstimateStatus status = EstimateStatus::converged;
};

struct EstimationOptions {
  Estimator estimator = Estimator::eap;
  Prior prior = NormalPrior{};  ///< MAP and EAP; catR's default N(0, 1)
  Interval bounds{};            ///< ML, MAP and WLE search interval; catR's default [−4, 4]
  QuadratureGrid grid{};        ///< EAP grid; catR's default 33 points on [−4, 4]
  /// Throws InvalidArgument for an invalid prior, interval or grid, or a GridPrior with an estimator other than
  /// EAP.
  void validate() const;
};

/// The log-likelihood of a response pattern at one θ and what the estimators need of it, in one pass.
struct LikelihoodTerms {
  double log_likelihood = 0.0;  ///< Σ log P_{x_j}(θ)
  double score = 0.0;           ///< Σ ∂ log P_{x_j} / ∂θ
  double curvature = 0.0;       ///< Σ ∂² log P_{x_j} / ∂θ²
  double information = 0.0;     ///< test information Σ I_j(θ)
  double warm_j = 0.0;          ///< Σ J_j(θ) (Warm 1989)
};

/// Throws UnknownItem for an item outside the bank and InvalidResponse for a category the item cannot produce.
LikelihoodTerms likelihood_terms(const ItemBank& bank, std::span<const Response> responses, double theta);

/// Checks every response against the bank (the throws of likelihood_terms).
void validate_responses(const ItemBank& bank, std::span<const Response> responses);

/// The estimate `options.estimator` defines. Throws as validate_responses and EstimationOptions::validate.
AbilityEstimate estimate_ability(const ItemBank& bank, std::span<const Response> responses,
                                 const EstimationOptions& options = {});

AbilityEstimate maximum_likelihood(const ItemBank& bank, std::span<const Response> responses, Interval bounds = {});
/// MAP with a normal or uniform prior (a uniform prior narrows `bounds` to its support, as in catR).
AbilityEstimate maximum_a_posteriori(const ItemBank& bank, std::span<const Response> responses,
                                     const Prior& prior = NormalPrior{}, Interval bounds = {});
AbilityEstimate weighted_likelihood(const ItemBank& bank, std::span<const Response> responses, Interval bounds = {});
AbilityEstimate expected_a_posteriori(const ItemBank& bank, std::span<const Response> responses,
                                      const Prior& prior = NormalPrior{}, const QuadratureGrid& grid = {});
/// The EAP estimate of a posterior that was updated response by response.
AbilityEstimate expected_a_posteriori(const GridPosterior& posterior);

}  // namespace irtcat
