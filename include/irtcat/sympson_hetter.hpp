#pragma once
// Sympson & Hetter (1985) exposure parameters, set by the iterative simulation of the original procedure:
// simulate candidates from the population, estimate each item's selection rate P(S_j) (how often it was the
// best item considered) and set K_j = 1 where P(S_j) <= r and K_j = r / P(S_j) otherwise; repeat until the highest
// administration rate is within the tolerance of r.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "irtcat/session.hpp"

namespace irtcat {

struct SympsonHetterOptions {
  double target_rate = 0.25;    ///< r, the highest exposure rate allowed
  int candidates = 2000;        ///< simulated candidates per iteration
  int max_iterations = 30;
  double tolerance = 0.01;      ///< stop once max P(A_j) <= r + tolerance
  double theta_mean = 0.0;      ///< the population N(mean, sd²) candidates are drawn from
  double theta_sd = 1.0;
  std::uint64_t seed = 1;
  /// Throws InvalidArgument for a rate outside (0, 1], fewer than 1 candidate or iteration, or a bad population.
  void validate() const;
};

struct SympsonHetterResult {
  std::vector<double> parameters;  ///< K_j in bank order
  int iterations = 0;
  double max_rate = 0.0;           ///< highest administration rate in the last iteration
  bool converged = false;          ///< max_rate <= target + tolerance
};

/// Runs the procedure for `bank` under `config` (its exposure method is replaced by Sympson–Hetter). Results are
/// the same for a seed whatever the machine. `progress` (optional) is called after each iteration.
SympsonHetterResult calibrate_sympson_hetter(std::shared_ptr<const ItemBank> bank, SessionConfig config,
                                             const SympsonHetterOptions& options,
                                             const std::function<void(int iteration, double max_rate)>& progress = {});

/// Simulates `candidates` tests with responses drawn from the model at abilities θ ~ N(mean, sd²) and returns the
/// administration rate of each item (count / candidates).
std::vector<double> simulate_exposure_rates(const std::shared_ptr<const TestDesign>& design, int candidates,
                                            double theta_mean, double theta_sd, std::uint64_t seed);

}  // namespace irtcat
