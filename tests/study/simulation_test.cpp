#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>

#include "irtcat/battery_files.hpp"
#include "irtcat/error.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/simulation.hpp"
#include "irtcat/study_report.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

std::shared_ptr<const TestDesign> design_of(int length, std::uint64_t seed, SelectionRule rule = SelectionRule::mfi) {
  SessionConfig config;
  config.selection.rule = rule;
  config.stopping.max_length = length;
  return std::make_shared<const TestDesign>(std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 150, seed)), config);
}

std::vector<SimulatedCandidate> one_domain_candidates(int count, std::uint64_t seed) {
  return draw_candidates(Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1), Eigen::MatrixXd::Identity(1, 1), count, seed);
}

// `simulees` simulees through 20-item MFI + EAP tests on a 200-item 3PL bank under `method` at rate 0.25, on one
// thread and on two: the exposure-control studies' setting.
struct ExposureStudy {
  std::shared_ptr<const ItemBank> bank;
  std::vector<CandidateOutcome> serial, parallel;
};
ExposureStudy exposure_study(ExposureMethod method, int simulees) {
  SessionConfig config;
  config.stopping.max_length = 20;
  config.exposure.method = method;
  config.exposure.max_rate = 0.25;
  ExposureStudy study{std::make_shared<const ItemBank>(testing::spread_bank(Model::three_pl, 200, 41)), {}, {}};
  const std::vector<DomainDesign> designs{{"x", std::make_shared<const TestDesign>(study.bank, config)}};
  const auto candidates = one_domain_candidates(simulees, 8);
  StudyOptions options;
  options.seed = 4;
  options.threads = 1;
  study.serial = run_study(designs, candidates, nullptr, options);
  options.threads = 2;
  study.parallel = run_study(designs, candidates, nullptr, options);
  return study;
}

}  // namespace

TEST_CASE("simulation: correlated candidates have the asked-for moments") {
  Eigen::MatrixXd correlation(3, 3);
  correlation << 1, 0.6, 0.2, 0.6, 1, 0.4, 0.2, 0.4, 1;
  const Eigen::Vector3d mean(0.5, -1.0, 0.0);
  const Eigen::Vector3d sd(1.0, 0.5, 2.0);
  const auto candidates = draw_candidates(mean, sd, correlation, 20000, 4);
  Eigen::MatrixXd data(20000, 3);
  for (int c = 0; c < 20000; ++c) data.row(c) = candidates[static_cast<std::size_t>(c)].theta.transpose();
  const Eigen::RowVectorXd sample_mean = data.colwise().mean();
  const Eigen::MatrixXd centred = data.rowwise() - sample_mean;
  const Eigen::MatrixXd covariance = centred.transpose() * centred / 19999.0;
  // Standard errors with 20,000 draws: a mean ≈ sd/141, a correlation ≈ 0.007; bounds of 4 SE.
  for (int k = 0; k < 3; ++k) CHECK(std::abs(sample_mean(k) - mean(k)) < 4 * sd(k) / 141);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < i; ++j) {
      const double r = covariance(i, j) / std::sqrt(covariance(i, i) * covariance(j, j));
      CHECK(std::abs(r - correlation(i, j)) < 0.03);
    }
    CHECK(std::sqrt(covariance(i, i)) == doctest::Approx(sd(i)).epsilon(0.03));
  }
  CHECK_THROWS_AS(draw_candidates(mean, sd, Eigen::MatrixXd::Identity(2, 2), 1, 1), InvalidArgument);
  Eigen::MatrixXd singular = Eigen::MatrixXd::Ones(3, 3);
  CHECK_THROWS_AS(draw_candidates(mean, sd, singular, 1, 1), InvalidArgument);
}

TEST_CASE("simulation: RMSE falls as the test grows, EAP is unbiased mid-scale on long tests") {
  const auto candidates = one_domain_candidates(600, 9);
  StudyOptions options;
  options.seed = 3;
  double previous = 10;
  for (int length : {5, 15, 40}) {
    const std::vector<DomainDesign> designs = {{"bank", design_of(length, 5)}};
    const auto outcomes = run_study(designs, candidates, nullptr, options);
    const StudySummary summary = summarize(designs, candidates, outcomes, nullptr);
    const DomainStatistics& stats = summary.domains.front();
    CAPTURE(length);
    CHECK(stats.rmse < previous);
    previous = stats.rmse;
    CHECK(stats.mean_length == doctest::Approx(length));
    if (length == 40) {
      // Bins −1..1 hold ~400 candidates with SE ≈ 0.25: a bin's bias has SE ≈ 0.03; |bias| < 0.12 is 4 SE.
      for (const ConditionalStatistics& bin : stats.conditional) {
        if (bin.lower >= -1.0 && bin.upper <= 1.0 && bin.count > 50) CHECK(std::abs(bin.bias) < 0.12);
      }
      CHECK(stats.rmse / stats.mean_se == doctest::Approx(1.0).epsilon(0.15));
    }
  }
}

TEST_CASE("simulation: the same seed gives the same study on 1 and 2 threads") {
  const std::vector<DomainDesign> designs = {{"a", design_of(10, 6, SelectionRule::klp)}, {"b", design_of(8, 7)}};
  Eigen::MatrixXd correlation(2, 2);
  correlation << 1, 0.5, 0.5, 1;
  const auto candidates = draw_candidates(Eigen::VectorXd::Zero(2), Eigen::VectorXd::Ones(2), correlation, 150, 2);
  StudyOptions one;
  one.threads = 1;
  one.seed = 77;
  StudyOptions two = one;
  two.threads = 2;
  const auto a = run_study(designs, candidates, nullptr, one);
  const auto b = run_study(designs, candidates, nullptr, two);
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    for (std::size_t d = 0; d < 2; ++d) {
      CHECK(a[c].domains[d].items == b[c].domains[d].items);
      CHECK(a[c].domains[d].estimate.theta == b[c].domains[d].estimate.theta);
    }
  }
}

TEST_CASE("simulation: a study handed to a sink gives every outcome once, in order, as the kept form does") {
  // More candidates than two waves (kStudyWave), so that the sink takes waves while later ones run.
  const std::vector<DomainDesign> designs = {{"a", design_of(3, 6)}};
  const auto candidates = one_domain_candidates(static_cast<int>(2 * kStudyWave + 37), 5);
  StudyOptions options;
  options.seed = 9;
  options.threads = 1;
  const auto kept = run_study(designs, candidates, nullptr, options);
  for (const unsigned threads : {1u, 3u}) {
    CAPTURE(threads);
    options.threads = threads;
    std::vector<CandidateOutcome> handed;
    run_study(designs, candidates, nullptr, options, [&](std::size_t index, CandidateOutcome&& outcome) {
      REQUIRE(index == handed.size());
      handed.push_back(std::move(outcome));
    });
    REQUIRE(handed.size() == kept.size());
    for (std::size_t c = 0; c < kept.size(); ++c) {
      CHECK(handed[c].domains[0].items == kept[c].domains[0].items);
      CHECK(handed[c].domains[0].estimate.theta == kept[c].domains[0].estimate.theta);
    }
    // A sink that fails stops the study: its error comes back once the running wave has stopped.
    std::size_t calls = 0;
    CHECK_THROWS_AS(run_study(designs, candidates, nullptr, options,
                              [&](std::size_t index, CandidateOutcome&&) {
                                ++calls;
                                if (index == 5) throw InvalidArgument("sink full");
                              }),
                    InvalidArgument);
    CHECK(calls == 6);
  }
}

TEST_CASE("simulation: a study handed to a sink from a stream of candidates is the vector's, read a wave ahead") {
  // More waves than the three the stream holds (the one going to the sink, the one running and the one being read),
  // with the study's long waves and with the exposure counts' short ones.
  for (const bool counted : {false, true}) {
    CAPTURE(counted);
    SessionConfig config;
    config.stopping.max_length = 3;
    if (counted) {
      config.exposure.method = ExposureMethod::progressive_restricted;
      config.exposure.max_rate = 0.3;
    }
    const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 150, 6));
    const std::vector<DomainDesign> designs = {{"a", std::make_shared<const TestDesign>(bank, config)}};
    const std::size_t wave = counted ? kExposureWave : kStudyWave;
    const auto candidates = one_domain_candidates(static_cast<int>(5 * wave + 3), 5);
    StudyOptions options;
    options.seed = 9;
    options.threads = 1;
    const auto kept = run_study(designs, candidates, nullptr, options);
    for (const unsigned threads : {1u, 3u}) {
      CAPTURE(threads);
      options.threads = threads;
      std::size_t read = 0;
      const CandidateStream stream{[&](SimulatedCandidate& next) {
                                     if (read == candidates.size()) return false;
                                     next = candidates[read++];
                                     return true;
                                   },
                                   candidates.size()};
      std::size_t handed = 0;
      run_study(designs, stream, nullptr, options,
                [&](std::size_t index, const SimulatedCandidate& candidate, CandidateOutcome&& outcome) {
                  REQUIRE(index == handed++);
                  CHECK(candidate.id == candidates[index].id);
                  CHECK(candidate.theta(0) == candidates[index].theta(0));
                  CHECK(outcome.domains[0].items == kept[index].domains[0].items);
                  CHECK(outcome.domains[0].estimate.theta == kept[index].domains[0].estimate.theta);
                  // The candidate's wave is done and the next one runs: the stream is read up to the wave after it.
                  CHECK(read <= (index / wave + 3) * wave);
                });
      CHECK(handed == candidates.size());
    }
  }
}

TEST_CASE("simulation: a stream of candidates that fails, or that a study cannot take") {
  const std::vector<DomainDesign> designs = {{"a", design_of(3, 6)}};
  const auto candidates = one_domain_candidates(static_cast<int>(2 * kStudyWave), 5);
  std::size_t read = 0;
  const auto from = [&](std::size_t fail_at) {
    read = 0;
    return CandidateStream{[&, fail_at](SimulatedCandidate& next) {
                             if (read == fail_at) throw DataError("thetas.csv", read + 2, "theta", "not a number");
                             if (read == candidates.size()) return false;
                             next = candidates[read++];
                             return true;
                           },
                           0};
  };
  StudyOptions options;
  std::size_t handed = 0;
  const CandidateSink count = [&](std::size_t, const SimulatedCandidate&, CandidateOutcome&&) { ++handed; };
  for (const unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    options.threads = threads;
    // The second wave is read while the first runs: its error comes back once the first has stopped.
    handed = 0;
    CHECK_THROWS_AS(run_study(designs, from(kStudyWave + 300), nullptr, options, count), DataError);
    CHECK(handed == 0);
    handed = 0;
    CHECK_THROWS_AS(run_study(designs, from(17), nullptr, options, count), DataError);
    CHECK(handed == 0);
  }
  // A candidate with two abilities for one domain; post-hoc matrices; no stream at all.
  const CandidateStream two_abilities{[done = false](SimulatedCandidate& next) mutable {
                                        if (done) return false;
                                        next = {"c", "p", Eigen::VectorXd::Zero(2)};
                                        return done = true;
                                      },
                                      1};
  CHECK_THROWS_AS(run_study(designs, two_abilities, nullptr, options, count), InvalidArgument);
  StudyOptions post_hoc;
  post_hoc.responses.emplace_back(2, 150);
  CHECK_THROWS_AS(run_study(designs, from(99999), nullptr, post_hoc, count), InvalidArgument);
  CHECK_THROWS_AS(run_study(designs, CandidateStream{}, nullptr, options, count), InvalidArgument);
}

TEST_CASE("simulation: outcomes refilled wave after wave are those of fresh ones") {
  // A sink that only reads leaves each outcome's storage to the candidate two waves later: tests of different lengths
  // (an SE stop), different items set aside (item eligibility) and paths must not carry anything over. The kept
  // form (whose sink moves every outcome away) and run_candidate build each outcome afresh.
  SessionConfig config;
  config.stopping.max_length = 25;
  config.stopping.min_length = 4;
  config.stopping.se_target = 0.45;
  config.exposure.method = ExposureMethod::item_eligibility;
  config.exposure.max_rate = 0.3;
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::three_pl, 120, 12));
  const std::vector<DomainDesign> designs = {{"a", std::make_shared<const TestDesign>(bank, config)}};
  const auto candidates = one_domain_candidates(5 * static_cast<int>(kExposureWave) + 3, 6);
  StudyOptions options;
  options.seed = 3;
  options.keep_paths = true;
  for (const unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    options.threads = threads;
    const auto kept = run_study(designs, candidates, nullptr, options);
    std::set<std::size_t> lengths, set_aside;
    std::size_t read = 0;
    run_study(designs, candidates, nullptr, options, [&](std::size_t index, CandidateOutcome&& outcome) {
      REQUIRE(outcome.domains.size() == 1);
      const DomainOutcome& got = outcome.domains[0];
      const DomainOutcome& want = kept[index].domains[0];
      CHECK(got.items == want.items);
      CHECK(got.set_aside == want.set_aside);
      CHECK(got.path == want.path);
      CHECK(got.estimate.theta == want.estimate.theta);
      CHECK(got.estimate.se == want.estimate.se);
      CHECK(got.stop_reason == want.stop_reason);
      CHECK(outcome.fit.empty());
      lengths.insert(got.items.size());
      set_aside.insert(got.set_aside.size());
      ++read;
    });
    CHECK(read == candidates.size());
    // The case is only a test if lengths and set-aside counts varied from candidate to candidate.
    CHECK(lengths.size() > 3);
    CHECK(set_aside.size() > 3);
  }
}

TEST_CASE("simulation: progressive-restricted keeps every item under its rate, the same on 1 and 2 threads") {
  // 2,000 simulees, 20-item MFI + EAP tests on a 200-item 3PL bank, at most 25 % exposure. The study updates the
  // counts between waves of kExposureWave candidates, so an item just under the rate can reach every candidate of
  // one wave: its final rate is at most 0.25 + kExposureWave / 2,000. Without the counts (the library's sessions
  // alone) only the random part applies, and the most used item reaches far more.
  const auto [bank, serial, parallel] = exposure_study(ExposureMethod::progressive_restricted, 2000);
  const auto highest_rate = [bank = bank](const std::vector<CandidateOutcome>& outcomes) {
    std::vector<int> given(bank->size(), 0);
    for (const CandidateOutcome& outcome : outcomes) {
      for (std::size_t item : outcome.domains[0].items) ++given[item];
    }
    return *std::max_element(given.begin(), given.end()) / static_cast<double>(outcomes.size());
  };
  const double highest = highest_rate(serial);
  CHECK(highest <= 0.25 + static_cast<double>(kExposureWave) / 2000.0);
  CHECK(highest > 0.2);  // the cap binds: the best items are used up to it
  CHECK(highest_rate(parallel) == highest);
  for (std::size_t i = 0; i < serial.size(); ++i) CHECK(serial[i].domains[0].items == parallel[i].domains[0].items);

  SessionConfig config;
  config.stopping.max_length = 20;
  config.exposure.method = ExposureMethod::progressive_restricted;
  const std::vector<DomainDesign> designs{{"x", std::make_shared<const TestDesign>(bank, config)}};
  const auto candidates = one_domain_candidates(2000, 8);
  StudyOptions options;
  options.seed = 4;
  std::vector<CandidateOutcome> uncounted;
  for (std::size_t i = 0; i < candidates.size(); ++i) uncounted.push_back(run_candidate(designs, candidates[i], i, nullptr, options));
  CHECK(highest_rate(uncounted) > 0.35);
}

TEST_CASE("simulation: the item-eligibility method brings the rates to the target without a simulation beforehand") {
  // van der Linden & Veldkamp (2004) on the bank above, 8,000 simulees. Each item is eligible in a test with
  // probability min(1, 0.25·ε/α), ε and α counted over all the tests before the current wave. The first wave has
  // every item eligible, and the counts lag: an item that grows popular as others turn ineligible keeps its old,
  // low α/ε (and so P(E) = 1) until its counts catch up. So the rates come down to the target as the tests
  // accumulate: the highest over the first 2,000 tests is above the highest over all 8,000, which is within 0.03.
  const ExposureStudy study = exposure_study(ExposureMethod::item_eligibility, 8000);
  const std::vector<CandidateOutcome>& serial = study.serial;
  const std::vector<CandidateOutcome>& parallel = study.parallel;
  std::vector<int> given(study.bank->size(), 0);
  double early = 0;
  int differing = 0, short_tests = 0, ineligible_given = 0;
  for (std::size_t i = 0; i < serial.size(); ++i) {
    const DomainOutcome& outcome = serial[i].domains[0];
    for (std::size_t item : outcome.items) ++given[item];
    if (i + 1 == 2000) early = *std::max_element(given.begin(), given.end()) / 2000.0;
    differing += outcome.items != parallel[i].domains[0].items;
    short_tests += outcome.items.size() != 20;
    for (std::size_t item : outcome.items) {
      ineligible_given += std::binary_search(outcome.set_aside.begin(), outcome.set_aside.end(), item);
    }
  }
  CHECK(differing == 0);         // the same study on 1 and 2 threads
  CHECK(short_tests == 0);       // the draw leaves enough eligible items
  CHECK(ineligible_given == 0);  // an ineligible item is never given
  const double highest = *std::max_element(given.begin(), given.end()) / 8000.0;
  MESSAGE("item eligibility: highest rate " << early << " over 2,000 tests, " << highest << " over 8,000");
  CHECK(highest <= 0.25 + 0.03);
  CHECK(highest < early);
  CHECK(highest >= 0.23);  // the most informative items are held near the target, not far below it
}

TEST_CASE("simulation: post-hoc answers come from the response matrix") {
  const auto design = design_of(6, 8);
  const auto candidates = one_domain_candidates(5, 10);
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> responses(5, 150);
  responses.setZero();
  responses.row(2).setOnes();
  StudyOptions options;
  options.responses.push_back(responses);
  const auto outcomes = run_study({{"bank", design}}, candidates, nullptr, options);
  CHECK(outcomes[2].domains[0].estimate.theta > 1.0);   // all correct
  CHECK(outcomes[0].domains[0].estimate.theta < -1.0);  // all wrong
  responses(3, static_cast<Eigen::Index>(outcomes[3].domains[0].items.front())) = -1;
  options.responses = {responses};
  CHECK_THROWS_AS(run_study({{"bank", design}}, candidates, nullptr, options), DataError);
}

TEST_CASE("simulation: candidates from a role's population fit that role best most of the time") {
  const RoleCatalog roles = read_role_catalog_file(std::string(IRTCAT_ITEM_BANKS) + "/roles.json");
  SessionConfig config;
  config.stopping.max_length = 40;  // long tests: precise enough that the profile, not the noise, decides
  const auto battery = battery_from_bank_files(IRTCAT_ITEM_BANKS, roles.domains, config, false);
  const auto candidates = draw_role_candidates(roles, 140, 12);
  StudyOptions options;
  options.seed = 5;
  const auto outcomes = run_study(battery, candidates, &roles, options);
  const StudySummary summary = summarize(battery, candidates, outcomes, &roles);
  CHECK(summary.best_role_matches > 0.5);
  CHECK(summary.role_fit_accuracy > 0.8);
  for (const DomainStatistics& stats : summary.domains) CHECK(stats.level_accuracy > 0.7);

  std::ostringstream csv;
  std::ostringstream json;
  std::ostringstream html;
  // The confusion matrix counts every candidate once, by drawn role and best-fitting role; its diagonal is the
  // best-role matches.
  REQUIRE(summary.role_confusion.size() == roles.roles.size());
  int counted = 0, diagonal = 0;
  for (std::size_t drawn = 0; drawn < roles.roles.size(); ++drawn) {
    REQUIRE(summary.role_confusion[drawn].size() == roles.roles.size());
    for (int count : summary.role_confusion[drawn]) counted += count;
    diagonal += summary.role_confusion[drawn][drawn];
    CHECK(std::accumulate(summary.role_confusion[drawn].begin(), summary.role_confusion[drawn].end(), 0) == 20);
  }
  CHECK(counted == 140);
  CHECK(summary.candidates_outside_roles == 0);
  CHECK(diagonal / 140.0 == doctest::Approx(summary.best_role_matches));

  const StudyReport report{battery, candidates, outcomes, summary, &roles, "test",
                           study_settings("ad hoc", config, 5, candidates.size(), "roles", false), {}};
  write_candidates_csv(csv, report);
  write_study_json(json, report);
  write_study_html(html, report);
  const std::string csv_text = csv.str();
  CHECK(std::count(csv_text.begin(), csv_text.end(), '\n') == 141);
  CHECK(csv_text.starts_with("id,population,mathematics_theta_true,"));
  CHECK(json.str().find("\"format\": \"irtcat.study\"") != std::string::npos);
  CHECK(html.str().find("<svg") != std::string::npos);
  CHECK(html.str().find("<script") == std::string::npos);  // self-contained, nothing to run
  CHECK(json.str().find("\"drawn_by_best_fit\"") != std::string::npos);
  // Role names on the role axis, the confusion matrix, no table the text cannot point to.
  const std::string page = html.str();
  const std::size_t axis = page.find("<g class=\"role-axis\">");
  REQUIRE(axis != std::string::npos);
  const std::string role_axis = page.substr(axis, page.find("</g>", axis) - axis);
  for (const RoleProfile& role : roles.roles) CHECK(role_axis.find(">" + role.title) != std::string::npos);
  CHECK(page.find("class=\"confusion\"") != std::string::npos);
  CHECK(page.find("table below") == std::string::npos);
}

TEST_CASE("simulation: bad calls") {
  const auto candidates = one_domain_candidates(3, 1);
  CHECK_THROWS_AS(run_study({{"a", nullptr}}, candidates, nullptr, {}), InvalidArgument);
  CHECK_THROWS_AS(run_study({{"a", design_of(5, 1)}, {"b", design_of(5, 2)}}, candidates, nullptr, {}), InvalidArgument);
  StudyOptions options;
  options.responses.emplace_back(2, 150);
  CHECK_THROWS_AS(run_study({{"a", design_of(5, 1)}}, candidates, nullptr, options), InvalidArgument);
  CHECK_THROWS_AS(battery_from_bank_files("/nonexistent", {"mathematics"}, SessionConfig{}, true), DataError);
}

TEST_CASE("simulation: run_candidate runs one session per domain, as the study runs that candidate") {
  std::vector<DomainDesign> designs{{"mathematics", design_of(12, 15)}, {"coding", design_of(12, 16, SelectionRule::klp)}};
  Eigen::MatrixXd correlation = Eigen::MatrixXd::Identity(2, 2);
  const auto candidates = draw_candidates(Eigen::Vector2d(1.0, -1.0), Eigen::Vector2d(0.3, 0.3), correlation, 3, 8);
  StudyOptions options;
  options.seed = 5;
  options.threads = 2;
  const auto study = run_study(designs, candidates, nullptr, options);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const CandidateOutcome one = run_candidate(designs, candidates[i], i, nullptr, options);
    REQUIRE(one.domains.size() == 2);
    for (std::size_t d = 0; d < 2; ++d) {
      CHECK(one.domains[d].items == study[i].domains[d].items);
      CHECK(one.domains[d].estimate.theta == study[i].domains[d].estimate.theta);
      CHECK(one.domains[d].items.size() == 12);
    }
  }
  CHECK_THROWS_AS(run_candidate({{"x", nullptr}}, candidates[0], 0, nullptr, options), InvalidArgument);
  CHECK_THROWS_AS(run_candidate(designs, one_domain_candidates(1, 2)[0], 0, nullptr, options), InvalidArgument);
}
