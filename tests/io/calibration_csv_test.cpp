#include <doctest/doctest.h>

#include <sstream>

#include "irtcat/calibration_csv.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "test_support.hpp"

using namespace irtcat;

TEST_CASE("calibration csv: estimable items as an items CSV that reads back") {
  CalibrationResult result;
  CalibratedItem estimated;
  estimated.item = Item::dichotomous(ItemId("q1"), Model::two_pl, 1.25, -0.5);
  estimated.model = CalibrationModel::two_pl;
  estimated.responses = 40;
  CalibratedItem inestimable;
  result.items = {estimated, inestimable};
  std::ostringstream out;
  write_calibration_csv(out, result);
  const std::string text = out.str();
  CHECK(text.rfind("id,model,a,b,c,d,se_a,se_b,se_c,se_d,sx2,sx2_df,sx2_p,infit,outfit,responses,status\n", 0) == 0);
  std::istringstream in(text);
  const ItemBank back = read_items_csv(in, "written");
  REQUIRE(back.size() == 1);
  CHECK(back.items()[0].a() == 1.25);
  CHECK(back.items()[0].b() == -0.5);
}

TEST_CASE("calibration: a recalibration target must hold the calibrated items and the fixed items' parameters") {
  const ItemBank bank({Item::dichotomous(ItemId("a"), Model::two_pl, 1.0, 0.0),
                       Item::dichotomous(ItemId("b"), Model::two_pl, 1.2, 0.5)});
  ResponseTable table;
  table.file = "r.csv";
  table.item_ids = {"a", "b", "new"};
  const ItemBank fixed({Item::dichotomous(ItemId("new"), Model::two_pl, 1.0, 0.0),
                        Item::dichotomous(ItemId("a"), Model::two_pl, 1.0004, 0.0)});
  CHECK_NOTHROW(check_recalibration(bank, "bank 'x'", table, &fixed, "fixed.csv"));
  CHECK_THROWS_AS(check_recalibration(bank, "bank 'x'", table, nullptr, ""), UnknownItem);
  const ItemBank moved({Item::dichotomous(ItemId("new"), Model::two_pl, 1.0, 0.0),
                        Item::dichotomous(ItemId("b"), Model::two_pl, 1.3, 0.5)});
  CHECK_THROWS_AS(check_recalibration(bank, "bank 'x'", table, &moved, "fixed.csv"), DataError);
}
