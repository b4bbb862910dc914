#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "irtcat/simulation.hpp"
#include "irtcat/study_report.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

// A one-bank study small enough for the sanitizer runs: `candidates` simulees from N(0, 1) through MFI + EAP.
struct SmallStudy {
  SessionConfig config;
  std::vector<DomainDesign> designs;
  std::vector<SimulatedCandidate> candidates;
  std::vector<CandidateOutcome> outcomes;
  StudySummary summary;

  /// The study's report without roles, with the settings the CLI would write (an ad-hoc design, seed 8, N(0, 1)
  /// candidates). It refers to this study's members: keep the study alive while the report is in use.
  StudyReport report(bool topics_balanced) const {
    return {designs, candidates, outcomes, summary, nullptr, "small",
            study_settings("ad hoc", config, 8, candidates.size(), "normal", topics_balanced), {}};
  }
};

SmallStudy small_study(int candidates, int max_length, std::optional<double> se_target = std::nullopt) {
  SmallStudy study;
  study.config.stopping.max_length = max_length;
  study.config.stopping.se_target = se_target;
  study.config.exposure.method = ExposureMethod::randomesque;
  study.config.exposure.randomesque_count = 3;
  auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 60, 4));
  study.designs = {{"bank", std::make_shared<const TestDesign>(bank, study.config)}};
  study.candidates = draw_candidates(Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1),
                                     Eigen::MatrixXd::Identity(1, 1), candidates, 21);
  StudyOptions options;
  options.seed = 8;
  options.threads = 1;
  study.outcomes = run_study(study.designs, study.candidates, nullptr, options);
  study.summary = summarize(study.designs, study.candidates, study.outcomes, nullptr);
  return study;
}

}  // namespace

TEST_CASE("study report: a conditional bin's standard errors are those of its candidates' errors") {
  const SmallStudy study = small_study(80, 8);
  int checked = 0;
  for (const ConditionalStatistics& bin : study.summary.domains.front().conditional) {
    std::vector<double> errors;
    for (std::size_t c = 0; c < study.candidates.size(); ++c) {
      const double truth = study.candidates[c].theta(0);
      const bool inside = (truth >= bin.lower || bin.lower == -3.0) && (truth < bin.upper || bin.upper == 3.0);
      if (inside) errors.push_back(study.outcomes[c].domains[0].estimate.theta - truth);
    }
    REQUIRE(static_cast<int>(errors.size()) == bin.count);
    if (bin.count < 2) {
      CHECK(bin.bias_se == 0.0);
      CHECK(bin.rmse_se == 0.0);
      continue;
    }
    const double n = static_cast<double>(errors.size());
    double mean = 0, mse = 0;
    for (double e : errors) mean += e / n, mse += e * e / n;
    double variance = 0, variance_of_squares = 0;
    for (double e : errors) variance += (e - mean) * (e - mean) / (n - 1), variance_of_squares += (e * e - mse) * (e * e - mse) / (n - 1);
    CHECK(bin.bias == doctest::Approx(mean));
    CHECK(bin.rmse == doctest::Approx(std::sqrt(mse)));
    CHECK(bin.bias_se == doctest::Approx(std::sqrt(variance / n)));
    CHECK(bin.rmse_se == doctest::Approx(std::sqrt(variance_of_squares / n) / (2 * std::sqrt(mse))));
    ++checked;
  }
  CHECK(checked >= 4);
}

TEST_CASE("study report: study.json types its settings, keys exposure by item id and writes null for empty bins") {
  const SmallStudy study = small_study(30, 6);
  const StudyReport report = study.report(false);
  std::ostringstream out;
  write_study_json(out, report);
  const auto json = nlohmann::ordered_json::parse(out.str());  // keeps the file's key order
  CHECK(json["format"] == "irtcat.study");
  CHECK(json["version"] == 2);

  const auto& settings = json["settings"];
  std::vector<std::string> keys;
  for (const auto& [key, value] : settings.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"design", "candidates", "population", "rule", "estimator", "max_length", "min_length",
                                         "se_target", "exposure", "randomesque_count", "max_rate", "topics_balanced",
                                         "seed"});
  CHECK(settings["candidates"] == 30);
  CHECK(settings["max_length"].is_number_unsigned());
  CHECK(settings["max_length"] == 6);
  CHECK(settings["se_target"].is_null());
  CHECK(settings["randomesque_count"] == 3);
  CHECK(settings["max_rate"].is_null());  // randomesque has no rate
  CHECK(settings["topics_balanced"] == false);
  CHECK(settings["rule"] == "mfi");
  CHECK(settings["estimator"] == "eap");

  const auto& domain = json["domains"][0];
  const ItemBank& bank = study.designs[0].design->bank();
  REQUIRE(domain["exposure_rates"].is_object());
  CHECK(domain["exposure_rates"].size() == bank.size());
  CHECK(domain["exposure_rates"][bank.items()[0].id().str()] == doctest::Approx(study.summary.domains[0].exposure_rates[0]));
  CHECK(domain["level_accuracy"].is_null());  // no catalog, no levels
  int empty = 0;
  for (const auto& bin : domain["conditional"]) {
    if (bin["count"] == 0) {
      ++empty;
      CHECK(bin["bias"].is_null());
      CHECK(bin["rmse"].is_null());
      CHECK(bin["mean_se"].is_null());
    } else {
      CHECK(bin["rmse"].is_number());
    }
    if (bin["count"].get<int>() < 2) CHECK(bin["bias_se"].is_null());
  }
  CHECK(empty > 0);  // 30 candidates from N(0, 1) leave end bins empty
  CHECK(json["roles"].is_null());
}

TEST_CASE("study report: the HTML report has round ticks, titles above charts and a length histogram that fits") {
  SUBCASE("one length: one labelled bar") {
    const SmallStudy study = small_study(20, 5);
    const StudyReport report = study.report(true);
    std::ostringstream out;
    write_study_html(out, report);
    const std::string html = out.str();
    CHECK(html.find("took 5-item tests") != std::string::npos);
    CHECK(html.find("5 items: every candidate") != std::string::npos);
    CHECK(html.find("table below") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    // Every figure starts with its title, above its drawing.
    std::size_t figures = 0;
    for (std::size_t at = html.find("<figure"); at != std::string::npos; at = html.find("<figure", at + 1)) {
      ++figures;
      CHECK(html.compare(html.find('>', at) + 1, 12, "<figcaption>") == 0);
    }
    CHECK(figures >= 4);
    // Conditional axes step by 1 from −3 to 3; no long fractions anywhere a person reads.
    CHECK(html.find(">-3</text>") != std::string::npos);
    CHECK(html.find(">1</text>") != std::string::npos);
    CHECK(html.find("18.64") == std::string::npos);
  }
  SUBCASE("variable length: integer-wide bins, one panel per domain") {
    const SmallStudy study = small_study(20, 12, 0.45);
    int lengths = 0;
    for (int count : study.summary.domains[0].length_counts) lengths += count > 0;
    REQUIRE(lengths > 1);
    const StudyReport report{study.designs, study.candidates, study.outcomes, study.summary, nullptr, "small", {}, {}};
    std::ostringstream out;
    write_study_html(out, report);
    CHECK(out.str().find("Bars are 1 item wide") != std::string::npos);
    CHECK(out.str().find("bank: mean ") != std::string::npos);
  }
}
