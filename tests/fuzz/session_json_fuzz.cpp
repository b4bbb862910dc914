// Fuzz target: a stored session (Session::from_json with the configuration it holds) on a small fixed bank; a
// session that restores offers its next item and saves again.
#include <memory>

#include "fuzz_target.hpp"
#include "irtcat/session.hpp"
#include "session_fuzz_bank.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto bank = std::make_shared<const irtcat::ItemBank>(irtcat::fuzz::session_bank());
  irtcat::fuzz::run_refusing_only_typed_errors([&] {
    irtcat::Session session =
        irtcat::Session::from_json(bank, std::string(reinterpret_cast<const char*>(data), size));
    if (const auto item = session.next_item()) irtcat::fuzz::require(item->value < bank->size(), "an item of the bank");
    const std::string saved = session.to_json();
    irtcat::fuzz::require(irtcat::Session::from_json(bank, saved).history().size() == session.history().size(),
                          "a saved session restores to the same log");
  });
  return 0;
}
