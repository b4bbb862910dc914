// Fuzz target: a bank JSON file. What reads is written back and read again to the same bank.
#include <sstream>

#include "fuzz_target.hpp"
#include "irtcat/bank_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  irtcat::fuzz::run_refusing_only_typed_errors([&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const irtcat::BankDocument document = irtcat::read_bank_json(in, "fuzz.json");
    std::ostringstream out;
    irtcat::write_bank_json(out, document.info, document.bank);
    std::istringstream again(out.str());
    const irtcat::BankDocument reread = irtcat::read_bank_json(again, "written.json");
    irtcat::fuzz::require(reread.bank.size() == document.bank.size(), "the written file reads back to as many items");
    irtcat::fuzz::require(reread.info.name == document.info.name, "the written file keeps the name");
  });
  return 0;
}
