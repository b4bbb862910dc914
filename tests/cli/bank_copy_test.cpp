// Tests of `irtcat bank copy` and of `--db postgresql://...` on the commands (src/cli/bank_command.cpp): a database
// copied into a fresh one of each engine lists the same banks and gives the same responses CSV, and a copy into a
// database that holds banks exits 1 in one line.

#include <doctest/doctest.h>

#include "irtcat/store.hpp"
#include "scratch.hpp"
#include "store/engines.hpp"

using namespace irtcat;
using namespace irtcat::testing;

TEST_CASE("bank copy: the copy lists the same banks and answers on each engine, and a second copy is refused") {
  const Scratch scratch;
  const std::string original = scratch.database("original.db", {"mathematics", "data_science"});
  {
    Store store(original, OpenMode::read_write);
    const BankDocument bank = store.load_bank("mathematics");
    const std::int64_t id = store.create_session("mathematics", bank.info.version, SessionConfig{}, 4);
    for (std::size_t k = 0; k < 3; ++k) {
      store.append_response(id, static_cast<std::int64_t>(k) + 1, bank.bank.items()[k].id().str(),
                            static_cast<int>(k % 2), static_cast<int>(k));
    }
    store.finish_session(id, AbilityEstimate{0.25, 0.8}, StopReason::max_length);
  }
  const Run banks = scratch.irtcat("bank list --db " + original);
  const Run answers = scratch.irtcat("bank responses mathematics --options --db " + original);
  REQUIRE(banks.status == 0);
  REQUIRE(answers.status == 0);
  for_each_engine_location(
      [&](const std::string& location) {
        const Run copied = scratch.irtcat("bank copy --from " + original + " --to '" + location + "'");
        CAPTURE(copied.err);
        REQUIRE(copied.status == 0);
        CHECK(copied.out.find("copied 2 banks, 1 sessions and 3 responses") != std::string::npos);
        CHECK(scratch.irtcat("bank list --db '" + location + "'").out == banks.out);
        CHECK(scratch.irtcat("bank responses mathematics --options --db '" + location + "'").out == answers.out);
        const Run again = scratch.irtcat("bank copy --from " + original + " --to '" + location + "'");
        CHECK(again.status == 1);
        CHECK(lines_in(again.err) == 1);
        CHECK(again.err.find("holds banks already") != std::string::npos);
      },
      scratch.path("copy.db"));
}
