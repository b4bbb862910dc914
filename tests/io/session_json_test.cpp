#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "irtcat/error.hpp"
#include "irtcat/session.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

// `json` with the first occurrence of `from` replaced by `to` (which must be there).
std::string replaced(std::string json, const std::string& from, const std::string& to) {
  const auto at = json.find(from);
  REQUIRE(at != std::string::npos);
  return json.replace(at, from.size(), to);
}

}  // namespace

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
  CHECK_THROWS_AS(session_config_from_json(replaced(json, "\"confidence_interval\"", "\"bayes\"")), InvalidArgument);
  CHECK_THROWS_AS(session_config_from_json(replaced(json, "\"combine\":\"any\"", "\"combine\":\"most\"")),
                  InvalidArgument);
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
