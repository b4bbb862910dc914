// The compiled selection of a design (src/selector.cpp): each rule's selector, the tables it builds, and the
// choice outside a session (next_item_after).
#include <doctest/doctest.h>

#include <memory>
#include <random>

#include "detail/bank_grid.hpp"
#include "cat/selection_support.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"
#include "test_support.hpp"

using namespace irtcat;

namespace {

// A state four answers in, on `design`'s grid.
struct FourAnswersIn {
  std::vector<Response> answered{{ItemIndex{0}, 1}, {ItemIndex{3}, 0}, {ItemIndex{5}, 1}, {ItemIndex{8}, 1}};
  GridPosterior posterior;
  std::vector<char> eligible;
  SelectionState state;
  explicit FourAnswersIn(const TestDesign& design)
      : posterior(design.prior_posterior()), eligible(design.bank().size(), 1) {
    for (const Response& r : answered) {
      design.add_response(posterior, r.item, r.category);
      eligible[r.item.value] = 0;
    }
    state.theta = expected_a_posteriori(posterior).theta;
    state.posterior = &posterior;
    state.responses = answered;
    state.estimation = &design.config().estimation;
  }
};

}  // namespace

TEST_CASE("selector: a design's best items are those its scores name, for every scored rule") {
  for (const Model model : {Model::three_pl, Model::grm}) {
    const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(model, 120, 31));
    for (const SelectionRule rule : {SelectionRule::mfi, SelectionRule::kl, SelectionRule::klp, SelectionRule::mlwi,
                                     SelectionRule::mpwi, SelectionRule::mepv, SelectionRule::mei,
                                     SelectionRule::closest}) {
      CAPTURE(to_string(rule));
      SessionConfig config;
      config.selection.rule = rule;
      const TestDesign design(bank, config);
      const FourAnswersIn at(design);
      const Eigen::ArrayXd scores = design.item_scores(at.state, at.eligible);
      CHECK(design.best_item(at.state, at.eligible) == best_item(scores));
      CHECK(design.best_items(at.state, at.eligible, 5) == best_items(scores, 5));
      // The same scores as a grid with every table.
      const BankGrid full(bank, config.estimation.grid);
      CHECK((scores == item_scores(rule, full, at.state, at.eligible, test_workspace())).all());
    }
  }
}

TEST_CASE("selector: a design builds only the tables its rule reads") {
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 40, 5));
  for (const SelectionRule rule : {SelectionRule::mfi, SelectionRule::closest, SelectionRule::a_stratified,
                                   SelectionRule::random}) {
    const GridTables tables = GridTables::for_rule(rule);
    CHECK_FALSE((tables.information || tables.log_p_low_rank || tables.probability_panels || tables.probability_low_rank));
  }
  CHECK(GridTables::for_rule(SelectionRule::mlwi).information);
  CHECK_FALSE(GridTables::for_rule(SelectionRule::mlwi).log_p_low_rank);
  CHECK(GridTables::for_rule(SelectionRule::klp).log_p_low_rank);
  CHECK(GridTables::for_rule(SelectionRule::mepv).probability_low_rank);
  CHECK(GridTables::all().covers(SelectionRule::mepv));

  const BankGrid lean(bank, QuadratureGrid{}, GridTables::for_rule(SelectionRule::mfi));
  CHECK(lean.information().size() == 0);
  CHECK(lean.log_p().rows() == 80);
  GridPosterior posterior(QuadratureGrid{}, NormalPrior{});
  SelectionState state;
  state.posterior = &posterior;
  const std::vector<char> eligible(bank->size(), 1);
  CHECK_THROWS_AS(item_scores(SelectionRule::mlwi, lean, state, eligible, test_workspace()), InvalidArgument);
  CHECK_THROWS_AS(best_item(SelectionRule::kl, lean, state, eligible, test_workspace()), InvalidArgument);
  CHECK(item_scores(SelectionRule::mfi, lean, state, eligible, test_workspace()).size() == 40);
}

TEST_CASE("selector: a design's scores are refused for the rules that choose by step or at random") {
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::two_pl, 40, 5));
  for (const SelectionRule rule : {SelectionRule::a_stratified, SelectionRule::random}) {
    SessionConfig config;
    config.selection.rule = rule;
    const TestDesign design(bank, config);
    SelectionState state;
    const std::vector<char> eligible(bank->size(), 1);
    CHECK_THROWS_AS(design.item_scores(state, eligible), InvalidArgument);
    CHECK_THROWS_AS(design.best_item(state, eligible), InvalidArgument);
    CHECK_THROWS_AS(design.best_items(state, eligible, 3), InvalidArgument);
  }
}

TEST_CASE("selector: next_item_after chooses at the pattern's estimate among the items not answered") {
  const auto bank = std::make_shared<const ItemBank>(testing::spread_bank(Model::three_pl, 60, 8));
  SessionConfig config;
  config.selection.rule = SelectionRule::mpwi;
  config.estimation.estimator = Estimator::map;
  const TestDesign design(bank, config);
  FourAnswersIn at(design);
  at.state.theta = estimate_ability(*bank, at.answered, config.estimation).theta;
  const auto chosen = next_item_after(design, at.answered, 1);
  REQUIRE(chosen);
  CHECK(static_cast<std::ptrdiff_t>(chosen->value) == best_item(design.item_scores(at.state, at.eligible)));

  // The random rule: one draw of the given stream, never an answered item, nothing once every item is answered.
  config.selection.rule = SelectionRule::random;
  const TestDesign random(bank, config);
  const auto drawn = next_item_after(random, at.answered, 77);
  REQUIRE(drawn);
  CHECK(at.eligible[drawn->value] == 1);
  CHECK(next_item_after(random, at.answered, 77) == drawn);
  std::vector<Response> all;
  for (std::size_t i = 0; i < bank->size(); ++i) all.push_back({ItemIndex{i}, 1});
  CHECK_FALSE(next_item_after(random, all, 77));
  CHECK_THROWS_AS(next_item_after(design, std::vector<Response>{{ItemIndex{0}, 2}}, 1), InvalidResponse);
}
