#include "irtcat/sympson_hetter.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <string>

#include "detail/random.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
using detail::draw_response;
using detail::uniform01;

void SympsonHetterOptions::validate() const {
  if (!(target_rate > 0 && target_rate <= 1)) throw InvalidArgument("SympsonHetterOptions: target_rate must be in (0, 1]");
  if (candidates < 1 || max_iterations < 1) {
    throw InvalidArgument("SympsonHetterOptions: needs at least one candidate and one iteration");
  }
  if (!(tolerance >= 0) || !std::isfinite(theta_mean) || !(theta_sd > 0)) {
    throw InvalidArgument("SympsonHetterOptions: needs tolerance >= 0 and a finite population with sd > 0");
  }
}

std::vector<double> simulate_exposure_rates(const std::shared_ptr<const TestDesign>& design, int candidates,
                                            double theta_mean, double theta_sd, std::uint64_t seed) {
  const ItemBank& bank = design->bank();
  const boost::math::normal_distribution<double> population(theta_mean, theta_sd);
  std::vector<double> counts(bank.size(), 0.0);
  const auto workspace = std::make_shared<Workspace>();  // one for all the simulees' sessions
  for (int c = 0; c < candidates; ++c) {
    detail::SplitMix64 rng(mix_seed(seed, static_cast<std::uint64_t>(c)));
    // Inversion of a uniform draw: the same ability on every platform.
    const double theta = boost::math::quantile(population, std::clamp(uniform01(rng), 1e-12, 1 - 1e-12));
    Session session(design, mix_seed(seed ^ 0x5348ULL, static_cast<std::uint64_t>(c)), workspace);
    while (const auto item = session.next_item()) {
      counts[item->value] += 1;
      session.record(*item, draw_response(bank.item(*item), theta, bank.scaling(), rng));
    }
  }
  for (double& count : counts) count /= candidates;
  return counts;
}

SympsonHetterResult calibrate_sympson_hetter(std::shared_ptr<const ItemBank> bank, SessionConfig config,
                                             const SympsonHetterOptions& options,
                                             const std::function<void(int, double)>& progress) {
  options.validate();
  if (!bank) throw InvalidArgument("calibrate_sympson_hetter: the bank is null");
  SympsonHetterResult result;
  result.parameters.assign(bank->size(), 1.0);
  config.exposure.method = ExposureMethod::sympson_hetter;
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    config.exposure.sympson_hetter = result.parameters;
    const auto design = std::make_shared<const TestDesign>(bank, config);
    // The same candidates every iteration (common random numbers), so that K moves only with the rates.
    const std::vector<double> administered =
        simulate_exposure_rates(design, options.candidates, options.theta_mean, options.theta_sd, options.seed);
    result.iterations = iteration;
    result.max_rate = *std::max_element(administered.begin(), administered.end());
    result.converged = result.max_rate <= options.target_rate + options.tolerance;
    if (progress) progress(iteration, result.max_rate);
    if (result.converged) break;
    for (std::size_t j = 0; j < administered.size(); ++j) {
      // P(A_j) = P(S_j)·K_j, so the selection rate is administered / K (K_j > 0 throughout: it starts at 1 and
      // is only ever set to r / P(S_j) >= r).
      const double selected = administered[j] / result.parameters[j];
      result.parameters[j] = selected <= options.target_rate ? 1.0 : options.target_rate / selected;
    }
  }
  return result;
}

}  // namespace irtcat
