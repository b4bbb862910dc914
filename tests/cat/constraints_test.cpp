// Content constraints (src/cat/constraints.cpp) as sessions apply them.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>

#include "cat/session_support.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"

using namespace irtcat;
using namespace irtcat::testing;

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

TEST_CASE("session: topic minimums hold under every stopping rule, the early stops waiting for them") {
  // 2,000 tests per stopping rule on a 90-item bank whose topics cycle algebra, geometry, statistics; geometry
  // needs 4 items and statistics 3. An SE, information or classification stop that comes before a minimum is met
  // waits for it (offering only the topics still short), so no test ends short, and none runs past its length.
  const auto bank = bank_of(Model::two_pl, 90, 31);
  SessionConfig base = config_with(SelectionRule::mfi, Estimator::eap, 20);
  base.content.topics["geometry"] = {4, 20, 0.0};
  base.content.topics["statistics"] = {3, 20, 0.0};
  std::vector<std::pair<std::string, SessionConfig>> rules;
  rules.emplace_back("length", base);
  rules.back().second.stopping.max_length = 8;
  rules.emplace_back("se", base);
  rules.back().second.stopping.se_target = 0.45;
  rules.emplace_back("information", base);
  rules.back().second.stopping.information_target = 0.6;
  rules.emplace_back("classification", base);
  rules.back().second.stopping.classification = ClassificationRule{};
#ifdef __SANITIZE_ADDRESS__
  constexpr int kTests = 400;
#else
  constexpr int kTests = 2000;
#endif
  for (const auto& rule : rules) {
    const std::string& name = rule.first;  // named, not bound: clang 14's CAPTURE cannot take a structured binding
    const SessionConfig& config = rule.second;
    CAPTURE(name);
    const auto design = std::make_shared<const TestDesign>(bank, config);
    std::mt19937_64 abilities(5);
    std::normal_distribution<double> population(0.0, 1.0);
    int violations = 0, early = 0;
    for (int t = 0; t < kTests; ++t) {
      Session session(design, static_cast<std::uint64_t>(t));
      const auto items = run_to_end(session, population(abilities), static_cast<std::uint64_t>(t) + 900);
      std::map<std::string, int> count;
      for (std::size_t item : items) ++count[bank->metadata(ItemIndex{item}).topic];
      violations += count["geometry"] < 4 || count["statistics"] < 3 ||
                    static_cast<int>(items.size()) > config.stopping.max_length;
      early += session.stop_reason() != StopReason::max_length;
    }
    CHECK(violations == 0);
    if (name != "length") CHECK(early > kTests / 2);  // the rule does end tests before their length
  }
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
