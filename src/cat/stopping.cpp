#include "irtcat/stopping.hpp"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat {

std::string_view to_string(StopReason reason) noexcept {
  switch (reason) {
    case StopReason::not_stopped: return "not_stopped";
    case StopReason::max_length: return "max_length";
    case StopReason::se_target: return "se_target";
    case StopReason::information_target: return "information_target";
    case StopReason::classification: return "classification";
    case StopReason::criteria: return "criteria";
    case StopReason::bank_exhausted: return "bank_exhausted";
  }
  return "unknown";
}

std::string_view to_string(ClassificationRule::Method method) noexcept {
  switch (method) {
    case ClassificationRule::Method::confidence_interval: return "confidence_interval";
    case ClassificationRule::Method::sprt: return "sprt";
  }
  return "unknown";
}

ClassificationRule::Method classification_method_from_string(std::string_view name) {
  for (auto method : {ClassificationRule::Method::confidence_interval, ClassificationRule::Method::sprt}) {
    if (name == to_string(method)) return method;
  }
  throw InvalidArgument("classification_method_from_string: unknown method " + detail::quoted_value(name) +
                        " (expected confidence_interval or sprt)");
}

std::string_view to_string(StoppingOptions::Combine combine) noexcept {
  switch (combine) {
    case StoppingOptions::Combine::any: return "any";
    case StoppingOptions::Combine::all: return "all";
  }
  return "unknown";
}

StoppingOptions::Combine stopping_combine_from_string(std::string_view name) {
  for (auto combine : {StoppingOptions::Combine::any, StoppingOptions::Combine::all}) {
    if (name == to_string(combine)) return combine;
  }
  throw InvalidArgument("stopping_combine_from_string: unknown combine mode " + detail::quoted_value(name) +
                        " (expected any or all)");
}

void StoppingOptions::validate() const {
  if (max_length < 1) throw InvalidArgument("StoppingOptions: max_length must be >= 1");
  if (min_length < 0 || min_length > max_length) {
    throw InvalidArgument("StoppingOptions: min_length must be in 0..max_length");
  }
  if (se_target && !(*se_target > 0)) throw InvalidArgument("StoppingOptions: se_target must be > 0");
  if (information_target && !(*information_target > 0)) {
    throw InvalidArgument("StoppingOptions: information_target must be > 0");
  }
  if (classification) {
    const ClassificationRule& rule = *classification;
    if (!std::isfinite(rule.cut)) throw InvalidArgument("StoppingOptions: the cut must be finite");
    if (!(rule.confidence > 0 && rule.confidence < 1)) {
      throw InvalidArgument("StoppingOptions: confidence must be in (0, 1)");
    }
    if (!(rule.indifference > 0)) throw InvalidArgument("StoppingOptions: the indifference region must be > 0");
    if (!(rule.alpha > 0 && rule.alpha < 0.5) || !(rule.beta > 0 && rule.beta < 0.5)) {
      throw InvalidArgument("StoppingOptions: alpha and beta must be in (0, 0.5)");
    }
  }
}

StopReason stop_reason(const StoppingOptions& options, const StoppingState& state) {
  if (state.length >= options.max_length) return StopReason::max_length;
  if (state.bank_exhausted) return StopReason::bank_exhausted;
  if (state.length < options.min_length || state.length == 0) return StopReason::not_stopped;

  std::vector<StopReason> met;
  int configured = 0;
  if (options.se_target) {
    ++configured;
    if (state.estimate.se <= *options.se_target) met.push_back(StopReason::se_target);
  }
  if (options.information_target) {
    ++configured;
    if (state.best_remaining_information < *options.information_target) met.push_back(StopReason::information_target);
  }
  if (options.classification) {
    ++configured;
    const ClassificationRule& rule = *options.classification;
    bool classified = false;
    if (rule.method == ClassificationRule::Method::confidence_interval) {
      const double z = boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 + rule.confidence / 2);
      classified = state.estimate.theta - z * state.estimate.se > rule.cut ||
                   state.estimate.theta + z * state.estimate.se < rule.cut;
    } else {
      const double upper = std::log((1 - rule.beta) / rule.alpha);
      const double lower = std::log(rule.beta / (1 - rule.alpha));
      classified = state.log_likelihood_ratio >= upper || state.log_likelihood_ratio <= lower;
    }
    if (classified) met.push_back(StopReason::classification);
  }
  if (met.empty()) return StopReason::not_stopped;
  if (options.combine == StoppingOptions::Combine::any) return met.front();
  if (static_cast<int>(met.size()) == configured) return configured == 1 ? met.front() : StopReason::criteria;
  return StopReason::not_stopped;
}

}  // namespace irtcat
