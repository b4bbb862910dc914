#include "irtcat/sympson_hetter.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <functional>
#include <string>

#include "detail/helper_threads.hpp"
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

namespace {

// The administration rate of each item over `candidates` simulated tests on `design`. Candidate c's ability is
// ability(u) for a uniform u, and u, the session and the answers come from streams of (seed, c); the counts are
// whole numbers: the rates are the same whichever thread ran which candidate.
std::vector<double> administered_rates(const std::shared_ptr<const TestDesign>& design, int candidates,
                                       const std::function<double(double)>& ability, std::uint64_t seed,
                                       unsigned threads) {
  const ItemBank& bank = design->bank();
  const auto run = [&](int first, int step, std::vector<std::uint64_t>& counts) {
    const auto workspace = std::make_shared<Workspace>();  // one for all of this part's sessions (a part runs on one thread)
    for (int c = first; c < candidates; c += step) {
      detail::SplitMix64 rng(mix_seed(seed, static_cast<std::uint64_t>(c)));
      const double theta = ability(uniform01(rng));
      Session session(design, mix_seed(seed ^ 0x5348ULL, static_cast<std::uint64_t>(c)), workspace);
      while (const auto item = session.next_item()) {
        ++counts[item->value];
        session.record(*item, draw_response(bank.item(*item), theta, bank.scaling(), rng));
      }
    }
  };
  // A part of the candidates per thread (every threads-th from `first`), counted apart: any thread may run any part.
  threads = static_cast<unsigned>(std::clamp(candidates, 1, static_cast<int>(detail::thread_count(threads))));
  std::vector<std::vector<std::uint64_t>> counts(threads, std::vector<std::uint64_t>(bank.size(), 0));
  detail::WorkerPool(threads).run(threads, [&](std::size_t part) {
    run(static_cast<int>(part), static_cast<int>(threads), counts[part]);
  });
  std::vector<double> rates(bank.size(), 0.0);
  for (std::size_t j = 0; j < rates.size(); ++j) {
    std::uint64_t total = 0;
    for (const auto& part : counts) total += part[j];
    rates[j] = static_cast<double>(total) / candidates;
  }
  return rates;
}

// A uniform draw's ability in N(mean, sd²) between the cumulative probabilities `low` and `high`, by inversion:
// the same ability on every platform.
double ability_between(const boost::math::normal_distribution<double>& population, double low, double high, double u) {
  return boost::math::quantile(population, std::clamp(low + (high - low) * u, 1e-12, 1 - 1e-12));
}

// The Sympson–Hetter update from one iteration's rates: P(A_j) = P(S_j)·K_j, so the selection rate is
// administered / K (K_j > 0 throughout: it starts at 1 and is only ever set to r / P(S_j) >= r).
void update_parameters(const std::vector<double>& administered, double r, double* k) {
  for (std::size_t j = 0; j < administered.size(); ++j) {
    const double selected = administered[j] / k[j];
    k[j] = selected <= r ? 1.0 : r / selected;
  }
}

// The procedure of both methods: `strata` samples of fresh candidates per iteration (simulate(g, n, seed) gives
// stratum g's rates under `config`), doubling up to options.max_candidates, until no sampled rate is significantly
// above r + tolerance on a sample precise enough.
SympsonHetterResult iterate(const std::shared_ptr<const ItemBank>& bank, SessionConfig config, std::size_t strata,
                            const SympsonHetterOptions& options,
                            const std::function<std::vector<double>(const std::shared_ptr<const TestDesign>&,
                                                                    std::size_t, int, std::uint64_t)>& simulate,
                            const std::function<void(int, double)>& progress) {
  const std::size_t items = bank->size();
  SympsonHetterResult result;
  result.parameters.assign(items * strata, 1.0);
  const double r = options.target_rate;
  // The sample whose rates are precise enough to stop on: SE at r at most a third of the tolerance.
  const double wanted = options.tolerance > 0 ? r * (1 - r) * 9.0 / (options.tolerance * options.tolerance) : INFINITY;
  const int precise = static_cast<int>(std::min<double>(options.max_candidates, std::ceil(wanted)));
  // The highest of many sampled rates lies above the highest true rate by the noise of a maximum: with every
  // item at r, a sampled rate passes r + z·SE for some item with probability at most 5 % (Bonferroni over the
  // items of every stratum).
  const boost::math::normal_distribution<double> standard;
  const double z = boost::math::quantile(standard, 1.0 - 0.05 / static_cast<double>(items * strata));
  int candidates = options.candidates;
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    config.exposure.sympson_hetter = result.parameters;
    const auto design = std::make_shared<const TestDesign>(bank, config);
    std::vector<std::vector<double>> administered;
    // Fresh candidates: a stream per iteration, and within it one per stratum (a single stratum takes the
    // iteration's own).
    const std::uint64_t fresh = mix_seed(options.seed, static_cast<std::uint64_t>(iteration));
    for (std::size_t g = 0; g < strata; ++g) {
      administered.push_back(simulate(design, g, candidates, strata == 1 ? fresh : mix_seed(fresh, g)));
    }
    result.iterations = iteration;
    result.candidates = candidates;
    result.max_rate = 0.0;
    for (const auto& rates : administered) result.max_rate = std::max(result.max_rate, *std::max_element(rates.begin(), rates.end()));
    result.max_rate_se = std::sqrt(result.max_rate * (1 - result.max_rate) / candidates);
    const double noise = z * std::sqrt(r * (1 - r) / candidates);
    result.converged = candidates >= precise && result.max_rate - noise <= r + options.tolerance;
    if (progress) progress(iteration, result.max_rate);
    if (result.converged) break;
    for (std::size_t g = 0; g < strata; ++g) update_parameters(administered[g], r, result.parameters.data() + g * items);
    candidates = static_cast<int>(std::min<long long>(2LL * candidates, options.max_candidates));
  }
  return result;
}

}  // namespace

std::vector<double> simulate_exposure_rates(const std::shared_ptr<const TestDesign>& design, int candidates,
                                            double theta_mean, double theta_sd, std::uint64_t seed, unsigned threads) {
  const boost::math::normal_distribution<double> population(theta_mean, theta_sd);
  return administered_rates(design, candidates, [&](double u) { return ability_between(population, 0.0, 1.0, u); },
                            seed, threads);
}

std::vector<std::vector<double>> simulate_conditional_exposure_rates(const std::shared_ptr<const TestDesign>& design,
                                                                     int candidates, double theta_mean,
                                                                     double theta_sd, const std::vector<double>& cuts,
                                                                     std::uint64_t seed, unsigned threads) {
  const boost::math::normal_distribution<double> population(theta_mean, theta_sd);
  std::vector<std::vector<double>> rates;
  for (std::size_t g = 0; g <= cuts.size(); ++g) {
    const double low = g == 0 ? 0.0 : boost::math::cdf(population, cuts[g - 1]);
    const double high = g == cuts.size() ? 1.0 : boost::math::cdf(population, cuts[g]);
    rates.push_back(administered_rates(
        design, candidates, [&](double u) { return ability_between(population, low, high, u); }, mix_seed(seed, g),
        threads));
  }
  return rates;
}

SympsonHetterResult calibrate_sympson_hetter(std::shared_ptr<const ItemBank> bank, SessionConfig config,
                                             const SympsonHetterOptions& options,
                                             const std::function<void(int, double)>& progress) {
  options.validate();
  if (!bank) throw InvalidArgument("calibrate_sympson_hetter: the bank is null");
  config.exposure.method = ExposureMethod::sympson_hetter;
  const auto simulate = [&](const std::shared_ptr<const TestDesign>& design, std::size_t, int candidates,
                            std::uint64_t seed) {
    return simulate_exposure_rates(design, candidates, options.theta_mean, options.theta_sd, seed, options.threads);
  };
  return iterate(bank, std::move(config), 1, options, simulate, progress);
}

SympsonHetterResult calibrate_conditional_sympson_hetter(std::shared_ptr<const ItemBank> bank, SessionConfig config,
                                                         const SympsonHetterOptions& options,
                                                         const std::function<void(int, double)>& progress) {
  options.validate();
  if (!bank) throw InvalidArgument("calibrate_conditional_sympson_hetter: the bank is null");
  config.exposure.method = ExposureMethod::conditional_sympson_hetter;
  config.exposure.sympson_hetter.clear();
  config.exposure.validate(bank->size());  // the cuts
  const std::vector<double> cuts = config.exposure.theta_cuts;
  const boost::math::normal_distribution<double> population(options.theta_mean, options.theta_sd);
  const auto simulate = [&](const std::shared_ptr<const TestDesign>& design, std::size_t g, int candidates,
                            std::uint64_t seed) {
    const double low = g == 0 ? 0.0 : boost::math::cdf(population, cuts[g - 1]);
    const double high = g == cuts.size() ? 1.0 : boost::math::cdf(population, cuts[g]);
    return administered_rates(
        design, candidates, [&](double u) { return ability_between(population, low, high, u); }, seed, options.threads);
  };
  return iterate(bank, std::move(config), cuts.size() + 1, options, simulate, progress);
}

}  // namespace irtcat
