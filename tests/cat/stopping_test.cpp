// The stopping rules (src/cat/stopping.cpp) as sessions apply them.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "cat/session_support.hpp"
#include "irtcat/battery_session.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"

using namespace irtcat;
using namespace irtcat::testing;

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

TEST_CASE("stopping: the information target stops at the first step where no eligible item reaches it") {
  // Whatever finds the greatest remaining information (the rule's MFI search, a search built for the stopping
  // rule under another rule, a pass over a bank with polytomous items), the session stops exactly when the
  // greatest information at the estimate among the items not yet given falls below the target.
  struct Case {
    Model model;
    SelectionRule rule;
  };
  for (const Case& c : {Case{Model::three_pl, SelectionRule::mfi}, Case{Model::three_pl, SelectionRule::kl},
                        Case{Model::two_pl, SelectionRule::closest}, Case{Model::grm, SelectionRule::mfi},
                        Case{Model::gpcm, SelectionRule::mpwi}}) {
    CAPTURE(to_string(c.model));
    CAPTURE(to_string(c.rule));
    SessionConfig config = config_with(c.rule, Estimator::eap, 60);
    config.stopping.information_target = c.model == Model::grm || c.model == Model::gpcm ? 0.8 : 0.35;
    const auto design = std::make_shared<const TestDesign>(bank_of(c.model, 70, 13), config);
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      Session session(design, seed);
      std::mt19937_64 rng(seed + 100);
      const auto greatest_left = [&] {
        const Eigen::ArrayXd information = design->bank().information(session.estimate().theta);
        std::vector<char> given(design->bank().size(), 0);
        for (const Response& response : session.responses()) given[response.item.value] = 1;
        double greatest = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < given.size(); ++i) {
          if (!given[i]) greatest = std::max(greatest, information(static_cast<Eigen::Index>(i)));
        }
        return greatest;
      };
      while (const auto item = session.next_item()) {
        CHECK(greatest_left() >= *config.stopping.information_target);
        session.record(*item, draw_response(design->bank().item(*item), 2.5, 1.0, rng));
      }
      REQUIRE(session.stop_reason() == StopReason::information_target);
      CHECK(greatest_left() < *config.stopping.information_target);
    }
  }
}

TEST_CASE("stopping: method and combine names round-trip, others throw") {
  for (auto method : {ClassificationRule::Method::confidence_interval, ClassificationRule::Method::sprt}) {
    CHECK(classification_method_from_string(to_string(method)) == method);
  }
  for (auto combine : {StoppingOptions::Combine::any, StoppingOptions::Combine::all}) {
    CHECK(stopping_combine_from_string(to_string(combine)) == combine);
  }
  CHECK_THROWS_AS(classification_method_from_string("SPRT2"), InvalidArgument);
  CHECK_THROWS_AS(stopping_combine_from_string(""), InvalidArgument);
  // A name read from a file is quoted with its line breaks escaped: the message stays one line (found by fuzzing).
  const auto message_of = [](auto&& call) {
    try {
      call();
    } catch (const InvalidArgument& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  for (const std::string& message : {message_of([] { (void)stopping_combine_from_string("\ny"); }),
                                     message_of([] { (void)classification_method_from_string("s\rprt"); }),
                                     message_of([] { (void)battery_criterion_from_string("d\n"); })}) {
    CAPTURE(message);
    CHECK(message.find("unknown") != std::string::npos);
    CHECK(message.find_first_of("\r\n") == std::string::npos);
  }
}
