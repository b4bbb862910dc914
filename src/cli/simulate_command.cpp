// irtcat simulate: a single-bank study (--items and --thetas, optionally post-hoc with --responses) printing one
// row per simulee, or the six-domain battery with role profiles over the shipped banks (bank JSON files in --banks,
// or the banks of a database with --db), writing the per-candidate CSV, the study JSON and the HTML report. The
// battery runs as separate tests per domain (--battery separate), or as one multidimensional adaptive test over every
// domain (--battery mcat: battery_session.hpp).

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "cli/cli_common.hpp"
#include "cli/design_flags.hpp"
#include "cli/progress.hpp"
#include "irtcat/battery_files.hpp"
#include "irtcat/battery_session.hpp"
#include "irtcat/latent_json.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/store.hpp"
#include "irtcat/study_report.hpp"
#include "irtcat/sympson_hetter.hpp"
#include "irtcat/text.hpp"
#include "irtcat/thetas_csv.hpp"

namespace irtcat::cli {
namespace {

struct SimulateFlags {
  std::string items;
  std::string thetas;
  std::string responses;
  std::uint64_t seed = 1;
  unsigned threads = 0;
  int candidates = 1000;
  std::string population = "roles";
  std::string true_thetas;
  std::string banks = shipped_data_directory();
  std::string db;
  std::string roles;
  std::string out_dir = "study";
  std::string out;
  std::string battery = "separate";
  int battery_length = -1;  ///< -1: domains × --length
  std::string criterion = "d_optimal";
  std::string battery_prior;  ///< a latent JSON file (irtcat calibrate --latent); empty: the candidates' population
  int domain_min = -1;      ///< -1: battery length / (2 × domains)
  int domain_max = -1;      ///< -1: battery length / 2
  bool se_given = false;
  DesignFlags design;
};

// The options of one test per domain that one battery session does not read: it selects by its criterion, estimates
// by joint MAP under its own prior and sets its counts with the battery's options (the domains' exposure control
// and start rule it does read).
constexpr const char* kSeparateOnlyOptions[] = {
    "--rule",         "--strata",       "--min-length", "--information",  "--classify", "--classify-method",
    "--confidence",   "--indifference", "--alpha",      "--beta",         "--combine",  "--start-theta",
    "--start-select", "--estimator",    "--prior",      "--prior-mean",   "--prior-sd", "--prior-bounds",
    "--grid",         "--bounds"};

// The options of --battery mcat.
constexpr const char* kBatteryOptions[] = {"--battery-length", "--criterion", "--domain-min", "--domain-max",
                                           "--battery-prior"};

// The study's progress callback: a bar on standard error when it is a terminal, else none (nothing is drawn).
std::function<void(std::size_t, std::size_t)> terminal_progress() {
  auto bar = std::make_shared<TerminalProgress>("simulate", "candidates");
  if (!bar->active()) return {};
  return [bar](std::size_t done, std::size_t total) {
    bar->show(total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0, done, total);
    if (done == total) bar->finish();
  };
}

// Sympson-Hetter without parameters has nothing to apply: they are set first, for the target --max-rate, by the
// iterative simulation (as irtcat design calibrate-exposure does for a stored design).
void set_exposure_parameters(const std::string& domain, std::shared_ptr<const ItemBank> bank, SessionConfig& config,
                             const SimulateFlags& flags) {
  const ExposureMethod method = config.exposure.method;
  const bool conditional = method == ExposureMethod::conditional_sympson_hetter;
  if ((method != ExposureMethod::sympson_hetter && !conditional) || !config.exposure.sympson_hetter.empty()) return;
  SympsonHetterOptions options;
  options.target_rate = config.exposure.max_rate;
  options.seed = flags.seed;
  options.threads = flags.threads;
  const SympsonHetterResult result = conditional ? calibrate_conditional_sympson_hetter(bank, config, options)
                                                 : calibrate_sympson_hetter(bank, config, options);
  std::fprintf(stderr, "%s: Sympson-Hetter parameters for r = %g: highest rate %.4f (SE %.4f) on %d fresh candidates%s\n",
               domain.c_str(), options.target_rate, result.max_rate, result.max_rate_se, result.candidates,
               result.converged ? "" : ", not converged");
  config.exposure.sympson_hetter = result.parameters;
}

void run_single_bank(const SimulateFlags& flags) {
  if (flags.design.has_design() && !flags.design.design_is_file()) {
    throw InvalidArgument("--design: the single-bank form takes a design file (*.json), not a stored design's name");
  }
  BankDocument document{BankInfo{}, read_items_csv_file(flags.items, flags.design.estimation.scaling)};
  document.info.name = "bank";
  SessionConfig config = resolve_design(flags.design, nullptr, document, "").config;
  auto bank = std::make_shared<const ItemBank>(std::move(document.bank));
  set_exposure_parameters("bank", bank, config, flags);
  StudyOptions options;
  options.seed = flags.seed;
  options.threads = flags.threads;
  options.progress = terminal_progress();
  // A post-hoc study needs every simulee at once (its response matrix follows their order); otherwise they are read
  // as the study goes, a wave while the one before it runs, and none is kept after its row is written.
  const bool post_hoc = !flags.responses.empty();
  std::vector<SimulatedCandidate> simulees;
  std::optional<ThetasCsvReader> reader;
  if (post_hoc) {
    simulees = read_thetas_csv_file(flags.thetas);
    options.responses.push_back(post_hoc_responses(read_responses_argument(flags.responses), *bank, simulees));
  } else {
    reader.emplace(flags.thetas);
  }
  const std::vector<DomainDesign> designs = {{"bank", std::make_shared<const TestDesign>(bank, config)}};
  Output output(flags.out);
  std::ostream& out = output.stream();
  out << "id,theta_true,theta,se,length,items\n";
  // Each row as its wave of outcomes comes back, not all of them at the end: memory stays flat however many
  // simulees there are, and the writing overlaps the simulating. Rows go through one reused buffer (no string per
  // cell), written out every 64 KiB.
  constexpr std::size_t kWriteAt = 1 << 16;
  std::string rows, items;
  rows.reserve(kWriteAt + 4096);
  // Ids that a CSV cell takes as they are stay so when joined by blanks (none starts or ends with one): the items
  // cell then goes into the row as it is joined, without a look for characters to quote.
  const bool plain_ids = std::all_of(bank->items().begin(), bank->items().end(),
                                     [](const Item& item) { return csv_quoted(item.id().str()) == item.id().str(); });
  std::size_t written = 0;
  const auto write_row = [&](const SimulatedCandidate& simulee, const CandidateOutcome& outcome) {
    const DomainOutcome& result = outcome.domains.front();
    items.clear();
    for (std::size_t item : result.items) {
      if (!items.empty()) items += ' ';
      items += bank->items()[item].id().str();
    }
    append_csv_quoted(rows, simulee.id);
    for (const double value : {simulee.theta(0), result.estimate.theta, result.estimate.se}) {
      rows += ',';
      append_double(rows, value);
    }
    rows += ',';
    rows += std::to_string(result.items.size());
    rows += ',';
    if (plain_ids) {
      rows += items;
    } else {
      append_csv_quoted(rows, items);
    }
    rows += '\n';
    if (rows.size() >= kWriteAt) {
      out.write(rows.data(), static_cast<std::streamsize>(rows.size()));
      rows.clear();
    }
    ++written;
  };
  if (post_hoc) {
    run_study(designs, simulees, nullptr, options,
              [&](std::size_t s, CandidateOutcome&& outcome) { write_row(simulees[s], outcome); });
  } else {
    // The rows are counted (a second read of the file) only for a progress bar's total.
    const CandidateStream stream{[&](SimulatedCandidate& next) { return reader->next(next); },
                                 options.progress ? reader->rows_at_most() : 0};
    run_study(designs, stream, nullptr, options,
              [&](std::size_t, const SimulatedCandidate& simulee, CandidateOutcome&& outcome) { write_row(simulee, outcome); });
  }
  if (written == 0) throw DataError(flags.thetas, 0, "", "expected a header id,theta and at least one row");
  out.write(rows.data(), static_cast<std::streamsize>(rows.size()));
  output.commit();
}

// The battery's candidates: read from --true-thetas (id and one column per domain of the roles file), or drawn
// from --population: "roles" (the role populations in turn), one role's population, or "normal" (every domain
// N(0, 1), correlated as within a role's population).
std::vector<SimulatedCandidate> battery_candidates(const SimulateFlags& flags, const RoleCatalog& roles) {
  const auto domains = static_cast<Eigen::Index>(roles.domains.size());
  if (!flags.true_thetas.empty()) return read_domain_thetas_csv_file(flags.true_thetas, roles.domains);
  if (flags.population == "roles") return draw_role_candidates(roles, flags.candidates, flags.seed);
  if (flags.population == "normal") {
    return draw_candidates(Eigen::VectorXd::Zero(domains), Eigen::VectorXd::Ones(domains), roles.correlation,
                           flags.candidates, flags.seed, "normal");
  }
  for (const RoleProfile& role : roles.roles) {
    if (role.name != flags.population) continue;
    return draw_candidates(Eigen::Map<const Eigen::VectorXd>(role.typical_theta.data(), domains),
                           Eigen::VectorXd::Constant(domains, roles.population_spread), roles.correlation,
                           flags.candidates, flags.seed, role.name);
  }
  std::string known = "roles, normal";
  for (const RoleProfile& role : roles.roles) known += ", " + role.name;
  throw InvalidArgument("--population: unknown population " + quoted_value(flags.population) + " (expected " + known + ")");
}

// The prior of --battery mcat: the latent distribution of --battery-prior (estimated from data by irtcat calibrate
// --latent) over the roles' domains, or else the population the candidates come from as a normal: the roles'
// mixture (its first two moments: population_prior) for --population roles and for --true-thetas, N(0, R) for
// normal, and a role's own N(typical θ, s²·R) for one role. Called after battery_candidates, which refuses an
// unknown population.
MultivariateNormalPrior battery_prior(const SimulateFlags& flags, const RoleCatalog& roles) {
  if (!flags.battery_prior.empty()) {
    return latent_distribution_over(read_latent_json_file(flags.battery_prior), roles.domains);
  }
  const auto domains = static_cast<Eigen::Index>(roles.domains.size());
  if (!flags.true_thetas.empty() || flags.population == "roles") return population_prior(roles);
  if (flags.population == "normal") return {Eigen::VectorXd::Zero(domains), roles.correlation};
  const auto role = std::find_if(roles.roles.begin(), roles.roles.end(),
                                 [&](const RoleProfile& profile) { return profile.name == flags.population; });
  return {Eigen::Map<const Eigen::VectorXd>(role->typical_theta.data(), domains),
          roles.population_spread * roles.population_spread * roles.correlation};
}

// The counts of --battery mcat: the battery's length (default domains × --length, as many items as the separate
// tests), each domain's minimum (default half an equal share) and maximum (default half the battery).
BatteryConfig battery_config(const SimulateFlags& flags, std::size_t domains) {
  const int count = static_cast<int>(domains);
  const int length = flags.battery_length >= 0 ? flags.battery_length : count * flags.design.length;
  if (length < 1) throw InvalidArgument("--battery-length: must be >= 1, got " + std::to_string(length));
  BatteryConfig config = BatteryConfig::even(domains, length);
  config.criterion = battery_criterion_from_string(flags.criterion);
  const int min_items = flags.domain_min >= 0 ? flags.domain_min : config.min_items.front();
  const int max_items = flags.domain_max >= 0 ? flags.domain_max : config.max_items.front();
  if (max_items < 1) throw InvalidArgument("--domain-max: must be >= 1, got " + std::to_string(max_items));
  if (min_items > max_items) {
    throw InvalidArgument("--domain-min: " + std::to_string(min_items) + " is above the domain maximum " +
                          std::to_string(max_items));
  }
  if (min_items * count > config.max_length) {
    throw InvalidArgument("--domain-min: " + std::to_string(count) + " domains of " + std::to_string(min_items) +
                          " items are more than the battery's " + std::to_string(config.max_length));
  }
  config.min_items.assign(domains, min_items);
  config.max_items.assign(domains, max_items);
  if (flags.se_given) config.se_target = flags.design.se_target;
  return config;
}

void run_battery(const SimulateFlags& flags) {
  if (flags.candidates < 1) throw InvalidArgument("--candidates: must be >= 1");
  const std::string roles_path = flags.roles.empty() ? flags.banks + "/roles.json" : flags.roles;
  const RoleCatalog roles = read_role_catalog_file(roles_path);
  const bool mcat = flags.battery == "mcat";
  std::optional<BatteryConfig> battery_counts;
  if (mcat) battery_counts = battery_config(flags, roles.domains.size());
  // Each domain runs its bank's design: --design (a stored design with --db, a design file, or the name of a file
  // in <banks>/designs/), else the standard design; options change what they name.
  std::optional<Store> store;
  if (!flags.db.empty()) store.emplace(database_path(flags.db), OpenMode::read_only);
  DesignFlags design_flags = flags.design;
  if (!store && !design_flags.design_is_file()) {
    const std::string name = design_flags.has_design() ? design_flags.design : "standard";
    const std::string file = flags.banks + "/designs/" + name + ".json";
    if (design_flags.has_design() || std::filesystem::exists(file)) design_flags.design = file;
  }
  std::vector<DomainDesign> battery;
  // With --battery mcat, separate tests of an equal share of the battery's length on the same candidates: the
  // report's comparison of RMSE against length.
  std::vector<DomainDesign> separate;
  const int share = mcat ? battery_counts->max_length / static_cast<int>(roles.domains.size()) : 0;
  std::string label;
  for (const std::string& domain : roles.domains) {
    // The stored banks are named after their domains, as the default database built from item_banks/ has them.
    BankDocument document = store ? store->load_bank(domain) : read_bank_json_file(flags.banks + "/" + domain + ".json");
    ResolvedDesign design = resolve_design(design_flags, store ? &*store : nullptr, document, "standard");
    auto bank = std::make_shared<const ItemBank>(std::move(document.bank));
    if (mcat && share > 0) {
      SessionConfig config = design.config;
      config.stopping.max_length = share;
      config.stopping.min_length = std::min(config.stopping.min_length, share);
      separate.push_back({domain, std::make_shared<const TestDesign>(bank, std::move(config))});
    }
    if (mcat) {
      // The battery reads the domain's bank, content plan, enemies, start rule and exposure control; the length the
      // study's histogram of test lengths runs to (and progressive-restricted control's fading) is the domain's
      // maximum.
      int& length = design.config.stopping.max_length;
      length = std::max(length, battery_counts->max_items.front());
      const ExposureMethod method = design.config.exposure.method;
      if ((method == ExposureMethod::sympson_hetter || method == ExposureMethod::conditional_sympson_hetter) &&
          design.config.exposure.sympson_hetter.empty()) {
        throw InvalidArgument("--battery mcat: " + std::string(to_string(method)) + " needs its K in the design "
                              "(calibrated on battery sessions); the one-domain calibration does not hold for them");
      }
    } else {
      set_exposure_parameters(domain, bank, design.config, flags);
    }
    battery.push_back({domain, std::make_shared<const TestDesign>(std::move(bank), std::move(design.config))});
    if (label.empty()) label = design.label;
  }
  const auto candidates = battery_candidates(flags, roles);
  StudyOptions options;
  options.seed = flags.seed;
  options.threads = flags.threads;
  options.progress = terminal_progress();
  options.keep_paths = true;
  std::vector<CandidateOutcome> outcomes;
  std::vector<LengthCurve> curves;
  if (mcat) {
    battery_counts->prior = battery_prior(flags, roles);
    outcomes = run_battery_study(battery, *battery_counts, candidates, &roles, options);
    if (!separate.empty()) {
      StudyOptions quiet = options;
      quiet.progress = {};
      const std::vector<CandidateOutcome> tests = run_study(separate, candidates, &roles, quiet);
      curves.push_back({"separate tests of " + std::to_string(share) + " items",
                        rmse_by_length(candidates, tests, BatteryForm::separate)});
    }
    curves.push_back({"one adaptive battery (" + std::string(to_string(battery_counts->criterion)) + ")",
                      rmse_by_length(candidates, outcomes, BatteryForm::joint)});
  } else {
    outcomes = run_study(battery, candidates, &roles, options);
    curves.push_back({"separate tests", rmse_by_length(candidates, outcomes, BatteryForm::separate)});
  }
  const StudySummary summary = summarize(battery, candidates, outcomes, &roles);
  const SessionConfig& config = battery.front().design->config();
  const bool balanced = std::any_of(config.content.topics.begin(), config.content.topics.end(),
                                    [](const auto& topic) { return topic.second.proportion > 0; });
  std::vector<StudySetting> settings = study_settings(label, config, flags.seed, candidates.size(),
                                                      flags.true_thetas.empty() ? flags.population : flags.true_thetas,
                                                      balanced);
  if (mcat) {
    // One battery session: its criterion, joint MAP, its length and counts in place of the domain tests' settings.
    for (StudySetting& setting : settings) {
      if (setting.key == "rule") setting.value = std::string(to_string(battery_counts->criterion));
      if (setting.key == "estimator") setting.value = std::string("joint_map");
      if (setting.key == "max_length") setting.value = static_cast<std::uint64_t>(battery_counts->max_length);
      if (setting.key == "min_length") setting.value = static_cast<std::uint64_t>(0);
      if (setting.key == "se_target") {
        setting.value = battery_counts->se_target ? SettingValue(*battery_counts->se_target) : SettingValue();
      }
    }
    settings.push_back({"battery", std::string("mcat")});
    settings.push_back({"battery_prior", flags.battery_prior.empty() ? std::string("population")
                                                                     : flags.battery_prior});
    settings.push_back({"domain_min", static_cast<std::uint64_t>(battery_counts->min_items.front())});
    settings.push_back({"domain_max", static_cast<std::uint64_t>(battery_counts->max_items.front())});
  }
  const StudyReport report{battery, candidates, outcomes, summary, &roles, "irtcat simulation study",
                           std::move(settings), std::move(curves)};
  const std::filesystem::path dir = flags.out_dir;
  std::filesystem::create_directories(dir);
  const auto write = [&](const char* name, auto writer) {
    std::ofstream file(dir / name, std::ios::binary);
    if (!file) throw InvalidArgument("--out-dir: cannot write " + (dir / name).string());
    writer(file, report);
  };
  write("candidates.csv", write_candidates_csv);
  write("study.json", write_study_json);
  write("report.html", write_study_html);
  Output output(flags.out);
  std::ostream& out = output.stream();
  out << "domain,bias,rmse,mean_se,mean_length,max_exposure,level_accuracy\n";
  for (const DomainStatistics& s : summary.domains) {
    out << s.domain << ',' << format_double(s.bias) << ',' << format_double(s.rmse) << ','
        << format_double(s.mean_se) << ',' << format_double(s.mean_length) << ','
        << format_double(s.max_exposure) << ',' << format_double(s.level_accuracy) << '\n';
  }
  output.commit();
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto flags = std::make_shared<SimulateFlags>();
  CLI::App* command = app.add_subcommand(
      "simulate",
      "Simulation study. With --items and --thetas: one bank, one row per simulee (id,theta_true,theta,se,length,"
      "items). Without: the six-domain battery over the shipped banks with role profiles (files in --out-dir)");
  command->add_option("--items", flags->items, "Items CSV (single-bank form)");
  command->add_option("--thetas", flags->thetas, "True abilities, CSV id,theta (single-bank form)");
  command->add_option("--responses", flags->responses,
                      "Complete response matrix: post-hoc simulation (- for standard input)");
  command->add_option("--seed", flags->seed, "Seed: the same seed gives the same study on any thread count")->capture_default_str();
  command->add_option("--threads", flags->threads, "Worker threads (0: every core)")->capture_default_str();
  command->add_option("--candidates", flags->candidates, "Battery: simulated candidates")->capture_default_str();
  command->add_option("--population", flags->population,
                      "Battery: roles (each role's population in turn), one role's name, or normal (N(0, 1) per domain)")
      ->capture_default_str();
  command->add_option("--true-thetas", flags->true_thetas,
                      "Battery: candidates' true thetas, CSV id,<domain>,... (instead of drawing them)");
  CLI::Option* banks =
      command->add_option("--banks", flags->banks, "Battery: the folder of bank JSON files")->capture_default_str();
  command->add_option("--db", flags->db, "Battery: load the domains' banks from this database instead of --banks")
      ->excludes(banks);
  command->add_option("--roles", flags->roles,
                      "Battery: roles file (default: <banks>/roles.json, also with --db)");
  command->add_option("--out-dir", flags->out_dir, "Battery: where candidates.csv, study.json and report.html go")
      ->capture_default_str();
  command->add_option("--out", flags->out, "Write the CSV here instead of standard output");
  command->add_option("--battery", flags->battery,
                      "Battery: separate (one adaptive test per domain) or mcat (one multidimensional adaptive test "
                      "over every domain, joint MAP under the candidates' population as prior, the designs' exposure control; "
                      "the report compares it with separate tests of an equal share of its length)")
      ->capture_default_str()
      ->check(CLI::IsMember({"separate", "mcat"}));
  command->add_option("--battery-length", flags->battery_length,
                      "--battery mcat: items in the whole battery (default: domains x --length, 120 with 20)");
  command->add_option("--battery-prior", flags->battery_prior,
                      "--battery mcat: the prior's mean and covariance from a latent JSON file (irtcat calibrate "
                      "--latent) instead of the candidates' population");
  command->add_option("--criterion", flags->criterion,
                      "--battery mcat: d_optimal (the joint posterior's volume shrinks most) or a_optimal (the sum of "
                      "the posterior variances falls most)")
      ->capture_default_str()
      ->check(CLI::IsMember({"d_optimal", "a_optimal"}));
  command->add_option("--domain-min", flags->domain_min,
                      "--battery mcat: at least this many items per domain (default: battery length / (2 x domains), "
                      "10 of 120 for six domains)");
  command->add_option("--domain-max", flags->domain_max,
                      "--battery mcat: at most this many items per domain (default: battery length / 2)");
  flags->design.add_to(*command);
  command->callback([flags, command] {
    if (flags->items.empty() != flags->thetas.empty()) {
      throw InvalidArgument("--items and --thetas go together (the single-bank form)");
    }
    const auto given = [&](const char* option) { return command->count(option) > 0; };
    const auto battery_option = std::find_if(std::begin(kBatteryOptions), std::end(kBatteryOptions), given);
    if (!flags->items.empty()) {
      if (!flags->db.empty()) throw InvalidArgument("--db is for the battery form, not with --items");
      if (given("--battery")) throw InvalidArgument("--battery is for the battery form, not with --items");
      if (battery_option != std::end(kBatteryOptions)) {
        throw InvalidArgument(std::string(*battery_option) + " is for --battery mcat, not with --items");
      }
      run_single_bank(*flags);
    } else {
      if (!flags->responses.empty()) throw InvalidArgument("--responses needs --items and --thetas");
      if (flags->battery == "mcat") {
        const auto other = std::find_if(std::begin(kSeparateOnlyOptions), std::end(kSeparateOnlyOptions), given);
        if (other != std::end(kSeparateOnlyOptions)) {
          throw InvalidArgument(std::string(*other) + " does not apply to --battery mcat (one battery session "
                                "selects by --criterion and estimates by joint MAP)");
        }
      } else if (battery_option != std::end(kBatteryOptions)) {
        throw InvalidArgument(std::string(*battery_option) + " needs --battery mcat");
      }
      flags->se_given = given("--se");
      run_battery(*flags);
    }
  });
}

}  // namespace irtcat::cli
