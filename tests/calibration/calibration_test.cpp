// Calibration (src/calibration*.cpp): analytic M-step derivatives against finite differences, parameter recovery
// on simulated data with fixed seeds, a monotone log-likelihood, sparse (adaptive-test-like) data, degenerate items,
// fixed-item calibration, thread-count independence, the maximum of an independently coded marginal likelihood,
// and the calibrate command end to end.
//
// Tolerances: with 2,000 persons a 2PL slope has a standard error of about 0.05–0.08 and a difficulty about
// 0.05–0.10 (more at the extremes), so the RMSE over 40 items sits near 0.06; 0.1 (the bar) leaves room
// for sampling error but fails for any bias of practical size (a wrong D, a mis-signed intercept, a wrong prior).

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "detail/calibration_internal.hpp"
#include "irtcat/calibration.hpp"
#include "irtcat/error.hpp"
#include "calibration_support.hpp"
#include "test_support.hpp"

namespace {

using namespace irtcat;
using irtcat::testing::marginal_log_likelihood;
using irtcat::testing::simulate_table;
using irtcat::testing::numbered;

// The sample size in every build (the sanitizer build is optimized enough to run it): the same data, so
// the same estimates and the same verdicts, in every build.
constexpr int kPersons = 2000;

std::vector<Item> two_pl_items(int n, std::uint64_t seed, const char* prefix = "i") {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> a(0.8, 2.0), b(-2.0, 2.0);
  std::vector<Item> items;
  for (int j = 0; j < n; ++j) {
    const double difficulty = b(rng);  // drawn before the slope, never in one call's arguments (test_support.hpp)
    const double slope = a(rng);
    items.push_back(Item::dichotomous(ItemId(numbered(prefix, j)), Model::two_pl, slope, difficulty));
  }
  return items;
}

struct Errors {
  double a = 0.0;
  double b = 0.0;
};

// RMSE of a and of every b / threshold over the items estimated.
Errors rmse(const std::vector<Item>& truth, const CalibrationResult& result, std::size_t first = 0) {
  double sa = 0.0, sb = 0.0;
  int na = 0, nb = 0;
  for (std::size_t j = first; j < truth.size(); ++j) {
    REQUIRE(result.items[j].item);
    const Item& est = *result.items[j].item;
    sa += std::pow(est.a() - truth[j].a(), 2);
    ++na;
    for (std::size_t k = 0; k < truth[j].thresholds().size(); ++k) {
      sb += std::pow(est.thresholds()[k] - truth[j].thresholds()[k], 2);
      ++nb;
    }
  }
  return {std::sqrt(sa / na), std::sqrt(sb / nb)};
}

void check_monotone(const std::vector<double>& trace) {
  REQUIRE(trace.size() >= 2);
  for (std::size_t t = 1; t < trace.size(); ++t) {
    CHECK(trace[t] >= trace[t - 1] - 1e-9 * std::abs(trace[t - 1]));
  }
}

}  // namespace

TEST_CASE("calibration: M-step gradients and Hessians agree with finite differences, every model") {
  using namespace irtcat::detail;
  const Eigen::ArrayXd nodes = Eigen::ArrayXd::LinSpaced(21, -4.0, 4.0);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0.5, 30.0);
  struct Case {
    CalibrationModel model;
    int categories;
    std::vector<double> par;
  };
  const std::vector<Case> cases = {
      {CalibrationModel::two_pl, 2, {1.3, -0.4}},
      {CalibrationModel::three_pl, 2, {1.6, 0.3, 0.18}},
      {CalibrationModel::four_pl, 2, {1.2, -0.2, 0.14, 0.9}},
      {CalibrationModel::grm, 4, {1.4, 1.5, 0.2, -1.1}},
      {CalibrationModel::gpcm, 4, {0.9, 0.7, 0.4, -0.8}},
  };
  ParameterPriors priors;
  priors.slope = LognormalPrior{0.0, 0.5};
  priors.lower_asymptote = BetaPrior{5.0, 17.0};
  priors.upper_asymptote = BetaPrior{3.0, 20.0};
  priors.difficulty = DifficultyPrior{0.0, 2.0};
  for (const Case& c : cases) {
    CAPTURE(to_string(c.model));
    const ItemSpec spec = make_item_spec(c.model, c.categories, false);
    RowMatrix counts(c.categories, nodes.size());
    for (Eigen::Index i = 0; i < counts.size(); ++i) counts.data()[i] = uniform(rng);
    const Eigen::VectorXd par = Eigen::Map<const Eigen::VectorXd>(c.par.data(), static_cast<Eigen::Index>(c.par.size()));
    for (const bool with_priors : {false, true}) {
      const ParameterPriors& used = with_priors ? priors : ParameterPriors{};
      const ItemObjective at = item_objective(spec, par, nodes, counts, used, true);
      for (Eigen::Index i = 0; i < par.size(); ++i) {
        const double h = 1e-5;
        Eigen::VectorXd up = par, down = par;
        up[i] += h;
        down[i] -= h;
        const ItemObjective f_up = item_objective(spec, up, nodes, counts, used, true);
        const ItemObjective f_down = item_objective(spec, down, nodes, counts, used, true);
        CHECK(at.gradient[i] == doctest::Approx((f_up.value - f_down.value) / (2 * h)).epsilon(1e-6));
        for (Eigen::Index k = 0; k < par.size(); ++k) {
          CHECK(at.hessian(k, i) == doctest::Approx((f_up.gradient[k] - f_down.gradient[k]) / (2 * h)).epsilon(1e-5));
        }
      }
      // The log-probability table is the objective's log P.
      RowMatrix table(c.categories, nodes.size());
      item_log_probabilities(spec, par, nodes, table);
      if (!with_priors) CHECK(at.value == doctest::Approx((table.array() * counts.array()).sum()).epsilon(1e-12));
      CHECK((table.array().exp().colwise().sum() - 1.0).abs().maxCoeff() < 1e-12);
    }
  }
}

TEST_CASE("calibration: 2PL recovery on 2,000 x 40 (RMSE of a and b below 0.1), standard errors that fit") {
  const std::vector<Item> truth = two_pl_items(40, 101);
  const ResponseTable table = simulate_table(truth, kPersons, 202);
  const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl});
  REQUIRE(result.status == CalibrationStatus::converged);
  const Errors e = rmse(truth, result);
  CHECK(e.a < 0.1);
  CHECK(e.b < 0.1);
  check_monotone(result.log_likelihood_trace);
  CHECK(result.standard_error_method == describe(StandardErrorMethod::louis));
  // Standardized errors (estimate − truth)/SE should have a root mean square near 1 if the SEs are right.
  double z2 = 0.0;
  int n = 0;
  for (std::size_t j = 0; j < truth.size(); ++j) {
    REQUIRE(result.items[j].se);
    const auto& se = *result.items[j].se;
    REQUIRE(se.a > 0);
    REQUIRE(se.b > 0);
    z2 += std::pow((result.items[j].item->a() - truth[j].a()) / se.a, 2);
    z2 += std::pow((result.items[j].item->b() - truth[j].b()) / se.b, 2);
    n += 2;
    REQUIRE(result.items[j].fit.s_x2);
    CHECK(*result.items[j].fit.s_x2_df > 0);
  }
  CHECK(std::sqrt(z2 / n) == doctest::Approx(1.0).epsilon(0.35));
  // mirt reports the slope-intercept form: d = −a·b.
  CHECK(result.items[0].slope_intercept[1] ==
        doctest::Approx(-result.items[0].item->a() * result.items[0].item->b()).epsilon(1e-12));

  SUBCASE("the estimates maximize an independently coded marginal likelihood (as mirt's do)") {
    // At a maximum every coordinate's Newton step g/|H| is tiny; 2e−3 is a tenth of the 0.02 agreement asked for.
    const std::vector<Item> est = [&] {
      std::vector<Item> items;
      for (const CalibratedItem& item : result.items) items.push_back(*item.item);
      return items;
    }();
    for (std::size_t j : {0u, 17u, 39u}) {
      for (int which = 0; which < 2; ++which) {
        auto with = [&](double delta) {
          std::vector<Item> items = est;
          const Item& it = est[j];
          items[j] = Item::dichotomous(it.id(), Model::two_pl, it.a() + (which == 0 ? delta : 0.0),
                                       it.b() + (which == 1 ? delta : 0.0));
          return marginal_log_likelihood(items, table);
        };
        const double h = 1e-3;
        const double f0 = marginal_log_likelihood(est, table);
        const double fp = with(h), fm = with(-h);
        const double g = (fp - fm) / (2 * h);
        const double curvature = (fp - 2 * f0 + fm) / (h * h);
        CAPTURE(j);
        CAPTURE(which);
        CHECK(curvature < 0.0);
        CHECK(std::abs(g / curvature) < 2e-3);
      }
    }
  }
}

TEST_CASE("calibration: the log-likelihood never decreases, with and without acceleration, threads do not matter") {
  const std::vector<Item> truth = two_pl_items(15, 7);
  const ResponseTable table = simulate_table(truth, 600, 8);
  CalibrationOptions plain;
  plain.accelerate = false;
  plain.standard_errors = false;
  plain.threads = 1;
  const CalibrationResult slow = calibrate(table, {CalibrationModel::three_pl}, plain);
  check_monotone(slow.log_likelihood_trace);
  CHECK(slow.log_likelihood_trace.size() > 10);
  CalibrationOptions fast = plain;
  fast.accelerate = true;
  const CalibrationResult quick = calibrate(table, {CalibrationModel::three_pl}, fast);
  check_monotone(quick.log_likelihood_trace);
  CHECK(quick.cycles <= slow.cycles);
  CHECK(quick.log_likelihood >= slow.log_likelihood - 0.05);

  fast.threads = 2;
  const CalibrationResult two = calibrate(table, {CalibrationModel::three_pl}, fast);
  fast.threads = 3;
  const CalibrationResult three = calibrate(table, {CalibrationModel::three_pl}, fast);
  CHECK(two.log_likelihood == quick.log_likelihood);
  CHECK(three.log_likelihood == quick.log_likelihood);
  for (std::size_t j = 0; j < truth.size(); ++j) {
    CHECK(two.items[j].slope_intercept == quick.items[j].slope_intercept);
    CHECK(three.items[j].slope_intercept == quick.items[j].slope_intercept);
  }
}

TEST_CASE("calibration: sparse data (each person sees 30 % of the items) still recovers") {
  const std::vector<Item> truth = two_pl_items(30, 11);
  const ResponseTable table = simulate_table(truth, static_cast<int>(kPersons * 2), 12, 0.0, 1.0, 0.3);
  CalibrationOptions options;
  options.standard_errors = false;
  const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl}, options);
  REQUIRE(result.status == CalibrationStatus::converged);
  // About 1,200 responses per item: SEs near 0.08 (a) and 0.1 (b), so 0.15 is a two-sigma bar on the RMSE.
  const Errors e = rmse(truth, result);
  CHECK(e.a < 0.15);
  CHECK(e.b < 0.15);
  CHECK_FALSE(result.items[0].fit.s_x2);  // S-X2 needs persons who answered everything
}

TEST_CASE("calibration: GRM, GPCM, Rasch and 1PL recover their parameters") {
  CalibrationOptions options;
  options.standard_errors = false;
  SUBCASE("GRM") {
    std::mt19937_64 rng(21);
    std::uniform_real_distribution<double> a(0.8, 2.0), b(-1.5, 1.5);
    std::vector<Item> truth;
    for (int j = 0; j < 20; ++j) {
      const double base = b(rng);
      truth.push_back(Item::polytomous(ItemId(numbered("g", j)), Model::grm, a(rng), {base - 1.0, base, base + 1.0}));
    }
    const CalibrationResult result = calibrate(simulate_table(truth, kPersons, 22), {CalibrationModel::grm}, options);
    REQUIRE(result.status == CalibrationStatus::converged);
    const Errors e = rmse(truth, result);
    CHECK(e.a < 0.1);
    CHECK(e.b < 0.1);
  }
  SUBCASE("GPCM") {
    std::mt19937_64 rng(31);
    std::uniform_real_distribution<double> a(0.8, 1.8), b(-1.5, 1.5);
    std::vector<Item> truth;
    for (int j = 0; j < 20; ++j) {
      const std::vector<double> thresholds = {b(rng), b(rng), b(rng)};  // then the slope (test_support.hpp)
      const double slope = a(rng);
      truth.push_back(Item::polytomous(ItemId(numbered("p", j)), Model::gpcm, slope, thresholds));
    }
    const CalibrationResult result = calibrate(simulate_table(truth, kPersons, 32), {CalibrationModel::gpcm}, options);
    REQUIRE(result.status == CalibrationStatus::converged);
    const Errors e = rmse(truth, result);
    CHECK(e.a < 0.1);
    CHECK(e.b < 0.15);  // GPCM steps of rarely chosen categories are less precise
  }
  SUBCASE("Rasch: a = 1 and the latent variance estimated") {
    std::mt19937_64 rng(41);
    std::uniform_real_distribution<double> b(-2.0, 2.0);
    std::vector<Item> truth;
    for (int j = 0; j < 25; ++j) truth.push_back(Item::dichotomous(ItemId(numbered("r", j)), Model::one_pl, 1.0, b(rng)));
    const CalibrationResult result =
        calibrate(simulate_table(truth, kPersons, 42, 0.0, 1.5), {CalibrationModel::rasch}, options);
    REQUIRE(result.status == CalibrationStatus::converged);
    CHECK(result.latent_variance == doctest::Approx(2.25).epsilon(0.12));
    CHECK(result.latent_mean == 0.0);
    CHECK(result.items[3].item->a() == 1.0);
    CHECK(rmse(truth, result).b < 0.1);
    check_monotone(result.log_likelihood_trace);
    REQUIRE(result.items[0].fit.infit);
    for (const CalibratedItem& item : result.items) {
      CHECK(*item.fit.infit == doctest::Approx(1.0).epsilon(0.15));
      CHECK(*item.fit.outfit == doctest::Approx(1.0).epsilon(0.35));
    }
  }
  SUBCASE("1PL: one common slope on N(0, 1)") {
    std::mt19937_64 rng(51);
    std::uniform_real_distribution<double> b(-2.0, 2.0);
    std::vector<Item> truth;
    for (int j = 0; j < 25; ++j) truth.push_back(Item::dichotomous(ItemId(numbered("o", j)), Model::one_pl, 1.4, b(rng)));
    const CalibrationResult result = calibrate(simulate_table(truth, kPersons, 52), {CalibrationModel::one_pl}, options);
    REQUIRE(result.status == CalibrationStatus::converged);
    CHECK(result.latent_variance == 1.0);
    CHECK(result.items[0].item->a() == doctest::Approx(1.4).epsilon(0.06));
    CHECK(result.items[9].item->a() == result.items[0].item->a());
    CHECK(rmse(truth, result).b < 0.1);
  }
}

TEST_CASE("calibration: degenerate items get a status and the others are still estimated") {
  std::vector<Item> truth = two_pl_items(12, 61);
  ResponseTable table = simulate_table(truth, 500, 62);
  table.responses.col(2).setConstant(1);                                  // all correct
  table.responses.col(5).setConstant(0);                                  // all incorrect
  table.responses.col(7).setConstant(ResponseTable::kMissingResponse);    // too few responses
  table.responses(0, 7) = 1;
  table.responses(1, 7) = 0;
  const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl});
  CHECK(result.status == CalibrationStatus::converged);
  CHECK(result.items[2].status == ItemCalibrationStatus::all_correct);
  CHECK(result.items[5].status == ItemCalibrationStatus::all_incorrect);
  CHECK(result.items[7].status == ItemCalibrationStatus::too_few_responses);
  CHECK(result.items[7].responses == 2);
  for (std::size_t j : {2u, 5u, 7u}) {
    CHECK_FALSE(result.items[j].item);
    CHECK_FALSE(result.items[j].message.empty());
  }
  for (std::size_t j : {0u, 1u, 3u, 4u, 6u, 8u, 9u, 10u, 11u}) {
    CHECK(result.items[j].status == ItemCalibrationStatus::estimated);
    CHECK(result.items[j].item);
  }
  CHECK(result.bank().size() == 9);

  SUBCASE("a GRM item with an empty middle category") {
    ResponseTable poly = table;
    for (Eigen::Index p = 0; p < poly.responses.rows(); ++p) poly.responses(p, 0) = (p % 2) * 2;  // 0 or 2, never 1
    std::vector<CalibrationModel> models(12, CalibrationModel::two_pl);
    models[0] = CalibrationModel::grm;
    const CalibrationResult mixed = calibrate(poly, models);
    CHECK(mixed.items[0].status == ItemCalibrationStatus::empty_category);
    CHECK(mixed.items[1].status == ItemCalibrationStatus::estimated);
  }
  SUBCASE("nothing estimable") {
    ResponseTable none = table;
    none.responses.setConstant(1);
    none.responses.col(3).setConstant(0);
    none.responses(0, 4) = 0;
    none.responses.col(4).tail(none.responses.rows() - 3).setConstant(ResponseTable::kMissingResponse);
    const CalibrationResult result = calibrate(none, {CalibrationModel::two_pl});
    CHECK(result.status == CalibrationStatus::no_items);
    // The reason, counted by status, so that a caller can say it in one line.
    CHECK(result.message == "no item could be estimated (1 item with fewer than 10 responses, 10 items with every "
                            "response in the top category, 1 item with every response in category 0)");
  }
}

TEST_CASE("calibration: a slope the data cannot bound is reported at_bound (5 persons, 2PL)") {
  // Items 1 and 2 split the five persons exactly by their sum score: the likelihood rises with a without limit.
  ResponseTable table;
  table.file = "tiny.csv";
  table.item_ids = {"i1", "i2", "i3", "i4"};
  table.person_ids = {"p1", "p2", "p3", "p4", "p5"};
  table.responses.resize(5, 4);
  table.responses << 1, 0, 1, 1,  //
      0, 0, 1, 0,                 //
      1, 1, 1, 1,                 //
      0, 0, 0, 1,                 //
      1, 1, 0, 0;
  CalibrationOptions options;
  options.min_responses = 1;
  options.fit_statistics = false;
  options.threads = 1;
  const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl}, options);
  REQUIRE(result.status == CalibrationStatus::converged);
  for (std::size_t j : {0u, 1u}) {
    CAPTURE(j);
    const CalibratedItem& item = result.items[j];
    CHECK(item.status == ItemCalibrationStatus::at_bound);
    CHECK(item.message.starts_with("a = 30 is at its upper bound"));
    REQUIRE(item.se);
    CHECK(item.se->a == 0.0);  // held at the bound: no standard error (it was 51-97 when reported as estimated)
    CHECK(std::isfinite(item.se->b));
  }
  // The other two are interior but located far outside any scoring range (a near 0): parameters_outside says so.
  CHECK(result.items[2].status == ItemCalibrationStatus::estimated);
  const std::vector<ParameterOutsideRange> outside = parameters_outside(result, Interval{});
  REQUIRE(outside.size() == 2);
  CHECK(outside[0].id == ItemId("i3"));
  CHECK(outside[1].id == ItemId("i4"));
  CHECK(outside[0].parameter == "b");
  CHECK(outside[0].value < -4.0);
  // Overall fit: AIC and BIC from the log-likelihood, the free parameters (not those held at a bound) and the persons.
  CHECK(result.persons == 5);
  CHECK(result.parameters == 6);
  CHECK(result.aic == doctest::Approx(-2.0 * result.log_likelihood + 2.0 * 6));
  CHECK(result.bic == doctest::Approx(-2.0 * result.log_likelihood + 6 * std::log(5.0)));
}

TEST_CASE("calibration: parameters_outside lists the estimated items' locations beyond a range") {
  CalibrationResult result;
  auto add = [&](Item item, ItemCalibrationStatus status) {
    CalibratedItem calibrated;
    calibrated.id = item.id();
    calibrated.status = status;
    calibrated.item = std::move(item);
    result.items.push_back(std::move(calibrated));
  };
  add(Item::dichotomous(ItemId("inside"), Model::two_pl, 1.0, 3.9), ItemCalibrationStatus::estimated);
  add(Item::dichotomous(ItemId("hard"), Model::two_pl, 1.0, 5.6), ItemCalibrationStatus::estimated);
  add(Item::dichotomous(ItemId("steep"), Model::three_pl, 30.0, -4.5, 0.2), ItemCalibrationStatus::at_bound);
  add(Item::dichotomous(ItemId("fixed"), Model::two_pl, 1.0, 9.0), ItemCalibrationStatus::fixed);
  add(Item::polytomous(ItemId("graded"), Model::grm, 1.0, {-4.2, 0.0, 4.0}), ItemCalibrationStatus::estimated);
  result.items.push_back(CalibratedItem{});  // inestimable: no item
  result.items.back().status = ItemCalibrationStatus::all_correct;

  const std::vector<ParameterOutsideRange> outside = parameters_outside(result, Interval{-4.0, 4.0});
  REQUIRE(outside.size() == 3);
  CHECK(outside[0].id == ItemId("hard"));
  CHECK(outside[0].parameter == "b");
  CHECK(outside[0].value == 5.6);
  CHECK(outside[1].id == ItemId("steep"));
  CHECK(outside[1].value == -4.5);
  CHECK(outside[2].id == ItemId("graded"));
  CHECK(outside[2].parameter == "b1");  // 4.0 itself is inside: the range is closed
  CHECK(parameters_outside(result, Interval{-10.0, 10.0}).empty());
  CHECK_THROWS_AS(parameters_outside(result, Interval{1.0, -1.0}), InvalidArgument);
}

TEST_CASE("calibration: fixed-item calibration puts new items on the bank's scale") {
  // 30 operational items with known parameters, 10 pilot items; the calibration sample is abler and more spread
  // than the bank's N(0, 1) reference population, which a calibration on N(0, 1) would absorb into the new items.
  const std::vector<Item> operational = two_pl_items(30, 71, "op");
  const std::vector<Item> pilot = two_pl_items(10, 72, "new");
  std::vector<Item> all = operational;
  all.insert(all.end(), pilot.begin(), pilot.end());
  const ResponseTable table = simulate_table(all, kPersons, 73, 0.5, 1.2);
  const ItemBank bank(operational);
  CalibrationOptions options;
  options.standard_errors = false;
  const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl}, options, &bank);
  REQUIRE(result.status == CalibrationStatus::converged);
  for (std::size_t j = 0; j < operational.size(); ++j) {
    CHECK(result.items[j].status == ItemCalibrationStatus::fixed);
    CHECK(result.items[j].item->b() == operational[j].b());
  }
  CHECK(result.latent_mean == doctest::Approx(0.5).epsilon(0.1 / 0.5));
  CHECK(result.latent_variance == doctest::Approx(1.44).epsilon(0.15));
  const Errors e = rmse(all, result, operational.size());
  CHECK(e.a < 0.12);
  CHECK(e.b < 0.12);

  // Without the latent distribution estimated, the same pilot items come out shifted (the check can fail).
  options.estimate_latent_with_fixed_items = false;
  const CalibrationResult naive = calibrate(table, {CalibrationModel::two_pl}, options, &bank);
  CHECK(rmse(all, naive, operational.size()).b > e.b);
}

TEST_CASE("calibration: bad data and bad options throw with one clear message") {
  const std::vector<Item> truth = two_pl_items(5, 81);
  ResponseTable table = simulate_table(truth, 50, 82);
  SUBCASE("a category outside the model") {
    table.responses(3, 2) = 2;
    CHECK_THROWS_AS(calibrate(table, {CalibrationModel::two_pl}), DataError);
    try {
      calibrate(table, {CalibrationModel::two_pl});
    } catch (const DataError& error) {
      CHECK(error.line() == 5);
      CHECK(error.column() == "i2");
    }
    CHECK_NOTHROW(calibrate(table, {CalibrationModel::grm}));
  }
  SUBCASE("an empty matrix") {
    ResponseTable empty;
    CHECK_THROWS_AS(calibrate(empty, {CalibrationModel::two_pl}), DataError);
  }
  SUBCASE("models") {
    CHECK_THROWS_AS(calibrate(table, {CalibrationModel::two_pl, CalibrationModel::grm}), InvalidArgument);
    CHECK_THROWS_AS(calibration_model_from_string("5pl"), InvalidArgument);
    CHECK(calibration_model_from_string("RASCH") == CalibrationModel::rasch);
  }
  SUBCASE("options") {
    CalibrationOptions options;
    options.quadrature_points = 2;
    CHECK_THROWS_AS(options.validate(), InvalidArgument);
    options = {};
    options.tolerance = 0;
    CHECK_THROWS_AS(options.validate(), InvalidArgument);
    options = {};
    options.priors.slope = LognormalPrior{0.0, -1.0};
    CHECK_THROWS_AS(options.validate(), InvalidArgument);
    options = {};
    options.max_cycles = 0;
    CHECK_THROWS_AS(calibrate(table, {CalibrationModel::two_pl}, options), InvalidArgument);
  }
  SUBCASE("the cycle limit is a status") {
    CalibrationOptions options;
    options.max_cycles = 2;
    const CalibrationResult result = calibrate(table, {CalibrationModel::two_pl}, options);
    CHECK(result.status == CalibrationStatus::cycle_limit);
    CHECK(result.cycles == 2);
  }
}

TEST_CASE("calibration: priors pull the estimates and keep 3PL asymptotes inside (0, 1)") {
  const std::vector<Item> truth = two_pl_items(10, 91);
  const ResponseTable table = simulate_table(truth, 300, 92);
  CalibrationOptions options;
  options.standard_errors = false;
  options.priors.slope = LognormalPrior{0.0, 0.2};
  options.priors.lower_asymptote = BetaPrior{5.0, 17.0};
  const CalibrationResult result = calibrate(table, {CalibrationModel::three_pl}, options);
  check_monotone(result.log_likelihood_trace);
  for (const CalibratedItem& item : result.items) {
    REQUIRE(item.item);
    CHECK(item.item->c() > 0.0);
    CHECK(item.item->c() < 0.5);
    CHECK(item.item->a() > 0.4);
    CHECK(item.item->a() < 2.5);
  }
}

TEST_CASE("calibration: the calibrate command writes an items CSV and rejects bad data in one line") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("irtcat_calibration_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto run = [&](const std::string& arguments, std::string& out, std::string& err) {
    const std::string command = std::string(IRTCAT_CLI) + " calibrate " + arguments + " > " +
                                (dir / "out").string() + " 2> " + (dir / "err").string();
    const int raw = std::system(command.c_str());
    auto slurp = [](const fs::path& path) {
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      return text.str();
    };
    out = slurp(dir / "out");
    err = slurp(dir / "err");
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  };
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  std::string out, err;
  const std::string data = std::string(IRTCAT_EXAMPLE_DATA) + "/calibration_responses_2pl.csv";
  SUBCASE("a good run reads back as an items CSV") {
    REQUIRE(run("--responses " + data + " --model 2pl --out " + (dir / "items.csv").string(), out, err) == 0);
    const ItemBank bank = read_items_csv_file((dir / "items.csv").string());
    CHECK(bank.size() == 10);
    std::ifstream in(dir / "items.csv");
    std::string header;
    std::getline(in, header);
    CHECK(header.find("se_a,se_b") != std::string::npos);
    CHECK(header.find("sx2,sx2_df,sx2_p") != std::string::npos);
    CHECK(err.find("standard errors: observed information") != std::string::npos);
    // Fixed-item run: the first five items fixed from that output, the other five estimated.
    std::ifstream again(dir / "items.csv");
    std::string head, line;
    for (int n = 0; n < 6 && std::getline(again, line); ++n) head += line + "\n";
    const std::string fixed = write("fixed.csv", head);
    REQUIRE(run("--responses " + data + " --model 2pl --no-se --fixed " + fixed, out, err) == 0);
    CHECK(out.find(",estimated\n") != std::string::npos);
    CHECK(out.find(",fixed\n") != std::string::npos);
  }
  SUBCASE("--fit m2 adds the overall fit to the summary; --se-method chooses the standard errors") {
    REQUIRE(run("--responses " + data + " --model 2pl --fit m2 --se-method central-differences", out, err) == 0);
    CHECK(err.find("; M2 ") != std::string::npos);
    CHECK(err.find(" df (p ") != std::string::npos);
    CHECK(err.find("RMSEA ") != std::string::npos);
    CHECK(err.find("SRMSR ") != std::string::npos);
    CHECK(err.find("AIC ") != std::string::npos);
    CHECK(err.find("standard errors: observed information of the marginal likelihood: central differences") !=
          std::string::npos);
    CHECK(run("--responses " + data + " --model 2pl --fit chi", out, err) == 1);
    CHECK(err.find("--fit: unknown statistic 'chi'") != std::string::npos);
    CHECK(run("--responses " + data + " --model 2pl --se-method sandwich", out, err) == 1);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  SUBCASE("a plain matrix whose header is the item ids") {
    const std::string plain = write("plain.csv", "q1,q2,q3\n1,0,1\n0,0,1\n1,1,1\n0,1,0\n1,0,0\n0,0,0\n1,1,0\n"
                                                 "0,1,1\n1,0,1\n0,0,1\n1,1,1\n0,1,0\n");
    REQUIRE(run("--responses " + plain + " --model rasch --no-se", out, err) == 0);
    CHECK(out.rfind("id,model,a,b,c,d", 0) == 0);
    CHECK(out.find("q3,rasch,1,") != std::string::npos);
  }
  SUBCASE("bad data: exit status 1 and one line") {
    const std::string bad_category = write("bad1.csv", "person_id,x,y\np1,1,2\np2,0,1\n");
    CHECK(run("--responses " + bad_category + " --model 2pl", out, err) == 1);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(err.find("category 2") != std::string::npos);
    const std::string not_numeric = write("bad2.csv", "person_id,x,y\np1,1,yes\n");
    CHECK(run("--responses " + not_numeric + " --model 2pl", out, err) == 1);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    const std::string empty = write("bad3.csv", "person_id,x,y\n");
    CHECK(run("--responses " + empty + " --model 2pl", out, err) == 1);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(run("--responses " + data + " --model 9pl", out, err) == 1);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  fs::remove_all(dir);
}
