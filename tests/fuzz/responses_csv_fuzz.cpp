// Fuzz target: a responses CSV file, matched to a small bank (items i1..i6, one of each model) and scored.
#include <algorithm>
#include <sstream>

#include "fuzz_target.hpp"
#include "irtcat/ability.hpp"
#include "irtcat/responses_csv.hpp"

namespace {

const irtcat::ItemBank& bank() {
  using irtcat::Item;
  using irtcat::ItemId;
  using irtcat::Model;
  static const irtcat::ItemBank kBank({Item::dichotomous(ItemId("i1"), Model::one_pl, 1.0, -0.5),
                                       Item::dichotomous(ItemId("i2"), Model::two_pl, 1.3, 0.2),
                                       Item::dichotomous(ItemId("i3"), Model::three_pl, 1.1, 0.4, 0.2),
                                       Item::dichotomous(ItemId("i4"), Model::four_pl, 1.6, -0.1, 0.1, 0.95),
                                       Item::polytomous(ItemId("i5"), Model::grm, 1.2, {-1.0, 0.3, 1.2}),
                                       Item::polytomous(ItemId("i6"), Model::gpcm, 0.9, {-0.4, 0.8})});
  return kBank;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  irtcat::fuzz::run_refusing_only_typed_errors([&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const irtcat::ResponseTable table = irtcat::read_responses_csv(in, "fuzz.csv");
    irtcat::fuzz::require(table.person_ids.size() == static_cast<std::size_t>(table.responses.rows()),
                          "one person id per row");
    const auto patterns = irtcat::response_patterns(table, bank());
    irtcat::EstimationOptions options;
    for (const irtcat::Estimator estimator : {irtcat::Estimator::eap, irtcat::Estimator::ml, irtcat::Estimator::wle}) {
      options.estimator = estimator;
      for (std::size_t p = 0; p < std::min<std::size_t>(patterns.size(), 8); ++p) {
        const irtcat::AbilityEstimate estimate = irtcat::estimate_ability(bank(), patterns[p], options);
        irtcat::fuzz::require(std::isfinite(estimate.theta), "a finite estimate");
      }
    }
  });
  return 0;
}
