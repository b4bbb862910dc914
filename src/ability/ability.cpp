#include "irtcat/ability.hpp"

#include <algorithm>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "detail/ascii.hpp"
#include "detail/check.hpp"
#include "detail/infinity.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using detail::kInfinity;

// The interval is scanned at steps of at most kScanStep (at least kMinScanIntervals steps) to find every local
// maximum; each is then solved to kRootTolerance. The scan makes the global maximum on the interval the answer
// even where a 3PL likelihood has several local maxima.
constexpr double kScanStep = 0.25;
constexpr int kMinScanIntervals = 32;
constexpr int kMaxScanIntervals = 4096;
constexpr double kRootTolerance = 1e-12;
constexpr std::uintmax_t kMaxRootIterations = 200;

double standard_error(double precision) { return precision > 0 ? 1.0 / std::sqrt(precision) : kInfinity; }

// What the bounded maximizer needs at one θ: the derivative whose roots are the stationary points, and the
// objective that ranks several candidate maxima.
struct Stationarity {
  double slope;
  double objective;
};

struct Maximum {
  double theta;
  int iterations;
  EstimateStatus status;
};

// The global maximum on [lower, upper] of an objective whose derivative is `slope` (catR's rule at the ends:
// a slope pointing outward at an end makes that end a candidate). Interior candidates are the brackets where the
// slope changes from + to −, solved by TOMS 748 (Alefeld, Potra & Shi 1995; Boost.Math).
template <class Evaluate>
Maximum maximize_on(Interval bounds, Evaluate evaluate) {
  const double width = bounds.upper - bounds.lower;
  const int intervals = std::clamp(static_cast<int>(std::ceil(width / kScanStep)), kMinScanIntervals, kMaxScanIntervals);
  std::vector<double> theta(static_cast<std::size_t>(intervals) + 1);
  std::vector<Stationarity> at(theta.size());
  for (std::size_t j = 0; j < theta.size(); ++j) {
    theta[j] = j + 1 == theta.size() ? bounds.upper : bounds.lower + width * static_cast<double>(j) / intervals;
    at[j] = evaluate(theta[j]);
  }

  Maximum best{bounds.lower, 0, EstimateStatus::lower_bound};
  double best_objective = -kInfinity;
  const auto consider = [&](const Maximum& candidate, double objective) {
    if (objective > best_objective) {  // ties keep the lower θ
      best = candidate;
      best_objective = objective;
    }
  };

  if (at.front().slope < 0) consider({bounds.lower, 0, EstimateStatus::lower_bound}, at.front().objective);
  for (std::size_t j = 0; j + 1 < theta.size(); ++j) {
    const double left = at[j].slope;
    const double right = at[j + 1].slope;
    if (left == 0) consider({theta[j], 0, EstimateStatus::converged}, at[j].objective);
    if (!(left > 0 && right < 0)) continue;
    std::uintmax_t iterations = kMaxRootIterations;
    const auto root = boost::math::tools::toms748_solve(
        [&](double t) { return evaluate(t).slope; }, theta[j], theta[j + 1], left, right,
        [](double a, double b) { return std::abs(b - a) <= kRootTolerance; }, iterations);
    const double solution = 0.5 * (root.first + root.second);
    consider({solution, static_cast<int>(iterations), EstimateStatus::converged}, evaluate(solution).objective);
  }
  if (at.back().slope == 0) consider({bounds.upper, 0, EstimateStatus::converged}, at.back().objective);
  if (at.back().slope > 0) consider({bounds.upper, 0, EstimateStatus::upper_bound}, at.back().objective);
  return best;
}

void require_valid_responses(const char* function, const ItemBank& bank, std::span<const Response> responses) {
  for (const Response& response : responses) {
    if (response.item.value >= bank.size()) {
      throw UnknownItem(std::string(function) + ": item index " + std::to_string(response.item.value) +
                        " is outside a bank of " + std::to_string(bank.size()) + " items");
    }
    const Item& item = bank.item(response.item);
    detail::check_category(function, item, response.category);
  }
}

// Σ over responses of what the estimators need at θ; the responses were validated by the caller.
LikelihoodTerms accumulate_terms(const ItemBank& bank, std::span<const Response> responses, double theta) {
  LikelihoodTerms sum;
  for (const Response& response : responses) {
    const CategoryTerms terms = category_terms(bank.items()[response.item.value], theta, bank.scaling());
    const auto x = static_cast<std::size_t>(response.category);
    sum.log_likelihood += terms.log_p[x];
    sum.score += terms.d1[x];
    sum.curvature += terms.d2[x];
    sum.information += information(terms);
    sum.warm_j += warm_j(terms);
  }
  return sum;
}

AbilityEstimate no_response_estimate(double theta, double se) { return {theta, se, 0, EstimateStatus::no_responses}; }

}  // namespace

std::string_view to_string(Estimator estimator) noexcept {
  switch (estimator) {
    case Estimator::ml: return "ml";
    case Estimator::map: return "map";
    case Estimator::eap: return "eap";
    case Estimator::wle: return "wle";
  }
  return "unknown";
}

Estimator estimator_from_string(std::string_view name) {
  const std::string lower = detail::ascii_lower(name);
  for (Estimator estimator : {Estimator::ml, Estimator::map, Estimator::eap, Estimator::wle}) {
    if (lower == to_string(estimator)) return estimator;
  }
  throw InvalidArgument("estimator_from_string: unknown estimator " + detail::quoted_value(name) +
                        " (expected ml, map, eap or wle)");
}

std::string_view to_string(EstimateStatus status) noexcept {
  switch (status) {
    case EstimateStatus::converged: return "converged";
    case EstimateStatus::lower_bound: return "lower_bound";
    case EstimateStatus::upper_bound: return "upper_bound";
    case EstimateStatus::no_responses: return "no_responses";
  }
  return "unknown";
}

void EstimationOptions::validate() const {
  irtcat::validate(prior);
  bounds.validate();
  grid.validate();
  if (std::holds_alternative<GridPrior>(prior) && estimator != Estimator::eap) {
    throw InvalidArgument("EstimationOptions: a prior given on the grid serves EAP only, not " +
                          std::string(to_string(estimator)));
  }
}

void validate_responses(const ItemBank& bank, std::span<const Response> responses) {
  require_valid_responses("validate_responses", bank, responses);
}

LikelihoodTerms likelihood_terms(const ItemBank& bank, std::span<const Response> responses, double theta) {
  require_valid_responses("likelihood_terms", bank, responses);
  return accumulate_terms(bank, responses, theta);
}

AbilityEstimate maximum_likelihood(const ItemBank& bank, std::span<const Response> responses, Interval bounds) {
  bounds.validate();
  require_valid_responses("maximum_likelihood", bank, responses);
  if (responses.empty()) return no_response_estimate(bounds.clamp(0.5 * (bounds.lower + bounds.upper)), kInfinity);
  const Maximum found = maximize_on(bounds, [&](double theta) {
    const LikelihoodTerms terms = accumulate_terms(bank, responses, theta);
    return Stationarity{terms.score, terms.log_likelihood};
  });
  const double info = accumulate_terms(bank, responses, found.theta).information;
  return {found.theta, standard_error(info), found.iterations, found.status};
}

AbilityEstimate maximum_a_posteriori(const ItemBank& bank, std::span<const Response> responses, const Prior& prior,
                                     Interval bounds) {
  validate(prior);
  bounds.validate();
  require_valid_responses("maximum_a_posteriori", bank, responses);
  if (const auto* uniform = std::get_if<UniformPrior>(&prior)) {
    // catR: a uniform prior restricts the likelihood's maximum to the prior's support within the range.
    const Interval support{std::max(bounds.lower, uniform->lower), std::min(bounds.upper, uniform->upper)};
    if (!(support.lower < support.upper)) {
      throw InvalidArgument("maximum_a_posteriori: the uniform prior's support does not overlap the bounds");
    }
    if (responses.empty()) return no_response_estimate(0.5 * (support.lower + support.upper), kInfinity);
    return maximum_likelihood(bank, responses, support);
  }
  const auto* normal = std::get_if<NormalPrior>(&prior);
  if (normal == nullptr) throw InvalidArgument("maximum_a_posteriori: needs a normal or uniform prior");
  const double precision = 1.0 / (normal->sd * normal->sd);
  if (responses.empty()) return no_response_estimate(bounds.clamp(normal->mean), standard_error(precision));
  const Maximum found = maximize_on(bounds, [&](double theta) {
    const LikelihoodTerms terms = accumulate_terms(bank, responses, theta);
    const double deviation = theta - normal->mean;
    return Stationarity{terms.score - deviation * precision,
                        terms.log_likelihood - 0.5 * deviation * deviation * precision};
  });
  const double info = accumulate_terms(bank, responses, found.theta).information;
  return {found.theta, standard_error(info + precision), found.iterations, found.status};
}

AbilityEstimate weighted_likelihood(const ItemBank& bank, std::span<const Response> responses, Interval bounds) {
  bounds.validate();
  require_valid_responses("weighted_likelihood", bank, responses);
  if (responses.empty()) return no_response_estimate(bounds.clamp(0.5 * (bounds.lower + bounds.upper)), kInfinity);
  // Warm (1989): the root of ∂ log L + J / (2I). Several roots (3PL) are ranked by log L + ½ log I, the weighted
  // likelihood whose derivative that is for 1PL and 2PL items.
  const Maximum found = maximize_on(bounds, [&](double theta) {
    const LikelihoodTerms terms = accumulate_terms(bank, responses, theta);
    if (!(terms.information > 0)) return Stationarity{terms.score, terms.log_likelihood};
    return Stationarity{terms.score + terms.warm_j / (2.0 * terms.information),
                        terms.log_likelihood + 0.5 * std::log(terms.information)};
  });
  const double info = accumulate_terms(bank, responses, found.theta).information;
  return {found.theta, standard_error(info), found.iterations, found.status};
}

AbilityEstimate expected_a_posteriori(const GridPosterior& posterior) {
  const PosteriorMoments moments = posterior.moments();
  const EstimateStatus status =
      posterior.responses() == 0 ? EstimateStatus::no_responses : EstimateStatus::converged;
  return {moments.mean, moments.sd, 0, status};
}

AbilityEstimate expected_a_posteriori(const ItemBank& bank, std::span<const Response> responses, const Prior& prior,
                                      const QuadratureGrid& grid) {
  require_valid_responses("expected_a_posteriori", bank, responses);
  GridPosterior posterior(grid, prior);
  for (const Response& response : responses) {
    posterior.update(bank.item(response.item), response.category, bank.scaling());
  }
  return expected_a_posteriori(posterior);
}

AbilityEstimate estimate_ability(const ItemBank& bank, std::span<const Response> responses,
                                 const EstimationOptions& options) {
  options.validate();
  switch (options.estimator) {
    case Estimator::ml: return maximum_likelihood(bank, responses, options.bounds);
    case Estimator::map: return maximum_a_posteriori(bank, responses, options.prior, options.bounds);
    case Estimator::eap: return expected_a_posteriori(bank, responses, options.prior, options.grid);
    case Estimator::wle: return weighted_likelihood(bank, responses, options.bounds);
  }
  throw InvalidArgument("estimate_ability: unknown estimator");
}

}  // namespace irtcat
