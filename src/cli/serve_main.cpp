// irtcat-serve: the server `irtcat serve` runs (serve_forward.cpp), so that only it links the HTTP layer
// (cpp-httplib and OpenSSL). Its command line is `irtcat serve`'s: serve_command.cpp.

#include <CLI/CLI.hpp>

#include "cli/cli_common.hpp"

int main(int argc, char** argv) {
  CLI::App app{irtcat::cli::kServeDescription, "irtcat serve"};
  irtcat::cli::add_serve_options(app);
  return irtcat::cli::run_command_line(app, argc, argv);
}
