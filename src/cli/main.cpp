// The irtcat command-line tool: parses options, calls the library, prints CSV. Errors are one line on standard
// error and exit status 1.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iterator>
#include <string_view>

#include "cli/cli_common.hpp"
#include "irtcat/simd.hpp"
#include "irtcat/text.hpp"

int main(int argc, char** argv) {
  CLI::App app{"irtcat: computerized adaptive testing with item response theory"};
  app.require_subcommand(1);
  // The version, and the instruction set the vector kernels run on among those this CPU runs (IRTCAT_SIMD chooses).
  app.set_version_flag("--version", [] {
    return std::string("irtcat ") + IRTCAT_VERSION + "\nsimd " + irtcat::simd_target() + " (this CPU: " +
           irtcat::join(irtcat::simd_targets(), " ") + ")";
  });
  struct Command {
    std::string_view name;
    void (*add)(CLI::App&);
  };
  constexpr Command kCommands[] = {
      {"score", irtcat::cli::add_score_command},       {"info", irtcat::cli::add_info_command},
      {"next", irtcat::cli::add_next_command},         {"simulate", irtcat::cli::add_simulate_command},
      {"calibrate", irtcat::cli::add_calibrate_command}, {"bank", irtcat::cli::add_bank_command},
      {"take", irtcat::cli::add_take_command},         {"serve", irtcat::cli::add_serve_command},
      {"design", irtcat::cli::add_design_command}};
  // Only the command named first is set up, when one is: setting up all nine (about 500 options, each name checked
  // against those before it) was 4 of the 13 million instructions of `irtcat score` on a two-row file. --help,
  // --version and a first argument that names no command get them all.
  const std::string_view first = argc > 1 ? argv[1] : "";
  const auto named = std::find_if(std::begin(kCommands), std::end(kCommands),
                                  [&](const Command& command) { return command.name == first; });
  if (named != std::end(kCommands)) {
    named->add(app);
  } else {
    for (const Command& command : kCommands) command.add(app);
  }
  return irtcat::cli::run_command_line(app, argc, argv);
}
