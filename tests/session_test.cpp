#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "irtcat/error.hpp"
#include "irtcat/session.hpp"
#include "irtcat/sympson_hetter.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

std::shared_ptr<const ItemBank> bank_of(Model model, int n, std::uint64_t seed, BankIdentity identity = {}) {
  const ItemBank plain = testing::spread_bank(model, n, seed);
  std::vector<ItemMetadata> metadata(plain.size());
  const char* topics[] = {"algebra", "geometry", "statistics"};
  for (std::size_t i = 0; i < metadata.size(); ++i) metadata[i].topic = topics[i % 3];
  return std::make_shared<const ItemBank>(plain.items(), plain.scaling(), metadata, identity);
}

// Runs a session to its end with answers drawn at `theta` (own stream), returning the items given.
std::vector<std::size_t> run_to_end(Session& session, double theta, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> items;
  while (const auto item = session.next_item()) {
    items.push_back(item->value);
    session.record(*item, testing::draw_response(session.design().bank().item(*item), theta, 1.0, rng));
  }
  return items;
}

SessionConfig config_with(SelectionRule rule, Estimator estimator = Estimator::eap, int length = 12) {
  SessionConfig config;
  config.selection.rule = rule;
  config.estimation.estimator = estimator;
  config.stopping.max_length = length;
  return config;
}

}  // namespace

TEST_CASE("session: a 20-item EAP + MFI test gives distinct items and stops at its length") {
  Session session(bank_of(Model::three_pl, 200, 1), config_with(SelectionRule::mfi, Estimator::eap, 20), 7);
  CHECK(session.estimate().status == EstimateStatus::no_responses);
  const auto items = run_to_end(session, 0.8, 3);
  CHECK(items.size() == 20);
  CHECK(std::set<std::size_t>(items.begin(), items.end()).size() == 20);
  CHECK(session.finished());
  CHECK(session.stop_reason() == StopReason::max_length);
  CHECK(session.history().size() == 20);
  CHECK(session.estimate().se < 0.5);
  CHECK_FALSE(session.next_item().has_value());
  // The first item is the most informative at the start, θ = the prior mean 0.
  const Eigen::ArrayXd info = session.design().bank().information(0.0);
  Eigen::Index best = 0;
  info.maxCoeff(&best);
  CHECK(items.front() == static_cast<std::size_t>(best));
}

TEST_CASE("session: next_item is stable until record; record refuses misuse and changes nothing") {
  Session session(bank_of(Model::grm, 30, 2), config_with(SelectionRule::klp), 11);
  const ItemIndex first = *session.next_item();
  CHECK(*session.next_item() == first);
  CHECK_THROWS_AS(session.record(ItemIndex{(first.value + 1) % 30}, 0), SessionError);
  CHECK_THROWS_AS(session.record(first, 4), InvalidResponse);
  CHECK_THROWS_AS(session.record(first, -1), InvalidResponse);
  CHECK(session.history().empty());
  session.record(first, 2);
  CHECK_THROWS_AS(session.record(first, 1), SessionError);  // no item pending
  const ItemIndex second = *session.next_item();
  CHECK(second != first);
  CHECK_THROWS_AS(session.record(first, 1), SessionError);  // already answered
  CHECK(session.history().size() == 1);
  CHECK(*session.next_item() == second);
}

TEST_CASE("session: a restored session makes the same choices at every step, random ones included") {
  std::vector<std::pair<std::string, SessionConfig>> cases;
  for (SelectionRule rule : {SelectionRule::mfi, SelectionRule::kl, SelectionRule::mepv, SelectionRule::random,
                             SelectionRule::a_stratified, SelectionRule::closest}) {
    cases.emplace_back(to_string(rule), config_with(rule));
  }
  SessionConfig randomesque = config_with(SelectionRule::mpwi, Estimator::map);
  randomesque.exposure.method = ExposureMethod::randomesque;
  randomesque.exposure.randomesque_count = 4;
  randomesque.start.random_among = 5;
  cases.emplace_back("randomesque", randomesque);
  SessionConfig sympson = config_with(SelectionRule::mfi, Estimator::wle);
  sympson.exposure.method = ExposureMethod::sympson_hetter;
  sympson.exposure.sympson_hetter.assign(60, 0.5);
  cases.emplace_back("sympson_hetter", sympson);
  SessionConfig progressive = config_with(SelectionRule::mlwi, Estimator::ml);
  progressive.exposure.method = ExposureMethod::progressive_restricted;
  cases.emplace_back("progressive", progressive);

  const auto bank = bank_of(Model::three_pl, 60, 4, {"demo", 3});
  for (const auto& [name, config] : cases) {
    CAPTURE(name);
    const auto design = std::make_shared<const TestDesign>(bank, config);
    Session whole(design, 99);
    const auto items = run_to_end(whole, -0.4, 5);
    REQUIRE(items.size() == 12);
    for (std::size_t stop = 0; stop <= items.size(); ++stop) {
      // Replay the first `stop` answers, save, restore, and go on.
      Session first(design, 99);
      for (std::size_t s = 0; s < stop; ++s) {
        REQUIRE(first.next_item()->value == items[s]);
        first.record(ItemIndex{items[s]}, whole.history()[s].response);
      }
      Session restored = Session::from_json(design, first.to_json());
      Session restored_with_config = Session::from_json(bank, first.to_json());
      for (std::size_t s = stop; s < items.size(); ++s) {
        const auto next = restored.next_item();
        REQUIRE(next.has_value());
        CHECK(next->value == items[s]);
        CHECK(restored_with_config.next_item()->value == items[s]);
        restored.record(*next, whole.history()[s].response);
        restored_with_config.record(*next, whole.history()[s].response);
      }
      CHECK(restored.estimate().theta == whole.estimate().theta);
      CHECK(restored.estimate().se == whole.estimate().se);
      CHECK(restored.finished());
    }
  }
}

TEST_CASE("session: a stored session is refused on another bank version or configuration") {
  const auto bank = bank_of(Model::two_pl, 40, 5, {"algebra", 2});
  Session session(bank, config_with(SelectionRule::mfi), 1);
  session.record(*session.next_item(), 1);
  const std::string saved = session.to_json();
  const auto newer = bank_of(Model::two_pl, 40, 5, {"algebra", 3});
  CHECK_THROWS_AS(Session::from_json(newer, saved), SessionError);
  const auto other = std::make_shared<const TestDesign>(bank, config_with(SelectionRule::kl));
  CHECK_THROWS_AS(Session::from_json(other, saved), SessionError);
  CHECK_THROWS_AS(Session::from_json(bank, "{\"format\": \"something else\"}"), DataError);
  CHECK_THROWS_AS(Session::from_json(bank, "not json"), DataError);
  CHECK(Session::from_json(bank, saved).history().size() == 1);
}

TEST_CASE("session: a tampered format version is refused, not rounded to one that is read") {
  const auto bank = bank_of(Model::two_pl, 40, 5, {"algebra", 2});
  const auto design = std::make_shared<const TestDesign>(bank, config_with(SelectionRule::mfi));
  Session session(design, 1);
  session.record(*session.next_item(), 1);
  const std::string saved = session.to_json();
  const std::string field = "\"version\":1,";
  const auto at = saved.find(field);
  REQUIRE(at != std::string::npos);
  for (const std::string version : {"1.7", "1.0", "0.9999999999999999999", "2", "0", "-1", "4294967297",
                                    "18446744073709551617", "\"1\"", "true", "null", "[1]", "1e400"}) {
    CAPTURE(version);
    std::string tampered = saved;
    tampered.replace(at, field.size(), "\"version\":" + version + ",");
    CHECK_THROWS_AS(Session::from_json(design, tampered), DataError);
    CHECK_THROWS_AS(Session::from_json(bank, tampered), DataError);
    try {
      Session::from_json(design, tampered);
    } catch (const DataError& error) {
      const std::string message = error.what();
      // 1e400 is beyond double's range: not valid JSON at all.
      CHECK((message.find("version") != std::string::npos || message.find("not valid JSON") != std::string::npos));
    }
  }
  CHECK(Session::from_json(design, saved).history().size() == 1);
}

TEST_CASE("session: sessions on many threads equal serial runs") {
  const auto design = std::make_shared<const TestDesign>(bank_of(Model::three_pl, 150, 6), config_with(SelectionRule::kl));
  constexpr int kSessions = 64;
  std::vector<std::vector<std::size_t>> serial(kSessions);
  std::vector<double> serial_theta(kSessions);
  for (int s = 0; s < kSessions; ++s) {
    Session session(design, static_cast<std::uint64_t>(s));
    serial[static_cast<std::size_t>(s)] = run_to_end(session, -1.5 + 0.05 * s, 1000 + static_cast<std::uint64_t>(s));
    serial_theta[static_cast<std::size_t>(s)] = session.estimate().theta;
  }
  std::vector<std::vector<std::size_t>> parallel(kSessions);
  std::vector<double> parallel_theta(kSessions);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int s = t; s < kSessions; s += 4) {
        Session session(design, static_cast<std::uint64_t>(s));
        parallel[static_cast<std::size_t>(s)] = run_to_end(session, -1.5 + 0.05 * s, 1000 + static_cast<std::uint64_t>(s));
        parallel_theta[static_cast<std::size_t>(s)] = session.estimate().theta;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(parallel == serial);
  CHECK(parallel_theta == serial_theta);
}

TEST_CASE("session: stopping rules") {
  const auto bank = bank_of(Model::two_pl, 80, 8);
  SUBCASE("SE target, not before the minimum length") {
    SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 40);
    config.stopping.se_target = 0.45;
    config.stopping.min_length = 5;
    Session session(bank, config, 1);
    run_to_end(session, 0.2, 2);
    CHECK(session.stop_reason() == StopReason::se_target);
    CHECK(session.estimate().se <= 0.45);
    CHECK(session.history().size() >= 5);
    CHECK(session.history()[session.history().size() - 2].estimate.se > 0.45);
  }
  SUBCASE("information target") {
    SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 80);
    config.stopping.information_target = 0.3;
    Session session(bank, config, 1);
    run_to_end(session, 3.5, 2);
    CHECK(session.stop_reason() == StopReason::information_target);
  }
  SUBCASE("classification by confidence interval and by SPRT") {
    for (auto method : {ClassificationRule::Method::confidence_interval, ClassificationRule::Method::sprt}) {
      SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 60);
      ClassificationRule rule;
      rule.cut = -0.5;
      rule.method = method;
      config.stopping.classification = rule;
      Session session(bank, config, 1);
      run_to_end(session, 1.5, 2);
      CHECK(session.stop_reason() == StopReason::classification);
      CHECK(session.history().size() < 60);
      CHECK(session.estimate().theta > -0.5);
    }
  }
  SUBCASE("all criteria together") {
    SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 60);
    config.stopping.se_target = 0.6;
    config.stopping.information_target = 1e-9;  // never met: the test runs to its length
    config.stopping.combine = StoppingOptions::Combine::all;
    Session session(bank, config, 1);
    run_to_end(session, 0.0, 2);
    CHECK(session.stop_reason() == StopReason::max_length);
  }
  SUBCASE("bank exhausted") {
    Session session(bank_of(Model::two_pl, 6, 9), config_with(SelectionRule::mfi, Estimator::eap, 10), 1);
    CHECK(run_to_end(session, 0.0, 2).size() == 6);
    CHECK(session.stop_reason() == StopReason::bank_exhausted);
  }
  SUBCASE("invalid options") {
    SessionConfig config = config_with(SelectionRule::mfi);
    config.stopping.min_length = 30;
    CHECK_THROWS_AS(Session(bank, config, 1), InvalidArgument);
    config = config_with(SelectionRule::mfi);
    config.stopping.se_target = -1;
    CHECK_THROWS_AS(Session(bank, config, 1), InvalidArgument);
    config = config_with(SelectionRule::mfi);
    config.exposure.sympson_hetter = {0.5};
    CHECK_THROWS_AS(Session(bank, config, 1), InvalidArgument);
    CHECK_THROWS_AS(Session(std::shared_ptr<const TestDesign>(), 1), InvalidArgument);
  }
}

TEST_CASE("session: a-stratified stages, and an empty stratum handing over to the nearest ones") {
  // 40 items in 4 strata, a test of 8: steps 0–1 serve stratum 0, 2–3 stratum 1, and so on; each step takes the
  // eligible item of the serving stratum whose b is closest to the estimate. Stratum 1 is made inactive, so its
  // stage takes the closest b among strata 0 and 2 together.
  const ItemBank plain = testing::spread_bank(Model::two_pl, 40, 31);
  const std::vector<int> strata = a_strata(plain, 4);
  std::vector<ItemMetadata> metadata(40);
  for (std::size_t i = 0; i < 40; ++i) metadata[i].active = strata[i] != 1;
  const auto bank = std::make_shared<const ItemBank>(plain.items(), 1.0, metadata);
  SessionConfig config = config_with(SelectionRule::a_stratified, Estimator::eap, 8);
  config.selection.strata = 4;
  Session session(bank, config, 5);
  std::set<std::size_t> given;
  std::mt19937_64 rng(8);
  for (int step = 0; step < 8; ++step) {
    CAPTURE(step);
    const auto item = session.next_item();
    REQUIRE(item.has_value());
    const int stage = step / 2;
    const auto allowed = [&](std::size_t i) {
      return !given.count(i) && strata[i] != 1 && (stage == 1 ? std::abs(strata[i] - 1) == 1 : strata[i] == stage);
    };
    CHECK(allowed(item->value));
    const double theta = session.estimate().theta;
    for (std::size_t i = 0; i < 40; ++i) {
      if (allowed(i)) {
        CHECK(std::abs(bank->items()[i].b() - theta) >= std::abs(bank->items()[item->value].b() - theta));
      }
    }
    given.insert(item->value);
    session.record(*item, testing::draw_response(bank->items()[item->value], 0.3, 1.0, rng));
  }
}

TEST_CASE("session: content constraints are never violated") {
  // Topics cycle algebra, geometry, statistics over a 90-item bank; enemies and an inactive item on top.
  const ItemBank plain = testing::spread_bank(Model::two_pl, 90, 10);
  std::vector<ItemMetadata> metadata(90);
  const char* topics[] = {"algebra", "geometry", "statistics"};
  for (std::size_t i = 0; i < 90; ++i) metadata[i].topic = topics[i % 3];
  metadata[4].active = false;
  const auto bank = std::make_shared<const ItemBank>(plain.items(), 1.0, metadata);
  SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 10);
  config.content.topics["algebra"] = {3, 4, 0.0};
  config.content.topics["geometry"] = {2, 3, 0.0};
  config.content.enemies = {{ItemId("i0"), ItemId("i1"), ItemId("i2")}, {ItemId("i10"), ItemId("i11")}};
  config.exposure.method = ExposureMethod::randomesque;  // variety across sessions
  config.exposure.randomesque_count = 6;
  const auto design = std::make_shared<const TestDesign>(bank, config);
#ifdef __SANITIZE_ADDRESS__
  constexpr int kSessions = 1500;
#else
  constexpr int kSessions = 10000;
#endif
  std::mt19937_64 abilities(12);
  std::normal_distribution<double> population(0.0, 1.2);
  int violations = 0;
  for (int s = 0; s < kSessions; ++s) {
    Session session(design, static_cast<std::uint64_t>(s));
    const auto items = run_to_end(session, population(abilities), static_cast<std::uint64_t>(s) + 77);
    std::map<std::string, int> count;
    std::set<std::size_t> given(items.begin(), items.end());
    for (std::size_t item : items) ++count[metadata[item].topic];
    const bool ok = items.size() == 10 && count["algebra"] >= 3 && count["algebra"] <= 4 && count["geometry"] >= 2 &&
                    count["geometry"] <= 3 && !given.count(4) &&
                    (given.count(0) + given.count(1) + given.count(2)) <= 1 && (given.count(10) + given.count(11)) <= 1;
    violations += ok ? 0 : 1;
  }
  CHECK(violations == 0);
}

TEST_CASE("session: Kingsbury-Zara proportions steer the topics") {
  SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 10);
  config.content.topics["algebra"] = {0, 10, 0.5};
  config.content.topics["geometry"] = {0, 10, 0.3};
  config.content.topics["statistics"] = {0, 10, 0.2};
  Session session(bank_of(Model::two_pl, 90, 13), config, 1);
  const auto items = run_to_end(session, 0.3, 4);
  std::map<std::string, int> count;
  for (std::size_t item : items) ++count[session.design().bank().metadata(ItemIndex{item}).topic];
  CHECK(count["algebra"] == 5);
  CHECK(count["geometry"] == 3);
  CHECK(count["statistics"] == 2);
}

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

TEST_CASE("session: a battery runs one session per domain") {
  Battery battery;
  battery.add("mathematics", std::make_shared<const TestDesign>(bank_of(Model::two_pl, 50, 15), config_with(SelectionRule::mfi)));
  battery.add("coding", std::make_shared<const TestDesign>(bank_of(Model::three_pl, 50, 16), config_with(SelectionRule::klp)));
  std::mt19937_64 rng(3);
  const auto results = battery.run(
      [&](std::size_t domain, const Item& item) { return testing::draw_response(item, domain == 0 ? 1.0 : -1.0, 1.0, rng); }, 8);
  REQUIRE(results.size() == 2);
  CHECK(results[0].domain == "mathematics");
  CHECK(results[0].history.size() == 12);
  CHECK(results[0].estimate.theta > results[1].estimate.theta);
  CHECK_THROWS_AS(battery.add("x", nullptr), InvalidArgument);
}

TEST_CASE("session: the first item by maximum information at the start, whatever the rule (catR's startSelect)") {
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::three_pl, 60, 21));
  SessionConfig config;
  config.selection.rule = SelectionRule::closest;
  config.start.theta = 0.7;
  config.start.most_informative = true;
  Session session(bank, config, 3);
  const Eigen::ArrayXd information = bank->information(0.7);
  Eigen::Index most = 0;
  information.maxCoeff(&most);
  REQUIRE(session.next_item());
  CHECK(session.next_item()->value == static_cast<std::size_t>(most));
  // By the rule instead: the difficulty closest to 0.7, another item on this bank.
  config.start.most_informative = false;
  Session by_rule(bank, config, 3);
  CHECK(by_rule.next_item() != session.next_item());

  // The choice is part of the stored configuration: a restored session continues identically.
  session.record(*session.next_item(), 1);
  const Session restored = Session::from_json(bank, session.to_json());
  CHECK(restored.design().config().start.most_informative);
  CHECK(to_json(restored.design().config()) == to_json(session.design().config()));
  // A configuration written before the option existed reads as "by the rule".
  std::string old = to_json(config);
  const std::string field = ",\"most_informative\":false";
  REQUIRE(old.find(field) != std::string::npos);
  old.erase(old.find(field), field.size());
  CHECK_FALSE(session_config_from_json(old).start.most_informative);
}
