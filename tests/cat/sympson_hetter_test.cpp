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

TEST_CASE("session: conditional Sympson-Hetter holds the rate within every ability stratum") {
  // Unconditional K hold the rate over the population, but candidates of one ability share their best items: in
  // the strata at the ends of the scale those items reach far higher rates. Stocking & Lewis's K per stratum
  // (here θ < −1, −1..0, 0..1, > 1) hold it in every stratum. Fresh samples of 4,000 per stratum: a rate's SE at
  // 0.25 is 0.007 and the highest of the ~200 items held at it over four strata lies about three of those above,
  // and K estimated per stratum on at most 8,000 candidates move the true rates by about as much: 0.05 bounds both.
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::three_pl, 200, 41));
  SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 20);
  config.exposure.theta_cuts = {-1.0, 0.0, 1.0};
  SympsonHetterOptions options;
  options.target_rate = 0.25;
  options.tolerance = 0.02;
  options.candidates = 1000;
  options.max_candidates = 8000;
  options.seed = 5;
  const SympsonHetterResult conditional = calibrate_conditional_sympson_hetter(bank, config, options);
  CHECK(conditional.converged);
  REQUIRE(conditional.parameters.size() == 4 * bank->size());

  SessionConfig plain = config_with(SelectionRule::mfi, Estimator::eap, 20);
  const SympsonHetterResult overall = calibrate_sympson_hetter(bank, plain, options);
  plain.exposure.method = ExposureMethod::sympson_hetter;
  plain.exposure.sympson_hetter = overall.parameters;
  config.exposure.method = ExposureMethod::conditional_sympson_hetter;
  config.exposure.sympson_hetter = conditional.parameters;
  const auto highest = [&](const SessionConfig& c) {
    const auto design = std::make_shared<const TestDesign>(bank, c);
    std::vector<double> out;
    for (const auto& rates : simulate_conditional_exposure_rates(design, 4000, 0.0, 1.0, {-1.0, 0.0, 1.0}, 77)) {
      out.push_back(*std::max_element(rates.begin(), rates.end()));
    }
    return out;
  };
  const std::vector<double> with_strata = highest(config);
  const std::vector<double> without = highest(plain);
  MESSAGE("highest rate per stratum, conditional: " << with_strata[0] << " " << with_strata[1] << " " << with_strata[2]
                                                    << " " << with_strata[3] << "; unconditional: " << without[0] << " "
                                                    << without[1] << " " << without[2] << " " << without[3]);
  for (double rate : with_strata) CHECK(rate <= 0.25 + 0.05);
  CHECK(*std::max_element(without.begin(), without.end()) > 0.4);

  // The K of the estimate's stratum apply during a test.
  CHECK(config.exposure.stratum(-1.5) == 0);
  CHECK(config.exposure.stratum(-1.0) == 1);
  CHECK(config.exposure.stratum(0.5) == 2);
  CHECK(config.exposure.stratum(3.0) == 3);
  CHECK(config.exposure.sympson_hetter_k(7, bank->size(), 0.5) == conditional.parameters[2 * bank->size() + 7]);
  SessionConfig no_cuts = config;
  no_cuts.exposure.theta_cuts.clear();
  CHECK_THROWS_AS(TestDesign(bank, no_cuts), InvalidArgument);
  SessionConfig unsorted = config;
  unsorted.exposure.theta_cuts = {0.0, -1.0, 1.0};
  CHECK_THROWS_AS(TestDesign(bank, unsorted), InvalidArgument);
  SessionConfig short_k = config;
  short_k.exposure.sympson_hetter.resize(bank->size());
  CHECK_THROWS_AS(TestDesign(bank, short_k), InvalidArgument);
  // The configuration, cuts included, reads back as written.
  CHECK(to_json(session_config_from_json(to_json(config))) == to_json(config));
}
