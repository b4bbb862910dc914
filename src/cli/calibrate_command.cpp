// irtcat calibrate: item parameters from a response matrix by marginal maximum likelihood (EM), written in the items
// CSV format with standard-error and fit columns. A summary line goes to standard error, with a warning line for
// parameters on a bound or outside the scoring range; a progress bar too, but only when standard error is a
// terminal. --summary FILE writes the overall results as JSON. With --store BANK the estimated items' parameters also
// replace those of the same items in the stored bank, as its next version. A calibration that estimated no item is
// an error (exit status 1, nothing written).
//
// With --latent: the persons' latent means and covariance across the battery's domains, every item held at its
// bank's parameters (irtcat/latent.hpp); a summary on standard output and the estimate as JSON in --out.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/cli_common.hpp"
#include "cli/progress.hpp"
#include "irtcat/ability.hpp"
#include "irtcat/calibration.hpp"
#include "irtcat/calibration_csv.hpp"
#include "irtcat/calibration_json.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/latent.hpp"
#include "irtcat/latent_json.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/store.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {
namespace {

std::pair<double, double> number_pair(const std::string& text, const std::string& option) {
  const std::vector<double> values = parse_number_list(text, option);
  if (values.size() != 2) throw InvalidArgument(option + ": expected two numbers x,y, got " + quoted_value(text));
  return {values[0], values[1]};
}

// The θ range a stored bank is scored on: `irtcat take` and `irtcat serve` estimate with EstimationOptions' interval
// and grid, [−4, 4] (a bank does not keep a range of its own). An item located outside it is not stored unless forced.
const Interval kScoringRange = EstimationOptions{}.bounds;

// "'i3' (b = 5.6), 'i7' (b2 = -4.3)": the first few, then how many more.
std::string describe_outside(const std::vector<ParameterOutsideRange>& outside) {
  constexpr std::size_t kShown = 5;
  std::string text;
  for (std::size_t k = 0; k < outside.size() && k < kShown; ++k) {
    text += k == 0 ? "" : ", ";
    text += quoted_value(outside[k].id.str()) + " (" + outside[k].parameter + " = " + format_double(outside[k].value) + ")";
  }
  if (outside.size() > kShown) text += " and " + std::to_string(outside.size() - kShown) + " more";
  return text;
}

std::string range_text(const Interval& range) {
  return "[" + format_double(range.lower) + ", " + format_double(range.upper) + "]";
}

// Ids of the items with `status`, the first few, then how many more.
std::string ids_with(const CalibrationResult& result, ItemCalibrationStatus status, std::size_t& count) {
  constexpr std::size_t kShown = 5;
  std::string text;
  count = 0;
  for (const CalibratedItem& item : result.items) {
    if (item.status != status) continue;
    if (count < kShown) text += (count == 0 ? "" : ", ") + quoted_value(item.id.str());
    ++count;
  }
  if (count > kShown) text += " and " + std::to_string(count - kShown) + " more";
  return text;
}

// Today's date (UTC) as YYYY-MM-DD, for the provenance of stored parameters.
std::string today() {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

// Replaces the estimated items' parameters in the stored bank (a new version) and says so on standard error.
void store_calibrated(Store& store, const BankDocument& target, const CalibrationResult& result,
                      const ResponseTable& table, std::size_t fixed_count, bool force) {
  if (result.status != CalibrationStatus::converged) {
    throw InvalidArgument("--store: the calibration did not converge (" + result.message + "); bank '" +
                          target.info.name + "' is left unchanged (raise --max-cycles)");
  }
  if (const std::vector<ParameterOutsideRange> outside = parameters_outside(result, kScoringRange);
      !outside.empty() && !force) {
    throw InvalidArgument("--store: " + std::to_string(outside.size()) +
                          (outside.size() == 1 ? " parameter lies" : " parameters lie") + " outside the scoring range " +
                          range_text(kScoringRange) + " of bank " + quoted_value(target.info.name) + ": " +
                          describe_outside(outside) + "; nothing was stored (--force stores them anyway)");
  }
  std::vector<Item> items;
  std::vector<std::string> models;
  std::vector<std::string> left;
  for (const CalibratedItem& calibrated : result.items) {
    if (calibrated.status == ItemCalibrationStatus::fixed) continue;
    const bool valid = calibrated.status == ItemCalibrationStatus::estimated ||
                       calibrated.status == ItemCalibrationStatus::at_bound;
    if (!valid || !calibrated.item) {
      left.push_back(calibrated.id.str());
      continue;
    }
    items.push_back(*calibrated.item);
    const std::string model(to_string(calibrated.model));
    if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
  }
  if (items.empty()) {
    throw InvalidArgument("--store: no item was estimated; bank " + quoted_value(target.info.name) + " is left unchanged");
  }
  const std::string date = today();
  const std::string persons = std::to_string(table.person_ids.size()) + " persons";
  const std::string file = std::filesystem::path(table.file).filename().string();
  std::string how = "marginal maximum likelihood (EM), model " + join(models, ", ");
  if (fixed_count > 0) {
    how += ", " + std::to_string(fixed_count) + " operational items held fixed (fixed-item calibration";
    if (result.latent_mean != 0.0 || result.latent_variance != 1.0) {
      char latent[96];
      std::snprintf(latent, sizeof latent, "; the persons' mean %.3f and SD %.3f estimated", result.latent_mean,
                    std::sqrt(result.latent_variance));
      how += latent;
    }
    how += ")";
  }
  const int version = target.info.version + 1;
  const std::string source = "calibrated " + date + " (" + join(models, ", ") + ", " + persons + ", bank version " +
                             std::to_string(version) + ")";
  const std::string note = "Version " + std::to_string(version) + " (" + date + "): the parameters of " +
                           std::to_string(items.size()) + " items were calibrated from the responses of " + persons +
                           " (" + file + ") by " + how + "; the other items keep theirs.";
  const int stored = store.replace_item_parameters(target.info.name, target.info.version, items, source, note);
  std::fprintf(stderr, "calibrate: stored the parameters of %zu items in bank '%s' version %d (database '%s')\n",
               items.size(), target.info.name.c_str(), stored, store.database().path().c_str());
  if (!left.empty()) {
    std::fprintf(stderr, "calibrate: %zu items were not estimated and keep their parameters: %s\n", left.size(),
                 join(left, ", ").c_str());
  }
}

// How close EM is to its convergence test, 0..1, for the progress bar: EM converges linearly, so the logarithm of the
// largest change (and of the largest score) falls roughly in a straight line, and the share of the way from its first
// value to the tolerance's is a fair measure of the work done. The two criteria must both hold: the lesser share
// counts, and the bar never moves back.
class ConvergenceCloseness {
 public:
  ConvergenceCloseness(double change_tolerance, double gradient_tolerance)
      : change_tolerance_(change_tolerance), gradient_tolerance_(gradient_tolerance) {}

  /// The share for the latest cycle's largest change and largest score (a score of 0 with a tolerance of 0 where
  /// there is no score criterion, as for --latent).
  double operator()(double change, double gradient) {
    if (first_change_ == 0) {
      first_change_ = change;
      first_gradient_ = gradient;
    }
    const double share = std::min(log_share(first_change_, change, change_tolerance_),
                                  log_share(first_gradient_, gradient, gradient_tolerance_));
    best_ = std::max(best_, share);
    return best_;
  }

 private:
  static double log_share(double first, double now, double tolerance) {
    if (!(now > tolerance)) return 1.0;
    if (!(first > tolerance) || !(now > 0)) return 0.0;
    return std::clamp(std::log(first / now) / std::log(first / tolerance), 0.0, 1.0);
  }

  double change_tolerance_;
  double gradient_tolerance_;
  double first_change_ = 0.0;
  double first_gradient_ = 0.0;
  double best_ = 0.0;
};

// The options of the item calibration, which --latent (every item held fixed, no item estimated) does not take.
constexpr const char* kItemCalibrationOptions[] = {
    "--model",   "--fixed",   "--quadrature",  "--gradient-tolerance", "--se-method", "--fit",    "--min-responses",
    "--scaling", "--prior-a", "--prior-c",     "--prior-upper",        "--prior-b",   "--no-se",  "--no-fit",
    "--store",   "--db",      "--force",       "--summary",            "--fixed-latent"};
// The options of --latent alone.
constexpr const char* kLatentOptions[] = {"--banks", "--roles", "--points"};

struct LatentFlags {
  std::string banks = shipped_data_directory();
  std::string roles;
  int points = 0;
};

// The summary of a latent estimate for people: one line on how EM ended, then per domain its mean, SD and
// correlations, to three decimals.
void print_latent_summary(std::FILE* out, const LatentEstimate& estimate, const std::string& roles) {
  std::string head = "latent distribution of " + std::to_string(estimate.persons) + " persons over " +
                     std::to_string(estimate.domains.size()) + " domains of " + roles;
  if (estimate.excluded > 0) {
    head += " (" + std::to_string(estimate.excluded) + (estimate.excluded == 1 ? " person" : " persons") +
            " without a response left out)";
  }
  head += ": " + estimate.message + ", log-likelihood " + fixed_decimals(estimate.log_likelihood, 3) + ", " +
          std::to_string(estimate.points_per_dimension) + " Gauss-Hermite points per dimension";
  std::fprintf(out, "%s\n", one_line(head).c_str());
  std::size_t width = std::string("domain").size();
  for (const std::string& domain : estimate.domains) width = std::max(width, domain.size());
  std::string line = "domain" + std::string(width - 6, ' ') + "    mean      SD  correlations";
  std::fprintf(out, "%s\n", line.c_str());
  const auto column = [](const std::string& text) {
    return std::string(text.size() < 8 ? 8 - text.size() : 0, ' ') + text;
  };
  for (std::size_t d = 0; d < estimate.domains.size(); ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    line = estimate.domains[d] + std::string(width - estimate.domains[d].size(), ' ');
    line += column(fixed_decimals(estimate.distribution.mean(i), 3)) + column(fixed_decimals(estimate.sd(i), 3)) + " ";
    for (Eigen::Index j = 0; j < estimate.correlation.cols(); ++j) {
      line += column(fixed_decimals(estimate.correlation(i, j), 3));
    }
    std::fprintf(out, "%s\n", one_line(line).c_str());
  }
}

// irtcat calibrate --latent: the domains are the roles file's, each one's bank <banks>/<domain>.json, as the battery
// of irtcat simulate reads them.
void run_latent(const std::string& responses, const std::string& out, const LatentFlags& flags, LatentOptions options) {
  if (flags.points != 0 && (flags.points < 2 || flags.points > 50)) {
    throw InvalidArgument("--points: must be 0 (automatic) or in 2..50, got " + std::to_string(flags.points));
  }
  options.points_per_dimension = flags.points;
  options.validate();
  const std::string roles_path = flags.roles.empty() ? flags.banks + "/roles.json" : flags.roles;
  const RoleCatalog roles = read_role_catalog_file(roles_path);
  std::vector<BankDocument> documents;
  documents.reserve(roles.domains.size());
  for (const std::string& domain : roles.domains) {
    documents.push_back(read_bank_json_file(flags.banks + "/" + domain + ".json"));
  }
  std::vector<LatentDomain> domains;
  for (std::size_t d = 0; d < roles.domains.size(); ++d) domains.push_back({roles.domains[d], &documents[d].bank});
  const ResponseTable table = read_responses_argument(responses);
  TerminalProgress bar("calibrate", "cycles");
  if (bar.active()) {
    options.progress = [&bar, closeness = ConvergenceCloseness(options.tolerance, 0.0)](
                           const LatentProgress& progress) mutable {
      char note[48];
      std::snprintf(note, sizeof note, "largest change %.1e", progress.max_change);
      bar.show(closeness(progress.max_change, 0.0), static_cast<std::size_t>(progress.cycle),
               static_cast<std::size_t>(progress.max_cycles), note);
    };
  }
  const LatentEstimate estimate = estimate_latent(domains, table, options);
  if (estimate.converged) {
    bar.show(1.0, static_cast<std::size_t>(estimate.cycles), static_cast<std::size_t>(options.max_cycles), "converged");
  }
  bar.finish();
  if (!out.empty()) {
    Output output(out);
    write_latent_json(output.stream(), estimate);
    output.commit();
  }
  print_latent_summary(stdout, estimate, roles_path);
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  struct Flags {
    std::string responses;
    std::string model = "2pl";
    std::string out;
    std::string fixed;
    std::string quadrature = "-6:6:61";
    double tolerance = 1e-4;
    double gradient_tolerance = 1e-3;
    std::string se_method = "louis";
    std::string fit;
    int max_cycles = 2000;
    int min_responses = 10;
    double scaling = 1.0;
    unsigned threads = 0;
    bool no_se = false;
    bool no_fit = false;
    bool no_accelerate = false;
    bool fixed_latent = false;
    std::string prior_a;
    std::string prior_c;
    std::string prior_upper;
    std::string prior_b;
    std::string store;
    std::string db;
    std::string summary;
    bool force = false;
    bool latent = false;
    LatentFlags latent_flags;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand(
      "calibrate", "Estimate item parameters by marginal maximum likelihood (EM, mirt's defaults): items CSV");
  command->add_option("--responses", flags->responses,
                      "Responses CSV: person_id,<item id>,... or a plain matrix whose header is the item ids; - reads "
                      "standard input")
      ->required();
  command->add_option("--model", flags->model,
                      "rasch, 1pl, 2pl, 3pl, 4pl, grm, gpcm or pcm; or one per item, comma-separated")
      ->capture_default_str();
  command->add_option("--out", flags->out,
                      "Write the items CSV here instead of standard output (with --latent: the estimate as JSON)");
  command->add_option("--fixed", flags->fixed,
                      "Items CSV of operational items held fixed (fixed-item calibration on the bank's scale)");
  command->add_option("--quadrature", flags->quadrature, "Quadrature lower:upper:points")->capture_default_str();
  command->add_option("--tolerance", flags->tolerance, "Convergence: largest parameter change")->capture_default_str();
  command->add_option("--gradient-tolerance", flags->gradient_tolerance,
                      "Convergence: largest score (gradient of the log-likelihood) of a parameter not on a bound")
      ->capture_default_str();
  command->add_option("--max-cycles", flags->max_cycles, "EM cycles at most")->capture_default_str();
  command->add_option("--se-method", flags->se_method,
                      "Standard errors: louis (analytic observed information) or central-differences (a check)")
      ->capture_default_str();
  command->add_option("--fit", flags->fit,
                      "m2: also the overall fit M2 (M2* with polytomous items), its RMSEA and the SRMSR, on standard "
                      "error and in --summary");
  command->add_option("--min-responses", flags->min_responses, "Items with fewer responses are not estimated")
      ->capture_default_str();
  CLI::Option* scaling =
      command->add_option("--scaling", flags->scaling, "Scaling constant D of the reported a (1 or 1.702; with --store "
                                                       "the bank's by default)")
          ->capture_default_str();
  command->add_option("--threads", flags->threads, "Worker threads (0: all cores)")->capture_default_str();
  command->add_option("--prior-a", flags->prior_a, "Lognormal prior on a: meanlog,sdlog");
  command->add_option("--prior-c", flags->prior_c, "Beta prior on c: alpha,beta");
  command->add_option("--prior-upper", flags->prior_upper, "Beta prior on 1 - d (4PL): alpha,beta");
  command->add_option("--prior-b", flags->prior_b, "Normal prior on b: mean,sd");
  command->add_flag("--no-se", flags->no_se, "Skip the standard errors");
  command->add_flag("--no-fit", flags->no_fit, "Skip the fit statistics");
  command->add_flag("--no-accelerate", flags->no_accelerate, "Plain EM, without SQUAREM extrapolation");
  command->add_flag("--fixed-latent", flags->fixed_latent,
                    "With --fixed: keep the latent distribution N(0, 1) instead of estimating its mean and variance");
  CLI::Option* store = command->add_option(
      "--store", flags->store,
      "Also replace the estimated items' parameters in this stored bank, as its next version (content kept)");
  command->add_option("--db", flags->db, kStoreDatabaseHelp)
      ->needs(store);
  command->add_flag("--force", flags->force,
                    "With --store: store items whose b (or a threshold) lies outside the scoring range [-4, 4] too")
      ->needs(store);
  command->add_option("--summary", flags->summary,
                      "Write the overall results here as JSON: format, version, status, message, cycles, persons, "
                      "parameters, log_likelihood, aic, bic, max_score, latent_mean, latent_variance, model_fit (null "
                      "or statistic, value, df, p, rmsea, srmsr, persons, parameters; with --fit m2), "
                      "model_fit_message, standard_errors, standard_error_message, items (count per status, total), "
                      "flagged [{id, status, message}], scoring_range, outside_scoring_range [{id, parameter, value}] "
                      "(docs/calibrating_item_banks.md)");
  command->add_flag("--latent", flags->latent,
                    "Instead of item parameters: the persons' latent means and covariance across the battery's domains "
                    "(the roles file's), every item held at its bank's parameters (multidimensional EM); a summary on "
                    "standard output, the estimate as JSON in --out");
  command->add_option("--banks", flags->latent_flags.banks,
                      "--latent: the folder of the domains' bank JSON files (<banks>/<domain>.json)")
      ->capture_default_str();
  command->add_option("--roles", flags->latent_flags.roles,
                      "--latent: the roles file whose domains are estimated (default: <banks>/roles.json)");
  command->add_option("--points", flags->latent_flags.points,
                      "--latent: Gauss-Hermite points per dimension (0: automatic, 5 for six domains)")
      ->capture_default_str();
  command->callback([flags, scaling, command] {
    const auto given = [&](const char* option) { return command->count(option) > 0; };
    if (flags->latent) {
      const auto other = std::find_if(std::begin(kItemCalibrationOptions), std::end(kItemCalibrationOptions), given);
      if (other != std::end(kItemCalibrationOptions)) {
        throw InvalidArgument(std::string(*other) + " does not apply to --latent (no item is estimated: every item "
                              "is held at its bank's parameters)");
      }
      LatentOptions options;
      options.tolerance = flags->tolerance;
      options.max_cycles = flags->max_cycles;
      options.threads = flags->threads;
      options.accelerate = !flags->no_accelerate;
      run_latent(flags->responses, flags->out, flags->latent_flags, options);
      return;
    }
    if (const auto latent = std::find_if(std::begin(kLatentOptions), std::end(kLatentOptions), given);
        latent != std::end(kLatentOptions)) {
      throw InvalidArgument(std::string(*latent) + " needs --latent");
    }
    CalibrationOptions options;
    const QuadratureGrid grid = parse_grid(flags->quadrature, "--quadrature");
    options.quadrature_lower = grid.lower;
    options.quadrature_upper = grid.upper;
    options.quadrature_points = grid.points;
    options.tolerance = flags->tolerance;
    options.gradient_tolerance = flags->gradient_tolerance;
    try {
      options.standard_error_method = standard_error_method_from_string(flags->se_method);
    } catch (const InvalidArgument&) {
      throw InvalidArgument("--se-method: unknown method '" + flags->se_method +
                            "' (expected louis or central-differences)");
    }
    if (!flags->fit.empty() && flags->fit != "m2") {
      throw InvalidArgument("--fit: unknown statistic '" + flags->fit + "' (expected m2)");
    }
    options.model_fit = flags->fit == "m2";
    options.max_cycles = flags->max_cycles;
    options.min_responses = flags->min_responses;
    options.scaling = flags->scaling;
    options.threads = flags->threads;
    options.standard_errors = !flags->no_se;
    options.fit_statistics = !flags->no_fit;
    options.accelerate = !flags->no_accelerate;
    options.estimate_latent_with_fixed_items = !flags->fixed_latent;
    if (!flags->prior_a.empty()) {
      const auto [m, s] = number_pair(flags->prior_a, "--prior-a");
      options.priors.slope = LognormalPrior{m, s};
    }
    if (!flags->prior_c.empty()) {
      const auto [x, y] = number_pair(flags->prior_c, "--prior-c");
      options.priors.lower_asymptote = BetaPrior{x, y};
    }
    if (!flags->prior_upper.empty()) {
      const auto [x, y] = number_pair(flags->prior_upper, "--prior-upper");
      options.priors.upper_asymptote = BetaPrior{x, y};
    }
    if (!flags->prior_b.empty()) {
      const auto [m, s] = number_pair(flags->prior_b, "--prior-b");
      options.priors.difficulty = DifficultyPrior{m, s};
    }
    std::vector<CalibrationModel> models;
    for (const std::string& name : split(flags->model, ',')) {
      try {
        models.push_back(calibration_model_from_string(name));
      } catch (const InvalidArgument&) {
        throw InvalidArgument("--model: unknown model '" + name +
                              "' (expected rasch, 1pl, 2pl, 3pl, 4pl, grm, gpcm or pcm)");
      }
    }
    const ResponseTable table = read_responses_argument(flags->responses);
    std::optional<Store> store;
    std::optional<BankDocument> target;
    if (!flags->store.empty()) {
      store.emplace(database_path(flags->db), OpenMode::read_write);
      target = store->load_bank(flags->store);
      if (scaling->count() == 0) {
        options.scaling = target->bank.scaling();
      } else if (options.scaling != target->bank.scaling()) {
        throw InvalidArgument("--scaling: " + format_double(options.scaling) + " differs from the scaling " +
                              format_double(target->bank.scaling()) + " of bank " + quoted_value(flags->store));
      }
    }
    std::optional<ItemBank> fixed;
    if (!flags->fixed.empty()) fixed = read_items_csv_file(flags->fixed, options.scaling);
    if (target) {
      check_recalibration(target->bank, "bank '" + target->info.name + "' (version " + std::to_string(target->info.version) + ")",
                          table, fixed ? &*fixed : nullptr, flags->fixed);
    }
    if (models.size() != 1 && models.size() != table.item_ids.size()) {
      throw InvalidArgument("--model: " + std::to_string(models.size()) + " models for " +
                            std::to_string(table.item_ids.size()) + " items; give one, or one per item");
    }
    TerminalProgress bar("calibrate", "cycles");
    if (bar.active()) {
      options.progress = [&bar, closeness = ConvergenceCloseness(options.tolerance, options.gradient_tolerance)](
                             const CalibrationProgress& progress) mutable {
        char note[48];
        std::snprintf(note, sizeof note, "largest change %.1e", progress.max_change);
        bar.show(closeness(progress.max_change, progress.max_gradient), static_cast<std::size_t>(progress.cycle),
                 static_cast<std::size_t>(progress.max_cycles), note);
      };
    }
    const CalibrationResult result = calibrate(table, models, options, fixed ? &*fixed : nullptr);
    if (result.status == CalibrationStatus::converged) {
      bar.show(1.0, static_cast<std::size_t>(result.cycles), static_cast<std::size_t>(options.max_cycles), "converged");
    }
    bar.finish();
    // Nothing estimated is an error, not an empty items CSV: one line, nothing written.
    if (result.status == CalibrationStatus::no_items) {
      std::string message = result.message;
      if (message.find("fewer than") != std::string::npos) message += "; --min-responses sets the limit";
      throw DataError(table.file, 0, "", message);
    }
    const auto valid = [](const CalibratedItem& item) {
      return item.status == ItemCalibrationStatus::estimated || item.status == ItemCalibrationStatus::at_bound;
    };
    if (std::none_of(result.items.begin(), result.items.end(), valid)) {
      std::size_t count = 0;
      const std::string ids = ids_with(result, ItemCalibrationStatus::negative_slope, count);
      throw DataError(table.file, 0, "",
                      "no item could be estimated: the estimated slope of " + std::to_string(count) +
                          (count == 1 ? " item" : " items") + " (" + ids + ") is not positive");
    }
    if (!flags->summary.empty()) {
      std::ofstream file(flags->summary, std::ios::binary);
      if (!file) throw InvalidArgument("--summary: cannot write to " + quoted_value(flags->summary));
      write_calibration_summary_json(file, result, kScoringRange);
      if (!file.flush()) throw InvalidArgument("--summary: cannot write to " + quoted_value(flags->summary));
    }
    Output output(flags->out);
    write_calibration_csv(output.stream(), result);
    output.commit();
    std::string summary = "calibrate: ";
    summary += result.message;
    summary += ", log-likelihood " + format_double(result.log_likelihood);
    summary += ", largest score " + format_double(result.max_score);
    summary += ", AIC " + format_double(result.aic) + ", BIC " + format_double(result.bic);
    if (const std::optional<ModelFit>& fit = result.model_fit) {
      summary += "; " + fit->statistic + " " + format_double(fit->m2) + " on " + std::to_string(fit->df) +
                 " df (p " + format_double(fit->p) + ", " + std::to_string(fit->persons) +
                 " complete responders), RMSEA " + format_double(fit->rmsea) + ", SRMSR " +
                 format_double(fit->srmsr);
    } else if (options.model_fit) {
      summary += "; M2 not available: " + result.model_fit_message;
    }
    if (result.latent_mean != 0.0 || result.latent_variance != 1.0) {
      summary += ", latent mean " + format_double(result.latent_mean) + ", variance " +
                 format_double(result.latent_variance);
    }
    if (!result.standard_error_method.empty()) {
      summary += "; standard errors: " + result.standard_error_method;
      if (!result.standard_error_message.empty()) summary += " (not available: " + result.standard_error_message + ")";
    }
    std::fprintf(stderr, "%s\n", summary.c_str());
    std::size_t fixed_count = 0;
    for (const CalibratedItem& item : result.items) {
      fixed_count += item.status == ItemCalibrationStatus::fixed;
      if (!item.message.empty()) {
        std::fprintf(stderr, "calibrate: item '%s': %s: %s\n", item.id.str().c_str(),
                     std::string(to_string(item.status)).c_str(), item.message.c_str());
      }
    }
    // Warnings: what the status column says, once more where a script's reader sees it.
    std::size_t count = 0;
    if (const std::string ids = ids_with(result, ItemCalibrationStatus::at_bound, count); count > 0) {
      std::fprintf(stderr,
                   "calibrate: warning: %zu %s a parameter on its bound (%s): the data do not determine it and it has "
                   "no standard error\n",
                   count, count == 1 ? "item has" : "items have", ids.c_str());
    }
    if (const std::vector<ParameterOutsideRange> outside = parameters_outside(result, kScoringRange); !outside.empty()) {
      std::fprintf(stderr, "calibrate: warning: %zu %s outside the scoring range %s: %s\n", outside.size(),
                   outside.size() == 1 ? "parameter lies" : "parameters lie", range_text(kScoringRange).c_str(),
                   describe_outside(outside).c_str());
    }
    if (target) store_calibrated(*store, *target, result, table, fixed_count, flags->force);
  });
}

}  // namespace irtcat::cli
