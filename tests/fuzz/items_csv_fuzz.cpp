// Fuzz target: an items CSV file. What reads is written back and read again to the same bank.
#include <sstream>

#include "fuzz_target.hpp"
#include "irtcat/items_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  irtcat::fuzz::run_refusing_only_typed_errors([&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const irtcat::ItemBank bank = irtcat::read_items_csv(in, "fuzz.csv");
    const Eigen::ArrayXd information = bank.information(0.5);
    irtcat::fuzz::require(information.allFinite() && (information >= 0).all(), "finite, non-negative information");
    std::ostringstream out;
    irtcat::write_items_csv(out, bank);
    std::istringstream again(out.str());
    const irtcat::ItemBank reread = irtcat::read_items_csv(again, "written.csv");
    irtcat::fuzz::require(reread.size() == bank.size(), "the written file reads back to as many items");
    for (std::size_t i = 0; i < bank.size(); ++i) {
      irtcat::fuzz::require(reread.items()[i].id() == bank.items()[i].id(), "the written file keeps the ids");
      irtcat::fuzz::require(reread.items()[i].a() == bank.items()[i].a(), "the written file keeps a exactly");
    }
  });
  return 0;
}
