#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "cat/session_support.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"
#include "irtcat/sympson_hetter.hpp"
#include "test_support.hpp"

using namespace irtcat;
using namespace irtcat::testing;

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

TEST_CASE("session: its EAP estimates are those of the response pattern, to the last bit") {
  // The session's posterior adds rows of its BankGrid; estimate_ability builds a GridPosterior from the items. Both
  // take the model's log-probabilities at the nodes, so every step's estimate and SE are the same doubles.
  for (const Model model : {Model::three_pl, Model::four_pl, Model::grm, Model::gpcm}) {
    CAPTURE(to_string(model));
    Session session(bank_of(model, 60, 4), config_with(SelectionRule::mfi, Estimator::eap, 15), 3);
    run_to_end(session, 0.9, 5);
    std::vector<Response> responses;
    for (const SessionStep& step : session.history()) {
      responses.push_back({step.item, step.response});
      const AbilityEstimate pattern =
          estimate_ability(session.design().bank(), responses, session.design().config().estimation);
      CHECK(step.estimate.theta == pattern.theta);
      CHECK(step.estimate.se == pattern.se);
    }
  }
}

TEST_CASE("session: next_item is stable until record, record refuses misuse and changes nothing") {
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

TEST_CASE("session: a workspace lent to many sessions changes nothing") {
  // One workspace shared by sessions that take turns step by step (as sessions on one thread of a study or a server
  // do), against each session on its own: the same items and estimates to the bit. The rules cover every buffer:
  // KL's and MEPV's screens and exact rows, MLWI's single-precision screen, MEI's means, randomesque's k best.
  for (SelectionRule rule : {SelectionRule::kl, SelectionRule::mepv, SelectionRule::mlwi, SelectionRule::mei}) {
    CAPTURE(to_string(rule));
    SessionConfig config = config_with(rule, Estimator::eap, 10);
    if (rule == SelectionRule::mlwi) config.exposure.method = ExposureMethod::randomesque;
    const auto design = std::make_shared<const TestDesign>(bank_of(Model::three_pl, 90, 21), config);
    constexpr int kSessions = 3;
    std::vector<std::vector<std::size_t>> alone(kSessions);
    std::vector<double> alone_theta(kSessions);
    for (int s = 0; s < kSessions; ++s) {
      Session session(design, static_cast<std::uint64_t>(s));
      alone[static_cast<std::size_t>(s)] = run_to_end(session, -1.0 + s, 50 + static_cast<std::uint64_t>(s));
      alone_theta[static_cast<std::size_t>(s)] = session.estimate().theta;
    }
    const auto shared = std::make_shared<Workspace>();
    std::vector<Session> sessions;
    std::vector<std::mt19937_64> answers;
    for (int s = 0; s < kSessions; ++s) {
      sessions.emplace_back(design, static_cast<std::uint64_t>(s), shared);
      answers.emplace_back(50 + static_cast<std::uint64_t>(s));
    }
    std::vector<std::vector<std::size_t>> taking_turns(kSessions);
    for (bool any = true; any;) {
      any = false;
      for (std::size_t s = 0; s < sessions.size(); ++s) {
        const auto item = sessions[s].next_item();
        if (!item) continue;
        any = true;
        taking_turns[s].push_back(item->value);
        sessions[s].record(*item, draw_response(design->bank().item(*item), -1.0 + static_cast<double>(s), 1.0, answers[s]));
      }
    }
    CHECK(taking_turns == alone);
    for (std::size_t s = 0; s < sessions.size(); ++s) CHECK(sessions[s].estimate().theta == alone_theta[s]);
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

TEST_CASE("session: items and score per topic, in the bank's topic order then as given") {
  const auto bank = bank_of(Model::two_pl, 9, 4);  // topics algebra, geometry, statistics in turn
  const std::vector<SessionStep> history{{ItemIndex{1}, 1, {}}, {ItemIndex{0}, 1, {}}, {ItemIndex{3}, 0, {}},
                                         {ItemIndex{4}, 1, {}}};
  const auto topics = topic_scores(*bank, history, {"statistics", "algebra"});
  REQUIRE(topics.size() == 2);
  CHECK(topics[0].topic == "algebra");  // statistics: no item given, left out
  CHECK(topics[0].items == 2);
  CHECK(topics[0].score == 1);
  CHECK(topics[1].topic == "geometry");
  CHECK(topics[1].items == 2);
  CHECK(topics[1].score == 2);
}

TEST_CASE("session: restart gives the test a new session with that seed gives, from any state") {
  // Each configuration reaches a member that restart must reset: the logs and posterior (every one), Sympson–Hetter's
  // items set aside, item eligibility's start draw (read from exposure counts), topic balancing with an early stop
  // owed topics, and an ML estimator. Equal to_json (seed, log, offered, ineligible), estimates and posteriors to the
  // bit mean the restarted session is the fresh one.
  const auto bank = bank_of(Model::three_pl, 60, 33);
  std::vector<SessionConfig> configs;
  configs.push_back(config_with(SelectionRule::mfi, Estimator::eap, 12));
  SessionConfig shaped = config_with(SelectionRule::kl, Estimator::eap, 10);
  shaped.exposure.method = ExposureMethod::sympson_hetter;
  shaped.exposure.sympson_hetter.assign(bank->size(), 0.5);
  configs.push_back(shaped);
  SessionConfig eligibility = config_with(SelectionRule::mfi, Estimator::eap, 8);
  eligibility.exposure.method = ExposureMethod::item_eligibility;
  eligibility.exposure.max_rate = 0.2;
  configs.push_back(eligibility);
  SessionConfig balanced =
      with_balanced_topics(config_with(SelectionRule::mfi, Estimator::eap, 15), {"algebra", "geometry", "statistics"});
  balanced.content.topics["statistics"].min = 5;
  balanced.stopping.se_target = 0.45;
  configs.push_back(balanced);
  configs.push_back(config_with(SelectionRule::mfi, Estimator::ml, 10));

  ExposureCounts counts(bank->size());  // half the items given in every one of 10 tests: over the rate
  for (int test = 0; test < 10; ++test) {
    for (std::size_t i = 0; i < bank->size(); ++i) {
      counts.record_eligible(ItemIndex{i});
      if (i % 2 == 0) counts.record_item(ItemIndex{i});
    }
    counts.record_test();
  }
  const auto run = [&](Session& session, double theta, std::uint64_t answers, int steps) {
    std::mt19937_64 rng(answers);
    for (int step = 0; step != steps; ++step) {
      const auto item = session.next_item(&counts);
      if (!item) break;
      session.record(*item, draw_response(bank->item(*item), theta, 1.0, rng));
    }
  };
  const auto same = [](const Session& restarted, const Session& fresh) {
    CHECK(restarted.to_json() == fresh.to_json());
    CHECK(restarted.stop_reason() == fresh.stop_reason());
    CHECK(restarted.set_aside() == fresh.set_aside());
    CHECK(restarted.estimate().theta == fresh.estimate().theta);
    CHECK(restarted.estimate().se == fresh.estimate().se);
    CHECK((restarted.posterior().log_likelihood() == fresh.posterior().log_likelihood()).all());
  };
  for (std::size_t c = 0; c < configs.size(); ++c) {
    CAPTURE(c);
    const auto design = std::make_shared<const TestDesign>(bank, configs[c]);
    Session reused(design, 1);
    run(reused, 0.8, 5, 4);      // mid-test
    (void)reused.next_item(&counts);  // an item on offer
    reused.restart(2);
    Session fresh(design, 2);
    same(reused, fresh);
    run(reused, -0.5, 6, -1);    // to its end
    run(fresh, -0.5, 6, -1);
    REQUIRE(fresh.finished());
    same(reused, fresh);
    reused.restart(3);           // from a finished test
    Session third(design, 3);
    run(reused, 1.5, 7, -1);
    run(third, 1.5, 7, -1);
    same(reused, third);
    CHECK(reused.history().size() == third.history().size());
  }
}
