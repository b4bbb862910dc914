#pragma once
// When an adaptive test stops. The maximum length and an exhausted bank always stop it; the criteria (SE target,
// information target, classification against a cut) stop it when any (or all) of those configured hold, and
// never before the minimum length.

#include <optional>
#include <string_view>

#include "irtcat/ability.hpp"

namespace irtcat {

enum class StopReason {
  not_stopped,
  max_length,          ///< the test reached its maximum length
  se_target,           ///< the standard error fell to the target
  information_target,  ///< no eligible item would add more information than the target
  classification,      ///< the candidate is classified against the cut
  criteria,            ///< all of several criteria hold (combine = all)
  bank_exhausted,      ///< no eligible item is left
};

std::string_view to_string(StopReason reason) noexcept;

/// Classifying a candidate against a cut score on the theta scale.
struct ClassificationRule {
  enum class Method {
    confidence_interval,  ///< stop once θ̂ ± z·SE lies wholly on one side of the cut
    sprt,                 ///< Wald's SPRT between cut − δ and cut + δ (Reckase 1983; Eggen 1999)
  };
  double cut = 0.0;
  Method method = Method::confidence_interval;
  double confidence = 0.95;    ///< two-sided level of the interval
  double indifference = 0.2;   ///< δ, half-width of the SPRT's indifference region
  double alpha = 0.05;         ///< SPRT error rates
  double beta = 0.05;
};

struct StoppingOptions {
  enum class Combine { any, all };
  int max_length = 20;
  int min_length = 0;
  std::optional<double> se_target;           ///< stop when SE <= this
  std::optional<double> information_target;  ///< stop when the best eligible item's information is below this
  std::optional<ClassificationRule> classification;
  Combine combine = Combine::any;
  /// Throws InvalidArgument for max_length < 1, min_length outside 0..max_length, a non-positive target, a
  /// confidence outside (0, 1), δ <= 0, or error rates outside (0, 0.5).
  void validate() const;
};

/// "confidence_interval", "sprt".
std::string_view to_string(ClassificationRule::Method method) noexcept;
/// Parses a classification method's name. Throws InvalidArgument for any other.
ClassificationRule::Method classification_method_from_string(std::string_view name);
/// "any", "all".
std::string_view to_string(StoppingOptions::Combine combine) noexcept;
/// Parses how criteria combine. Throws InvalidArgument for any other name.
StoppingOptions::Combine stopping_combine_from_string(std::string_view name);

/// What the criteria look at after a response.
struct StoppingState {
  int length = 0;                      ///< items answered
  AbilityEstimate estimate;            ///< current estimate
  double best_remaining_information;   ///< max information at θ̂ over eligible items (−infinity if none)
  double log_likelihood_ratio = 0.0;   ///< SPRT: log L(cut + δ) − log L(cut − δ)
  bool bank_exhausted = false;
};

/// The reason the test stops now, or not_stopped.
StopReason stop_reason(const StoppingOptions& options, const StoppingState& state);

}  // namespace irtcat
