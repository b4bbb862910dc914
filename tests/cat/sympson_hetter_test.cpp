// Sympson-Hetter exposure control (src/cat/sympson_hetter.cpp).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>

#include "cat/session_support.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"
#include "irtcat/sympson_hetter.hpp"

using namespace irtcat;
using namespace irtcat::testing;

TEST_CASE("session: Sympson-Hetter holds the maximum exposure rate to its target") {
  const auto bank = bank_of(Model::two_pl, 60, 14);
  SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 8);
  const auto free_design = std::make_shared<const TestDesign>(bank, config);
  const std::vector<double> free_rates = simulate_exposure_rates(free_design, 1000, 0.0, 1.0, 5);
  CHECK(*std::max_element(free_rates.begin(), free_rates.end()) > 0.6);  // without control a few items dominate

  SympsonHetterOptions options;
  options.target_rate = 0.25;
  options.candidates = 4000;
  options.tolerance = 0.005;
  options.seed = 21;
  const SympsonHetterResult result = calibrate_sympson_hetter(bank, config, options);
  CHECK(result.converged);
  config.exposure.method = ExposureMethod::sympson_hetter;
  config.exposure.sympson_hetter = result.parameters;
  const auto controlled = std::make_shared<const TestDesign>(bank, config);
  // A fresh sample of 20,000 candidates: a rate's sampling SD there is 0.003, so the highest of the ~15 items held
  // at the target lands near 0.26 (the K's also carry the 4,000-candidate calibration sample's noise, SD 0.007);
  // 0.02 above the target is more than 3 SD of that maximum.
  const std::vector<double> rates = simulate_exposure_rates(controlled, 20000, 0.0, 1.0, 99);
  CHECK(result.max_rate <= 0.25 + 0.005);
  CHECK(*std::max_element(rates.begin(), rates.end()) <= 0.25 + 0.02);
  CHECK_THROWS_AS(calibrate_sympson_hetter(bank, config, SympsonHetterOptions{1.5}), InvalidArgument);
}
