#pragma once
// A calibration's overall results as JSON, for scripts (`irtcat calibrate --summary FILE`): how EM ended, the
// log-likelihood, AIC, BIC, the limited-information fit when it was computed, the items counted by status, the items
// with a message (at_bound, inestimable, ...) and the location parameters outside a θ range. The per-item estimates
// are the items CSV's (calibration_csv.hpp). Keys (docs/calibrating_item_banks.md):
//
//   format "irtcat.calibration_summary", version 1, status, message, cycles, persons, parameters, log_likelihood, aic,
//   bic, max_score, latent_mean, latent_variance, model_fit (null, or statistic, value, df, p, rmsea, srmsr, persons,
//   parameters), model_fit_message, standard_errors (null, or the method), standard_error_message, items (a count per
//   item status, and total), flagged [{id, status, message}], scoring_range [lower, upper],
//   outside_scoring_range [{id, parameter, value}].

#include <iosfwd>

#include "irtcat/calibration.hpp"
#include "irtcat/prior.hpp"

namespace irtcat {

/// Writes the summary of `result` as one JSON object (indented, with a final newline); `outside_scoring_range`
/// lists parameters_outside(result, scoring_range). Numbers are written in their shortest exact form; a number that
/// is not finite is written as null. Throws InvalidArgument for an invalid range.
void write_calibration_summary_json(std::ostream& out, const CalibrationResult& result, const Interval& scoring_range);

}  // namespace irtcat
