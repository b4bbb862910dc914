#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "irtcat/ability.hpp"
#include "irtcat/error.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

std::vector<Response> pattern_of(const std::vector<int>& categories) {
  std::vector<Response> pattern;
  for (std::size_t i = 0; i < categories.size(); ++i) pattern.push_back({ItemIndex{i}, categories[i]});
  return pattern;
}

ItemBank mixed_bank(double scaling = 1.0) { return ItemBank(testing::one_of_each_model(), scaling); }

// The score at an interior estimate is zero to within what a root solved to 1e-12 in θ leaves: |score| is at
// most 1e-12·|∂score/∂θ| plus rounding, far below 1e-8.
constexpr double kStationary = 1e-8;

}  // namespace

TEST_CASE("ability: ML is a root of the likelihood equation, with SE = 1/sqrt(I)") {
  const ItemBank bank = mixed_bank(kNormalOgiveScaling);
  const auto pattern = pattern_of({1, 0, 1, 1, 2, 1, 0});
  const AbilityEstimate ml = maximum_likelihood(bank, pattern);
  REQUIRE(ml.status == EstimateStatus::converged);
  const LikelihoodTerms at = likelihood_terms(bank, pattern, ml.theta);
  CHECK(std::abs(at.score) < kStationary);
  CHECK(at.curvature < 0);
  CHECK(ml.se == doctest::Approx(1.0 / std::sqrt(at.information)).epsilon(1e-12));
  CHECK(ml.iterations > 0);
}

TEST_CASE("ability: Rasch ML solves sum of x = sum of P") {
  std::vector<Item> items;
  const double b[] = {-1.5, -0.7, 0.0, 0.4, 1.1, 1.8};
  for (int i = 0; i < 6; ++i) items.push_back(Item::dichotomous(ItemId(testing::numbered("r", i)), Model::one_pl, 1.0, b[i]));
  const ItemBank bank(items);
  const auto pattern = pattern_of({1, 1, 0, 1, 0, 0});
  const double theta = maximum_likelihood(bank, pattern).theta;
  double expected_score = 0;
  for (const Item& item : items) expected_score += probability(item, theta);
  CHECK(expected_score == doctest::Approx(3.0).epsilon(1e-11));
}

TEST_CASE("ability: MAP is a root of the posterior equation, SE = 1/sqrt(I + 1/sd^2)") {
  const ItemBank bank = mixed_bank();
  const auto pattern = pattern_of({0, 0, 1, 1, 3, 2, 1});
  const NormalPrior prior{0.5, 0.8};
  const AbilityEstimate map = maximum_a_posteriori(bank, pattern, prior);
  REQUIRE(map.status == EstimateStatus::converged);
  const LikelihoodTerms at = likelihood_terms(bank, pattern, map.theta);
  CHECK(std::abs(at.score - (map.theta - 0.5) / 0.64) < kStationary);
  CHECK(map.se == doctest::Approx(1.0 / std::sqrt(at.information + 1 / 0.64)).epsilon(1e-12));
}

TEST_CASE("ability: WLE is a root of Warm's equation, SE = 1/sqrt(I)") {
  const ItemBank bank = mixed_bank();
  const auto pattern = pattern_of({1, 1, 0, 1, 1, 3, 2});
  const AbilityEstimate wle = weighted_likelihood(bank, pattern);
  REQUIRE(wle.status == EstimateStatus::converged);
  const LikelihoodTerms at = likelihood_terms(bank, pattern, wle.theta);
  CHECK(std::abs(at.score + at.warm_j / (2 * at.information)) < kStationary);
  CHECK(wle.se == doctest::Approx(1.0 / std::sqrt(at.information)).epsilon(1e-12));
}

TEST_CASE("ability: WLE of a perfect Rasch pattern is finite and WLE pulls ML toward the centre") {
  std::vector<Item> items;
  for (int i = 0; i < 5; ++i) items.push_back(Item::dichotomous(ItemId(testing::numbered("r", i)), Model::one_pl, 1.0, -1.0 + 0.5 * i));
  const ItemBank bank(items);
  const AbilityEstimate wle = weighted_likelihood(bank, pattern_of({1, 1, 1, 1, 1}));
  CHECK(wle.status == EstimateStatus::converged);
  CHECK(wle.theta > 1.5);
  CHECK(wle.theta < 4.0);
  const auto mixed = pattern_of({1, 1, 1, 1, 0});
  CHECK(weighted_likelihood(bank, mixed).theta < maximum_likelihood(bank, mixed).theta);
}

TEST_CASE("ability: EAP equals the grid posterior's moments, for every prior") {
  const ItemBank bank = mixed_bank();
  const auto pattern = pattern_of({1, 0, 0, 1, 1, 2, 1});
  const QuadratureGrid grid{-5.0, 5.0, 41};
  std::vector<double> density(41);
  for (int q = 0; q < 41; ++q) density[static_cast<std::size_t>(q)] = 1.0 + 0.1 * q;
  for (const Prior& prior : {Prior{NormalPrior{0.2, 1.3}}, Prior{UniformPrior{-3.0, 3.0}}, Prior{GridPrior{density}}}) {
    GridPosterior posterior(grid, prior);
    for (const Response& response : pattern) posterior.update(bank.item(response.item), response.category, 1.0);
    const AbilityEstimate eap = expected_a_posteriori(bank, pattern, prior, grid);
    CHECK(eap.theta == doctest::Approx(posterior.moments().mean).epsilon(1e-14));
    CHECK(eap.se == doctest::Approx(posterior.moments().sd).epsilon(1e-14));
    CHECK(eap.status == EstimateStatus::converged);
  }
}

TEST_CASE("ability: constant patterns end at the bounds, flagged, with SE at the bound") {
  const ItemBank bank = testing::spread_bank(Model::three_pl, 20, 3);
  const auto all_correct = pattern_of(std::vector<int>(20, 1));
  const auto all_wrong = pattern_of(std::vector<int>(20, 0));
  SUBCASE("ML") {
    const AbilityEstimate top = maximum_likelihood(bank, all_correct);
    CHECK(top.theta == 4.0);
    CHECK(top.status == EstimateStatus::upper_bound);
    CHECK(top.se == doctest::Approx(1 / std::sqrt(likelihood_terms(bank, all_correct, 4.0).information)));
    const AbilityEstimate bottom = maximum_likelihood(bank, all_wrong, Interval{-3.0, 3.0});
    CHECK(bottom.theta == -3.0);
    CHECK(bottom.status == EstimateStatus::lower_bound);
    CHECK(std::isfinite(bottom.se));
  }
  SUBCASE("MAP with a uniform prior is ML on the prior's support (catR)") {
    const AbilityEstimate top = maximum_a_posteriori(bank, all_correct, UniformPrior{-2.0, 2.5});
    CHECK(top.theta == 2.5);
    CHECK(top.status == EstimateStatus::upper_bound);
  }
  SUBCASE("MAP and EAP stay inside") {
    const AbilityEstimate map = maximum_a_posteriori(bank, all_correct);
    CHECK(map.status == EstimateStatus::converged);
    CHECK(map.theta > 1.0);
    CHECK(map.theta < 4.0);
    const AbilityEstimate eap = expected_a_posteriori(bank, all_wrong);
    CHECK(eap.theta < -1.0);
    CHECK(std::isfinite(eap.se));
  }
}

TEST_CASE("ability: the global maximum wins when a 3PL likelihood has several") {
  // Guessing-prone items: wrong on easy ones and right on hard ones gives a likelihood with more than one local
  // maximum. The estimate must be the best of them (checked on a fine grid), not merely a root.
  std::vector<Item> items;
  const double b[] = {-2.0, -1.5, -1.0, 1.5, 2.0, 2.5, 0.0};
  const int x[] = {0, 0, 1, 1, 1, 0, 0};
  for (int i = 0; i < 7; ++i) {
    items.push_back(Item::dichotomous(ItemId(testing::numbered("g", i)), Model::three_pl, 2.5, b[i], 0.3));
  }
  const ItemBank bank(items);
  const auto pattern = pattern_of(std::vector<int>(std::begin(x), std::end(x)));
  const AbilityEstimate ml = maximum_likelihood(bank, pattern);
  const double best = likelihood_terms(bank, pattern, ml.theta).log_likelihood;
  for (int q = 0; q <= 8000; ++q) {
    const double theta = -4.0 + q * 0.001;
    CHECK(likelihood_terms(bank, pattern, theta).log_likelihood <= best + 1e-12);
  }
}

TEST_CASE("ability: no responses") {
  const ItemBank bank = mixed_bank();
  const std::vector<Response> none;
  const AbilityEstimate ml = maximum_likelihood(bank, none);
  CHECK(ml.status == EstimateStatus::no_responses);
  CHECK(ml.theta == 0.0);
  CHECK(std::isinf(ml.se));
  const AbilityEstimate map = maximum_a_posteriori(bank, none, NormalPrior{0.5, 2.0});
  CHECK(map.theta == 0.5);
  CHECK(map.se == doctest::Approx(2.0));
  const AbilityEstimate eap = expected_a_posteriori(bank, none, NormalPrior{0.0, 1.0});
  CHECK(eap.status == EstimateStatus::no_responses);
  // Exactly 0, not the summation's rounding noise (1.7e-19): the prior is symmetric about the grid's centre.
  CHECK(eap.theta == 0.0);
  CHECK(eap.se == doctest::Approx(1.0).epsilon(0.01));  // the N(0, 1) SD on a 33-point grid
  for (const int points : {21, 31, 61, 101}) {
    CAPTURE(points);
    CHECK(expected_a_posteriori(bank, none, NormalPrior{0.0, 1.0}, QuadratureGrid{-4.0, 4.0, points}).theta == 0.0);
  }
  // A prior off the centre keeps its mean on the grid (a truncated normal's, a little inside 1.5).
  const double shifted = expected_a_posteriori(bank, none, NormalPrior{1.5, 1.0}).theta;
  CHECK(shifted > 1.4);
  CHECK(shifted < 1.5);
  CHECK(weighted_likelihood(bank, none).status == EstimateStatus::no_responses);
}

TEST_CASE("ability: every estimator recovers theta on long simulated tests") {
  // 300 simulees × a 150-item test, fixed seed. With these banks the SE is about 0.1–0.2, so the bias over 300
  // simulees has a standard error near 0.01: |bias| < 0.06 is a 5-sigma bound. RMSE must match the reported SE
  // (ratio 0.8–1.25: the SE is a correct description of the error).
  for (Model model : {Model::two_pl, Model::three_pl, Model::grm, Model::gpcm}) {
    const ItemBank bank = testing::spread_bank(model, 150, 11 + static_cast<int>(model));
    for (Estimator estimator : {Estimator::ml, Estimator::map, Estimator::eap, Estimator::wle}) {
      std::mt19937_64 rng(2024);
      std::normal_distribution<double> ability(0.0, 1.0);
      double bias = 0;
      double squared = 0;
      double variance = 0;
      constexpr int kSimulees = 300;
      for (int person = 0; person < kSimulees; ++person) {
        const double theta = std::clamp(ability(rng), -2.5, 2.5);
        const auto pattern = testing::simulate_pattern(bank, theta, rng);
        EstimationOptions options;
        options.estimator = estimator;
        const AbilityEstimate estimate = estimate_ability(bank, pattern, options);
        bias += estimate.theta - theta;
        squared += std::pow(estimate.theta - theta, 2);
        variance += estimate.se * estimate.se;
      }
      CAPTURE(to_string(model));
      CAPTURE(to_string(estimator));
      const double rmse = std::sqrt(squared / kSimulees);
      const double mean_se = std::sqrt(variance / kSimulees);
      CHECK(std::abs(bias / kSimulees) < 0.06);
      CHECK(rmse / mean_se > 0.8);
      CHECK(rmse / mean_se < 1.25);
    }
  }
}

TEST_CASE("ability: the scaling constant is the bank's") {
  std::vector<Item> plain;
  std::vector<Item> scaled;
  const ItemBank source = testing::spread_bank(Model::three_pl, 12, 5);
  for (const Item& item : source.items()) {
    plain.push_back(item);
    scaled.push_back(Item::dichotomous(item.id(), item.model(), item.a() * kNormalOgiveScaling, item.b(), item.c()));
  }
  const auto pattern = pattern_of({1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0});
  for (Estimator estimator : {Estimator::ml, Estimator::map, Estimator::eap, Estimator::wle}) {
    EstimationOptions options;
    options.estimator = estimator;
    const AbilityEstimate a = estimate_ability(ItemBank(plain, kNormalOgiveScaling), pattern, options);
    const AbilityEstimate b = estimate_ability(ItemBank(scaled, 1.0), pattern, options);
    CHECK(a.theta == doctest::Approx(b.theta).epsilon(1e-10));
    CHECK(a.se == doctest::Approx(b.se).epsilon(1e-10));
  }
}

TEST_CASE("ability: bad calls are refused") {
  const ItemBank bank = mixed_bank();
  CHECK_THROWS_AS(maximum_likelihood(bank, std::vector<Response>{{ItemIndex{7}, 0}}), UnknownItem);
  CHECK_THROWS_AS(maximum_likelihood(bank, std::vector<Response>{{ItemIndex{0}, 2}}), InvalidResponse);
  CHECK_THROWS_AS(expected_a_posteriori(bank, std::vector<Response>{{ItemIndex{4}, 4}}), InvalidResponse);
  CHECK_THROWS_AS(weighted_likelihood(bank, std::vector<Response>{{ItemIndex{4}, -1}}), InvalidResponse);
  CHECK_THROWS_AS(maximum_likelihood(bank, pattern_of({1}), Interval{1.0, -1.0}), InvalidArgument);
  CHECK_THROWS_AS(maximum_a_posteriori(bank, pattern_of({1}), NormalPrior{0.0, -1.0}), InvalidArgument);
  CHECK_THROWS_AS(maximum_a_posteriori(bank, pattern_of({1}), GridPrior{{1.0}}), InvalidArgument);
  CHECK_THROWS_AS(maximum_a_posteriori(bank, pattern_of({1}), UniformPrior{5.0, 6.0}), InvalidArgument);
  EstimationOptions options;
  options.estimator = Estimator::ml;
  options.prior = GridPrior{std::vector<double>(33, 1.0)};
  CHECK_THROWS_AS(options.validate(), InvalidArgument);
  CHECK_THROWS_AS(estimator_from_string("bayes"), InvalidArgument);
  CHECK(estimator_from_string("WLE") == Estimator::wle);
}
