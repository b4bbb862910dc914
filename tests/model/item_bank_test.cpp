#include <doctest/doctest.h>

#include <cmath>

#include "irtcat/error.hpp"
#include "irtcat/item_bank.hpp"
#include "test_support.hpp"

using namespace irtcat;

TEST_CASE("item_bank: the vectorized information pass equals the per-item closed forms") {
  // A mixed bank in an order that interleaves every family, with two GRM and two GPCM category counts.
  std::vector<Item> items = testing::one_of_each_model();
  items.push_back(Item::polytomous(ItemId("g2"), Model::grm, 0.7, {-0.5, 0.8}));
  items.push_back(Item::dichotomous(ItemId("d2"), Model::two_pl, 2.4, 1.9));
  items.push_back(Item::polytomous(ItemId("p2"), Model::gpcm, 1.6, {0.4}));
  for (double scaling : {1.0, kNormalOgiveScaling}) {
    const ItemBank bank(items, scaling);
    for (double theta : {-700.0, -30.0, -4.0, -1.3, 0.0, 0.77, 2.5, 30.0, 700.0}) {
      const Eigen::ArrayXd info = bank.information(theta);
      REQUIRE(info.size() == static_cast<Eigen::Index>(items.size()));
      for (std::size_t i = 0; i < items.size(); ++i) {
        CAPTURE(items[i].id().str());
        CAPTURE(theta);
        // Same formulas in two arrangements: agreement to rounding, relative 1e-12. In the far tails
        // (information below 1e-150) the vectorized pass may round to zero: absolute 1e-150 there.
        const double scalar = information(items[i], theta, scaling);
        CHECK(std::abs(info(static_cast<Eigen::Index>(i)) - scalar) <= 1e-12 * scalar + 1e-150);
        CHECK(std::isfinite(info(static_cast<Eigen::Index>(i))));
      }
    }
  }
}

TEST_CASE("item_bank: a dichotomous-only bank fills its arrays in bank order") {
  const ItemBank bank = testing::spread_bank(Model::three_pl, 1000, 7);
  const Eigen::ArrayXd info = bank.information(0.3);
  for (std::size_t i = 0; i < bank.size(); i += 97) {
    CHECK(info(static_cast<Eigen::Index>(i)) == doctest::Approx(information(bank.items()[i], 0.3)).epsilon(1e-12));
  }
  CHECK(bank.dichotomous().da.size() == 1000);
  CHECK(bank.polytomous().empty());
}

TEST_CASE("item_bank: lookup by id and index") {
  ItemMetadata meta;
  meta.domain = "mathematics";
  meta.topic = "calculus";
  const ItemBank bank(testing::one_of_each_model(), 1.0, std::vector<ItemMetadata>(7, meta));
  CHECK(bank.size() == 7);
  CHECK(bank.index_of(ItemId("g1")).value == 4);
  CHECK(bank.item(ItemIndex{4}).model() == Model::grm);
  CHECK(bank.metadata(ItemIndex{4}).topic == "calculus");
  CHECK_FALSE(bank.find(ItemId("nope")).has_value());
  CHECK_THROWS_AS(bank.index_of(ItemId("nope")), UnknownItem);
  CHECK_THROWS_AS(bank.item(ItemIndex{7}), UnknownItem);
  CHECK(test_information(bank, std::vector<ItemIndex>{{0}, {4}}, 0.5) ==
        doctest::Approx(information(testing::one_pl(), 0.5) + information(testing::graded(), 0.5)));
}

TEST_CASE("item_bank: invalid banks are refused") {
  std::vector<Item> twice = {testing::two_pl(), testing::two_pl()};
  CHECK_THROWS_AS(ItemBank{twice}, InvalidArgument);
  CHECK_THROWS_AS(ItemBank({testing::two_pl()}, 0.0), InvalidArgument);
  CHECK_THROWS_AS(ItemBank({testing::two_pl()}, std::nan("")), InvalidArgument);
  CHECK_THROWS_AS(ItemBank({testing::two_pl()}, 1.0, std::vector<ItemMetadata>(2)), InvalidArgument);
  const ItemBank bank({testing::two_pl()});
  Eigen::ArrayXd wrong(3);
  CHECK_THROWS_AS(bank.information(0.0, wrong), InvalidArgument);
  CHECK_THROWS_AS(bank.information(std::nan("")), InvalidArgument);
  CHECK(ItemBank({}).information(0.0).size() == 0);
}

TEST_CASE("item bank: the category an answer option scores") {
  ItemContent content;
  content.options = {"x", "y", "z"};
  content.key = 1;
  const Item keyed = Item::dichotomous(ItemId("k"), Model::two_pl, 1.0, 0.0);
  CHECK(option_category(keyed, content, 1) == 1);
  CHECK(option_category(keyed, content, 0) == 0);
  CHECK_FALSE(option_category(keyed, content, 3));
  const Item graded = Item::polytomous(ItemId("g"), Model::grm, 1.0, {-1.0});  // categories 0..1
  CHECK(option_category(graded, content, 1) == 1);
  CHECK_FALSE(option_category(graded, content, 2));
  // Without a key a choice on a dichotomous item cannot be scored (never as wrong); a polytomous item needs none.
  content.key = -1;
  CHECK_FALSE(option_category(keyed, content, 0));
  CHECK_FALSE(option_category(keyed, content, 1));
  CHECK(option_category(graded, content, 1) == 1);
}
