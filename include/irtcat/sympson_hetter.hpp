#pragma once
// Sympson & Hetter (1985) exposure parameters, set by the iterative simulation of the original procedure:
// simulate candidates from the population, estimate each item's selection rate P(S_j) (how often it was the
// best item considered) and set K_j = 1 where P(S_j) <= r and K_j = r / P(S_j) otherwise; repeat until the highest
// administration rate is within the tolerance of r.
//
// Every iteration draws fresh candidates: reusing one sample fits the K's to that sample's noise, and a new
// sample then finds items above the target (the maximum of many noisy rates). The samples double from one
// iteration to the next, so that the rates the final K's come from are precise: the procedure converges only on a
// sample whose rate's standard error at r is at most a third of the tolerance (or on the largest sample allowed),
// once no item's sampled rate is significantly above r + tolerance (z·SE, z for 5 % over all the bank's items:
// the highest of many sampled rates lies above the highest true rate).

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "irtcat/session.hpp"

namespace irtcat {

struct SympsonHetterOptions {
  double target_rate = 0.25;    ///< r, the highest exposure rate allowed
  int candidates = 2000;        ///< fresh simulated candidates in the first iteration; each later one doubles them
  int max_candidates = 64000;   ///< ... up to this many
  int max_iterations = 30;
  double tolerance = 0.01;      ///< stop once max P(A_j) <= r + tolerance, on a sample precise enough (above)
  unsigned threads = 0;         ///< simulation threads (0: every core); the result is the same on any number
  double theta_mean = 0.0;      ///< the population N(mean, sd²) candidates are drawn from
  double theta_sd = 1.0;
  std::uint64_t seed = 1;
  /// Throws InvalidArgument for a rate outside (0, 1], fewer than 1 candidate or iteration, or a bad population.
  void validate() const;
};

struct SympsonHetterResult {
  std::vector<double> parameters;  ///< K_j in bank order
  int iterations = 0;
  double max_rate = 0.0;           ///< highest administration rate in the last iteration, on its fresh candidates
  double max_rate_se = 0.0;        ///< that rate's standard error, √(p(1 − p)/n) for n candidates
  int candidates = 0;              ///< n, the candidates of the last iteration
  bool converged = false;          ///< max_rate <= target + tolerance on a precise enough sample
};

/// Runs the procedure for `bank` under `config` (its exposure method is replaced by Sympson–Hetter). Results are
/// the same for a seed whatever the machine. `progress` (optional) is called after each iteration.
SympsonHetterResult calibrate_sympson_hetter(std::shared_ptr<const ItemBank> bank, SessionConfig config,
                                             const SympsonHetterOptions& options,
                                             const std::function<void(int iteration, double max_rate)>& progress = {});

/// Conditional Sympson–Hetter (Stocking & Lewis 1998): K per θ stratum of config.exposure.theta_cuts (which must
/// be set), items × strata values stratum by stratum, so that P(A_j | θ in stratum g) <= r in every stratum. The
/// same procedure as above, each iteration simulating `candidates` fresh candidates per stratum, their abilities
/// drawn from the population within the stratum; during a test the K of the estimate's stratum apply.
SympsonHetterResult calibrate_conditional_sympson_hetter(
    std::shared_ptr<const ItemBank> bank, SessionConfig config, const SympsonHetterOptions& options,
    const std::function<void(int iteration, double max_rate)>& progress = {});

/// Simulates `candidates` tests with responses drawn from the model at abilities θ ~ N(mean, sd²) and returns the
/// administration rate of each item (count / candidates), the same on any number of `threads` (0: every core).
std::vector<double> simulate_exposure_rates(const std::shared_ptr<const TestDesign>& design, int candidates,
                                            double theta_mean, double theta_sd, std::uint64_t seed,
                                            unsigned threads = 0);

/// The same per θ stratum of `cuts`: `candidates` tests in each, abilities drawn from N(mean, sd²) within the
/// stratum; one vector of rates per stratum, lowest first.
std::vector<std::vector<double>> simulate_conditional_exposure_rates(const std::shared_ptr<const TestDesign>& design,
                                                                     int candidates, double theta_mean,
                                                                     double theta_sd, const std::vector<double>& cuts,
                                                                     std::uint64_t seed, unsigned threads = 0);

}  // namespace irtcat
