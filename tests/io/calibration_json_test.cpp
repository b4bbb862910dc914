// The calibration summary as JSON (src/io/calibration_json.cpp): every documented key, null for what was not
// computed and for numbers that are not finite, the items by status and the parameters outside the scoring range.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "irtcat/calibration_json.hpp"
#include "irtcat/error.hpp"

using namespace irtcat;
using nlohmann::json;

namespace {

CalibrationResult sample_result() {
  CalibrationResult result;
  result.status = CalibrationStatus::converged;
  result.message = "converged after 12 EM cycles";
  result.cycles = 12;
  result.persons = 250;
  result.parameters = 5;
  result.log_likelihood = -612.25;
  result.aic = 1234.5;
  result.bic = 1252.1;
  result.max_score = 2.5e-4;
  CalibratedItem easy;
  easy.id = ItemId("easy");
  easy.item = Item::dichotomous(easy.id, Model::two_pl, 1.1, -0.4);
  CalibratedItem steep;
  steep.id = ItemId("steep");
  steep.status = ItemCalibrationStatus::at_bound;
  steep.message = "a = 30 is at its upper bound";
  steep.item = Item::dichotomous(steep.id, Model::two_pl, 30.0, 5.6);
  CalibratedItem sparse;
  sparse.id = ItemId("sparse");
  sparse.status = ItemCalibrationStatus::too_few_responses;
  sparse.message = "3 responses, fewer than the 10 needed";
  result.items = {easy, steep, sparse};
  return result;
}

json summary(const CalibrationResult& result, Interval range = {}) {
  std::ostringstream out;
  write_calibration_summary_json(out, result, range);
  REQUIRE(out.str().ends_with("}\n"));
  return json::parse(out.str());
}

}  // namespace

TEST_CASE("calibration json: the overall results, the items by status and the parameters outside the range") {
  const json j = summary(sample_result());
  CHECK(j["format"] == "irtcat.calibration_summary");
  CHECK(j["version"] == 1);
  CHECK(j["status"] == "converged");
  CHECK(j["message"] == "converged after 12 EM cycles");
  CHECK(j["cycles"] == 12);
  CHECK(j["persons"] == 250);
  CHECK(j["parameters"] == 5);
  CHECK(j["log_likelihood"].get<double>() == -612.25);
  CHECK(j["aic"].get<double>() == 1234.5);
  CHECK(j["bic"].get<double>() == 1252.1);
  CHECK(j["max_score"].get<double>() == 2.5e-4);
  CHECK(j["latent_mean"].get<double>() == 0.0);
  CHECK(j["latent_variance"].get<double>() == 1.0);
  CHECK(j["model_fit"].is_null());
  CHECK(j["standard_errors"].is_null());
  CHECK(j["items"]["total"] == 3);
  CHECK(j["items"]["estimated"] == 1);
  CHECK(j["items"]["at_bound"] == 1);
  CHECK(j["items"]["too_few_responses"] == 1);
  CHECK(j["items"]["fixed"] == 0);
  REQUIRE(j["flagged"].size() == 2);
  CHECK(j["flagged"][0]["id"] == "steep");
  CHECK(j["flagged"][0]["status"] == "at_bound");
  CHECK(j["flagged"][1]["message"] == "3 responses, fewer than the 10 needed");
  CHECK(j["scoring_range"] == json::array({-4.0, 4.0}));
  REQUIRE(j["outside_scoring_range"].size() == 1);
  CHECK(j["outside_scoring_range"][0]["id"] == "steep");
  CHECK(j["outside_scoring_range"][0]["parameter"] == "b");
  CHECK(j["outside_scoring_range"][0]["value"].get<double>() == 5.6);
  CHECK(summary(sample_result(), Interval{-6.0, 6.0})["outside_scoring_range"].empty());
}

TEST_CASE("calibration json: model fit and standard errors when computed, null for a number that is not finite") {
  CalibrationResult result = sample_result();
  ModelFit fit;
  fit.m2 = 14.5;
  fit.df = 9;
  fit.parameters = 5;
  fit.p = 0.105;
  fit.rmsea = 0.031;
  fit.srmsr = 0.027;
  fit.persons = 240;
  result.model_fit = fit;
  result.standard_error_method = "Louis";
  result.bic = std::numeric_limits<double>::quiet_NaN();
  const json j = summary(result);
  REQUIRE(j["model_fit"].is_object());
  CHECK(j["model_fit"]["statistic"] == "M2");
  CHECK(j["model_fit"]["value"].get<double>() == 14.5);
  CHECK(j["model_fit"]["df"] == 9);
  CHECK(j["model_fit"]["p"].get<double>() == 0.105);
  CHECK(j["model_fit"]["rmsea"].get<double>() == 0.031);
  CHECK(j["model_fit"]["srmsr"].get<double>() == 0.027);
  CHECK(j["model_fit"]["persons"] == 240);
  CHECK(j["model_fit"]["parameters"] == 5);
  CHECK(j["standard_errors"] == "Louis");
  CHECK(j["bic"].is_null());
  std::ostringstream out;
  CHECK_THROWS_AS(write_calibration_summary_json(out, result, Interval{2.0, 2.0}), InvalidArgument);
}
