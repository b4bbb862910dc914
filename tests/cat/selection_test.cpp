#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "irtcat/error.hpp"
#include "detail/bank_grid.hpp"
#include "cat/selection_support.hpp"
#include "irtcat/selection.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

// A small mixed bank: three 3PL items, a GRM and a GPCM item.
std::shared_ptr<const ItemBank> small_bank() {
  return std::make_shared<const ItemBank>(std::vector<Item>{
      Item::dichotomous(ItemId("e"), Model::three_pl, 1.2, -1.0, 0.2),
      Item::dichotomous(ItemId("m"), Model::three_pl, 1.6, 0.3, 0.15),
      Item::dichotomous(ItemId("h"), Model::three_pl, 0.9, 1.8, 0.25),
      Item::polytomous(ItemId("g"), Model::grm, 1.1, {-0.8, 0.4, 1.5}),
      Item::polytomous(ItemId("p"), Model::gpcm, 0.8, {0.2, -0.3})});
}

// catR's criteria written out with plain sums over the grid (trapezoidal rule) and products of probabilities.
struct Brute {
  const ItemBank& bank;
  Eigen::ArrayXd nodes;
  std::vector<Response> answered;
  double trapezoid(int q) const { return (q == 0 || q == nodes.size() - 1) ? 0.125 : 0.25; }
  double likelihood(double theta) const {
    double l = 1;
    for (const Response& r : answered) l *= probability(bank.item(r.item), r.category, theta);
    return l;
  }
  double prior(double theta) const { return std::exp(-0.5 * theta * theta); }
  double kl(std::size_t j, double theta, bool posterior) const {
    const Item& item = bank.items()[j];
    double sum = 0;
    for (int q = 0; q < nodes.size(); ++q) {
      double divergence = 0;
      for (int k = 0; k < item.category_count(); ++k) {
        const double p = probability(item, k, theta);
        divergence += p * std::log(p / probability(item, k, nodes(q)));
      }
      sum += trapezoid(q) * likelihood(nodes(q)) * (posterior ? prior(nodes(q)) : 1.0) * divergence;
    }
    return sum;
  }
  double weighted_information(std::size_t j, bool posterior) const {
    double sum = 0;
    for (int q = 0; q < nodes.size(); ++q) {
      sum += trapezoid(q) * likelihood(nodes(q)) * (posterior ? prior(nodes(q)) : 1.0) *
             information(bank.items()[j], nodes(q));
    }
    return sum;
  }
  double expected_posterior_variance(std::size_t j, double theta) const {
    const Item& item = bank.items()[j];
    double epv = 0;
    for (int k = 0; k < item.category_count(); ++k) {
      double m0 = 0, m1 = 0, m2 = 0;
      for (int q = 0; q < nodes.size(); ++q) {
        const double w = trapezoid(q) * likelihood(nodes(q)) * prior(nodes(q)) * probability(item, k, nodes(q));
        m0 += w;
        m1 += w * nodes(q);
        m2 += w * nodes(q) * nodes(q);
      }
      epv += probability(item, k, theta) * (m2 / m0 - (m1 / m0) * (m1 / m0));
    }
    return epv;
  }
};

}  // namespace

TEST_CASE("selection: every rule's scores against catR's criteria written out") {
  const auto bank = small_bank();
  const BankGrid grid(bank, QuadratureGrid{});
  const std::vector<Response> answered = {{ItemIndex{0}, 1}, {ItemIndex{3}, 2}};
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  for (const Response& r : answered) posterior.update(bank->item(r.item), r.category, 1.0);
  const EstimationOptions options;
  const double theta = estimate_ability(*bank, answered, options).theta;
  SelectionState state;
  state.theta = theta;
  state.posterior = &posterior;
  state.responses = answered;
  state.estimation = &options;
  std::vector<char> eligible = {0, 1, 1, 0, 1};
  const Brute brute{*bank, grid.nodes(), answered};

  const auto scores = [&](SelectionRule rule) { return item_scores(rule, grid, state, eligible, test_workspace()); };
  const Eigen::ArrayXd mfi = scores(SelectionRule::mfi);
  const Eigen::ArrayXd kl = scores(SelectionRule::kl);
  const Eigen::ArrayXd klp = scores(SelectionRule::klp);
  const Eigen::ArrayXd mlwi = scores(SelectionRule::mlwi);
  const Eigen::ArrayXd mpwi = scores(SelectionRule::mpwi);
  const Eigen::ArrayXd mepv = scores(SelectionRule::mepv);
  CHECK(std::isinf(mfi(0)));
  CHECK(std::isinf(kl(3)));
  // The rules normalize their weights (a constant factor for all items): compare ratios between items, to 1e-10.
  const auto ratio = [](const Eigen::ArrayXd& s, std::size_t a, std::size_t b) { return s(static_cast<Eigen::Index>(a)) / s(static_cast<Eigen::Index>(b)); };
  for (std::size_t j : {2u, 4u}) {
    CAPTURE(j);
    CHECK(mfi(static_cast<Eigen::Index>(j)) == doctest::Approx(information(bank->items()[j], theta)).epsilon(1e-12));
    CHECK(ratio(kl, j, 1) == doctest::Approx(brute.kl(j, theta, false) / brute.kl(1, theta, false)).epsilon(1e-10));
    CHECK(ratio(klp, j, 1) == doctest::Approx(brute.kl(j, theta, true) / brute.kl(1, theta, true)).epsilon(1e-10));
    CHECK(ratio(mlwi, j, 1) ==
          doctest::Approx(brute.weighted_information(j, false) / brute.weighted_information(1, false)).epsilon(1e-10));
    CHECK(ratio(mpwi, j, 1) ==
          doctest::Approx(brute.weighted_information(j, true) / brute.weighted_information(1, true)).epsilon(1e-10));
    // MEPV's variances are absolute: equal to 1e-10.
    CHECK(-mepv(static_cast<Eigen::Index>(j)) == doctest::Approx(brute.expected_posterior_variance(j, theta)).epsilon(1e-10));
  }
}

TEST_CASE("selection: MEI is the expected observed information after each answer") {
  const auto bank = small_bank();
  const BankGrid grid(bank, QuadratureGrid{});
  const std::vector<Response> answered = {{ItemIndex{1}, 0}};
  for (Estimator estimator : {Estimator::eap, Estimator::map}) {
    EstimationOptions options;
    options.estimator = estimator;
    GridPosterior posterior(options.grid, options.prior);
    posterior.update(bank->item(ItemIndex{1}), 0, 1.0);
    const double theta = estimate_ability(*bank, answered, options).theta;
    SelectionState state{theta, &posterior, answered, &options};
    const Eigen::ArrayXd mei = item_scores(SelectionRule::mei, grid, state, std::vector<char>{1, 0, 1, 1, 1}, test_workspace());
    for (std::size_t j : {0u, 3u}) {
      const Item& item = bank->items()[j];
      double expected = 0;
      for (int k = 0; k < item.category_count(); ++k) {
        std::vector<Response> extended = answered;
        extended.push_back({ItemIndex{j}, k});
        const double after = estimate_ability(*bank, extended, options).theta;
        expected += probability(item, k, theta) * -category_terms(item, after).d2[k];
      }
      CAPTURE(to_string(estimator));
      CHECK(mei(static_cast<Eigen::Index>(j)) == doctest::Approx(expected).epsilon(1e-9));
    }
  }
}

TEST_CASE("selection: ties go to the first item in bank order") {
  const Item twin = Item::dichotomous(ItemId("a"), Model::two_pl, 1.0, 0.0);
  const auto bank = std::make_shared<const ItemBank>(std::vector<Item>{
      Item::dichotomous(ItemId("x"), Model::two_pl, 0.5, 2.0), twin,
      Item::dichotomous(ItemId("b"), Model::two_pl, 1.0, 0.0)});
  const BankGrid grid(bank, QuadratureGrid{});
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  SelectionState state{0.0, &posterior, {}, nullptr};
  for (SelectionRule rule : {SelectionRule::mfi, SelectionRule::kl, SelectionRule::klp, SelectionRule::mlwi,
                             SelectionRule::mpwi, SelectionRule::mepv, SelectionRule::mei, SelectionRule::closest}) {
    CAPTURE(to_string(rule));
    CHECK(best_item(item_scores(rule, grid, state, std::vector<char>{1, 1, 1}, test_workspace())) == 1);
    CHECK(best_item(item_scores(rule, grid, state, std::vector<char>{1, 0, 1}, test_workspace())) == 2);
    CHECK(best_item(rule, grid, state, std::vector<char>{1, 1, 1}, test_workspace()) == 1);
    CHECK(best_item(rule, grid, state, std::vector<char>{1, 0, 1}, test_workspace()) == 2);
  }
  CHECK(best_items(item_scores(SelectionRule::mfi, grid, state, std::vector<char>{1, 1, 1}, test_workspace()), 2) == std::vector<std::size_t>{1, 2});
  CHECK(best_item(item_scores(SelectionRule::mfi, grid, state, std::vector<char>{0, 0, 0}, test_workspace())) == -1);
}

TEST_CASE("selection: best_item and best_items by rule name the items that scoring every item names") {
  // MLWI and MPWI screen in single precision and score exactly only the items that could be best; the others take
  // best_item(item_scores(...)). Banks of every model with exact twins (ties), near-twins (a apart by 1e−12, which
  // single precision cannot tell apart) and close items (apart by 1e−7, about single precision's resolution),
  // posteriors from 0 to 60 answers (extreme patterns included: their
  // weights underflow at most nodes), random eligibility.
  std::mt19937_64 rng(44);
  std::uniform_real_distribution<double> u(0.0, 1.0), theta(-3.0, 3.0);
  for (Model model : {Model::two_pl, Model::three_pl, Model::four_pl, Model::grm, Model::gpcm}) {
    std::vector<Item> items = testing::spread_bank(model, 120, 9).items();
    for (int i = 0; i < 10; ++i) {
      const Item twin = items[static_cast<std::size_t>(i)];  // a copy: the pushes below may move the vector
      if (is_dichotomous(model)) {
        items.push_back(Item::dichotomous(ItemId(testing::numbered("twin", i)), model, twin.a(), twin.b(), twin.c(), twin.d()));
        items.push_back(Item::dichotomous(ItemId(testing::numbered("near", i)), model, twin.a() * (1 + 1e-12), twin.b(),
                                          twin.c(), twin.d()));
        items.push_back(Item::dichotomous(ItemId(testing::numbered("close", i)), model, twin.a(), twin.b() + 1e-7,
                                          twin.c(), twin.d()));
      } else {
        const std::vector<double> thresholds(twin.thresholds().begin(), twin.thresholds().end());
        items.push_back(Item::polytomous(ItemId(testing::numbered("twin", i)), model, twin.a(), thresholds));
        items.push_back(Item::polytomous(ItemId(testing::numbered("near", i)), model, twin.a() * (1 + 1e-12), thresholds));
        items.push_back(Item::polytomous(ItemId(testing::numbered("close", i)), model, twin.a() * (1 + 1e-7), thresholds));
      }
    }
    const auto bank = std::make_shared<const ItemBank>(std::move(items));
    const BankGrid grid(bank, QuadratureGrid{});
    for (int trial = 0; trial < 40; ++trial) {
      GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
      std::vector<Response> answered;
      const double ability = trial % 8 == 0 ? 6.0 : theta(rng);  // far above the bank: all correct
      for (int k = 0; k < trial * 3 / 2 && k < 60; ++k) {
        const auto item = static_cast<std::size_t>(u(rng) * static_cast<double>(bank->size()));
        const int category = testing::draw_response(bank->items()[item], ability, 1.0, rng);
        answered.push_back({ItemIndex{item}, category});
        posterior.update(bank->items()[item], category, 1.0);
      }
      std::vector<char> eligible(bank->size(), 1);
      const double share_out = u(rng) * 0.9;
      for (char& ok : eligible) ok = u(rng) >= share_out;
      if (trial == 1) std::fill(eligible.begin(), eligible.end(), 0);
      SelectionState state{expected_a_posteriori(posterior).theta, &posterior, answered, nullptr};
      for (SelectionRule rule : {SelectionRule::mlwi, SelectionRule::mpwi, SelectionRule::kl, SelectionRule::klp, SelectionRule::mepv}) {
        CAPTURE(to_string(rule));
        const Eigen::ArrayXd scores = item_scores(rule, grid, state, eligible, test_workspace());
        CHECK(best_item(rule, grid, state, eligible, test_workspace()) == best_item(scores));
        // The k best (randomesque): the same items in the same order, twins and ties included.
        for (std::size_t count : {std::size_t{0}, std::size_t{2}, std::size_t{5}, std::size_t{17}, std::size_t{400}}) {
          CAPTURE(count);
          CHECK(best_items(rule, grid, state, eligible, count, test_workspace()) == best_items(scores, count));
        }
      }
    }
  }
}

TEST_CASE("selection: the screens on other grids and on tiny banks") {
  // Grids with fewer nodes than the compressed tables' rank (3 and 7), a wide one (121 on [−6, 6]); banks of one to
  // a few dozen items of mixed models, extreme answers included.
  std::mt19937_64 rng(45);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::vector<Item> models = testing::one_of_each_model();
  for (const QuadratureGrid& nodes : {QuadratureGrid{-4.0, 4.0, 3}, QuadratureGrid{-3.0, 3.0, 7}, QuadratureGrid{-6.0, 6.0, 121}}) {
    CAPTURE(nodes.points);
    for (int size : {1, 2, 7, 40}) {
      CAPTURE(size);
      std::vector<Item> items;
      for (int i = 0; i < size; ++i) {
        const Item& model = models[static_cast<std::size_t>(i) % models.size()];
        const ItemId id(testing::numbered("x", i));
        const double shift = 3.0 * u(rng) - 1.5;
        items.push_back(is_dichotomous(model.model())
                            ? Item::dichotomous(id, model.model(), model.a() * (0.5 + u(rng)), model.b() + shift,
                                                model.c(), model.d())
                            : Item::polytomous(id, model.model(), model.a(),
                                               [&] {
                                                 std::vector<double> t(model.thresholds().begin(), model.thresholds().end());
                                                 for (double& x : t) x += shift;
                                                 return t;
                                               }()));
      }
      const auto bank = std::make_shared<const ItemBank>(std::move(items));
      const BankGrid grid(bank, nodes);
      for (int trial = 0; trial < 6; ++trial) {
        GridPosterior posterior(nodes, NormalPrior{});
        const double ability = trial == 5 ? -8.0 : 4.0 * u(rng) - 2.0;  // the last: every answer at the bottom
        for (int k = 0; k < 3 * trial; ++k) {
          const auto item = static_cast<std::size_t>(u(rng) * static_cast<double>(bank->size()));
          posterior.update(bank->items()[item], testing::draw_response(bank->items()[item], ability, 1.0, rng), 1.0);
        }
        std::vector<char> eligible(bank->size(), 1);
        if (size > 1) eligible[0] = 0;
        SelectionState state{expected_a_posteriori(posterior).theta, &posterior, {}, nullptr};
        for (SelectionRule rule : {SelectionRule::mlwi, SelectionRule::mpwi, SelectionRule::kl, SelectionRule::klp,
                                   SelectionRule::mepv}) {
          CAPTURE(to_string(rule));
          const Eigen::ArrayXd scores = item_scores(rule, grid, state, eligible, test_workspace());
          CHECK(best_item(rule, grid, state, eligible, test_workspace()) == best_item(scores));
          CHECK(best_items(rule, grid, state, eligible, 3, test_workspace()) == best_items(scores, 3));
        }
      }
    }
  }
}

TEST_CASE("selection: closest difficulty and the a-strata") {
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 40, 3));
  const BankGrid grid(bank, QuadratureGrid{});
  SelectionState state{0.7, nullptr, {}, nullptr};
  const std::ptrdiff_t chosen = best_item(item_scores(SelectionRule::closest, grid, state, std::vector<char>(40, 1), test_workspace()));
  for (const Item& item : bank->items()) CHECK(std::abs(item.b() - 0.7) >= std::abs(bank->items()[static_cast<std::size_t>(chosen)].b() - 0.7));

  const std::vector<int> strata = a_strata(*bank, 4);
  std::vector<double> mean_a(4, 0.0);
  std::vector<double> mean_b(4, 0.0);
  std::vector<int> size(4, 0);
  for (std::size_t i = 0; i < 40; ++i) {
    ++size[static_cast<std::size_t>(strata[i])];
    mean_a[static_cast<std::size_t>(strata[i])] += bank->items()[i].a() / 10;
    mean_b[static_cast<std::size_t>(strata[i])] += bank->items()[i].b() / 10;
  }
  CHECK(size == std::vector<int>{10, 10, 10, 10});
  for (int s = 1; s < 4; ++s) CHECK(mean_a[static_cast<std::size_t>(s)] > mean_a[static_cast<std::size_t>(s - 1)]);
  // b-blocking: every stratum spans the difficulty range alike (means within 0.5 of each other).
  CHECK(*std::max_element(mean_b.begin(), mean_b.end()) - *std::min_element(mean_b.begin(), mean_b.end()) < 0.5);
}

TEST_CASE("selection: bad calls") {
  const auto bank = small_bank();
  const BankGrid grid(bank, QuadratureGrid{});
  SelectionState state{0.0, nullptr, {}, nullptr};
  CHECK_THROWS_AS(item_scores(SelectionRule::kl, grid, state, std::vector<char>(5, 1), test_workspace()), InvalidArgument);
  CHECK_THROWS_AS(item_scores(SelectionRule::mfi, grid, state, std::vector<char>(4, 1), test_workspace()), InvalidArgument);
  CHECK_THROWS_AS(item_scores(SelectionRule::random, grid, state, std::vector<char>(5, 1), test_workspace()), InvalidArgument);
  CHECK_THROWS_AS(best_item(SelectionRule::mlwi, grid, state, std::vector<char>(5, 1), test_workspace()), InvalidArgument);  // no posterior
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  SelectionState with_posterior{0.0, &posterior, {}, nullptr};
  CHECK_THROWS_AS(best_item(SelectionRule::mpwi, grid, with_posterior, std::vector<char>(4, 1), test_workspace()), InvalidArgument);
  with_posterior.theta = std::nan("");
  CHECK_THROWS_AS(best_item(SelectionRule::mpwi, grid, with_posterior, std::vector<char>(5, 1), test_workspace()), InvalidArgument);
  state.theta = std::nan("");
  CHECK_THROWS_AS(item_scores(SelectionRule::mfi, grid, state, std::vector<char>(5, 1), test_workspace()), InvalidArgument);
  CHECK_THROWS_AS(selection_rule_from_string("best"), InvalidArgument);
  CHECK(selection_rule_from_string("a-stratified") == SelectionRule::a_stratified);
  CHECK_THROWS_AS(a_strata(*bank, 0), InvalidArgument);
  CHECK_THROWS_AS(BankGrid(nullptr, QuadratureGrid{}), InvalidArgument);
}

TEST_CASE("selection: every rule of the list reads back from its name, in any case, and the list names each once") {
  std::set<std::string> names;
  for (const SelectionRule rule : kSelectionRules) {
    const std::string name(to_string(rule));
    CHECK(name != "unknown");
    CHECK(names.insert(name).second);
    CHECK(selection_rule_from_string(name) == rule);
    std::string upper = name;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK(selection_rule_from_string(upper) == rule);
  }
  CHECK(selection_rule_names() == "mfi, kl, klp, mlwi, mpwi, mepv, mei, closest, a_stratified or random");
  CHECK(static_cast<std::size_t>(SelectionRule::random) + 1 == kSelectionRules.size());  // the enum's last value
}
