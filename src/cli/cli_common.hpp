#pragma once
// What the irtcat subcommands share: output, option parsing helpers, and the estimator options.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "irtcat/ability.hpp"
#include "irtcat/response_table.hpp"

namespace irtcat::cli {

/// --rule: a selection rule by name, any case (the library's list of rules). Returns the option.
CLI::Option* add_rule_option(CLI::App& command, std::string& rule);

/// Where a command writes its CSV: the file given with --out, or standard output. A regular file (or a new one) is
/// written under a temporary name beside it (<path>.partial) and takes its name at commit(): a command that fails
/// part way, after writing some rows, leaves the file that was there before (or none), not a truncated one. Anything
/// else (/dev/null, a pipe, /dev/stdout) is written to directly: renaming over it would replace the device or pipe.
class Output {
 public:
  explicit Output(const std::string& path);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  /// Without commit(): removes the temporary file.
  ~Output();
  std::ostream& stream() { return file_ ? *file_ : std::cout; }
  /// Flushes and, for a file, gives it its name; throws InvalidArgument when the file could not be written.
  void commit();

 private:
  std::string path_;
  bool staged_ = false;  ///< written to <path>.partial, renamed at commit()
  std::unique_ptr<std::ofstream> file_;
};

/// What --responses names: "-" for standard input, else a file.
inline constexpr const char* kStandardInput = "-";
/// A responses CSV from the file `path`, or from standard input when `path` is "-" (errors then name "standard
/// input"). Throws as read_responses_csv.
ResponseTable read_responses_argument(const std::string& path);

/// A number for people (reports, summaries), with `decimals` digits after the point: "0.123", "174.9". A value that
/// rounds to zero prints as "0.000", never "-0.000" or 1.7e-19; infinities print as "inf" and "-inf". CSV and JSON
/// keep format_double's round-trip digits instead.
std::string fixed_decimals(double value, int decimals);
/// The same with trailing zeros dropped: 1.239 -> "1.239", 0.2 -> "0.2", 1 -> "1", 1.23456 -> "1.235".
std::string rounded_decimals(double value, int decimals);

/// "lo:hi" as an interval; throws InvalidArgument naming `option` otherwise.
Interval parse_interval(const std::string& text, const std::string& option);
/// "lo:hi:points" as a quadrature grid.
QuadratureGrid parse_grid(const std::string& text, const std::string& option);
/// "x,y,z" as numbers.
std::vector<double> parse_number_list(const std::string& text, const std::string& option);

/// The options every command that estimates ability takes (score, next, simulate), with catR's defaults.
struct EstimatorFlags {
  std::string estimator = "eap";
  std::string prior = "normal";
  double prior_mean = 0.0;
  double prior_sd = 1.0;
  std::string prior_bounds;  ///< uniform prior support; empty means the same as --bounds
  std::string grid = "-4:4:33";
  std::string bounds = "-4:4";
  double scaling = 1.0;

  void add_to(CLI::App& command);
  /// The validated options; throws InvalidArgument naming the bad option.
  EstimationOptions options() const;
};

/// Registers each subcommand on the application.
void add_score_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_next_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_bank_command(CLI::App& app);
void add_take_command(CLI::App& app);
/// What `irtcat serve` does, as both programs' help shows it.
inline constexpr const char* kServeDescription =
    "Serve adaptive tests over HTTP (1EdTech CAT REST binding; see docs/service.md)";
/// `serve`: runs irtcat-serve from this executable's folder with the arguments that follow (serve_forward.cpp).
void add_serve_command(CLI::App& app);
/// Makes `app` the server's command line: its options, `client add`, and the run (serve_command.cpp).
void add_serve_options(CLI::App& app);
void add_design_command(CLI::App& app);
}  // namespace irtcat::cli
namespace irtcat {
class Store;
}
namespace irtcat::cli {
/// Stores every design file of `directory` (item_banks/designs) for every bank of `store`, in one transaction.
void import_shipped_designs(Store& store, const std::string& directory);
/// The help text of --db (calibrate's with "With --store:" before it).
inline constexpr const char* kDatabaseHelp =
    "The database file (default: $IRTCAT_DB; else the build's irtcat.db for a built irtcat, "
    "$XDG_DATA_HOME/irtcat/irtcat.db for an installed one)";
inline constexpr const char* kStoreDatabaseHelp =
    "With --store: the database file (default: $IRTCAT_DB; else the build's irtcat.db for a built irtcat, "
    "$XDG_DATA_HOME/irtcat/irtcat.db for an installed one)";

/// The database: `db_option` if given, else $IRTCAT_DB, else default_database_path(), made from the shipped banks and
/// designs (shipped_data_directory()) when it does not exist yet.
std::string database_path(const std::string& db_option);

/// The folder of the shipped banks, roles.json and designs/: share/irtcat of the install prefix for an installed
/// irtcat (found from the executable's location), else the source tree's item_banks/ (src/cli/default_database.cpp).
std::string shipped_data_directory();
/// The folder of the running executable (/proc/self/exe); empty when the system does not say.
std::filesystem::path executable_directory();
/// True when this executable is the one in the build folder that holds the build's irtcat.db.
bool running_from_build_tree();
/// The default database: the build's irtcat.db when running_from_build_tree(), else
/// $XDG_DATA_HOME/irtcat/irtcat.db, or ~/.local/share/irtcat/irtcat.db when XDG_DATA_HOME is unset or not absolute.
/// Throws InvalidArgument when neither XDG_DATA_HOME nor HOME gives a place.
std::string default_database_path();

/// Parses and runs `app`: help and version as CLI11 prints them; an error as one line on standard error, prefixed
/// "irtcat: " (a parse error also points to --help), and exit status 1.
int run_command_line(CLI::App& app, int argc, char** argv);

}  // namespace irtcat::cli
