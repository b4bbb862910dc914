// Scores one response pattern through the installed library; exits 0 when the estimate is sensible.
#include <irtcat/irtcat.hpp>

#include <cmath>
#include <iostream>

int main() {
  using namespace irtcat;
  const ItemBank bank({Item::dichotomous(ItemId("a"), Model::two_pl, 1.2, -0.5),
                       Item::dichotomous(ItemId("b"), Model::three_pl, 0.9, 0.3, 0.2),
                       Item::polytomous(ItemId("c"), Model::grm, 1.1, {-1.0, 0.0, 1.0})});
  const std::vector<Response> pattern = {{ItemIndex{0}, 1}, {ItemIndex{1}, 0}, {ItemIndex{2}, 2}};
  const AbilityEstimate estimate = estimate_ability(bank, pattern);
  std::cout << "theta " << estimate.theta << " se " << estimate.se << '\n';
  return std::isfinite(estimate.theta) && estimate.se > 0 ? 0 : 1;
}
