#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "cat/session_support.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"
#include "test_support.hpp"

using namespace irtcat;
using namespace irtcat::testing;

TEST_CASE("session json: a configuration reads back as written, classification and combine mode included") {
  SessionConfig config;
  config.stopping.classification = ClassificationRule{};
  config.stopping.classification->method = ClassificationRule::Method::sprt;
  config.stopping.combine = StoppingOptions::Combine::all;
  const SessionConfig back = session_config_from_json(to_json(config));
  REQUIRE(back.stopping.classification);
  CHECK(back.stopping.classification->method == ClassificationRule::Method::sprt);
  CHECK(back.stopping.combine == StoppingOptions::Combine::all);
  CHECK(to_json(back) == to_json(config));
}

TEST_CASE("session json: an unknown classification method or combine mode is an error, not a default") {
  SessionConfig config;
  config.stopping.classification = ClassificationRule{};
  const std::string json = to_json(config);
  CHECK_THROWS_AS(session_config_from_json(replaced_first(json, "\"confidence_interval\"", "\"bayes\"")),
                  InvalidArgument);
  CHECK_THROWS_AS(session_config_from_json(replaced_first(json, "\"combine\":\"any\"", "\"combine\":\"most\"")),
                  InvalidArgument);
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
  for (const auto& named : cases) {
    const std::string& name = named.first;  // named, not bound: clang 14 cannot capture a structured binding
    const SessionConfig& config = named.second;
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

TEST_CASE("session json: a progressive-restricted session offers again the item it offered when it was saved") {
  // The choice read exposure counts that the log does not hold. Saved with an item on offer, then restored when
  // that item has passed the rate: a new choice would pass it over, the restored session offers it all the same.
  SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 8);
  config.exposure.method = ExposureMethod::progressive_restricted;
  config.exposure.max_rate = 0.2;
  const auto design = std::make_shared<const TestDesign>(bank_of(Model::two_pl, 40, 3), config);
  ExposureCounts counts(40);
  for (int t = 0; t < 10; ++t) counts.record_test();
  Session session(design, 7);
  std::mt19937_64 rng(1);
  for (int step = 0; step < 3; ++step) {
    const auto item = session.next_item(&counts);
    session.record(*item, draw_response(design->bank().item(*item), 0.0, 1.0, rng));
  }
  const ItemIndex offered = *session.next_item(&counts);
  const std::string saved = session.to_json();
  const std::string id = design->bank().item(offered).id().str();
  CHECK(saved.find("\"offered\":\"" + id + "\"") != std::string::npos);

  ExposureCounts later(40);
  for (int t = 0; t < 10; ++t) {
    later.record_item(offered);
    later.record_test();
  }
  const std::string without = replaced_first(saved, ",\"offered\":\"" + id + "\"", "");
  Session chosen_again = Session::from_json(design, without);
  CHECK(chosen_again.next_item(&later) != offered);
  Session restored = Session::from_json(design, saved);
  CHECK(restored.next_item(&later) == offered);
  CHECK(restored.to_json() == saved);

  // An item on offer that the test may not give (answered already), or that is not in the bank, is refused.
  const std::string answered = design->bank().item(session.responses().front().item).id().str();
  CHECK_THROWS_AS(Session::from_json(design, replaced_first(saved, "\"offered\":\"" + id, "\"offered\":\"" + answered)),
                  SessionError);
  CHECK_THROWS_AS(Session::from_json(design, replaced_first(saved, "\"offered\":\"" + id, "\"offered\":\"nonesuch")),
                  SessionError);

  // Where the log decides the choice, an offered item must be the design's choice.
  const auto plain = std::make_shared<const TestDesign>(bank_of(Model::two_pl, 40, 3), config_with(SelectionRule::mfi));
  Session other(plain, 7);
  other.record(*other.next_item(), 1);
  const std::string next = plain->bank().item(*other.next_item()).id().str();
  std::string document = other.to_json();
  CHECK(document.find("offered") == std::string::npos);
  document.insert(document.size() - 1, ",\"offered\":\"" + next + "\"");
  CHECK(Session::from_json(plain, document).next_item() == other.next_item());
  const std::string offers_answered =
      replaced_first(document, "\"offered\":\"" + next, "\"offered\":\"" + answered);
  CHECK_THROWS_AS(Session::from_json(plain, offers_answered), SessionError);
}

TEST_CASE("session json: the item-eligibility draw is kept: a restored session has the same ineligible items") {
  // The draw at the start read exposure counts; restored with other counts (or none), the stored draw stands and
  // the session continues exactly, ineligible items never offered.
  SessionConfig config = config_with(SelectionRule::mfi, Estimator::eap, 8);
  config.exposure.method = ExposureMethod::item_eligibility;
  config.exposure.max_rate = 0.2;
  const auto design = std::make_shared<const TestDesign>(bank_of(Model::two_pl, 40, 3), config);
  ExposureCounts counts(40);
  for (std::size_t i = 0; i < 40; ++i) {
    for (int t = 0; t < 10; ++t) {
      counts.record_eligible(ItemIndex{i});
      if (i % 2 == 0) counts.record_item(ItemIndex{i});  // the even items given in every test: P(E) = 0.2
    }
  }
  for (int t = 0; t < 10; ++t) counts.record_test();
  CHECK(counts.eligibility(ItemIndex{0}, 0.2) == doctest::Approx(0.2));
  CHECK(counts.eligibility(ItemIndex{1}, 0.2) == 1.0);  // never given: always eligible

  Session session(design, 11);
  std::mt19937_64 rng(2);
  auto item = session.next_item(&counts);
  REQUIRE(session.set_aside().size() == 40);
  int ineligible = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    ineligible += session.set_aside()[i];
    if (i % 2 == 1) CHECK(session.set_aside()[i] == 0);
  }
  CHECK(ineligible > 8);  // about 16 of the 20 even items
  for (int step = 0; step < 3; ++step) {
    session.record(*item, draw_response(design->bank().item(*item), 0.5, 1.0, rng));
    item = session.next_item(&counts);
  }
  const std::string saved = session.to_json();
  CHECK(saved.find("\"ineligible\":[") != std::string::npos);
  Session restored = Session::from_json(design, saved);
  CHECK(restored.set_aside() == session.set_aside());
  CHECK(restored.to_json() == saved);
  while (const auto next = session.next_item(&counts)) {
    REQUIRE(restored.next_item() == next);
    CHECK(!session.set_aside()[next->value]);
    const int response = draw_response(design->bank().item(*next), 0.5, 1.0, rng);
    session.record(*next, response);
    restored.record(*next, response);
  }
  CHECK(restored.finished());
  // Ineligible items stored for a method that draws none are refused.
  const auto plain = std::make_shared<const TestDesign>(bank_of(Model::two_pl, 40, 3), config_with(SelectionRule::mfi));
  std::string other = Session(plain, 1).to_json();
  other.insert(other.size() - 1, ",\"ineligible\":[\"i0\"]");
  CHECK_THROWS_AS(Session::from_json(plain, other), SessionError);
}
