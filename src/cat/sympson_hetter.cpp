#include "irtcat/sympson_hetter.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <string>
#include <exception>
#include <thread>
#include <mutex>

#include "detail/random.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
using detail::draw_response;
using detail::uniform01;

void SympsonHetterOptions::validate() const {
  if (!(target_rate > 0 && target_rate <= 1)) throw InvalidArgument("SympsonHetterOptions: target_rate must be in (0, 1]");
  if (candidates < 1 || max_iterations < 1 || max_candidates < candidates) {
    throw InvalidArgument("SympsonHetterOptions: needs at least one candidate and one iteration, and "
                          "max_candidates >= candidates");
  }
  if (!(tolerance >= 0) || !std::isfinite(theta_mean) || !(theta_sd > 0)) {
    throw InvalidArgument("SympsonHetterOptions: needs tolerance >= 0 and a finite population with sd > 0");
  }
}

std::vector<double> simulate_exposure_rates(const std::shared_ptr<const TestDesign>& design, int candidates,
                                            double theta_mean, double theta_sd, std::uint64_t seed, unsigned threads) {
  const ItemBank& bank = design->bank();
  const boost::math::normal_distribution<double> population(theta_mean, theta_sd);
  // Candidate c's ability, session and answers come from streams of (seed, c), and the counts are whole numbers:
  // the rates are the same whichever thread ran which candidate.
  const auto run = [&](int first, int step, std::vector<std::uint64_t>& counts) {
    const auto workspace = std::make_shared<Workspace>();  // one for all of this thread's sessions
    for (int c = first; c < candidates; c += step) {
      detail::SplitMix64 rng(mix_seed(seed, static_cast<std::uint64_t>(c)));
      // Inversion of a uniform draw: the same ability on every platform.
      const double theta = boost::math::quantile(population, std::clamp(uniform01(rng), 1e-12, 1 - 1e-12));
      Session session(design, mix_seed(seed ^ 0x5348ULL, static_cast<std::uint64_t>(c)), workspace);
      while (const auto item = session.next_item()) {
        ++counts[item->value];
        session.record(*item, draw_response(bank.item(*item), theta, bank.scaling(), rng));
      }
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::clamp(candidates, 1, static_cast<int>(threads)));
  std::vector<std::vector<std::uint64_t>> counts(threads, std::vector<std::uint64_t>(bank.size(), 0));
  std::vector<std::thread> pool;
  std::exception_ptr failure;
  std::mutex failure_mutex;
  for (unsigned t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        run(static_cast<int>(t), static_cast<int>(threads), counts[t]);
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  try {
    run(0, static_cast<int>(threads), counts[0]);
  } catch (...) {
    const std::lock_guard lock(failure_mutex);
    if (!failure) failure = std::current_exception();
  }
  for (std::thread& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
  std::vector<double> rates(bank.size(), 0.0);
  for (std::size_t j = 0; j < rates.size(); ++j) {
    std::uint64_t total = 0;
    for (const auto& part : counts) total += part[j];
    rates[j] = static_cast<double>(total) / candidates;
  }
  return rates;
}

SympsonHetterResult calibrate_sympson_hetter(std::shared_ptr<const ItemBank> bank, SessionConfig config,
                                             const SympsonHetterOptions& options,
                                             const std::function<void(int, double)>& progress) {
  options.validate();
  if (!bank) throw InvalidArgument("calibrate_sympson_hetter: the bank is null");
  SympsonHetterResult result;
  result.parameters.assign(bank->size(), 1.0);
  config.exposure.method = ExposureMethod::sympson_hetter;
  const double r = options.target_rate;
  // The sample whose rates are precise enough to stop on: SE at r at most a third of the tolerance.
  const double wanted = options.tolerance > 0 ? r * (1 - r) * 9.0 / (options.tolerance * options.tolerance) : INFINITY;
  const int precise = static_cast<int>(std::min<double>(options.max_candidates, std::ceil(wanted)));
  // The highest of the bank's sampled rates lies above the highest true rate by the noise of a maximum: with every
  // item at r, a sampled rate passes r + z·SE for some item with probability at most 5 % (Bonferroni over the items).
  const boost::math::normal_distribution<double> standard;
  const double z = boost::math::quantile(standard, 1.0 - 0.05 / static_cast<double>(bank->size()));
  int candidates = options.candidates;
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    config.exposure.sympson_hetter = result.parameters;
    const auto design = std::make_shared<const TestDesign>(bank, config);
    const std::vector<double> administered =
        simulate_exposure_rates(design, candidates, options.theta_mean, options.theta_sd,
                                mix_seed(options.seed, static_cast<std::uint64_t>(iteration)), options.threads);
    result.iterations = iteration;
    result.candidates = candidates;
    result.max_rate = *std::max_element(administered.begin(), administered.end());
    result.max_rate_se = std::sqrt(result.max_rate * (1 - result.max_rate) / candidates);
    const double noise = z * std::sqrt(r * (1 - r) / candidates);
    result.converged = candidates >= precise && result.max_rate - noise <= r + options.tolerance;
    if (progress) progress(iteration, result.max_rate);
    if (result.converged) break;
    for (std::size_t j = 0; j < administered.size(); ++j) {
      // P(A_j) = P(S_j)·K_j, so the selection rate is administered / K (K_j > 0 throughout: it starts at 1 and
      // is only ever set to r / P(S_j) >= r).
      const double selected = administered[j] / result.parameters[j];
      result.parameters[j] = selected <= r ? 1.0 : r / selected;
    }
    candidates = static_cast<int>(std::min<long long>(2LL * candidates, options.max_candidates));
  }
  return result;
}

}  // namespace irtcat
