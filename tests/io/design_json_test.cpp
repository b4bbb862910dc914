// Design files (src/io/design_json.cpp, docs/designs.md): a partial configuration laid over the defaults, the errors
// that name what is wrong, and the round trip of a written design.

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "irtcat/design_json.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"

using namespace irtcat;

namespace {

DesignDocument read_text(const std::string& text) {
  std::istringstream in(text);
  return read_design_json(in, "d.json");
}

// A design file around `config` (a JSON object's text).
std::string design_with(const std::string& config) {
  return R"({"format": "irtcat.design", "version": 1, "name": "d", "config": )" + config + "}";
}

// The DataError a design file raises.
DataError error_of(const std::string& text) {
  try {
    read_text(text);
  } catch (const DataError& error) {
    return error;
  }
  FAIL("no DataError for " << text);
  return DataError("", 0, "", "");
}

}  // namespace

TEST_CASE("design json: a partial configuration changes what it names and keeps every other default") {
  const DesignDocument design = read_text(
      R"({"format": "irtcat.design", "version": 1, "name": "short-map", "description": "for a try",
          "config": {"estimation": {"estimator": "map"}, "stopping": {"max_length": 12, "se_target": 0.35}}})");
  CHECK(design.name == "short-map");
  CHECK(design.description == "for a try");
  CHECK(design.balance_topics == false);  // absent: off
  SessionConfig expected;
  expected.estimation.estimator = Estimator::map;
  expected.stopping.max_length = 12;
  expected.stopping.se_target = 0.35;
  CHECK(to_json(design.config) == to_json(expected));

  SUBCASE("an empty configuration is the defaults") {
    CHECK(to_json(read_text(design_with("{}")).config) == to_json(SessionConfig{}));
  }
  SUBCASE("a prior is replaced as a whole, not merged with the default normal prior") {
    const DesignDocument uniform =
        read_text(design_with(R"({"estimation": {"prior": {"type": "uniform", "lower": -3, "upper": 3}}})"));
    const auto* prior = std::get_if<UniformPrior>(&uniform.config.estimation.prior);
    REQUIRE(prior != nullptr);
    CHECK(prior->lower == -3);
    CHECK(prior->upper == 3);
  }
}

TEST_CASE("design json: an unknown key is a DataError naming its path") {
  SUBCASE("in the configuration") {
    const DataError error = error_of(design_with(R"({"stopping": {"max_lenght": 12}})"));
    CHECK(error.file() == "d.json");
    CHECK(error.json_path() == "config.stopping.max_lenght");
    CHECK(std::string(error.what()).find("config.stopping.max_lenght") != std::string::npos);
    CHECK(std::string(error.what()).find("unknown setting") != std::string::npos);
  }
  SUBCASE("a whole section") {
    CHECK(error_of(design_with(R"({"scoring": {}})")).json_path() == "config.scoring");
  }
  SUBCASE("beside the configuration") {
    const DataError error = error_of(
        R"({"format": "irtcat.design", "version": 1, "name": "d", "colour": "blue", "config": {}})");
    CHECK(error.json_path() == "colour");
    CHECK(std::string(error.what()).find("unknown member") != std::string::npos);
  }
  SUBCASE("a member whose name holds a line break, named escaped on one line (found by fuzz_latent_json)") {
    const DataError error = error_of(
        R"({"format": "irtcat.design", "version": 1, "name": "d", "col\rour": "blue", "config": {}})");
    CHECK(error.json_path() == "col\rour");
    CHECK(std::string(error.what()).find("at col\\rour: unknown member") != std::string::npos);
    CHECK(std::string(error.what()).find('\r') == std::string::npos);
  }
  SUBCASE("and the other refusals name their value") {
    const DataError format = error_of(R"({"format": "irtcat.bank", "version": 1, "name": "d", "config": {}})");
    CHECK(format.json_path() == "format");
    CHECK(std::string(format.what()).find(R"(expected "irtcat.design")") != std::string::npos);
    const DataError version = error_of(R"({"format": "irtcat.design", "version": 2, "name": "d", "config": {}})");
    CHECK(version.json_path() == "version");
    CHECK(std::string(version.what()).find("reads design format version 1") != std::string::npos);
    CHECK(error_of(R"({"format": "irtcat.design", "version": 1, "config": {}})").json_path() == "name");
    CHECK(error_of(R"({"format": "irtcat.design", "version": 1, "name": "a b", "config": {}})").json_path() == "name");
    CHECK(error_of(R"({"format": "irtcat.design", "version": 1, "name": "d"})").json_path() == "config");
    CHECK(error_of(design_with(R"({"stopping": 12})")).json_path() == "config.stopping");
    CHECK(error_of("[1, 2]").json_path().empty());
  }
  SUBCASE("a stopping rule that cannot hold on any bank") {
    CHECK_THROWS_AS(read_text(design_with(R"({"stopping": {"max_length": 0}})")), InvalidArgument);
  }
}

TEST_CASE("design json: a written design reads back as the same design") {
  DesignDocument design;
  design.name = "everything.v2";
  design.description = "every part changed from the defaults";
  design.balance_topics = true;
  SessionConfig& config = design.config;
  config.selection.rule = SelectionRule::klp;
  config.estimation.estimator = Estimator::map;
  config.estimation.prior = UniformPrior{-3.0, 3.5};
  config.estimation.bounds = {-5.0, 5.0};
  config.estimation.grid = {-5.0, 5.0, 41};
  config.exposure.method = ExposureMethod::conditional_sympson_hetter;
  config.exposure.theta_cuts = {-1.0, 1.0};
  config.exposure.sympson_hetter = {1.0, 0.5, 0.25, 1.0, 0.75, 0.1};
  config.exposure.max_rate = 0.2;
  config.content.topics["algebra"] = {1, 4, 0.5};
  config.content.enemies = {{ItemId("a1"), ItemId("a2")}};
  config.start.theta = -0.5;
  config.start.random_among = 3;
  config.stopping.max_length = 15;
  config.stopping.min_length = 5;
  config.stopping.information_target = 0.2;
  ClassificationRule rule;
  rule.cut = 0.7;
  rule.method = ClassificationRule::Method::sprt;
  config.stopping.classification = rule;
  config.stopping.combine = StoppingOptions::Combine::all;

  std::ostringstream written;
  write_design_json(written, design);
  const DesignDocument read = read_text(written.str());
  CHECK(read.name == design.name);
  CHECK(read.description == design.description);
  CHECK(read.balance_topics == design.balance_topics);
  CHECK(to_json(read.config) == to_json(design.config));
  // Written again, the same text: nothing is lost or reordered.
  std::ostringstream again;
  write_design_json(again, read);
  CHECK(again.str() == written.str());
  CHECK(written.str().starts_with("{\n  \"format\": \"irtcat.design\",\n  \"version\": 1,"));
}
