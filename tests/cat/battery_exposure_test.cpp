// Exposure control inside one battery session (battery_session.hpp): the criterion chooses the domain, the domain's
// exposure control the item; and the battery study's exposure counts (run_battery_study).
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "irtcat/battery_session.hpp"
#include "irtcat/error.hpp"
#include "irtcat/simulation.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

std::shared_ptr<const TestDesign> domain_with(Model model, int items, std::uint64_t seed, const ExposureOptions& exposure,
                                              SelectionRule rule = SelectionRule::mfi) {
  SessionConfig config;
  config.selection.rule = rule;
  config.exposure = exposure;
  config.stopping.max_length = 15;
  return std::make_shared<const TestDesign>(std::make_shared<const ItemBank>(testing::spread_bank(model, items, seed)),
                                            config);
}

ExposureOptions exposure_of(ExposureMethod method) {
  ExposureOptions exposure;
  exposure.method = method;
  exposure.randomesque_count = 4;
  exposure.max_rate = 0.3;
  return exposure;
}

// Three correlated domains (ρ = 0.6) of 3PL, 2PL and graded items, each under `exposure`; 30 items, 5 to 15 each
// (so that a domain's mean rate, about 10 items of 80 to 120, leaves room under a cap of 0.3).
std::shared_ptr<const BatteryDesign> battery_with(const ExposureOptions& exposure) {
  BatteryConfig config;
  config.prior.mean = Eigen::VectorXd::Zero(3);
  config.prior.covariance = Eigen::MatrixXd::Constant(3, 3, 0.6);
  config.prior.covariance.diagonal().setOnes();
  config.min_items = {5, 5, 5};
  config.max_items = {15, 15, 15};
  config.max_length = 30;
  return std::make_shared<const BatteryDesign>(
      std::vector<std::shared_ptr<const TestDesign>>{domain_with(Model::three_pl, 120, 31, exposure),
                                                     domain_with(Model::two_pl, 100, 32, exposure),
                                                     domain_with(Model::grm, 80, 33, exposure)},
      config);
}

Eigen::VectorXd true_theta(std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Eigen::VectorXd z(3);
  for (Eigen::Index d = 0; d < 3; ++d) z(d) = normal(rng);
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Constant(3, 3, 0.6);
  covariance.diagonal().setOnes();
  return covariance.llt().matrixL() * z;
}

int draw(const BatterySession& session, BatteryItem item, const Eigen::VectorXd& theta, std::mt19937_64& rng) {
  const ItemBank& bank = session.design().domain(item.domain).bank();
  return testing::draw_response(bank.item(item.item), theta(static_cast<Eigen::Index>(item.domain)), bank.scaling(),
                                rng);
}

// The gain det(A + I e_d e_dᵀ)/det(A) − 1 = I·[A⁻¹]_dd of domain d's most informative eligible item, and that
// information; −∞ for a domain with no eligible item.
struct DomainGain {
  double gain = -std::numeric_limits<double>::infinity();
  double information = -std::numeric_limits<double>::infinity();
};

std::vector<DomainGain> domain_gains(const BatterySession& session) {
  const BatteryDesign& design = session.design();
  Eigen::MatrixXd information = design.prior_precision();
  std::vector<std::vector<ItemIndex>> given(design.size());
  for (const auto& [item, response] : session.log()) given[item.domain].push_back(item.item);
  for (std::size_t d = 0; d < design.size(); ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    information(i, i) += test_information(design.domain(d).bank(), given[d], session.estimate().theta(i));
  }
  const Eigen::MatrixXd inverse = information.inverse();
  std::vector<DomainGain> gains(design.size());
  for (std::size_t d = 0; d < design.size(); ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    const Eigen::ArrayXd each = design.domain(d).bank().information(session.estimate().theta(i));
    for (std::size_t j = 0; j < session.eligible(d).size(); ++j) {
      if (!session.eligible(d)[j]) continue;
      gains[d].information = std::max(gains[d].information, each(static_cast<Eigen::Index>(j)));
    }
    if (gains[d].information > -std::numeric_limits<double>::infinity()) {
      gains[d].gain = gains[d].information * inverse(i, i);
    }
  }
  return gains;
}

// Each domain's highest exposure rate over a study's outcomes.
std::vector<double> highest_rates(const std::vector<DomainDesign>& domains, const std::vector<CandidateOutcome>& outcomes) {
  std::vector<double> highest;
  for (std::size_t d = 0; d < domains.size(); ++d) {
    std::vector<double> count(domains[d].design->bank().size(), 0.0);
    for (const CandidateOutcome& outcome : outcomes) {
      for (std::size_t item : outcome.domains[d].items) count[item] += 1;
    }
    highest.push_back(*std::max_element(count.begin(), count.end()) / static_cast<double>(outcomes.size()));
  }
  return highest;
}

std::vector<DomainDesign> named(const std::shared_ptr<const BatteryDesign>& battery) {
  std::vector<DomainDesign> domains;
  for (std::size_t d = 0; d < battery->size(); ++d) {
    domains.push_back({std::string("domain").append(std::to_string(d)),
                       std::shared_ptr<const TestDesign>(battery, &battery->domain(d))});
  }
  return domains;
}

}  // namespace

TEST_CASE("battery exposure: the criterion chooses the domain, randomesque draws the item among the domain's best") {
  // At every step the offered item's domain is the one whose most informative eligible item gains most (the
  // criterion, computed here from det directly), and the item is among that domain's 4 most informative eligible
  // items at its estimate. Over 40 batteries the draws reach beyond the single best item.
  const auto battery = battery_with(exposure_of(ExposureMethod::randomesque));
  std::mt19937_64 rng(7);
  int not_best = 0;
  int steps = 0;
  for (int candidate = 0; candidate < 40; ++candidate) {
    const Eigen::VectorXd theta = true_theta(rng);
    BatterySession session(battery, 100 + static_cast<std::uint64_t>(candidate));
    while (const std::optional<BatteryItem> item = session.next_item()) {
      const std::vector<DomainGain> gains = domain_gains(session);
      for (std::size_t d = 0; d < gains.size(); ++d) {
        // Ties in exact arithmetic may fall either way in rounding: a gain above by 1e-12 relative is a real loss.
        CHECK(gains[item->domain].gain >= gains[d].gain * (1 - 1e-12));
      }
      const auto i = static_cast<Eigen::Index>(item->domain);
      const Eigen::ArrayXd each = battery->domain(item->domain).bank().information(session.estimate().theta(i));
      const double offered = each(static_cast<Eigen::Index>(item->item.value));
      int above = 0;  // eligible items more informative than the one offered
      for (std::size_t j = 0; j < session.eligible(item->domain).size(); ++j) {
        if (session.eligible(item->domain)[j] && each(static_cast<Eigen::Index>(j)) > offered) ++above;
      }
      CHECK(above < 4);
      not_best += above > 0;
      ++steps;
      session.record(*item, draw(session, *item, theta, rng));
    }
    CHECK(session.stop_reason() == StopReason::max_length);
    CHECK(session.log().size() == 30u);
  }
  // Uniform among 4, about three steps in four give another than the best; 1/4 of 1,200 would already be telling.
  CHECK(not_best > steps / 2);
}

TEST_CASE("battery exposure: Sympson-Hetter never gives an item of K = 0 and sets it aside, replay continues exactly") {
  // K = 0 for every third item of each bank: those are passed over whenever they are best (and set aside for the
  // rest of the battery), never given; the others have K = 1. A replayed log then continues as the original.
  ExposureOptions exposure = exposure_of(ExposureMethod::sympson_hetter);
  const auto k_for = [](std::size_t items) {
    std::vector<double> k(items, 1.0);
    for (std::size_t j = 0; j < items; j += 3) k[j] = 0.0;
    return k;
  };
  BatteryConfig config;
  config.prior.mean = Eigen::VectorXd::Zero(2);
  config.prior.covariance = Eigen::MatrixXd::Identity(2, 2);
  config.prior.covariance(0, 1) = config.prior.covariance(1, 0) = 0.5;
  config.min_items = {4, 4};
  config.max_items = {12, 12};
  config.max_length = 20;
  exposure.sympson_hetter = k_for(60);
  auto first = domain_with(Model::three_pl, 60, 41, exposure);
  exposure.sympson_hetter = k_for(50);
  auto second = domain_with(Model::two_pl, 50, 42, exposure);
  const auto battery = std::make_shared<const BatteryDesign>(
      std::vector<std::shared_ptr<const TestDesign>>{first, second}, config);
  std::mt19937_64 rng(9);
  std::size_t set_aside = 0;
  for (int candidate = 0; candidate < 10; ++candidate) {
    const Eigen::VectorXd theta = true_theta(rng).head(2);
    BatterySession session(battery, 500 + static_cast<std::uint64_t>(candidate));
    std::vector<int> answers;
    while (const std::optional<BatteryItem> item = session.next_item()) {
      CHECK(item->item.value % 3 != 0);
      answers.push_back(draw(session, *item, theta, rng));
      session.record(*item, answers.back());
      if (session.log().size() == 8) {
        // Replayed after 8 answers: the same set-aside items and, answered alike, the same items to the end.
        BatterySession replayed = BatterySession::replay(battery, session.seed(), session.log());
        for (std::size_t d = 0; d < 2; ++d) CHECK(replayed.set_aside(d) == session.set_aside(d));
        BatterySession original = session;
        std::mt19937_64 again(rng);
        while (const auto next = original.next_item()) {
          REQUIRE(replayed.next_item() == next);
          const int response = draw(original, *next, theta, again);
          original.record(*next, response);
          replayed.record(*next, response);
        }
        CHECK(!replayed.next_item());
        CHECK(replayed.log() == original.log());
      }
    }
    for (std::size_t d = 0; d < 2; ++d) {
      for (std::size_t j = 0; j < session.set_aside(d).size(); ++j) {
        if (!session.set_aside(d)[j]) continue;
        CHECK(j % 3 == 0);
        ++set_aside;
      }
    }
  }
  CHECK(set_aside > 0);  // the best items of both banks include some of K = 0
}

TEST_CASE("battery exposure: a study's highest exposure rates fall under control, the same on 1 and 2 threads") {
  // 400 candidates from the battery's own prior through 30-item batteries. Without control every battery's first
  // item is the same (θ̂ = μ before any answer): a rate of 1. Randomesque (4) spreads the items; progressive-
  // restricted and item eligibility hold the rate near their 0.3: the counts they read are those before each wave of
  // 16 candidates, so a rate may pass 0.3 by the few tests of a wave and by the early waves' noise (0.3's binomial
  // SD over 400 is 0.023); 0.3 + 0.08 bounds that.
  std::mt19937_64 rng(11);
  std::vector<SimulatedCandidate> candidates;
  for (int i = 0; i < 400; ++i) candidates.push_back({std::string("c").append(std::to_string(i)), "population", true_theta(rng)});
  StudyOptions options;
  options.seed = 3;
  const auto study = [&](ExposureMethod method, unsigned threads) {
    const auto battery = battery_with(exposure_of(method));
    options.threads = threads;
    const std::vector<DomainDesign> domains = named(battery);
    return std::make_pair(domains, run_battery_study(domains, battery->config(), candidates, nullptr, options));
  };
  const auto [free_domains, free] = study(ExposureMethod::none, 2);
  const std::vector<double> free_rates = highest_rates(free_domains, free);
  CHECK(*std::max_element(free_rates.begin(), free_rates.end()) == 1.0);
  for (ExposureMethod method : {ExposureMethod::randomesque, ExposureMethod::progressive_restricted,
                                ExposureMethod::item_eligibility}) {
    CAPTURE(to_string(method));
    const auto [domains, controlled] = study(method, 1);
    const std::vector<double> rates = highest_rates(domains, controlled);
    MESSAGE(to_string(method) << ": highest rates " << rates[0] << " " << rates[1] << " " << rates[2]
                              << " (none: " << free_rates[0] << " " << free_rates[1] << " " << free_rates[2] << ")");
    for (std::size_t d = 0; d < rates.size(); ++d) {
      CHECK(rates[d] < free_rates[d]);
      if (method != ExposureMethod::randomesque) CHECK(rates[d] <= 0.3 + 0.08);
    }
    const auto [_, two] = study(method, 2);
    REQUIRE(two.size() == controlled.size());
    for (std::size_t c = 0; c < two.size(); ++c) {
      for (std::size_t d = 0; d < domains.size(); ++d) {
        CHECK(two[c].domains[d].items == controlled[c].domains[d].items);
        CHECK(two[c].domains[d].set_aside == controlled[c].domains[d].set_aside);
      }
    }
  }
}

TEST_CASE("battery exposure: misuse is refused") {
  // Exposure control picks among the most informative items: a domain design with another rule is refused.
  BatteryConfig config;
  config.prior.mean = Eigen::VectorXd::Zero(1);
  config.prior.covariance = Eigen::MatrixXd::Identity(1, 1);
  config.min_items = {1};
  config.max_items = {5};
  config.max_length = 5;
  const auto kl = domain_with(Model::two_pl, 30, 51, exposure_of(ExposureMethod::randomesque), SelectionRule::kl);
  CHECK_THROWS_AS(BatteryDesign({kl}, config), InvalidArgument);
  const auto kl_free = domain_with(Model::two_pl, 30, 51, ExposureOptions{}, SelectionRule::kl);
  CHECK_NOTHROW(BatteryDesign({kl_free}, config));  // without control the rule is not read

  const auto battery = battery_with(exposure_of(ExposureMethod::progressive_restricted));
  BatterySession session(battery, 1);
  ExposureCounts counts(120);
  const std::vector<const ExposureCounts*> one{&counts};
  CHECK_THROWS_AS(session.next_item(one), InvalidArgument);
  CHECK(session.log().empty());
  CHECK(session.next_item().has_value());
}
