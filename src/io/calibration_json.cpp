#include "irtcat/calibration_json.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

namespace irtcat {
namespace {

using ordered = nlohmann::ordered_json;

constexpr const char* kCalibrationFormat = "irtcat.calibration_summary";
constexpr int kCalibrationVersion = 1;

// nlohmann writes a NaN or an infinity as null too; said here so that the rule does not rest on a library default.
ordered number(double value) { return std::isfinite(value) ? ordered(value) : ordered(nullptr); }

constexpr ItemCalibrationStatus kStatuses[] = {
    ItemCalibrationStatus::estimated,         ItemCalibrationStatus::at_bound,
    ItemCalibrationStatus::fixed,             ItemCalibrationStatus::negative_slope,
    ItemCalibrationStatus::all_correct,       ItemCalibrationStatus::all_incorrect,
    ItemCalibrationStatus::too_few_responses, ItemCalibrationStatus::empty_category,
};

}  // namespace

void write_calibration_summary_json(std::ostream& out, const CalibrationResult& result, const Interval& scoring_range) {
  const std::vector<ParameterOutsideRange> outside = parameters_outside(result, scoring_range);
  ordered document;
  document["format"] = kCalibrationFormat;
  document["version"] = kCalibrationVersion;
  document["status"] = std::string(to_string(result.status));
  document["message"] = result.message;
  document["cycles"] = result.cycles;
  document["persons"] = result.persons;
  document["parameters"] = result.parameters;
  document["log_likelihood"] = number(result.log_likelihood);
  document["aic"] = number(result.aic);
  document["bic"] = number(result.bic);
  document["max_score"] = number(result.max_score);
  document["latent_mean"] = number(result.latent_mean);
  document["latent_variance"] = number(result.latent_variance);
  if (const std::optional<ModelFit>& fit = result.model_fit) {
    ordered m;
    m["statistic"] = fit->statistic;
    m["value"] = number(fit->m2);
    m["df"] = fit->df;
    m["p"] = number(fit->p);
    m["rmsea"] = number(fit->rmsea);
    m["srmsr"] = number(fit->srmsr);
    m["persons"] = fit->persons;
    m["parameters"] = fit->parameters;
    document["model_fit"] = std::move(m);
  } else {
    document["model_fit"] = nullptr;
  }
  document["model_fit_message"] = result.model_fit_message;
  document["standard_errors"] =
      result.standard_error_method.empty() ? ordered(nullptr) : ordered(result.standard_error_method);
  document["standard_error_message"] = result.standard_error_message;
  ordered counts;
  counts["total"] = result.items.size();
  for (const ItemCalibrationStatus status : kStatuses) {
    counts[std::string(to_string(status))] =
        std::count_if(result.items.begin(), result.items.end(), [&](const CalibratedItem& i) { return i.status == status; });
  }
  document["items"] = std::move(counts);
  ordered flagged = ordered::array();
  for (const CalibratedItem& item : result.items) {
    if (item.message.empty()) continue;
    flagged.push_back({{"id", item.id.str()}, {"status", std::string(to_string(item.status))}, {"message", item.message}});
  }
  document["flagged"] = std::move(flagged);
  document["scoring_range"] = {scoring_range.lower, scoring_range.upper};
  ordered beyond = ordered::array();
  for (const ParameterOutsideRange& p : outside) {
    beyond.push_back({{"id", p.id.str()}, {"parameter", p.parameter}, {"value", number(p.value)}});
  }
  document["outside_scoring_range"] = std::move(beyond);
  // Invalid UTF-8 in an id or a file name is replaced rather than thrown on: the summary is written either way.
  out << document.dump(2, ' ', false, ordered::error_handler_t::replace) << '\n';
}

}  // namespace irtcat
