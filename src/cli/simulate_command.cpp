// irtcat simulate: a single-bank study (--items and --thetas, optionally post-hoc with --responses) printing one
// row per simulee, or the six-domain battery with role profiles over the shipped banks (bank JSON files in --banks,
// or the banks of a database with --db), writing the per-candidate CSV, the study JSON and the HTML report.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "cli/cli_common.hpp"
#include "irtcat/battery_files.hpp"
#include "irtcat/text.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/roles_json.hpp"
#include "irtcat/store.hpp"
#include "irtcat/study_report.hpp"
#include "irtcat/text.hpp"
#include "irtcat/thetas_csv.hpp"

#ifndef IRTCAT_ITEM_BANKS
#define IRTCAT_ITEM_BANKS "item_banks"
#endif

namespace irtcat::cli {
namespace {

struct SimulateFlags {
  std::string items;
  std::string thetas;
  std::string responses;
  int length = 20;
  int min_length = 0;
  std::optional<double> se_target;
  int start_random = 0;
  std::string start_select = "rule";
  std::string rule = "mfi";
  std::optional<double> start_theta;
  std::uint64_t seed = 1;
  unsigned threads = 0;
  int candidates = 1000;
  std::string population = "roles";
  std::string true_thetas;
  std::string banks = IRTCAT_ITEM_BANKS;
  std::string db;
  std::string roles;
  std::string out_dir = "study";
  std::string exposure = "none";
  int randomesque = 3;
  double max_rate = 0.25;
  bool balance_topics = true;
  std::string out;
  EstimatorFlags estimation;
};

std::function<void(std::size_t, std::size_t)> terminal_progress() {
  if (!isatty(STDERR_FILENO)) return {};
  return [](std::size_t done, std::size_t total) {
    const int width = 40;
    const int filled = total ? static_cast<int>(width * done / total) : width;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), done, total);
    if (done == total) std::fprintf(stderr, "\n");
  };
}

SessionConfig session_config(const SimulateFlags& flags) {
  SessionConfig config;
  config.estimation = flags.estimation.options();
  config.selection.rule = selection_rule_from_string(flags.rule);
  if (flags.length < 1) throw InvalidArgument("--length: must be >= 1");
  config.stopping.max_length = flags.length;
  config.stopping.min_length = flags.min_length;
  config.stopping.se_target = flags.se_target;
  config.start.theta = flags.start_theta;
  config.start.random_among = flags.start_random;
  config.start.most_informative = flags.start_select == "mfi";
  config.exposure.method = exposure_method_from_string(flags.exposure);
  config.exposure.randomesque_count = flags.randomesque;
  config.exposure.max_rate = flags.max_rate;
  return config;
}

void run_single_bank(const SimulateFlags& flags) {
  const SessionConfig config = session_config(flags);
  auto bank = std::make_shared<const ItemBank>(read_items_csv_file(flags.items, flags.estimation.scaling));
  const std::vector<SimulatedCandidate> simulees = read_thetas_csv_file(flags.thetas);
  StudyOptions options;
  options.seed = flags.seed;
  options.threads = flags.threads;
  options.progress = terminal_progress();
  if (!flags.responses.empty()) {
    options.responses.push_back(post_hoc_responses(read_responses_csv_file(flags.responses), *bank, simulees));
  }
  const std::vector<DomainDesign> designs = {{"bank", std::make_shared<const TestDesign>(bank, config)}};
  const auto outcomes = run_study(designs, simulees, nullptr, options);
  Output output(flags.out);
  std::ostream& out = output.stream();
  out << "id,theta_true,theta,se,length,items\n";
  for (std::size_t s = 0; s < simulees.size(); ++s) {
    const DomainOutcome& result = outcomes[s].domains.front();
    out << csv_quoted(simulees[s].id) << ',' << format_double(simulees[s].theta(0)) << ','
        << format_double(result.estimate.theta) << ',' << format_double(result.estimate.se) << ','
        << result.items.size() << ',';
    std::string items;
    for (std::size_t item : result.items) {
      if (!items.empty()) items += ' ';
      items += bank->items()[item].id().str();
    }
    out << csv_quoted(items) << '\n';
  }
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

void run_battery(const SimulateFlags& flags) {
  if (flags.candidates < 1) throw InvalidArgument("--candidates: must be >= 1");
  const std::string roles_path = flags.roles.empty() ? flags.banks + "/roles.json" : flags.roles;
  const RoleCatalog roles = read_role_catalog_file(roles_path);
  const SessionConfig config = session_config(flags);
  std::vector<DomainDesign> battery;
  if (flags.db.empty()) {
    battery = battery_from_bank_files(flags.banks, roles.domains, config, flags.balance_topics);
  } else {
    // The stored banks are named after their domains, as the default database built from item_banks/ has them.
    Store store(database_path(flags.db), OpenMode::read_only);
    for (const std::string& domain : roles.domains) {
      battery.push_back(domain_design(domain, store.load_bank(domain), config, flags.balance_topics));
    }
  }
  const auto candidates = battery_candidates(flags, roles);
  StudyOptions options;
  options.seed = flags.seed;
  options.threads = flags.threads;
  options.progress = terminal_progress();
  const auto outcomes = run_study(battery, candidates, &roles, options);
  const StudySummary summary = summarize(battery, candidates, outcomes, &roles);
  const StudyReport report{battery, candidates, outcomes, summary, &roles, "irtcat simulation study",
                           study_settings(config, flags.seed, candidates.size(),
                                          flags.true_thetas.empty() ? flags.population : flags.true_thetas,
                                          flags.balance_topics)};
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
  command->add_option("--responses", flags->responses, "Complete response matrix: post-hoc simulation");
  command->add_option("--length", flags->length, "Test length (maximum)")->capture_default_str();
  command->add_option("--min-length", flags->min_length, "Minimum test length (with --se)")->capture_default_str();
  command->add_option("--se", flags->se_target, "Stop once the SE is at most this (variable-length tests)");
  command->add_option("--start-random", flags->start_random,
                      "First item: random among this many most informative at the start theta (0: by the rule)")
      ->capture_default_str();
  command->add_option("--start-select", flags->start_select,
                      "First item: by the rule, or mfi (most informative at the start theta, catR's default)")
      ->capture_default_str()
      ->check(CLI::IsMember({"rule", "mfi"}));
  command->add_option("--rule", flags->rule, "Selection rule: mfi, kl, klp, mlwi, mpwi, mepv, mei, closest, a_stratified, random")
      ->capture_default_str();
  command->add_option("--start-theta", flags->start_theta, "Ability the first item is chosen at (default: the prior mean)");
  command->add_option("--exposure", flags->exposure, "Exposure control: none, randomesque, progressive_restricted, item_eligibility")
      ->capture_default_str();
  command->add_option("--randomesque", flags->randomesque, "Randomesque: choose among this many best")->capture_default_str();
  command->add_option("--max-rate", flags->max_rate,
                      "Progressive-restricted and item eligibility: the highest exposure rate an item may reach over the study")
      ->capture_default_str();
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
  command->add_flag("!--no-balance", flags->balance_topics, "Battery: do not balance topics");
  command->add_option("--out", flags->out, "Write the CSV here instead of standard output");
  flags->estimation.add_to(*command);
  command->callback([flags] {
    if (flags->items.empty() != flags->thetas.empty()) {
      throw InvalidArgument("--items and --thetas go together (the single-bank form)");
    }
    if (!flags->items.empty()) {
      if (!flags->db.empty()) throw InvalidArgument("--db is for the battery form, not with --items");
      run_single_bank(*flags);
    } else {
      if (!flags->responses.empty()) throw InvalidArgument("--responses needs --items and --thetas");
      run_battery(*flags);
    }
  });
}

}  // namespace irtcat::cli
