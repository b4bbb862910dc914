// irtcat calibrate: item parameters from a response matrix by marginal maximum likelihood (EM), written in the items
// CSV format with standard-error and fit columns. A summary line goes to standard error; a progress line too, but
// only when standard error is a terminal.

#include <unistd.h>

#include <cstdio>

#include "cli/cli_common.hpp"
#include "detail/csv.hpp"
#include "irtcat/calibration.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"

namespace irtcat::cli {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::string part;
  for (char ch : text) {
    if (ch == ',') {
      parts.push_back(part);
      part.clear();
    } else if (ch != ' ') {
      part += ch;
    }
  }
  parts.push_back(part);
  return parts;
}

std::pair<double, double> number_pair(const std::string& text, const std::string& option) {
  const std::vector<double> values = parse_number_list(text, option);
  if (values.size() != 2) throw InvalidArgument(option + ": expected two numbers x,y, got '" + text + "'");
  return {values[0], values[1]};
}

std::string cell(double value) { return detail::format_double(value); }

void write_result(std::ostream& out, const CalibrationResult& result) {
  std::size_t max_thresholds = 0;
  for (const CalibratedItem& item : result.items) {
    if (item.item && !is_dichotomous(item.item->model())) {
      max_thresholds = std::max(max_thresholds, item.item->thresholds().size());
    }
  }
  out << "id,model,a,b,c,d";
  for (std::size_t k = 1; k <= max_thresholds; ++k) out << ",b" << k;
  out << ",se_a,se_b,se_c,se_d";
  for (std::size_t k = 1; k <= max_thresholds; ++k) out << ",se_b" << k;
  out << ",sx2,sx2_df,sx2_p,infit,outfit,responses,status\n";
  for (const CalibratedItem& calibrated : result.items) {
    if (!calibrated.item) continue;  // inestimable: reported on standard error, not a valid items-CSV row
    const Item& item = *calibrated.item;
    const bool dichotomous = is_dichotomous(item.model());
    std::string_view model = to_string(item.model());
    if (calibrated.model == CalibrationModel::rasch) model = "rasch";
    out << detail::csv_quoted(item.id().str()) << ',' << model << ',' << cell(item.a()) << ',';
    if (dichotomous) {
      out << cell(item.b()) << ',' << cell(item.c()) << ',' << cell(item.d());
    } else {
      out << ",,";
    }
    for (std::size_t k = 0; k < max_thresholds; ++k) {
      out << ',';
      if (!dichotomous && k < item.thresholds().size()) out << cell(item.thresholds()[k]);
    }
    const auto& se = calibrated.se;
    const bool free_slope = calibrated.model != CalibrationModel::rasch && calibrated.model != CalibrationModel::pcm;
    out << ',' << (se && free_slope ? cell(se->a) : "") << ',' << (se && dichotomous ? cell(se->b) : "") << ','
        << (se && (item.model() == Model::three_pl || item.model() == Model::four_pl) ? cell(se->c) : "") << ','
        << (se && item.model() == Model::four_pl ? cell(se->d) : "");
    for (std::size_t k = 0; k < max_thresholds; ++k) {
      out << ',';
      if (se && k < se->thresholds.size()) out << cell(se->thresholds[k]);
    }
    const ItemFit& fit = calibrated.fit;
    out << ',' << (fit.s_x2 ? cell(*fit.s_x2) : "") << ',' << (fit.s_x2_df ? std::to_string(*fit.s_x2_df) : "") << ','
        << (fit.s_x2_p ? cell(*fit.s_x2_p) : "") << ',' << (fit.infit ? cell(*fit.infit) : "") << ','
        << (fit.outfit ? cell(*fit.outfit) : "") << ',' << calibrated.responses << ',' << to_string(calibrated.status)
        << '\n';
  }
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
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand(
      "calibrate", "Estimate item parameters by marginal maximum likelihood (EM, mirt's defaults): items CSV");
  command->add_option("--responses", flags->responses,
                      "Responses CSV: person_id,<item id>,... or a plain matrix whose header is the item ids")
      ->required();
  command->add_option("--model", flags->model,
                      "rasch, 1pl, 2pl, 3pl, 4pl, grm, gpcm or pcm; or one per item, comma-separated")
      ->capture_default_str();
  command->add_option("--out", flags->out, "Write the items CSV here instead of standard output");
  command->add_option("--fixed", flags->fixed,
                      "Items CSV of operational items held fixed (fixed-item calibration on the bank's scale)");
  command->add_option("--quadrature", flags->quadrature, "Quadrature lower:upper:points")->capture_default_str();
  command->add_option("--tolerance", flags->tolerance, "Convergence: largest parameter change")->capture_default_str();
  command->add_option("--max-cycles", flags->max_cycles, "EM cycles at most")->capture_default_str();
  command->add_option("--min-responses", flags->min_responses, "Items with fewer responses are not estimated")
      ->capture_default_str();
  command->add_option("--scaling", flags->scaling, "Scaling constant D of the reported a (1 or 1.702)")
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
  command->callback([flags] {
    CalibrationOptions options;
    const QuadratureGrid grid = parse_grid(flags->quadrature, "--quadrature");
    options.quadrature_lower = grid.lower;
    options.quadrature_upper = grid.upper;
    options.quadrature_points = grid.points;
    options.tolerance = flags->tolerance;
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
    for (const std::string& name : split_list(flags->model)) {
      try {
        models.push_back(calibration_model_from_string(name));
      } catch (const InvalidArgument&) {
        throw InvalidArgument("--model: unknown model '" + name +
                              "' (expected rasch, 1pl, 2pl, 3pl, 4pl, grm, gpcm or pcm)");
      }
    }
    const ResponseTable table = read_responses_csv_file(flags->responses);
    std::optional<ItemBank> fixed;
    if (!flags->fixed.empty()) fixed = read_items_csv_file(flags->fixed, flags->scaling);
    if (models.size() != 1 && models.size() != table.item_ids.size()) {
      throw InvalidArgument("--model: " + std::to_string(models.size()) + " models for " +
                            std::to_string(table.item_ids.size()) + " items; give one, or one per item");
    }
    if (isatty(STDERR_FILENO)) {
      options.progress = [](const CalibrationProgress& progress) {
        std::fprintf(stderr, "\rcalibrate: cycle %d/%d, log-likelihood %.4f, largest change %.2e   ", progress.cycle,
                     progress.max_cycles, progress.log_likelihood, progress.max_change);
        std::fflush(stderr);
      };
    }
    const CalibrationResult result = calibrate(table, models, options, fixed ? &*fixed : nullptr);
    if (options.progress) std::fputs("\n", stderr);
    Output output(flags->out);
    write_result(output.stream(), result);
    std::string summary = "calibrate: ";
    summary += result.message;
    summary += ", log-likelihood " + detail::format_double(result.log_likelihood);
    if (result.latent_mean != 0.0 || result.latent_variance != 1.0) {
      summary += ", latent mean " + detail::format_double(result.latent_mean) + ", variance " +
                 detail::format_double(result.latent_variance);
    }
    if (!result.standard_error_method.empty()) {
      summary += "; standard errors: " + result.standard_error_method;
      if (!result.standard_error_message.empty()) summary += " (not available: " + result.standard_error_message + ")";
    }
    std::fprintf(stderr, "%s\n", summary.c_str());
    for (const CalibratedItem& item : result.items) {
      if (!item.message.empty()) {
        std::fprintf(stderr, "calibrate: item '%s': %s: %s\n", item.id.str().c_str(),
                     std::string(to_string(item.status)).c_str(), item.message.c_str());
      }
    }
  });
}

}  // namespace irtcat::cli
