// irtcat design import|create|list|show|calibrate-exposure: the test designs a store keeps per bank, so that the
// live test (take), the study (simulate) and the service run the same test.

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "cli/cli_common.hpp"
#include "cli/design_flags.hpp"
#include "irtcat/design_json.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"
#include "irtcat/sympson_hetter.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {
namespace {

std::string exposure_summary(const SessionConfig& config) {
  std::string text(to_string(config.exposure.method));
  if (config.exposure.method == ExposureMethod::randomesque) text += " " + std::to_string(config.exposure.randomesque_count);
  return text;
}

std::string stop_summary(const SessionConfig& config) {
  const StoppingOptions& stop = config.stopping;
  std::ostringstream text;
  text << "length " << stop.max_length;
  if (stop.se_target) text << ", SE <= " << *stop.se_target;
  if (stop.information_target) text << ", information < " << *stop.information_target;
  if (stop.classification) text << ", classified at " << stop.classification->cut;
  return text.str();
}

std::string calibration_note(const SympsonHetterResult& result, double target, bool conditional) {
  std::ostringstream text;
  text << (conditional ? "conditional " : "") << "Sympson-Hetter K for r = " << target << ": highest rate "
       << std::fixed << std::setprecision(4) << result.max_rate << " (SE " << result.max_rate_se << ") on "
       << result.candidates << " fresh candidates" << (conditional ? " per stratum" : "") << ", " << result.iterations
       << " iterations";
  return text.str();
}

}  // namespace

void import_shipped_designs(Store& store, const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(directory, error)) return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  Transaction transaction(store.database());
  for (const fs::path& file : files) {
    const DesignDocument design = read_design_json_file(file.string());
    for (const BankSummary& bank : store.banks()) {
      store.save_design(bank.info.name, design, "shipped: item_banks/designs/" + file.filename().string());
    }
  }
  transaction.commit();
}

void add_design_command(CLI::App& app) {
  struct Flags {
    std::string db;
    std::string name;
    std::vector<std::string> files;
    std::vector<std::string> banks;
    std::string bank;
    std::string description;
    std::optional<int> version;
    double target = 0.25;
    double tolerance = 0.01;
    int candidates = 2000;
    int max_candidates = 64000;
    std::uint64_t seed = 1;
    unsigned threads = 0;
    std::string theta_cuts;
    DesignFlags design;
  };
  auto flags = std::make_shared<Flags>();
  const std::string db_help = kDatabaseHelp;
  CLI::App* design = app.add_subcommand(
      "design", "Test designs stored per bank (rule, estimator, exposure, content, start, stop): import, create, list, "
                "show, calibrate-exposure");
  design->require_subcommand(1);

  CLI::App* import = design->add_subcommand("import", "Store design files (*.json) for banks, as their next versions");
  import->add_option("files", flags->files, "Design files")->required();
  import->add_option("--bank", flags->banks, "The banks to store them for (repeatable; default: every stored bank)");
  import->add_option("--db", flags->db, db_help);
  import->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_write);
    std::vector<std::string> banks = flags->banks;
    if (banks.empty()) {
      for (const BankSummary& bank : store.banks()) banks.push_back(bank.info.name);
    }
    std::vector<DesignDocument> designs;
    for (const std::string& file : flags->files) designs.push_back(read_design_json_file(file));
    std::cout << "bank,design,version\n";
    Transaction transaction(store.database());
    std::vector<std::string> rows;
    for (std::size_t f = 0; f < designs.size(); ++f) {
      for (const std::string& bank : banks) {
        const int version = store.save_design(bank, designs[f], "imported from " + flags->files[f]);
        rows.push_back(csv_quoted(bank) + ',' + csv_quoted(designs[f].name) + ',' + std::to_string(version));
      }
    }
    transaction.commit();
    for (const std::string& row : rows) std::cout << row << '\n';
  });

  CLI::App* create = design->add_subcommand(
      "create", "Store a design for a bank from options (over --design, a stored design or file, when given)");
  create->add_option("name", flags->name, "The design's name")->required();
  create->add_option("--bank", flags->bank, "The bank it is for")->required();
  create->add_option("--description", flags->description, "What the design is for");
  create->add_option("--db", flags->db, db_help);
  flags->design.add_to(*create);
  create->callback([flags] {
    check_design_name(flags->name);
    Store store(database_path(flags->db), OpenMode::read_write);
    const BankDocument bank = store.load_bank(flags->bank);
    const ResolvedDesign resolved = resolve_design(flags->design, &store, bank, "");
    DesignDocument document = resolved.document;
    document.name = flags->name;
    if (!flags->description.empty()) document.description = flags->description;
    const int version = store.save_design(flags->bank, document, "created from " + resolved.label);
    std::cout << "bank,design,version\n" << csv_quoted(flags->bank) << ',' << csv_quoted(document.name) << ','
              << version << '\n';
  });

  CLI::App* list = design->add_subcommand("list", "The latest version of every stored design");
  list->add_option("--bank", flags->bank, "Only this bank's designs");
  list->add_option("--db", flags->db, db_help);
  list->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_only);
    std::cout << "bank,design,version,rule,estimator,exposure,stop,description\n";
    for (const StoredDesign& stored : store.designs(flags->bank)) {
      const SessionConfig& config = stored.document.config;
      std::cout << csv_quoted(stored.bank) << ',' << csv_quoted(stored.document.name) << ',' << stored.version << ','
                << to_string(config.selection.rule) << ',' << to_string(config.estimation.estimator) << ','
                << csv_quoted(exposure_summary(config)) << ',' << csv_quoted(stop_summary(config)) << ','
                << csv_quoted(stored.document.description) << '\n';
    }
  });

  CLI::App* show = design->add_subcommand("show", "A stored design as a design file (JSON), which design import reads");
  show->add_option("name", flags->name, "The design's name")->required();
  show->add_option("--bank", flags->bank, "Its bank")->required();
  show->add_option("--version", flags->version, "A version (default: the latest)");
  show->add_option("--db", flags->db, db_help);
  show->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_only);
    const StoredDesign stored = store.load_design(flags->bank, flags->name, flags->version);
    std::cerr << "design " << stored.document.name << " version " << stored.version << " of bank " << stored.bank
              << " (version " << stored.bank_version << "), " << stored.created_at
              << (stored.note.empty() ? "" : ": " + stored.note) << '\n';
    write_design_json(std::cout, stored.document);
  });

  CLI::App* calibrate = design->add_subcommand(
      "calibrate-exposure",
      "Set a design's Sympson-Hetter parameters by the iterative simulation and store them as its next version");
  calibrate->add_option("name", flags->name, "The design's name")->required();
  calibrate->add_option("--bank", flags->bank, "Its bank")->required();
  calibrate->add_option("--target", flags->target, "The highest exposure rate allowed")->capture_default_str();
  calibrate->add_option("--tolerance", flags->tolerance, "Converged once the highest rate is within this of the target")
      ->capture_default_str();
  calibrate->add_option("--candidates", flags->candidates, "Fresh candidates in the first iteration (doubling after)")
      ->capture_default_str();
  calibrate->add_option("--max-candidates", flags->max_candidates, "The most candidates an iteration draws")
      ->capture_default_str();
  calibrate->add_option("--theta-cuts", flags->theta_cuts,
                        "Conditional Sympson-Hetter: the theta strata's bounds x,y,... (K per stratum)");
  calibrate->add_option("--seed", flags->seed, "Seed of the simulation")->capture_default_str();
  calibrate->add_option("--threads", flags->threads, "Worker threads (0: every core); the result is the same")
      ->capture_default_str();
  calibrate->add_option("--db", flags->db, db_help);
  calibrate->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_write);
    BankDocument bank = store.load_bank(flags->bank);
    StoredDesign stored = store.load_design(flags->bank, flags->name);
    DesignDocument document = stored.document;
    const bool conditional = !flags->theta_cuts.empty();
    document.config.exposure.method =
        conditional ? ExposureMethod::conditional_sympson_hetter : ExposureMethod::sympson_hetter;
    document.config.exposure.theta_cuts =
        conditional ? parse_number_list(flags->theta_cuts, "--theta-cuts") : std::vector<double>{};
    document.config.exposure.sympson_hetter.clear();
    SympsonHetterOptions options;
    options.target_rate = flags->target;
    options.tolerance = flags->tolerance;
    options.candidates = flags->candidates;
    options.max_candidates = flags->max_candidates;
    options.seed = flags->seed;
    options.threads = flags->threads;
    options.validate();
    const SessionConfig config = document.config_for(bank.info.topics);
    auto items = std::make_shared<const ItemBank>(std::move(bank.bank));
    const bool terminal = isatty(STDERR_FILENO) != 0;
    const auto progress = [terminal](int iteration, double max_rate) {
      if (terminal) {
        std::cerr << "\rexposure calibration: iteration " << iteration << ", highest rate "
                  << fixed_decimals(max_rate, 4) << std::flush;
      }
    };
    const SympsonHetterResult result = conditional
                                           ? calibrate_conditional_sympson_hetter(items, config, options, progress)
                                           : calibrate_sympson_hetter(items, config, options, progress);
    if (terminal) std::cerr << '\n';
    const std::string note = calibration_note(result, flags->target, conditional);
    if (!result.converged) {
      throw InvalidArgument("design calibrate-exposure: did not converge (" + note +
                            "); nothing stored: allow more --max-candidates or a larger --tolerance");
    }
    document.config.exposure.sympson_hetter = result.parameters;
    const int version = store.save_design(flags->bank, document, note);
    std::cout << "bank,design,version,max_rate,max_rate_se,candidates,iterations\n"
              << csv_quoted(flags->bank) << ',' << csv_quoted(document.name) << ',' << version << ','
              << format_double(result.max_rate) << ',' << format_double(result.max_rate_se) << ','
              << result.candidates << ',' << result.iterations << '\n';
  });
}

}  // namespace irtcat::cli
