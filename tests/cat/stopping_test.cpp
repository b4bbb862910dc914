// The stopping rules (src/cat/stopping.cpp) as sessions apply them.
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

TEST_CASE("stopping: method and combine names round-trip, others throw") {
  for (auto method : {ClassificationRule::Method::confidence_interval, ClassificationRule::Method::sprt}) {
    CHECK(classification_method_from_string(to_string(method)) == method);
  }
  for (auto combine : {StoppingOptions::Combine::any, StoppingOptions::Combine::all}) {
    CHECK(stopping_combine_from_string(to_string(combine)) == combine);
  }
  CHECK_THROWS_AS(classification_method_from_string("SPRT2"), InvalidArgument);
  CHECK_THROWS_AS(stopping_combine_from_string(""), InvalidArgument);
}
