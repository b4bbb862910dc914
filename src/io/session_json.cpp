// Sessions and their configurations as JSON: {"format": "irtcat.session", "version": 1, "bank", "seed",
// "config", "log"}. The log is the whole state; restoring replays it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "detail/json_int.hpp"
#include "detail/one_line.hpp"
#include "irtcat/error.hpp"
#include "irtcat/session.hpp"

namespace irtcat {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr const char* kSessionFormat = "irtcat.session";
constexpr int kSessionVersion = 1;

ordered prior_json(const Prior& prior) {
  if (const auto* normal = std::get_if<NormalPrior>(&prior)) {
    return ordered{{"type", "normal"}, {"mean", normal->mean}, {"sd", normal->sd}};
  }
  if (const auto* uniform = std::get_if<UniformPrior>(&prior)) {
    return ordered{{"type", "uniform"}, {"lower", uniform->lower}, {"upper", uniform->upper}};
  }
  return ordered{{"type", "grid"}, {"density", std::get<GridPrior>(prior).density}};
}

template <class T>
ordered optional_json(const std::optional<T>& value) {
  return value ? ordered(*value) : ordered(nullptr);
}

ordered config_json(const SessionConfig& config) {
  ordered topics = ordered::object();
  for (const auto& [topic, rule] : config.content.topics) {
    topics[topic] = {{"min", rule.min}, {"max", rule.max}, {"proportion", rule.proportion}};
  }
  ordered enemies = ordered::array();
  for (const auto& set : config.content.enemies) {
    ordered ids = ordered::array();
    for (const ItemId& id : set) ids.push_back(id.str());
    enemies.push_back(ids);
  }
  ordered classification = nullptr;
  if (const auto& rule = config.stopping.classification) {
    classification = {{"cut", rule->cut},
                      {"method", to_string(rule->method)},
                      {"confidence", rule->confidence},
                      {"indifference", rule->indifference},
                      {"alpha", rule->alpha},
                      {"beta", rule->beta}};
  }
  ordered exposure{{"method", to_string(config.exposure.method)},
                   {"randomesque_count", config.exposure.randomesque_count},
                   {"sympson_hetter", config.exposure.sympson_hetter},
                   {"max_rate", config.exposure.max_rate}};
  // Only where set: a configuration stored before the conditional method existed reads back as written.
  if (!config.exposure.theta_cuts.empty()) exposure["theta_cuts"] = config.exposure.theta_cuts;
  const EstimationOptions& e = config.estimation;
  return ordered{
      {"selection", {{"rule", to_string(config.selection.rule)}, {"strata", config.selection.strata}}},
      {"estimation",
       {{"estimator", to_string(e.estimator)},
        {"prior", prior_json(e.prior)},
        {"bounds", {e.bounds.lower, e.bounds.upper}},
        {"grid", {{"lower", e.grid.lower}, {"upper", e.grid.upper}, {"points", e.grid.points}}}}},
      {"exposure", exposure},
      {"content", {{"topics", topics}, {"enemies", enemies}}},
      {"start",
       {{"theta", optional_json(config.start.theta)},
        {"random_among", config.start.random_among},
        {"most_informative", config.start.most_informative}}},
      {"stopping",
       {{"max_length", config.stopping.max_length},
        {"min_length", config.stopping.min_length},
        {"se_target", optional_json(config.stopping.se_target)},
        {"information_target", optional_json(config.stopping.information_target)},
        {"classification", classification},
        {"combine", to_string(config.stopping.combine)}}},
  };
}

// A whole number of the session or its configuration, `field` naming it in the error.
int whole(const json& value, const char* field) {
  const auto n = detail::json_int(value);
  if (!n) throw DataError("session", 0, field, "expected a whole number in the range of int");
  return *n;
}

template <class T>
std::optional<T> optional_from(const json& value) {
  return value.is_null() ? std::nullopt : std::optional<T>(value.get<T>());
}

SessionConfig config_from(const json& j) {
  SessionConfig config;
  config.selection.rule = selection_rule_from_string(j.at("selection").at("rule").get<std::string>());
  config.selection.strata = whole(j.at("selection").at("strata"), "config.selection.strata");
  const json& e = j.at("estimation");
  config.estimation.estimator = estimator_from_string(e.at("estimator").get<std::string>());
  const json& prior = e.at("prior");
  const std::string type = prior.at("type").get<std::string>();
  if (type == "normal") {
    config.estimation.prior = NormalPrior{prior.at("mean").get<double>(), prior.at("sd").get<double>()};
  } else if (type == "uniform") {
    config.estimation.prior = UniformPrior{prior.at("lower").get<double>(), prior.at("upper").get<double>()};
  } else if (type == "grid") {
    config.estimation.prior = GridPrior{prior.at("density").get<std::vector<double>>()};
  } else {
    throw InvalidArgument("session configuration: unknown prior type " + detail::quoted_value(type));
  }
  config.estimation.bounds = {e.at("bounds").at(0).get<double>(), e.at("bounds").at(1).get<double>()};
  config.estimation.grid = {e.at("grid").at("lower").get<double>(), e.at("grid").at("upper").get<double>(),
                            whole(e.at("grid").at("points"), "config.estimation.grid.points")};
  const json& x = j.at("exposure");
  config.exposure.method = exposure_method_from_string(x.at("method").get<std::string>());
  config.exposure.randomesque_count = whole(x.at("randomesque_count"), "config.exposure.randomesque_count");
  config.exposure.sympson_hetter = x.at("sympson_hetter").get<std::vector<double>>();
  config.exposure.max_rate = x.at("max_rate").get<double>();
  if (const auto cuts = x.find("theta_cuts"); cuts != x.end()) {  // written only where set
    config.exposure.theta_cuts = cuts->get<std::vector<double>>();
  }
  for (const auto& [topic, rule] : j.at("content").at("topics").items()) {
    config.content.topics[topic] = {whole(rule.at("min"), "config.content.topics.min"),
                                    whole(rule.at("max"), "config.content.topics.max"),
                                    rule.at("proportion").get<double>()};
  }
  for (const json& set : j.at("content").at("enemies")) {
    std::vector<ItemId> ids;
    for (const json& id : set) ids.emplace_back(id.get<std::string>());
    config.content.enemies.push_back(std::move(ids));
  }
  config.start.theta = optional_from<double>(j.at("start").at("theta"));
  config.start.random_among = whole(j.at("start").at("random_among"), "config.start.random_among");
  config.start.most_informative = j.at("start").value("most_informative", false);  // absent before it existed
  const json& s = j.at("stopping");
  config.stopping.max_length = whole(s.at("max_length"), "config.stopping.max_length");
  config.stopping.min_length = whole(s.at("min_length"), "config.stopping.min_length");
  config.stopping.se_target = optional_from<double>(s.at("se_target"));
  config.stopping.information_target = optional_from<double>(s.at("information_target"));
  if (!s.at("classification").is_null()) {
    const json& c = s.at("classification");
    ClassificationRule rule;
    rule.cut = c.at("cut").get<double>();
    rule.method = classification_method_from_string(c.at("method").get<std::string>());
    rule.confidence = c.at("confidence").get<double>();
    rule.indifference = c.at("indifference").get<double>();
    rule.alpha = c.at("alpha").get<double>();
    rule.beta = c.at("beta").get<double>();
    config.stopping.classification = rule;
  }
  config.stopping.combine = stopping_combine_from_string(s.at("combine").get<std::string>());
  return config;
}

json parse_document(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& error) {  // parse_error, and out_of_range for a number beyond double's range
    throw DataError(what, JsonPath{}, std::string("not valid JSON: ") + error.what());
  }
}

// The format version: a JSON integer (not 1.7, nor 1.0, which a writer of this format never produces) that this
// irtcat reads.
void check_version(const json& document) {
  const json& version = document.at("version");
  if (!version.is_number_integer()) {
    // A number is shown as written; anything else by its type (dumping a deeply nested array would recurse).
    throw DataError("session", 0, "version", "expected an integer format version, got " +
                                                 (version.is_number() ? version.dump() : std::string(version.type_name())));
  }
  if (detail::json_int(version) != kSessionVersion) {
    throw DataError("session", 0, "version", "unknown format version " + version.dump() +
                                                 "; this irtcat reads session format version " + std::to_string(kSessionVersion));
  }
}

std::uint64_t seed_of(const json& value) {
  if (!value.is_number_unsigned()) throw DataError("session", 0, "seed", "expected a whole number 0 .. 2^64 - 1");
  return value.get<std::uint64_t>();
}

struct SessionDocument {
  BankIdentity bank;
  std::uint64_t seed;
  json config;
  std::vector<std::pair<std::string, int>> log;
  std::optional<std::string> offered;  ///< the item offered after the log, when the document names it
  std::optional<std::vector<std::string>> ineligible;  ///< the items drawn ineligible, when the document names them
};

SessionDocument read_session(const std::string& text) {
  const json j = parse_document(text, "session");
  try {
    if (j.at("format").get<std::string>() != kSessionFormat) {
      throw DataError("session", JsonPath{"format"}, "not an irtcat session");
    }
    check_version(j);
    SessionDocument stored{{j.at("bank").at("name").get<std::string>(), whole(j.at("bank").at("version"), "bank.version")},
                         seed_of(j.at("seed")), j.at("config"), {}, std::nullopt, std::nullopt};
    for (const json& entry : j.at("log")) {
      stored.log.emplace_back(entry.at("item").get<std::string>(), whole(entry.at("response"), "log.response"));
    }
    if (const auto offered = j.find("offered"); offered != j.end()) stored.offered = offered->get<std::string>();
    if (const auto ineligible = j.find("ineligible"); ineligible != j.end()) {
      stored.ineligible = ineligible->get<std::vector<std::string>>();
    }
    return stored;
  } catch (const json::exception& error) {
    throw DataError("session", JsonPath{}, std::string("malformed session: ") + error.what());
  }
}

void require_same_bank(const TestDesign& design, const SessionDocument& stored) {
  const BankIdentity& identity = design.bank().identity();
  if (identity.name != stored.bank.name || identity.version != stored.bank.version) {
    throw SessionError("Session::from_json: the session was taken on bank " + detail::quoted_value(stored.bank.name) + " version " +
                       std::to_string(stored.bank.version) + ", not on " + detail::quoted_value(identity.name) + " version " +
                       std::to_string(identity.version));
  }
}

}  // namespace

std::string to_json(const SessionConfig& config) { return config_json(config).dump(); }

SessionConfig session_config_from_json(const std::string& text) {
  const json j = parse_document(text, "session configuration");
  try {
    return config_from(j);
  } catch (const json::exception& error) {
    throw DataError("session configuration", JsonPath{}, std::string("malformed configuration: ") + error.what());
  }
}

std::string Session::to_json() const {
  ordered log = ordered::array();
  for (const SessionStep& step : history_) {
    log.push_back({{"item", design_->bank().item(step.item).id().str()}, {"response", step.response}});
  }
  const BankIdentity& bank = design_->bank().identity();
  ordered document{{"format", kSessionFormat},
                   {"version", kSessionVersion},
                   {"bank", {{"name", bank.name}, {"version", bank.version}}},
                   {"seed", seed_},
                   {"config", config_json(design_->config())},
                   {"log", log}};
  // The item on offer, where the log alone does not decide it: progressive-restricted choices read exposure
  // counts that change after the session is saved.
  if (pending_ && design_->config().exposure.method == ExposureMethod::progressive_restricted) {
    document["offered"] = design_->bank().item(*pending_).id().str();
  }
  if (eligibility_drawn_) {
    ordered ineligible = ordered::array();
    for (std::size_t i = 0; i < set_aside_.size(); ++i) {
      if (set_aside_[i]) ineligible.push_back(design_->bank().items()[i].id().str());
    }
    document["ineligible"] = ineligible;
  }
  return document.dump();
}

Session Session::from_json(std::shared_ptr<const TestDesign> design, const std::string& json_text) {
  if (!design) throw InvalidArgument("Session::from_json: the design is null");
  const SessionDocument stored = read_session(json_text);
  if (json(config_json(design->config())) != stored.config) {
    throw SessionError("Session::from_json: the stored configuration differs from the design's");
  }
  require_same_bank(*design, stored);
  return replay(std::move(design), stored.seed, stored.log, stored.offered, stored.ineligible);
}

Session Session::from_json(std::shared_ptr<const ItemBank> bank, const std::string& json_text) {
  const SessionDocument stored = read_session(json_text);
  SessionConfig config;
  try {
    config = config_from(stored.config);
  } catch (const json::exception& error) {
    throw DataError("session", JsonPath{"config"}, std::string("malformed configuration: ") + error.what());
  }
  auto design = std::make_shared<const TestDesign>(std::move(bank), std::move(config));
  require_same_bank(*design, stored);
  return replay(std::move(design), stored.seed, stored.log, stored.offered, stored.ineligible);
}

Session Session::replay(std::shared_ptr<const TestDesign> design, std::uint64_t seed,
                        const std::vector<std::pair<std::string, int>>& log, const std::optional<std::string>& offered,
                        const std::optional<std::vector<std::string>>& ineligible) {
  Session session(std::move(design), seed);
  if (ineligible) {
    // The item-eligibility draw read exposure counts the log does not hold: the stored one stands.
    if (session.design().config().exposure.method != ExposureMethod::item_eligibility) {
      throw SessionError("Session::from_json: ineligible items are stored for a method that draws none");
    }
    session.set_aside_.assign(session.design().bank().size(), 0);
    for (const std::string& id : *ineligible) {
      const auto index = session.design().bank().find(ItemId(id));
      if (!index) throw SessionError("Session::from_json: the ineligible item " + detail::quoted_value(id) + " is not in the bank");
      session.set_aside_[index->value] = 1;
    }
    session.eligibility_drawn_ = true;
    session.refresh_eligible();
  }
  for (const auto& [id, response] : log) {
    const auto index = session.design().bank().find(ItemId(id));
    if (!index) throw SessionError("Session::from_json: the log names item " + detail::quoted_value(id) + ", which the bank lacks");
    // The selection is rerun so that its random state (Sympson–Hetter's passed-over items) is rebuilt. Only
    // progressive-restricted choices depend on exposure counts outside the session: there the log decides.
    const auto offered = session.next_item();
    if (!offered) throw SessionError("Session::from_json: the log goes on after the test stopped");
    if (*offered != *index) {
      if (session.design().config().exposure.method != ExposureMethod::progressive_restricted) {
        throw SessionError("Session::from_json: the log's item " + detail::quoted_value(id) + " is not the item this design offers");
      }
      session.pending_ = *index;
    }
    session.record(*index, response);
  }
  if (offered) {
    const auto index = session.design().bank().find(ItemId(*offered));
    if (!index) {
      throw SessionError("Session::from_json: the offered item " + detail::quoted_value(*offered) + " is not in the bank");
    }
    if (session.finished()) throw SessionError("Session::from_json: an item is offered after the test stopped");
    if (session.design().config().exposure.method == ExposureMethod::progressive_restricted) {
      // The counts the choice read are gone: the item offered stays on offer if the test may still give it.
      if (!session.eligible_[index->value]) {
        throw SessionError("Session::from_json: the offered item " + detail::quoted_value(*offered) +
                           " may not come next (given already, or outside the content plan)");
      }
      session.pending_ = *index;
    } else if (session.next_item() != index) {
      throw SessionError("Session::from_json: the offered item " + detail::quoted_value(*offered) +
                         " is not the item this design offers");
    }
  }
  return session;
}

}  // namespace irtcat
