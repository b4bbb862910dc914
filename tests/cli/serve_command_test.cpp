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

// `irtcat serve` runs irtcat-serve from irtcat's own folder (src/cli/serve_forward.cpp) with what follows `serve`:
// its help is the server's, and an irtcat without the server beside it says so in one line.
TEST_CASE("serve: the arguments reach irtcat-serve beside irtcat, and a missing one is one line naming it") {
  const Scratch scratch;
  const Run help = scratch.irtcat("serve --help");
  CAPTURE(help.err);
  CHECK(help.status == 0);
  CHECK(help.out.find("Usage: irtcat serve") != std::string::npos);
  CHECK(help.out.find("--token-lifetime") != std::string::npos);

  const Run bad = scratch.irtcat("serve --port 70000");
  CHECK(bad.status == 1);
  CHECK(lines_in(bad.err) == 1);
  CHECK(bad.err.find("--port") != std::string::npos);

  // The tool alone, copied into a folder without irtcat-serve.
  const std::string lone = scratch.path("irtcat");
  std::filesystem::copy_file(IRTCAT_CLI, lone);
  const int status = std::system((lone + " serve --help > " + scratch.path("lone.out") + " 2> " +
                                  scratch.path("lone.err")).c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  const std::string err = slurp(scratch.path("lone.err"));
  CAPTURE(err);
  CHECK(lines_in(err) == 1);
  CHECK(err.find("cannot run " + scratch.path("irtcat-serve") + ": No such file or directory") != std::string::npos);
}
