// The service's calls: sections, sessions and results of the 1EdTech CAT binding on the irtcat store.
//
// A session's state is (configuration, seed, response log), all in the store. A call reads the length of the
// session's log; the session kept in memory is used when it has replayed as many answers, and otherwise the
// session is rebuilt by replaying the stored log on the section's compiled design, so a call may land on any
// process that opens the database. Writes go to the process's one writer (committer.hpp), which commits the
// answers of concurrent calls together.
// The sessionState a reply carries is the number of results recorded; a submission that carries an older state
// (a client's retry after a lost reply) is checked against the log and answered as it was, storing nothing.

#include "service/cat_service.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <thread>

#include "detail/csv.hpp"
#include "irtcat/design_json.hpp"
#include "irtcat/error.hpp"
#include "irtcat/roles_json.hpp"
#include "service/credentials.hpp"
#include "service/service_store.hpp"

namespace irtcat::service {
namespace {

// The most grid points a section may ask for (catR's default is 33; 2,001 is beyond any use).
constexpr int kMaxSectionGridPoints = 2001;

constexpr const char* kScope = "https://purl.imsglobal.org/spec/cat/v1p0/scope/all";
// A candidate's token: it takes one section (its own sessions), nothing else.
constexpr std::string_view kTakeScope = "take:";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void refuse(int status, const std::string& message) { throw RequestError(status, message); }

constexpr int kSqliteConstraint = 19;  // SQLITE_CONSTRAINT: a unique key refused a second row

std::string base64_decode(const std::string& text, const std::string& field) {
  std::optional<std::string> bytes = base64_bytes(text);
  if (!bytes) refuse(400, field + " is not base64");
  return std::move(*bytes);
}

const json* member(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(name);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

std::string string_member(const json& object, const char* name, const std::string& where) {
  const json* value = member(object, name);
  if (!value) return {};
  if (!value->is_string()) refuse(400, where + "." + name + " must be a string");
  return value->get<std::string>();
}

// What a section runs: its configuration and the stored design it was made from.
struct SectionDesign {
  SessionConfig config;
  std::string design;  ///< empty: the built-in defaults
  int design_version = 0;
};

// The service's own defaults, for a bank with no stored "standard" design: EAP, maximum Fisher information with
// randomesque exposure control among the 5 best, 20 items or SE <= 0.3, every topic of the bank an equal share.
SessionConfig builtin_config(const BankDocument& bank) {
  SessionConfig config;
  config.estimation.estimator = Estimator::eap;
  config.selection.rule = SelectionRule::mfi;
  config.exposure.method = ExposureMethod::randomesque;
  config.exposure.randomesque_count = 5;
  config.stopping.max_length = 20;
  config.stopping.se_target = 0.3;
  return with_balanced_topics(std::move(config), bank.info.topics);
}

// The section configuration (irtcat's own JSON inside the binding's base64 sectionConfiguration):
//   {"bank": NAME, "design": NAME, "designVersion": N, "config": {...any part of a session configuration...},
//    "balanceTopics": true}
// A section runs the bank's stored design `design` (its latest version, or designVersion), else the bank's
// "standard" design where the store holds one, else builtin_config. "config" changes parts of it (design_json.hpp's
// overlay: a misspelt key is refused). balanceTopics (default true) is for sections without a stored design: a
// design says itself whether its topics are balanced.
SectionDesign section_design(Store& store, const json& document, const BankDocument& bank) {
  SectionDesign out;
  std::string name = string_member(document, "design", "sectionConfiguration");
  std::optional<int> version;
  if (const json* given = member(document, "designVersion")) {
    if (name.empty()) refuse(400, "sectionConfiguration.designVersion is given without a design");
    if (!given->is_number_integer() || given->get<std::int64_t>() < 1 || given->get<std::int64_t>() > 1000000) {
      refuse(400, "sectionConfiguration.designVersion must be a version number 1, 2, ...");
    }
    version = static_cast<int>(given->get<std::int64_t>());
  }
  const json* balance = member(document, "balanceTopics");
  if (balance && !balance->is_boolean()) refuse(400, "sectionConfiguration.balanceTopics must be true or false");
  if (balance && !name.empty()) {
    refuse(400, "sectionConfiguration.balanceTopics is for sections without a design: design '" + name +
                    "' says whether its topics are balanced");
  }
  if (name.empty() && !balance) {
    const std::vector<StoredDesign> stored = store.designs(bank.info.name);
    const bool standard = std::any_of(stored.begin(), stored.end(),
                                      [](const StoredDesign& design) { return design.document.name == "standard"; });
    if (standard) name = "standard";
  }
  if (name.empty()) {
    out.config = builtin_config(bank);
    if (balance && !balance->get<bool>()) out.config.content.topics.clear();
  } else {
    StoredDesign design;
    try {
      design = store.load_design(bank.info.name, name, version);
    } catch (const StoreError&) {
      refuse(400, "sectionConfiguration.design: bank '" + bank.info.name + "' has no design '" + name + "'" +
                      (version ? " version " + std::to_string(*version) : std::string()));
    }
    try {
      out.config = design.config_on(bank);
    } catch (const InvalidArgument& error) {
      refuse(400, std::string("sectionConfiguration.design: ") + error.what());
    }
    out.design = name;
    out.design_version = design.version;
  }
  if (const json* config = member(document, "config")) {
    if (!config->is_object()) refuse(400, "sectionConfiguration.config must be an object");
    try {
      out.config = overlay_config(out.config, config->dump(), "sectionConfiguration");
    } catch (const std::exception& error) {
      refuse(400, error.what());
    }
  }
  try {
    require_live_exposure(out.config.exposure, "sectionConfiguration");
  } catch (const InvalidArgument& error) {
    refuse(400, error.what());
  }
  // A section's design is built on a call: its grid is bounded so that no request costs more than a moment.
  if (out.config.estimation.grid.points > kMaxSectionGridPoints) {
    refuse(400, "sectionConfiguration.config: the service takes grids of at most " +
                    std::to_string(kMaxSectionGridPoints) + " points, not " +
                    std::to_string(out.config.estimation.grid.points));
  }
  return out;
}

// One result of the binding's assessmentResult.itemResult: the item and what was answered.
struct ItemResult {
  std::string identifier;
  std::optional<std::string> score;     ///< outcome variable SCORE, as text
  std::optional<std::string> response;  ///< response variable RESPONSE, as text
};

// A QTI variable's first value: "value" is a list of {"value": v}, a list of values, or a value.
std::optional<std::string> first_value(const json& variable) {
  const json* value = member(variable, "value");
  if (!value) return std::nullopt;
  const json* first = value;
  if (value->is_array()) {
    if (value->empty()) return std::nullopt;
    first = &(*value)[0];
  }
  if (first->is_object()) first = member(*first, "value");
  if (!first) return std::nullopt;
  if (first->is_string()) return first->get<std::string>();
  if (first->is_number() || first->is_boolean()) return first->dump();
  return std::nullopt;
}

std::optional<std::string> variable(const json& result, const char* list, const char* name) {
  const json* variables = member(result, list);
  if (!variables) return std::nullopt;
  if (!variables->is_array()) refuse(400, std::string("itemResult.") + list + " must be a list");
  for (const json& entry : *variables) {
    if (!entry.is_object()) refuse(400, std::string("itemResult.") + list + " holds something that is not an object");
    const json* identifier = member(entry, "identifier");
    if (!identifier || !identifier->is_string()) continue;
    std::string id = identifier->get<std::string>();
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char ch) { return std::toupper(ch); });
    if (id == name) return first_value(entry);
  }
  return std::nullopt;
}

std::vector<ItemResult> item_results(const json& body) {
  if (!body.is_object()) refuse(400, "the body must be a JSON object");
  const json* assessment = member(body, "assessmentResult");
  if (!assessment || !assessment->is_object()) refuse(400, "assessmentResult is missing");
  const json* list = member(*assessment, "itemResult");
  if (!list) refuse(400, "assessmentResult.itemResult is missing");
  const json single = json::array({*list});
  const json& results = list->is_array() ? *list : single;
  if (results.empty()) refuse(400, "assessmentResult.itemResult is empty");
  std::vector<ItemResult> out;
  for (const json& result : results) {
    if (!result.is_object()) refuse(400, "assessmentResult.itemResult holds something that is not an object");
    ItemResult item{string_member(result, "identifier", "itemResult"), variable(result, "outcomeVariables", "SCORE"),
                    variable(result, "responseVariables", "RESPONSE")};
    if (item.identifier.empty()) refuse(400, "an itemResult has no identifier");
    out.push_back(std::move(item));
  }
  return out;
}

// What a result stands for on an item: its category, and the option chosen where the result named one.
struct Scored {
  int category = 0;
  std::optional<int> option;
};

// The category a result stands for on `item`: the chosen option scored against the stored key (or, for a
// polytomous item, the option's position), else the SCORE the platform sent.
Scored scored(const ItemResult& result, const Item& item, const ItemContent& content) {
  const std::string& id = result.identifier;
  const int categories = item.category_count();
  if (result.response && !content.options.empty()) {
    const std::string& answer = *result.response;
    const int letter = option_from_letter(answer).value_or(-1);
    if (letter < 0 || letter >= static_cast<int>(content.options.size())) {
      refuse(400, "item '" + id + "': RESPONSE '" + answer + "' is not one of its options A-" +
                      option_letter(content.options.size() - 1));
    }
    if (is_dichotomous(item.model()) && content.key < 0) {
      refuse(400, "item '" + id + "' has no stored key: send its SCORE");
    }
    const std::optional<int> category = option_category(item, content, static_cast<std::size_t>(letter));
    if (!category) {
      refuse(400, "item '" + id + "': option " + answer + " is beyond its " + std::to_string(categories) + " categories");
    }
    return {*category, letter};
  }
  if (!result.score) refuse(400, "item '" + id + "': the result has neither a SCORE outcome nor a RESPONSE");
  double value = 0.0;
  try {
    std::size_t used = 0;
    value = std::stod(*result.score, &used);
    if (used != result.score->size()) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    refuse(400, "item '" + id + "': SCORE '" + *result.score + "' is not a number");
  }
  if (!(value >= 0.0 && value <= categories - 1) || value != std::floor(value)) {
    refuse(400, "item '" + id + "': SCORE " + *result.score + " is not a category 0.." + std::to_string(categories - 1));
  }
  return {static_cast<int>(value), std::nullopt};
}

json variable_json(const char* identifier, const char* base_type, const std::string& value) {
  return {{"identifier", identifier},
          {"cardinality", "single"},
          {"baseType", base_type},
          {"value", json::array({{{"baseType", base_type}, {"value", value}}})}};
}

// irtcat's own: the platform's identifier of the person taking the session, "candidate" at the top or as priorData
// {"key": "candidate"}; an opaque string of at most 256 bytes, stored with the session. Empty when not given.
std::string candidate_of(const json& body) {
  const json* candidate = member(body, "candidate");
  if (const json* prior = member(body, "priorData"); !candidate && prior && prior->is_array()) {
    for (const json& entry : *prior) {
      if (entry.is_object() && entry.value("key", "") == "candidate") candidate = member(entry, "value");
    }
  }
  if (!candidate) return {};
  if (!candidate->is_string() || candidate->get<std::string>().size() > 256) {
    refuse(400, "candidate must be a string of at most 256 bytes");
  }
  return candidate->get<std::string>();
}

std::uint64_t seed_of(const json& body) {
  // irtcat's own: "seed" at the top or as priorData {"key": "seed"}, for sessions that must be reproducible.
  const json* seed = member(body, "seed");
  if (const json* prior = member(body, "priorData"); !seed && prior && prior->is_array()) {
    for (const json& entry : *prior) {
      if (entry.is_object() && entry.value("key", "") == "seed") seed = member(entry, "value");
    }
  }
  if (!seed) return std::stoull(random_hex(8), nullptr, 16);
  if (seed->is_number_unsigned()) return seed->get<std::uint64_t>();
  if (seed->is_number_integer() && seed->get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(seed->get<std::int64_t>());
  if (seed->is_string()) {
    const std::string text = seed->get<std::string>();
    if (!text.empty() && text.size() <= 20 && std::all_of(text.begin(), text.end(), ::isdigit)) {
      try {
        return std::stoull(text);
      } catch (const std::out_of_range&) {
      }
    }
  }
  refuse(400, "seed must be an integer 0..2^64-1");
}

}  // namespace

// ---- the pool ----------------------------------------------------------------------------------------------

StorePool::Lease::~Lease() {
  if (!store_) return;
  std::lock_guard lock(pool_->mutex_);
  pool_->idle_.push_back(std::move(store_));
}

StorePool::Lease StorePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Store> store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(store));
    }
  }
  return Lease(*this, std::make_unique<Store>(path_, OpenMode::read_write));
}

// ---- the service -------------------------------------------------------------------------------------------

struct CatService::Section {
  SectionRow row;
  BankInfo info;
  std::shared_ptr<const TestDesign> design;
};

// A session between calls: what its log replays to, so that a call on a session whose log has not changed
// elsewhere records one answer instead of replaying them all.
struct CatService::Running {
  std::mutex mutex;
  std::optional<Session> session;
};

// A workspace from the pool for one call on a running session: lent to the session for the call (by current),
// taken back when the call ends, so that a remembered session holds none.
struct CatService::Lent {
  Running& running;
  std::shared_ptr<Workspace> workspace;
  Lent(Running& kept, WorkspacePool& pool) : running(kept), workspace(pool.acquire()) {}
  Lent(const Lent&) = delete;
  Lent& operator=(const Lent&) = delete;
  ~Lent() {
    if (running.session) running.session->set_workspace(nullptr);
  }
};

namespace {
// The schema is created or migrated once, before any call (and before the writer opens the file).
const std::string& with_schema(const std::string& database) {
  Store(database, OpenMode::create);
  return database;
}
}  // namespace

CatService::CatService(const ServiceOptions& options)
    : stores_(with_schema(options.database)), writer_(options.database), token_lifetime_(options.token_lifetime) {
  if (options.token_lifetime.count() <= 0) throw InvalidArgument("serve: the token lifetime must be positive");
  if (!options.roles.empty()) catalog_ = read_role_catalog_file(options.roles);
}

bool CatService::healthy() {
  StorePool::Lease store = stores_.acquire();
  return store->schema_version() == Store::kSchemaVersion;
}

std::optional<TokenGrant> CatService::grant_of_token(const std::string& token) {
  const std::int64_t now = unix_now();
  {
    std::lock_guard lock(tokens_mutex_);
    if (const auto found = tokens_.find(token); found != tokens_.end() && found->second.expires_at > now) {
      return found->second;
    }
  }
  std::optional<TokenGrant> grant;
  {
    StorePool::Lease store = stores_.acquire();
    grant = token_grant(*store, token, now);
  }
  if (grant) {
    std::lock_guard lock(tokens_mutex_);
    if (tokens_.size() >= kMaxCachedTokens) std::erase_if(tokens_, [now](const auto& kept) { return kept.second.expires_at <= now; });
    if (tokens_.size() >= kMaxCachedTokens) tokens_.clear();
    tokens_.insert_or_assign(token, *grant);
  }
  return grant;
}

Reply CatService::issue_token(const std::string& grant_type, const std::string& client_id, const std::string& secret,
                              const std::string& scope) {
  if (grant_type != "client_credentials") {
    return {400, {{"error", "unsupported_grant_type"}, {"error_description", "only client_credentials is supported"}}};
  }
  TokenGrant grant{client_id, std::nullopt, unix_now() + token_lifetime_.count()};
  {
    StorePool::Lease store = stores_.acquire();
    if (client_id.empty() || !check_client(*store, client_id, secret)) {
      return {401, {{"error", "invalid_client"}, {"error_description", "unknown client or wrong secret"}}};
    }
    if (scope.starts_with(kTakeScope)) {
      const std::string section = scope.substr(kTakeScope.size());
      const std::optional<SectionRow> row = find_section(*store, section);
      if (!row || row->client != client_id || row->ended) {
        return {400,
                {{"error", "invalid_scope"},
                 {"error_description", "'" + scope + "': the client has no active section '" + section + "'"}}};
      }
      grant.section = section;
    } else if (!scope.empty() && scope != kScope) {
      return {400,
              {{"error", "invalid_scope"},
               {"error_description", "the scope is " + std::string(kScope) + " or take:{sectionIdentifier}"}}};
    }
  }
  const std::string token = random_hex(32);
  writer_.run([&](Store& store) { add_token(store, token, grant); });
  return {200,
          {{"access_token", token},
           {"token_type", "Bearer"},
           {"expires_in", token_lifetime_.count()},
           {"scope", grant.section ? std::string(kTakeScope) + *grant.section : std::string(kScope)}}};
}

std::shared_ptr<const CatService::Section> CatService::section_of(Store& store, const std::string& client,
                                                                   const std::string& id, bool fresh) {
  std::shared_ptr<const Section> cached;
  {
    std::lock_guard lock(sections_mutex_);
    if (const auto found = sections_.find(id); found != sections_.end()) cached = found->second;
  }
  // Another client's section is as unknown as one that does not exist.
  if (cached && !fresh) {
    if (cached->row.client != client) refuse(404, "there is no section '" + id + "'");
    return cached;
  }
  const std::optional<SectionRow> row = find_section(store, id);
  if (!row || row->client != client) refuse(404, "there is no section '" + id + "'");
  if (cached) {
    auto section = std::make_shared<Section>(*cached);
    section->row = *row;  // the status may have changed in another process
    return section;
  }
  BankDocument document = store.load_bank(row->bank);
  if (document.info.version != row->bank_version) {
    refuse(409, "section '" + id + "' was made on bank '" + row->bank + "' version " +
                    std::to_string(row->bank_version) + ", which the store has replaced by version " +
                    std::to_string(document.info.version) + ": create a new section");
  }
  auto section = std::make_shared<Section>();
  section->row = *row;
  section->info = document.info;
  auto bank = std::make_shared<const ItemBank>(std::move(document.bank));
  section->design = std::make_shared<const TestDesign>(std::move(bank), session_config_from_json(row->config));
  remember(id, section);
  return section;
}

void CatService::remember(const std::string& id, std::shared_ptr<const Section> section) {
  std::lock_guard lock(sections_mutex_);
  // The designs are a cache (the store holds every section): a bounded one, so that memory does not grow with the
  // number of sections ever made. An evicted design is compiled again on its next call.
  if (sections_.size() >= kMaxCachedSections) sections_.erase(sections_.begin());
  sections_.emplace(id, std::move(section));
}

std::shared_ptr<CatService::Running> CatService::running(Store& store, const std::string& section,
                                                         const std::string& key) {
  {
    std::lock_guard lock(running_mutex_);
    if (const auto found = running_.find(key); found != running_.end()) return found->second;
  }
  // Only a session the store holds gets a place, so that unknown keys cannot fill the memory.
  if (!find_session(store, section, key)) refuse(404, "section '" + section + "' has no session '" + key + "'");
  std::lock_guard lock(running_mutex_);
  std::shared_ptr<Running>& slot = running_[key];
  if (!slot) {
    // Bounded like the designs. A session dropped here while a call uses it lives on in that call; the next call
    // rebuilds it from the store.
    if (running_.size() > kMaxRunningSessions) {
      std::erase_if(running_, [&key](const auto& kept) { return kept.first != key; });
    }
    slot = std::make_shared<Running>();
  }
  return slot;
}

Session& CatService::current(Running& running, const Section& section, const SessionRow& row, const Lent& lent) {
  if (!running.session || running.session->history().size() != row.recorded ||
      running.session->shared_design() != section.design) {
    StoredSession stored;
    {
      StorePool::Lease store = stores_.acquire();
      stored = store->load_session(row.session_id);
    }
    running.session.emplace(restore_session(stored, section.design));
  }
  running.session->set_workspace(lent.workspace);
  return *running.session;
}

Reply CatService::create_section(const std::string& client, const json& body) {
  if (!body.is_object()) refuse(400, "the body must be a JSON object");
  const std::string encoded = string_member(body, "sectionConfiguration", "body");
  if (encoded.empty()) refuse(400, "sectionConfiguration (base64 of irtcat's section configuration) is missing");
  json document;
  try {
    document = json::parse(base64_decode(encoded, "sectionConfiguration"));
  } catch (const json::exception& error) {
    refuse(400, std::string("sectionConfiguration is not JSON: ") + error.what());
  }
  if (!document.is_object()) refuse(400, "sectionConfiguration must be a JSON object");
  const std::string bank_name = string_member(document, "bank", "sectionConfiguration");
  if (bank_name.empty()) refuse(400, "sectionConfiguration.bank (the stored bank to test on) is missing");
  const std::string metadata = string_member(body, "qtiMetadata", "body");
  const std::string usage = string_member(body, "qtiUsagedata", "body");

  std::optional<BankDocument> bank;
  SectionDesign design;
  {
    StorePool::Lease store = stores_.acquire();
    try {
      bank = store->load_bank(bank_name);
    } catch (const StoreError&) {
      refuse(400, "sectionConfiguration.bank: the store holds no bank '" + bank_name + "'");
    }
    design = section_design(*store, document, *bank);
  }
  auto section = std::make_shared<Section>();
  section->info = bank->info;
  try {
    auto items = std::make_shared<const ItemBank>(std::move(bank->bank));
    section->design = std::make_shared<const TestDesign>(std::move(items), design.config);
  } catch (const std::invalid_argument& error) {
    refuse(400, std::string("sectionConfiguration.config: ") + error.what());
  } catch (const std::out_of_range& error) {
    refuse(400, std::string("sectionConfiguration.config: ") + error.what());
  }
  section->row = SectionRow{random_hex(16), client,   bank_name, section->info.version, encoded,
                            to_json(design.config), metadata, usage,     false, design.design, design.design_version};
  writer_.run([&](Store& store) { add_section(store, section->row); });
  remember(section->row.id, section);
  return {201, {{"sectionIdentifier", section->row.id}}};
}

Reply CatService::get_section(const std::string& client, const std::string& id) {
  StorePool::Lease store = stores_.acquire();
  const std::shared_ptr<const Section> section = section_of(*store, client, id, true);
  json items = json::array();
  const ItemBank& bank = section->design->bank();
  for (std::size_t i = 0; i < bank.size(); ++i) {
    if (bank.metadata(ItemIndex{i}).active) items.push_back(bank.items()[i].id().str());
  }
  json described{{"sectionConfiguration", section->row.configuration}};
  if (!section->row.qti_metadata.empty()) described["qtiMetadata"] = section->row.qti_metadata;
  if (!section->row.qti_usagedata.empty()) described["qtiUsagedata"] = section->row.qti_usagedata;
  return {200, {{"section", described}, {"items", {{"itemIdentifiers", items}}}, {"ended", section->row.ended}}};
}

Reply CatService::end_section(const std::string& client, const std::string& id) {
  {
    StorePool::Lease store = stores_.acquire();
    section_of(*store, client, id, false);
  }
  writer_.run([&](Store& store) { service::end_section(store, id); });
  return {204, nullptr};
}

json CatService::outcome(const Section& section, const Session& session) const {
  const AbilityEstimate& estimate = session.estimate();
  json variables = json::array({variable_json("THETA", "float", detail::format_double(estimate.theta)),
                                variable_json("SE", "float", detail::format_double(estimate.se)),
                                variable_json("ITEMS", "integer", std::to_string(session.history().size()))});
  if (catalog_) {
    const double score = catalog_->scale.score(estimate.theta);
    variables.push_back(variable_json("SCALE_SCORE", "float", detail::format_double(std::round(score * 10) / 10)));
    variables.push_back(variable_json(
        "LEVEL", "identifier", catalog_->level_name(estimate.theta)));
  }
  const std::string status = session.finished() ? "completed" : "incomplete";
  variables.push_back(variable_json("completionStatus", "identifier", status));
  return {{"testResult", {{"identifier", section.row.id}, {"outcomeVariables", variables}}}};
}

json CatService::next_items_reply(const Section& section, const std::string& key, Session& session) const {
  json items = json::array();
  if (const std::optional<ItemIndex> next = session.next_item()) {
    items.push_back(section.design->bank().item(*next).id().str());
  }
  return {{"sessionIdentifier", key},
          {"nextItems", {{"itemIdentifiers", items}, {"stageLength", items.size()}}},
          {"sessionState", std::to_string(session.history().size())},
          {"assessmentResult", outcome(section, session)}};
}

// The exposure counts a progressive-restricted section chooses with, read afresh (other sessions, here or on other
// servers, finish tests meanwhile); null for other sections, whose choices do not read them.
std::unique_ptr<ExposureCounts> CatService::exposure_of(const Section& section) {
  if (section.design->config().exposure.method != ExposureMethod::progressive_restricted) return nullptr;
  StorePool::Lease store = stores_.acquire();
  const ExposureCounts counts = store->exposure_counts(section.row.bank);
  return std::make_unique<ExposureCounts>(counts.counts(), counts.tests());
}

Reply CatService::create_session(const std::string& client, const std::string& id, const json& body) {
  if (!body.is_object() && !body.is_null()) refuse(400, "the body must be a JSON object");
  const std::uint64_t seed = seed_of(body);
  const std::string candidate = candidate_of(body);
  std::shared_ptr<const Section> section;
  {
    StorePool::Lease store = stores_.acquire();
    section = section_of(*store, client, id, true);
  }
  if (section->row.ended) refuse(409, "section '" + id + "' has ended: it starts no sessions");
  Session session(section->design, seed, workspaces_.acquire());
  const std::unique_ptr<ExposureCounts> exposure = exposure_of(*section);
  const std::optional<ItemIndex> first = session.next_item(exposure.get());
  SessionRow row;
  writer_.run([&](Store& store) {
    row = add_session(store, section->row, section->design->config(), seed, candidate);
    if (!first) {
      store.finish_session(row.session_id, session.estimate(), session.stop_reason());
    } else if (exposure) {
      store.offer_item(row.session_id, section->design->bank().item(*first).id().str());
    }
  });
  Reply reply{201, next_items_reply(*section, row.key, session)};
  StorePool::Lease store = stores_.acquire();
  const std::shared_ptr<Running> kept = running(*store, id, row.key);
  std::lock_guard lock(kept->mutex);
  session.set_workspace(nullptr);  // back to the pool: a remembered session holds none
  if (!kept->session) kept->session.emplace(std::move(session));
  return reply;
}

Reply CatService::submit_results(const std::string& client, const std::string& id, const std::string& key,
                                 const json& body) {
  const std::vector<ItemResult> results = item_results(body);
  std::shared_ptr<const Section> section;
  std::shared_ptr<Running> kept;
  {
    StorePool::Lease store = stores_.acquire();
    section = section_of(*store, client, id, false);
    kept = running(*store, id, key);
  }
  // One call at a time on a session in this process; the session's row is read under its lock, so that the
  // length of the log it reports includes every call before this one.
  std::lock_guard lock(kept->mutex);
  std::optional<SessionRow> row;
  {
    StorePool::Lease store = stores_.acquire();
    row = find_session(*store, id, key);
  }
  if (!row) refuse(404, "section '" + id + "' has no session '" + key + "'");
  if (row->ended) refuse(409, "session '" + key + "' was ended");
  const Lent lent(*kept, workspaces_);
  Session& session = current(*kept, *section, *row, lent);
  const std::span<const SessionStep> log = session.history();
  const std::size_t recorded = log.size();
  const ItemBank& bank = section->design->bank();

  // Where the submission starts in the log: the state it was based on, or (without one) where its first result
  // sits in the log, else at the end.
  std::size_t start = recorded;
  if (const json* state = member(body, "sessionState")) {
    const std::string text = state->is_string() ? state->get<std::string>() : state->dump();
    if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit) ||
        std::stoul(text) > recorded) {
      refuse(400, "sessionState '" + text + "' is not a state this session has been in");
    }
    start = std::stoul(text);
  } else {
    for (std::size_t j = 0; j < recorded; ++j) {
      if (bank.item(log[j].item).id().str() == results.front().identifier) start = j;
    }
  }
  // Results already in the log must be the logged ones: a retry is answered as before and stores nothing.
  std::size_t known = 0;
  for (; known < results.size() && start + known < recorded; ++known) {
    const SessionStep& logged = log[start + known];
    const std::string& logged_item = bank.item(logged.item).id().str();
    const ItemResult& result = results[known];
    const std::optional<ItemIndex> index = bank.find(ItemId(result.identifier));
    if (result.identifier != logged_item || !index ||
        scored(result, bank.item(*index), bank.metadata(*index).content).category != logged.response) {
      refuse(409, "session '" + key + "' has moved on: result " + std::to_string(start + known + 1) +
                      " was recorded for item '" + logged_item + "' with another answer; resend from sessionState " +
                      std::to_string(recorded));
    }
  }
  if (start + known < recorded) {
    refuse(409, "the results stop short of the session's state " + std::to_string(recorded) +
                    ": resend from sessionState " + std::to_string(recorded));
  }
  if (results.size() - known > 1) {
    refuse(400, "the section offers one item at a time: submit the result of the offered item only");
  }
  if (known == results.size()) return {200, next_items_reply(*section, key, session)};

  const ItemResult& result = results[known];
  const std::optional<ItemIndex> offered = session.next_item();
  if (!offered) refuse(409, "session '" + key + "' has finished: no item is offered");
  const Item& item = bank.item(*offered);
  if (result.identifier != item.id().str()) {
    refuse(400, "item '" + result.identifier + "' was not offered: the session offers '" + item.id().str() + "'");
  }
  const Scored answer = scored(result, item, bank.metadata(*offered).content);
  const int response = answer.category;
  // The answer and, when it ends the test, the test's end are committed together; the session in memory moves
  // on only once they are.
  Session next = session;
  next.record(*offered, response);
  const std::unique_ptr<ExposureCounts> exposure = exposure_of(*section);
  const std::optional<ItemIndex> following = next.next_item(exposure.get());
  try {
    writer_.run([&](Store& store) {
      store.append_response(row->session_id, static_cast<std::int64_t>(recorded) + 1, item.id().str(), response,
                            answer.option);
      if (!following) {
        store.finish_session(row->session_id, next.estimate(), next.stop_reason());
      } else if (exposure) {
        store.offer_item(row->session_id, bank.item(*following).id().str());
      }
    });
  } catch (const StoreError& error) {
    kept->session.reset();
    // Another process recorded this step meanwhile (two copies of one request racing): the client resends.
    if (error.code() == kSqliteConstraint) {
      refuse(409, "session '" + key + "' changed during this call: resend from its current sessionState");
    }
    throw;
  }
  session = std::move(next);
  return {200, next_items_reply(*section, key, session)};
}

Reply CatService::end_session(const std::string& client, const std::string& id, const std::string& key) {
  {
    StorePool::Lease store = stores_.acquire();
    section_of(*store, client, id, false);
    if (!find_session(*store, id, key)) refuse(404, "section '" + id + "' has no session '" + key + "'");
  }
  writer_.run([&](Store& store) { service::end_session(store, key); });
  return {204, nullptr};
}

Reply CatService::session_report(const std::string& client, const std::string& id, const std::string& key) {
  std::shared_ptr<const Section> section;
  std::shared_ptr<Running> kept;
  {
    StorePool::Lease store = stores_.acquire();
    section = section_of(*store, client, id, false);
    kept = running(*store, id, key);
  }
  std::lock_guard lock(kept->mutex);
  std::optional<SessionRow> row;
  {
    StorePool::Lease store = stores_.acquire();
    row = find_session(*store, id, key);
  }
  if (!row) refuse(404, "section '" + id + "' has no session '" + key + "'");
  const Lent lent(*kept, workspaces_);
  Session& session = current(*kept, *section, *row, lent);
  const ItemBank& bank = section->design->bank();
  json items = json::array();
  for (const SessionStep& step : session.history()) {
    items.push_back({{"identifier", bank.item(step.item).id().str()},
                     {"topic", bank.metadata(step.item).topic},
                     {"response", step.response},
                     {"theta", step.estimate.theta},
                     {"se", step.estimate.se}});
  }
  json topics = json::array();
  for (const TopicScore& topic : topic_scores(bank, session.history(), section->info.topics)) {
    topics.push_back({{"topic", topic.topic}, {"items", topic.items}, {"score", topic.score}});
  }
  // The item to answer next, as a candidate sees it: what a page needs to show it, never the key.
  json next = nullptr;
  if (!row->ended) {
    if (const std::optional<ItemIndex> offered = session.next_item()) {
      const ItemMetadata& metadata = bank.metadata(*offered);
      next = {{"identifier", bank.item(*offered).id().str()},
              {"topic", metadata.topic},
              {"stem", metadata.content.stem},
              {"options", metadata.content.options},
              {"categories", bank.item(*offered).category_count()}};
    }
  }
  const AbilityEstimate& estimate = session.estimate();
  json report{{"sessionIdentifier", key},
              {"sectionIdentifier", id},
              {"bank", {{"name", section->info.name}, {"version", section->info.version}}},
              {"status", row->ended ? "ended" : session.finished() ? "finished" : "active"},
              {"stopReason", std::string(to_string(session.stop_reason()))},
              {"theta", estimate.theta},
              {"se", std::isfinite(estimate.se) ? json(estimate.se) : json(nullptr)},
              {"maxItems", section->design->config().stopping.max_length},
              {"sessionState", std::to_string(session.history().size())},
              {"nextItem", next},
              {"topics", topics},
              {"items", items}};
  if (catalog_) {
    report["scaleScore"] = std::round(catalog_->scale.score(estimate.theta) * 10) / 10;
    report["level"] = catalog_->level_name(estimate.theta);
  }
  return {200, report};
}

}  // namespace irtcat::service
