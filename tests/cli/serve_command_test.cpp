// Tests of `irtcat serve client add` (src/cli/serve_command.cpp): `--db` may come before or after the subcommand,
// as the README writes it, and the client goes into that database, not the default one. The server itself is
// tested over HTTP in tests/service/.

#include <doctest/doctest.h>

#include "irtcat/store.hpp"
#include "scratch.hpp"

using namespace irtcat;
using namespace irtcat::testing;

TEST_CASE("serve client add: --db before or after the subcommand registers the client in that database") {
  const Scratch scratch;
  const std::string before = scratch.path("before.db");
  const std::string after = scratch.path("after.db");
  const Run first = scratch.irtcat("serve --db " + before + " client add 'platform one'");
  const Run second = scratch.irtcat("serve client add 'platform two' --db " + after);
  for (const Run* run : {&first, &second}) {
    CAPTURE(run->err);
    REQUIRE(run->status == 0);
    CHECK(run->out.find("client_id ") == 0);
    CHECK(run->out.find("\nclient_secret ") != std::string::npos);
  }
  for (const std::string& database : {before, after}) {
    Store store(database, OpenMode::read_only);
    Statement clients(store.database(), "SELECT COUNT(*) FROM service_clients");
    REQUIRE(clients.step());
    CHECK(clients.column_int64(0) == 1);
  }
  const Run nameless = scratch.irtcat("serve client add --db " + after);
  CHECK(nameless.status != 0);
  CHECK(lines_in(nameless.err) == 1);
}
