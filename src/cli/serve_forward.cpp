// irtcat serve: runs the server program irtcat-serve (serve_main.cpp) from this executable's folder, where the build
// and the install put it, in place of this process (the same process id, standard streams and signals) with the
// arguments that follow `serve`, --help among them. The tool thereby loads no HTTP layer for its other commands.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/cli_common.hpp"
#include "irtcat/error.hpp"

namespace irtcat::cli {
namespace {

[[noreturn]] void run_server(const std::vector<std::string>& arguments) {
  const std::filesystem::path folder = executable_directory();
  if (folder.empty()) throw InvalidArgument("serve: cannot find the folder of irtcat, where irtcat-serve is");
  const std::string server = (folder / "irtcat-serve").string();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(server.c_str()));
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::fflush(nullptr);
  execv(server.c_str(), argv.data());
  throw InvalidArgument("serve: cannot run " + server + ": " + std::strerror(errno) +
                        " (irtcat-serve is built and installed beside irtcat)");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("serve", kServeDescription);
  // Everything after `serve` is irtcat-serve's to read, --help too.
  command->prefix_command();
  command->set_help_flag();
  command->callback([command] { run_server(command->remaining()); });
}

}  // namespace irtcat::cli
