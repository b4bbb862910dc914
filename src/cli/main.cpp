// The irtcat command-line tool: parses options, calls the library, prints CSV. Errors are one line on standard
// error and exit status 1.

#include <CLI/CLI.hpp>

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
  irtcat::cli::add_score_command(app);
  irtcat::cli::add_info_command(app);
  irtcat::cli::add_next_command(app);
  irtcat::cli::add_simulate_command(app);
  irtcat::cli::add_calibrate_command(app);
  irtcat::cli::add_bank_command(app);
  irtcat::cli::add_take_command(app);
  irtcat::cli::add_serve_command(app);
  irtcat::cli::add_design_command(app);
  return irtcat::cli::run_command_line(app, argc, argv);
}
