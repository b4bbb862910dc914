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

// libpq is loaded when a command first opens a postgresql:// location (src/store/libpq.cpp), not when irtcat starts:
// glibc's loader lists each library it opens (LD_DEBUG=files), and a command on a SQLite file opens no libpq. Without
// the library, a postgresql:// command exits 1 in one line that names it.
TEST_CASE("postgresql:// locations: libpq is loaded only for them, and a missing libpq is one line naming it") {
  const Scratch scratch;
  const std::string database = scratch.database("banks.db", {"mathematics"});
  const Run sqlite = scratch.irtcat_with("LD_DEBUG=files", "bank list --db " + database);
  REQUIRE(sqlite.status == 0);
  CHECK(sqlite.err.find("file=") != std::string::npos);  // the loader did list what it opened
  CHECK(sqlite.err.find("libpq") == std::string::npos);

  const Run missing = scratch.irtcat_with("IRTCAT_LIBPQ=" + scratch.path("no-such-libpq.so.5"),
                                          "bank list --db postgresql://127.0.0.1:1/irtcat");
  CAPTURE(missing.err);
  CHECK(missing.status == 1);
  CHECK(lines_in(missing.err) == 1);
  CHECK(missing.err.find("cannot open the database") != std::string::npos);
  CHECK(missing.err.find("no-such-libpq.so.5 cannot be loaded") != std::string::npos);
}
