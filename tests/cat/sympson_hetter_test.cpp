// Sympson-Hetter exposure control (src/cat/sympson_hetter.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
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

TEST_CASE("session: Sympson-Hetter holds the maximum exposure rate to its target on fresh candidates") {
  // The setting: a 200-item 3PL bank, 20-item MFI + EAP tests, r = 0.25. The procedure draws fresh
  // candidates every iteration, doubling them up to 64,000, and stops once no sampled rate is significantly above
  // r + 0.003. About 60 items end held at r, so even with every true rate at r the highest of a fresh sample of
  // 20,000 lies above r by the maximum of 60 sampling errors of SD 0.003: about 0.007, with a tail beyond 0.01
  // in a few percent of samples. The test takes the median of three fresh samples' maxima, within 0.01 of r.
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::three_pl, 200, 41));
  SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 20);
  const auto free_design = std::make_shared<const TestDesign>(bank, config);
  const std::vector<double> free_rates = simulate_exposure_rates(free_design, 1000, 0.0, 1.0, 5);
  CHECK(*std::max_element(free_rates.begin(), free_rates.end()) > 0.5);  // without control a few items dominate

  SympsonHetterOptions options;
  options.target_rate = 0.25;
  options.tolerance = 0.003;
  options.seed = 21;
  const SympsonHetterResult result = calibrate_sympson_hetter(bank, config, options);
  CHECK(result.converged);
  CHECK(result.candidates == options.max_candidates);  // SE 0.003/3 would need 187,500: the largest sample allowed
  CHECK(result.max_rate <= 0.25 + 0.01);
  CHECK(result.max_rate_se == doctest::Approx(std::sqrt(result.max_rate * (1 - result.max_rate) / result.candidates)));
  config.exposure.method = ExposureMethod::sympson_hetter;
  config.exposure.sympson_hetter = result.parameters;
  const auto controlled = std::make_shared<const TestDesign>(bank, config);
  std::vector<double> highest;
  for (std::uint64_t seed : {100, 101, 102}) {
    const std::vector<double> rates = simulate_exposure_rates(controlled, 20000, 0.0, 1.0, seed);
    highest.push_back(*std::max_element(rates.begin(), rates.end()));
  }
  std::sort(highest.begin(), highest.end());
  MESSAGE("Sympson-Hetter: " << result.iterations << " iterations, last on " << result.candidates
                             << " candidates, max rate " << result.max_rate << " (SE " << result.max_rate_se
                             << "); fresh samples of 20,000: " << highest[0] << ", " << highest[1] << ", " << highest[2]);
  CHECK(std::abs(highest[1] - 0.25) <= 0.01);

  // Tolerance 0 never converges: the procedure reports its last estimate and that estimate's SE.
  options.tolerance = 0.0;
  options.max_iterations = 3;
  options.candidates = 500;
  const SympsonHetterResult unconverged = calibrate_sympson_hetter(bank, config_with(SelectionRule::mfi, Estimator::eap, 20), options);
  CHECK(!unconverged.converged);
  CHECK(unconverged.iterations == 3);
  CHECK(unconverged.candidates == 2000);
  CHECK(unconverged.max_rate_se > 0);
  CHECK_THROWS_AS(calibrate_sympson_hetter(bank, config, SympsonHetterOptions{1.5}), InvalidArgument);
  SympsonHetterOptions too_few;
  too_few.max_candidates = 100;
  CHECK_THROWS_AS(calibrate_sympson_hetter(bank, config, too_few), InvalidArgument);
}
