#include "cli/design_flags.hpp"

#include <algorithm>

#include "irtcat/design_json.hpp"
#include "irtcat/error.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {
namespace {

constexpr const char* kEstimationOptions[] = {"--estimator", "--prior", "--prior-mean", "--prior-sd",
                                              "--prior-bounds", "--grid", "--bounds"};

TopicConstraint parse_topic(const std::string& text, std::string& name) {
  const auto equals = text.rfind('=');
  const auto bounds = equals == std::string::npos ? std::vector<std::string>{} : split(text.substr(equals + 1), ':');
  std::optional<double> min;
  std::optional<double> max;
  if (bounds.size() == 2) {
    min = parse_double(bounds[0]);
    max = parse_double(bounds[1]);
  }
  if (equals == 0 || bounds.size() != 2 || !min || !max || *min != static_cast<int>(*min) ||
      *max != static_cast<int>(*max)) {
    throw InvalidArgument("--topic: expected NAME=MIN:MAX with whole numbers, got " + quoted_value(text));
  }
  name = text.substr(0, equals);
  TopicConstraint rule;
  rule.min = static_cast<int>(*min);
  rule.max = static_cast<int>(*max);
  return rule;
}

}  // namespace

void DesignFlags::add_to(CLI::App& command, bool with_design) {
  command_ = &command;
  const std::size_t before = command.get_options().size();
  if (with_design) {
    command.add_option("--design", design,
                       "A stored design of the bank (irtcat design list), or a design file (*.json); the options "
                       "below change only what they name");
  }
  add_rule_option(command, rule);
  command.add_option("--strata", strata, "a_stratified: the number of strata")->capture_default_str();
  command.add_option("--length", length, "Maximum test length")->capture_default_str();
  command.add_option("--min-length", min_length, "Minimum test length (variable-length stops)")->capture_default_str();
  command.add_option("--se", se_target, "Stop once the SE is at most this");
  command.add_option("--information", information_target, "Stop once no eligible item informs more than this");
  command.add_option("--classify", classify_cut, "Stop once the candidate is classified against this theta cut");
  command.add_option("--classify-method", classify_method, "Classification: confidence_interval or sprt")
      ->capture_default_str()
      ->check(CLI::IsMember({"confidence_interval", "sprt"}));
  command.add_option("--confidence", confidence, "Classification by interval: its two-sided level")
      ->capture_default_str();
  command.add_option("--indifference", indifference, "SPRT: half-width of the indifference region")
      ->capture_default_str();
  command.add_option("--alpha", alpha, "SPRT: error rate below the cut")->capture_default_str();
  command.add_option("--beta", beta, "SPRT: error rate above the cut")->capture_default_str();
  command.add_option("--combine", combine, "Several stops: any (the first that holds) or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"any", "all"}));
  command.add_option("--start-theta", start_theta, "Ability the first item is chosen at (default: the prior mean)");
  command.add_option("--start-random", start_random,
                     "First item: random among this many most informative at the start theta (0: by the rule)")
      ->capture_default_str();
  command.add_option("--start-select", start_select,
                     "First item: by the rule, or mfi (most informative at the start theta, catR's default)")
      ->capture_default_str()
      ->check(CLI::IsMember({"rule", "mfi"}));
  command.add_option("--exposure", exposure,
                     "Exposure control: none, randomesque, sympson_hetter, conditional_sympson_hetter, "
                     "progressive_restricted or item_eligibility")
      ->capture_default_str();
  command.add_option("--randomesque", randomesque, "Randomesque: choose among this many best")->capture_default_str();
  command.add_option("--max-rate", max_rate,
                     "The highest exposure rate of an item (progressive-restricted, item eligibility, and the target "
                     "of Sympson-Hetter parameters)")
      ->capture_default_str();
  command.add_option("--theta-cuts", theta_cuts, "Conditional Sympson-Hetter: the theta strata's bounds, x,y,...");
  command.add_flag("!--no-balance", balance_topics, "Do not give every topic of the bank an equal share");
  command.add_option("--topic", topics, "A topic's item count: NAME=MIN:MAX (repeatable)");
  command.add_option("--enemies", enemies, "Items of which a test gives at most one: ID,ID,... (repeatable)");
  estimation.add_to(command);
  const std::vector<CLI::Option*> all = command.get_options();
  for (std::size_t k = before; k < all.size(); ++k) {
    if (all[k]->get_name() != "--design") options_.push_back(all[k]);
  }
}

bool DesignFlags::any_given() const {
  return std::any_of(options_.begin(), options_.end(), [](const CLI::Option* option) { return option->count() > 0; });
}

bool DesignFlags::design_is_file() const {
  return design.size() > 5 && design.compare(design.size() - 5, 5, ".json") == 0;
}

bool DesignFlags::given(const char* option) const { return command_ != nullptr && command_->count(option) > 0; }

DesignDocument DesignFlags::design_document(const std::optional<DesignDocument>& base, const std::string& name) const {
  DesignDocument out;
  if (base) {
    out = *base;
  } else {
    out.name = name;
    out.description = "made from command-line options";
    out.config.exposure.randomesque_count = randomesque;
  }
  // Without a base every option applies with its value (its default when not given); with one, only those given.
  const auto apply = [&](const char* option) { return !base || given(option); };
  SessionConfig& config = out.config;
  if (apply("--rule")) config.selection.rule = selection_rule_from_string(rule);
  if (apply("--strata")) config.selection.strata = strata;
  if (!base || std::any_of(std::begin(kEstimationOptions), std::end(kEstimationOptions),
                           [&](const char* option) { return given(option); })) {
    config.estimation = estimation.options();
  }
  if (apply("--length")) config.stopping.max_length = length;
  if (apply("--min-length")) config.stopping.min_length = min_length;
  if (given("--se")) config.stopping.se_target = se_target;
  if (given("--information")) config.stopping.information_target = information_target;
  if (given("--classify")) {
    ClassificationRule classification;
    classification.cut = classify_cut;
    classification.method = classification_method_from_string(classify_method);
    classification.confidence = confidence;
    classification.indifference = indifference;
    classification.alpha = alpha;
    classification.beta = beta;
    config.stopping.classification = classification;
  } else if (given("--classify-method") || given("--confidence") || given("--indifference") || given("--alpha") ||
             given("--beta")) {
    if (!config.stopping.classification) throw InvalidArgument("--classify CUT goes with the classification options");
    ClassificationRule& classification = *config.stopping.classification;
    if (given("--classify-method")) classification.method = classification_method_from_string(classify_method);
    if (given("--confidence")) classification.confidence = confidence;
    if (given("--indifference")) classification.indifference = indifference;
    if (given("--alpha")) classification.alpha = alpha;
    if (given("--beta")) classification.beta = beta;
  }
  if (apply("--combine")) config.stopping.combine = stopping_combine_from_string(combine);
  if (given("--start-theta")) config.start.theta = start_theta;
  if (apply("--start-random")) config.start.random_among = start_random;
  if (apply("--start-select")) config.start.most_informative = start_select == "mfi";
  if (apply("--exposure")) {
    const ExposureMethod method = exposure_method_from_string(exposure);
    if (method != config.exposure.method) config.exposure.sympson_hetter.clear();  // K belong to their method
    config.exposure.method = method;
  }
  if (apply("--randomesque")) config.exposure.randomesque_count = randomesque;
  if (apply("--max-rate")) config.exposure.max_rate = max_rate;
  if (given("--theta-cuts")) {
    config.exposure.theta_cuts = parse_number_list(theta_cuts, "--theta-cuts");
    config.exposure.sympson_hetter.clear();
  }
  if (apply("--no-balance")) out.balance_topics = balance_topics;
  for (const std::string& text : topics) {
    std::string topic;
    const TopicConstraint rule = parse_topic(text, topic);
    config.content.topics[topic].min = rule.min;
    config.content.topics[topic].max = rule.max;
  }
  for (const std::string& text : enemies) {
    std::vector<ItemId> set;
    for (const std::string& id : split(text, ',')) set.emplace_back(std::string(trim(id)));
    if (set.size() < 2) throw InvalidArgument("--enemies: expected two or more item ids, got " + quoted_value(text));
    config.content.enemies.push_back(std::move(set));
  }
  config.stopping.validate();
  config.selection.validate();
  return out;
}

ResolvedDesign resolve_design(const DesignFlags& flags, Store* store, const BankDocument& bank,
                              const std::string& fallback) {
  std::optional<DesignDocument> base;
  std::optional<StoredDesign> stored;
  ResolvedDesign out;
  if (flags.design_is_file()) {
    base = read_design_json_file(flags.design);
    out.label = "file " + flags.design;
  } else {
    const std::string name = flags.has_design() ? flags.design : fallback;
    if (!name.empty() && store != nullptr) {
      if (flags.has_design()) {
        stored = store->load_design(bank.info.name, name);
      } else {
        for (const StoredDesign& design : store->designs(bank.info.name)) {
          if (design.document.name == name) stored = design;
        }
      }
    } else if (flags.has_design()) {
      throw InvalidArgument("--design " + quoted_value(flags.design) + ": a stored design needs the database (--db)");
    }
    if (stored) {
      base = stored->document;
      out.label = stored->document.name + " v" + std::to_string(stored->version);
    }
  }
  out.document = flags.design_document(base);
  const bool changed = flags.any_given();
  if (stored && !changed) {
    out.config = stored->config_on(bank);
    out.labels.design = stored->document.name;
    out.labels.design_version = stored->version;
  } else {
    out.config = out.document.config_for(bank.info.topics);
    out.config.validate(bank.bank);
  }
  if (out.label.empty()) {
    out.label = "ad hoc";
  } else if (changed) {
    out.label += ", changed by options";
  }
  return out;
}

}  // namespace irtcat::cli
