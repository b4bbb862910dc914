#include "cli/cli_common.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "irtcat/error.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/selection.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {
namespace {

double parse_number(const std::string& text, const std::string& option) {
  const auto value = parse_double(text);
  if (!value) throw InvalidArgument(option + ": '" + text + "' is not a finite number");
  return *value;
}

}  // namespace

namespace {

std::string partial_path(const std::string& path) { return path + ".partial"; }

}  // namespace

Output::Output(const std::string& path) : path_(path) {
  if (path.empty()) return;
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  staged_ = !std::filesystem::exists(status) || std::filesystem::is_regular_file(status);
  file_ = std::make_unique<std::ofstream>(staged_ ? partial_path(path) : path, std::ios::binary);
  if (!*file_) throw InvalidArgument("--out: cannot write to " + quoted_value(path));
}

Output::~Output() {
  if (!file_) return;
  file_.reset();
  if (!staged_) return;
  std::error_code ignored;  // a destructor reports nothing: the command's own error is on its way
  std::filesystem::remove(partial_path(path_), ignored);
}

void Output::commit() {
  if (!file_) {
    std::cout.flush();
    return;
  }
  file_->close();
  const bool written = !file_->fail();
  file_.reset();
  std::error_code error;
  if (written && staged_) std::filesystem::rename(partial_path(path_), path_, error);
  if (!written || error) {
    if (staged_) std::filesystem::remove(partial_path(path_), error);
    throw InvalidArgument("--out: cannot write to " + quoted_value(path_));
  }
}

std::string fixed_decimals(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  const int size = std::snprintf(nullptr, 0, "%.*f", decimals, value);
  std::string text(static_cast<std::size_t>(size) + 1, '\0');
  std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
  text.pop_back();
  // Rounded to zero: no sign (a tiny negative value is zero for a reader).
  if (text.front() == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  return text;
}

std::string rounded_decimals(double value, int decimals) {
  std::string text = fixed_decimals(value, decimals);
  if (text.find('.') != std::string::npos && std::isfinite(value)) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

ResponseTable read_responses_argument(const std::string& path) {
  if (path == kStandardInput) return read_responses_csv(std::cin, "standard input");
  return read_responses_csv_file(path);
}

Interval parse_interval(const std::string& text, const std::string& option) {
  const auto parts = split(text, ':');
  if (parts.size() != 2) throw InvalidArgument(option + ": expected lower:upper, got " + quoted_value(text));
  Interval interval{parse_number(parts[0], option), parse_number(parts[1], option)};
  if (!(interval.lower < interval.upper)) throw InvalidArgument(option + ": needs lower < upper, got " + quoted_value(text));
  return interval;
}

QuadratureGrid parse_grid(const std::string& text, const std::string& option) {
  const auto parts = split(text, ':');
  if (parts.size() != 3) throw InvalidArgument(option + ": expected lower:upper:points, got " + quoted_value(text));
  const double points = parse_number(parts[2], option);
  // Range first: converting a double beyond int's range is undefined behaviour.
  if (!(std::abs(points) <= 1e9) || points != std::trunc(points)) {
    throw InvalidArgument(option + ": the number of points must be a whole number in 2..100001");
  }
  QuadratureGrid grid{parse_number(parts[0], option), parse_number(parts[1], option), static_cast<int>(points)};
  try {
    grid.validate();
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(option + ": " + error.what());
  }
  return grid;
}

std::vector<double> parse_number_list(const std::string& text, const std::string& option) {
  std::vector<double> values;
  for (const std::string& part : split(text, ',')) values.push_back(parse_number(part, option));
  if (values.empty()) throw InvalidArgument(option + ": expected a comma-separated list of numbers");
  return values;
}

CLI::Option* add_rule_option(CLI::App& command, std::string& rule) {
  std::vector<std::string> names;
  for (const SelectionRule each : kSelectionRules) names.emplace_back(to_string(each));
  return command.add_option("--rule", rule, "Selection rule: " + selection_rule_names())
      ->capture_default_str()
      ->check(CLI::IsMember(names, CLI::ignore_case));
}

void EstimatorFlags::add_to(CLI::App& command) {
  command.add_option("--estimator", estimator, "Ability estimator: ml, map, eap or wle")
      ->capture_default_str()
      ->check(CLI::IsMember({"ml", "map", "eap", "wle"}, CLI::ignore_case));
  command.add_option("--prior", prior, "Prior of MAP and EAP: normal or uniform")
      ->capture_default_str()
      ->check(CLI::IsMember({"normal", "uniform"}, CLI::ignore_case));
  command.add_option("--prior-mean", prior_mean, "Mean of the normal prior")->capture_default_str();
  command.add_option("--prior-sd", prior_sd, "Standard deviation of the normal prior")->capture_default_str();
  command.add_option("--prior-bounds", prior_bounds, "Support lower:upper of the uniform prior (default: --bounds)");
  command.add_option("--grid", grid, "EAP quadrature grid lower:upper:points")->capture_default_str();
  command.add_option("--bounds", bounds, "Interval lower:upper in which ML, MAP and WLE search")->capture_default_str();
  command.add_option("--scaling", scaling, "Scaling constant D (1, or 1.702 for the normal-ogive metric)")
      ->capture_default_str();
}

EstimationOptions EstimatorFlags::options() const {
  EstimationOptions options;
  options.estimator = estimator_from_string(estimator);
  options.bounds = parse_interval(bounds, "--bounds");
  options.grid = parse_grid(grid, "--grid");
  if (prior == "uniform") {
    const Interval support = prior_bounds.empty() ? options.bounds : parse_interval(prior_bounds, "--prior-bounds");
    options.prior = UniformPrior{support.lower, support.upper};
  } else {
    if (!(prior_sd > 0)) throw InvalidArgument("--prior-sd: must be > 0");
    options.prior = NormalPrior{prior_mean, prior_sd};
  }
  if (!std::isfinite(scaling) || !(scaling > 0)) throw InvalidArgument("--scaling: must be a finite number > 0");
  options.validate();
  return options;
}

}  // namespace irtcat::cli

namespace irtcat::cli {

int run_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::cerr << "irtcat: " << one_line(error.what()) << " (see --help)\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "irtcat: " << one_line(error.what()) << '\n';
    return 1;
  }
  return 0;
}

}  // namespace irtcat::cli
