#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cat/session_support.hpp"
#include "irtcat/battery_session.hpp"
#include "irtcat/error.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

std::shared_ptr<const TestDesign> domain_design(Model model, int items, std::uint64_t seed,
                                                SelectionRule rule = SelectionRule::mfi) {
  SessionConfig config;
  config.selection.rule = rule;
  return std::make_shared<const TestDesign>(std::make_shared<const ItemBank>(testing::spread_bank(model, items, seed)),
                                            config);
}

MultivariateNormalPrior equicorrelated_prior(Eigen::Index size, double rho) {
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Constant(size, size, rho);
  covariance.diagonal().setOnes();
  return {Eigen::VectorXd::Zero(size), covariance};
}

BatteryConfig counts_config(MultivariateNormalPrior prior, std::vector<int> min_items, std::vector<int> max_items,
                            int max_length) {
  BatteryConfig config;
  config.prior = std::move(prior);
  config.min_items = std::move(min_items);
  config.max_items = std::move(max_items);
  config.max_length = max_length;
  return config;
}

// Three domains of different kinds: a 3PL bank whose design runs MFI (its search serves), a 2PL bank whose design
// runs KL (the battery builds a search), a graded bank (scored in full).
std::vector<std::shared_ptr<const TestDesign>> mixed_domains() {
  return {domain_design(Model::three_pl, 50, 21), domain_design(Model::two_pl, 40, 22, SelectionRule::kl),
          domain_design(Model::grm, 30, 23)};
}

// Answers drawn at the true abilities `theta` (own stream) until the battery stops or `steps` answers are given.
void answer(BatterySession& session, const Eigen::VectorXd& theta, std::mt19937_64& rng,
            int steps = std::numeric_limits<int>::max()) {
  for (int step = 0; step < steps; ++step) {
    const std::optional<BatteryItem> item = session.next_item();
    if (!item) return;
    const ItemBank& bank = session.design().domain(item->domain).bank();
    const auto d = static_cast<Eigen::Index>(item->domain);
    session.record(*item, testing::draw_response(bank.item(item->item), theta(d), bank.scaling(), rng));
  }
}

// The posterior information A = Σ⁻¹ + diag(Σ_{answered in d} I_j(θ̂_d)) of a session, from its log and estimate.
Eigen::MatrixXd posterior_information(const BatterySession& session) {
  const BatteryDesign& design = session.design();
  Eigen::MatrixXd information = design.config().prior.covariance.inverse();
  std::vector<std::vector<ItemIndex>> given(design.size());
  for (const auto& [item, response] : session.log()) given[item.domain].push_back(item.item);
  for (std::size_t d = 0; d < design.size(); ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    information(i, i) += test_information(design.domain(d).bank(), given[d], session.estimate().theta(i));
  }
  return information;
}

// The criterion's value of adding `item` to A, computed directly: det(A + I e eᵀ), or −tr((A + I e eᵀ)⁻¹).
double direct_value(const BatterySession& session, const Eigen::MatrixXd& information, BatteryItem item) {
  const auto d = static_cast<Eigen::Index>(item.domain);
  const ItemBank& bank = session.design().domain(item.domain).bank();
  Eigen::MatrixXd after = information;
  after(d, d) += bank.information(session.estimate().theta(d))(static_cast<Eigen::Index>(item.item.value));
  return session.design().config().criterion == BatteryCriterion::d_optimal ? after.determinant()
                                                                             : -after.inverse().trace();
}

}  // namespace

TEST_CASE("battery session: the criteria's names") {
  for (auto criterion : {BatteryCriterion::d_optimal, BatteryCriterion::a_optimal}) {
    CHECK(battery_criterion_from_string(to_string(criterion)) == criterion);
  }
  CHECK(to_string(BatteryCriterion::a_optimal) == "a_optimal");
  CHECK_THROWS_AS(battery_criterion_from_string("e_optimal"), InvalidArgument);
}

TEST_CASE("battery session: even counts give each domain half an equal share to half the battery") {
  BatteryConfig config = BatteryConfig::even(6, 120);
  CHECK(config.max_length == 120);
  CHECK(config.min_items == std::vector<int>(6, 10));
  CHECK(config.max_items == std::vector<int>(6, 60));
  config.prior = equicorrelated_prior(6, 0.3);
  CHECK_NOTHROW(config.validate(6));
  CHECK(BatteryConfig::even(4, 30).min_items == std::vector<int>(4, 3));  // 30 / 8, rounded down
}

TEST_CASE("battery session: each chosen item is the best of every eligible item of every domain, by det and trace") {
  // The session compares the domains' most informative items by the determinant lemma and Sherman–Morrison; here
  // every eligible item of every domain is tried with Eigen's determinant and inverse. Rounding may part two items
  // whose values agree to ~1e−15, so a different pick must tie with the brute force's to 1e−12.
  for (auto criterion : {BatteryCriterion::d_optimal, BatteryCriterion::a_optimal}) {
    CAPTURE(to_string(criterion));
    BatteryConfig config = counts_config(equicorrelated_prior(3, 0.5), {2, 3, 1}, {12, 10, 8}, 24);
    config.prior.covariance(2, 2) = 1.6;  // unequal variances, so the criteria differ
    config.criterion = criterion;
    const auto design = std::make_shared<const BatteryDesign>(mixed_domains(), config);
    std::mt19937_64 rng(31);
    int steps = 0;
    int same = 0;
    for (const Eigen::Vector3d& theta : {Eigen::Vector3d(0.4, -0.3, 1.1), Eigen::Vector3d(-1.5, 1.2, -0.2)}) {
      BatterySession session(design, 17);
      while (const auto chosen = session.next_item()) {
        const Eigen::MatrixXd information = posterior_information(session);
        std::optional<BatteryItem> best;
        double best_value = -std::numeric_limits<double>::infinity();
        for (std::size_t d = 0; d < design->size(); ++d) {
          const std::vector<char>& ok = session.eligible(d);
          for (std::size_t j = 0; j < ok.size(); ++j) {
            if (!ok[j]) continue;
            const double value = direct_value(session, information, {d, ItemIndex{j}});
            if (value > best_value) {
              best_value = value;
              best = BatteryItem{d, ItemIndex{j}};
            }
          }
        }
        REQUIRE(best.has_value());
        CHECK(session.eligible(chosen->domain)[chosen->item.value] == 1);
        CHECK(direct_value(session, information, *chosen) == doctest::Approx(best_value).epsilon(1e-12));
        same += *chosen == *best ? 1 : 0;
        ++steps;
        const ItemBank& bank = design->domain(chosen->domain).bank();
        session.record(*chosen, testing::draw_response(bank.item(chosen->item), theta(static_cast<Eigen::Index>(
                                                                                    chosen->domain)),
                                                       bank.scaling(), rng));
      }
      CHECK(session.stop_reason() == StopReason::max_length);
      CHECK(session.log().size() == 24);
    }
    CHECK(same == steps);
  }
}

TEST_CASE("battery session: a replayed log continues exactly as the session that wrote it") {
  BatteryConfig config = counts_config(equicorrelated_prior(3, 0.6), {3, 3, 3}, {10, 10, 10}, 24);
  const auto design = std::make_shared<const BatteryDesign>(mixed_domains(), config);
  const Eigen::Vector3d theta(0.8, 0.2, -0.6);
  BatterySession original(design, 5);
  std::mt19937_64 rng(77);
  answer(original, theta, rng, 9);
  BatterySession replayed = BatterySession::replay(design, 5, original.log());
  CHECK(replayed.log() == original.log());
  CHECK(replayed.counts() == original.counts());
  CHECK(replayed.estimate().theta == original.estimate().theta);
  // Both go on with the same answers: the same items and estimates, to the last bit.
  std::mt19937_64 rng_a(91);
  std::mt19937_64 rng_b(91);
  answer(original, theta, rng_a);
  answer(replayed, theta, rng_b);
  REQUIRE(replayed.history().size() == original.history().size());
  for (std::size_t k = 0; k < original.history().size(); ++k) {
    CAPTURE(k);
    CHECK(replayed.history()[k].item == original.history()[k].item);
    CHECK(replayed.history()[k].estimate.theta == original.history()[k].estimate.theta);
    CHECK(replayed.history()[k].estimate.covariance == original.history()[k].estimate.covariance);
  }
  CHECK(replayed.stop_reason() == original.stop_reason());

  SUBCASE("a log the session would not have written is refused") {
    auto altered = original.log();
    altered[4].first.item.value = (altered[4].first.item.value + 1) % 30;
    CHECK_THROWS_AS(BatterySession::replay(design, 5, altered), SessionError);
  }
}

TEST_CASE("battery session: every domain gets between its minimum and its maximum") {
  // Domain 2's bank is far from the abilities and its prior variance small: the criteria would pass it by, and
  // its minimum makes the last slots its own. Domain 0's maximum caps the domain the criteria favour.
  for (auto criterion : {BatteryCriterion::d_optimal, BatteryCriterion::a_optimal}) {
    CAPTURE(to_string(criterion));
    BatteryConfig config = counts_config(equicorrelated_prior(3, 0.3), {2, 0, 6}, {7, 20, 9}, 18);
    config.prior.covariance(0, 0) = 3.0;
    config.prior.covariance(2, 2) = 0.25;
    config.criterion = criterion;
    const auto design = std::make_shared<const BatteryDesign>(
        std::vector{domain_design(Model::two_pl, 40, 41), domain_design(Model::two_pl, 40, 42),
                    domain_design(Model::two_pl, 40, 43)},
        config);
    std::mt19937_64 rng(8);
    for (double level : {-2.0, 0.0, 2.0}) {
      BatterySession session(design, 1);
      answer(session, Eigen::Vector3d::Constant(level), rng);
      CHECK(session.stop_reason() == StopReason::max_length);
      CHECK(session.log().size() == 18);
      for (std::size_t d = 0; d < 3; ++d) {
        CHECK(session.counts()[d] >= config.min_items[d]);
        CHECK(session.counts()[d] <= config.max_items[d]);
      }
    }
  }

  SUBCASE("a battery whose every domain reaches its maximum stops there") {
    BatteryConfig config = counts_config(equicorrelated_prior(2, 0.4), {0, 0}, {3, 4}, 20);
    const auto design = std::make_shared<const BatteryDesign>(
        std::vector{domain_design(Model::two_pl, 40, 44), domain_design(Model::two_pl, 40, 45)}, config);
    BatterySession session(design, 2);
    std::mt19937_64 draws(3);
    answer(session, Eigen::Vector2d(0.5, -0.5), draws);
    CHECK(session.counts() == std::vector<int>{3, 4});
    CHECK(session.stop_reason() == StopReason::max_length);
  }

  SUBCASE("banks smaller than the battery run out") {
    BatteryConfig config = counts_config(equicorrelated_prior(2, 0.4), {0, 0}, {30, 30}, 50);
    const auto design = std::make_shared<const BatteryDesign>(
        std::vector{domain_design(Model::two_pl, 6, 46), domain_design(Model::two_pl, 5, 47)}, config);
    BatterySession session(design, 2);
    std::mt19937_64 draws(4);
    answer(session, Eigen::Vector2d(0.0, 1.0), draws);
    CHECK(session.counts() == std::vector<int>{6, 5});
    CHECK(session.stop_reason() == StopReason::bank_exhausted);
  }
}

TEST_CASE("battery session: each domain keeps its content plan and enemy sets") {
  // Domain 0's bank has topics algebra, geometry, statistics in turn: at most 2 of algebra, at least 3 of statistics,
  // and items i1, i4, i7 (geometry) are enemies.
  SessionConfig config;
  config.content.topics["algebra"] = TopicConstraint{0, 2, 0.0};
  config.content.topics["statistics"] = TopicConstraint{3, 10, 0.0};
  config.content.enemies = {{ItemId("i1"), ItemId("i4"), ItemId("i7")}};
  const auto planned = std::make_shared<const TestDesign>(testing::bank_of(Model::two_pl, 30, 81), config);
  const auto design = std::make_shared<const BatteryDesign>(
      std::vector{planned, domain_design(Model::two_pl, 30, 82)},
      counts_config(equicorrelated_prior(2, 0.5), {8, 0}, {8, 20}, 16));
  std::mt19937_64 rng(14);
  for (double level : {-1.0, 0.0, 1.0}) {
    BatterySession session(design, 6);
    answer(session, Eigen::Vector2d(level, -level), rng);
    REQUIRE(session.counts()[0] == 8);
    std::map<std::string, int> topics;
    int enemies = 0;
    for (const auto& [item, response] : session.log()) {
      if (item.domain != 0) continue;
      const ItemBank& bank = planned->bank();
      topics[bank.metadata(item.item).topic] += 1;
      const std::string id = bank.item(item.item).id().str();
      enemies += id == "i1" || id == "i4" || id == "i7" ? 1 : 0;
    }
    CHECK(topics["algebra"] <= 2);
    CHECK(topics["statistics"] >= 3);
    CHECK(enemies <= 1);
  }
}

TEST_CASE("battery session: a domain whose SE meets the target takes no more items once its minimum is given") {
  BatteryConfig config = counts_config(equicorrelated_prior(3, 0.5), {3, 3, 3}, {25, 25, 25}, 75);
  config.se_target = 0.4;
  const auto design = std::make_shared<const BatteryDesign>(
      std::vector{domain_design(Model::two_pl, 60, 51), domain_design(Model::three_pl, 60, 52),
                  domain_design(Model::two_pl, 60, 53)},
      config);
  std::mt19937_64 rng(12);
  for (const Eigen::Vector3d& theta : {Eigen::Vector3d(0.0, 0.5, -0.5), Eigen::Vector3d(1.5, 1.0, 2.0)}) {
    BatterySession session(design, 3);
    answer(session, theta, rng);
    CHECK(session.stop_reason() == StopReason::se_target);
    std::vector<int> counts(3, 0);
    JointEstimate before = {config.prior.mean, config.prior.covariance, 0, EstimateStatus::no_responses};
    for (const BatteryStep& step : session.history()) {
      const auto d = static_cast<Eigen::Index>(step.item.domain);
      // Offered only while the domain was short of its minimum or above the target.
      CHECK((counts[step.item.domain] < 3 || std::sqrt(before.covariance(d, d)) > 0.4));
      counts[step.item.domain] += 1;
      before = step.estimate;
    }
    for (Eigen::Index d = 0; d < 3; ++d) {
      CHECK(std::sqrt(session.estimate().covariance(d, d)) <= 0.4);
      CHECK(session.counts()[static_cast<std::size_t>(d)] >= 3);
    }
    CHECK(session.log().size() < 75);
  }
}

TEST_CASE("battery session: one domain with a normal prior estimates as the unidimensional MAP") {
  BatteryConfig config = counts_config({Eigen::VectorXd::Constant(1, 0.3), Eigen::MatrixXd::Constant(1, 1, 0.64)},
                                       {0}, {15}, 15);
  const auto design = std::make_shared<const BatteryDesign>(std::vector{domain_design(Model::two_pl, 40, 61)}, config);
  BatterySession session(design, 9);
  std::mt19937_64 rng(13);
  answer(session, Eigen::VectorXd::Constant(1, -0.7), rng);
  REQUIRE(session.history().size() == 15);
  std::vector<Response> responses;
  for (const BatteryStep& step : session.history()) {
    responses.push_back({step.item.item, step.response});
    const AbilityEstimate map = maximum_a_posteriori(design->domain(0).bank(), responses, NormalPrior{0.3, 0.8});
    CHECK(step.estimate.theta(0) == doctest::Approx(map.theta).epsilon(1e-10));
    // 2PL: the observed information is the expected one, so the variance is the MAP's SE².
    CHECK(std::sqrt(step.estimate.covariance(0, 0)) == doctest::Approx(map.se).epsilon(1e-10));
  }
}

TEST_CASE("battery session: one 30-item battery recovers the domains better than three separate 10-item CATs") {
  // 300 simulees, θ ~ N(0, Σ) with correlations 0.6; 40-item 2PL banks. The battery gives each domain 10 items, as
  // the separate CATs (MFI, MAP under N(0, 1)) do on the same simulees' abilities, so what differs is the joint prior
  // and the joint selection. Measured (GCC 12, libstdc++): battery RMSE 0.371, 0.406, 0.343 against 0.408, 0.429,
  // 0.411, margins 0.036, 0.024 and 0.068. The normal draws are libstdc++'s, so the check is only that each is lower.
  constexpr int kSimulees = 300;
  const MultivariateNormalPrior prior = equicorrelated_prior(3, 0.6);
  std::vector<std::shared_ptr<const TestDesign>> domains;
  for (std::uint64_t d = 0; d < 3; ++d) domains.push_back(domain_design(Model::two_pl, 40, 71 + d));
  const auto battery =
      std::make_shared<const BatteryDesign>(domains, counts_config(prior, {10, 10, 10}, {10, 10, 10}, 30));
  std::vector<std::shared_ptr<const TestDesign>> separate;
  for (std::uint64_t d = 0; d < 3; ++d) {
    SessionConfig config;
    config.estimation.estimator = Estimator::map;
    config.stopping.max_length = 10;
    separate.push_back(std::make_shared<const TestDesign>(domains[d]->shared_bank(), config));
  }
  const Eigen::MatrixXd lower = prior.covariance.llt().matrixL();
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> normal;
  Eigen::Vector3d battery_squares = Eigen::Vector3d::Zero();
  Eigen::Vector3d separate_squares = Eigen::Vector3d::Zero();
  for (int simulee = 0; simulee < kSimulees; ++simulee) {
    Eigen::Vector3d z;
    for (Eigen::Index d = 0; d < 3; ++d) z(d) = normal(rng);
    const Eigen::Vector3d theta = lower * z;
    BatterySession session(battery, static_cast<std::uint64_t>(simulee));
    answer(session, theta, rng);
    battery_squares += (session.estimate().theta - theta).array().square().matrix();
    for (std::size_t d = 0; d < 3; ++d) {
      const auto i = static_cast<Eigen::Index>(d);
      Session cat(separate[d], static_cast<std::uint64_t>(simulee));
      while (const auto item = cat.next_item()) {
        cat.record(*item, testing::draw_response(domains[d]->bank().item(*item), theta(i), 1.0, rng));
      }
      separate_squares(i) += std::pow(cat.estimate().theta - theta(i), 2);
    }
  }
  const Eigen::Vector3d battery_rmse = (battery_squares / kSimulees).cwiseSqrt();
  const Eigen::Vector3d separate_rmse = (separate_squares / kSimulees).cwiseSqrt();
  MESSAGE("battery RMSE " << battery_rmse.transpose() << ", separate RMSE " << separate_rmse.transpose());
  for (Eigen::Index d = 0; d < 3; ++d) CHECK(battery_rmse(d) < separate_rmse(d));
}

TEST_CASE("battery session: misuse is refused and changes nothing") {
  BatteryConfig config = counts_config(equicorrelated_prior(3, 0.5), {1, 1, 1}, {5, 5, 5}, 12);
  const auto domains = mixed_domains();

  SUBCASE("the configuration") {
    const auto invalid = [&](auto change) {
      BatteryConfig changed = config;
      change(changed);
      CHECK_THROWS_AS(changed.validate(3), InvalidArgument);
      CHECK_THROWS_AS(BatteryDesign(domains, changed), InvalidArgument);
    };
    invalid([](BatteryConfig& c) { c.prior = equicorrelated_prior(2, 0.5); });
    invalid([](BatteryConfig& c) { c.prior.covariance(0, 1) = 2.0; });
    invalid([](BatteryConfig& c) { c.min_items = {1, 1}; });
    invalid([](BatteryConfig& c) { c.max_items = {5, 5, 5, 5}; });
    invalid([](BatteryConfig& c) { c.min_items[1] = -1; });
    invalid([](BatteryConfig& c) { c.min_items[2] = 6; });
    invalid([](BatteryConfig& c) { c.max_length = 0; });
    invalid([](BatteryConfig& c) { c.min_items = {5, 5, 5}; });  // 15 owed in 12 slots
    invalid([](BatteryConfig& c) { c.se_target = 0.0; });
    invalid([](BatteryConfig& c) { c.se_target = std::nan(""); });
    CHECK_NOTHROW(config.validate(3));
    CHECK_THROWS_AS(BatteryDesign({}, config), InvalidArgument);
    CHECK_THROWS_AS(BatteryDesign({domains[0], nullptr, domains[2]}, config), InvalidArgument);
    CHECK_THROWS_AS(BatterySession(nullptr, 1), InvalidArgument);
  }

  SUBCASE("record out of turn") {
    BatterySession session(std::make_shared<const BatteryDesign>(domains, config), 4);
    CHECK(session.estimate().status == EstimateStatus::no_responses);
    const BatteryItem first{0, ItemIndex{0}};
    CHECK_THROWS_AS(session.record(first, 1), SessionError);  // nothing offered yet
    const BatteryItem offered = *session.next_item();
    CHECK(*session.next_item() == offered);
    CHECK_THROWS_AS(session.record({(offered.domain + 1) % 3, offered.item}, 1), SessionError);
    CHECK_THROWS_AS(session.record({offered.domain, ItemIndex{offered.item.value + 1}}, 1), SessionError);
    CHECK_THROWS_AS(session.record(offered, -1), InvalidResponse);
    const int categories = session.design().domain(offered.domain).bank().item(offered.item).category_count();
    CHECK_THROWS_AS(session.record(offered, categories), InvalidResponse);
    CHECK(session.log().empty());
    CHECK(session.counts() == std::vector<int>{0, 0, 0});
    CHECK(session.estimate().status == EstimateStatus::no_responses);
    CHECK(*session.next_item() == offered);
    session.record(offered, 0);
    CHECK(session.log().size() == 1);
    CHECK(session.estimate().status == EstimateStatus::converged);
    CHECK_THROWS_AS(session.record(offered, 0), SessionError);  // already answered, nothing pending
    std::mt19937_64 rng(5);
    answer(session, Eigen::Vector3d::Zero(), rng);
    CHECK(session.finished());
    CHECK_FALSE(session.next_item().has_value());
    CHECK_THROWS_AS(session.record(offered, 0), SessionError);
  }

  SUBCASE("a warm start of the wrong size") {
    const ItemBank& bank = domains[0]->bank();
    const std::vector<Response> answered = {{ItemIndex{0}, 1}};
    const std::vector<DomainResponses> views = {
        {&bank, answered}, {&domains[1]->bank(), {}}, {&domains[2]->bank(), {}}};
    CHECK_THROWS_AS(joint_map(views, config.prior, Eigen::VectorXd::Zero(2)), InvalidArgument);
    CHECK_THROWS_AS(joint_map(views, config.prior, Eigen::VectorXd::Constant(3, std::nan(""))), InvalidArgument);
    // From μ, given or not, the same estimate to the last bit.
    CHECK(joint_map(views, config.prior, config.prior.mean).theta == joint_map(views, config.prior).theta);
  }
}
