// The service end to end, over HTTP on 127.0.0.1: the binding's calls give exactly what a library Session with
// the same seed gives (across a server restart), retries store nothing twice, bad requests get a 4xx with a JSON
// body and change nothing stored, /openapi.json lists every route the server answers, and clients see only
// their own sections.

#include <future>
#include <random>

#include "detail/csv.hpp"
#include "service/service_support.hpp"
#include "store/engines.hpp"

namespace irtcat::testing {
namespace {

// The option letter a simulee picks: the key when right, the first other option when wrong.
char letter_for(const ItemContent& content, int score) {
  if (score == 1) return static_cast<char>('A' + content.key);
  return content.key == 0 ? 'B' : 'A';
}

StoredSession newest_session(const std::string& database) {
  Store store(database, OpenMode::read_only);
  const std::vector<StoredSession> sessions = store.sessions();
  REQUIRE(!sessions.empty());
  return store.load_session(sessions.back().id);
}

// A section's session through the binding, checked step by step against a library Session with the same seed,
// with a server restart half way.
void check_against_library_session(ServiceFixture& service) {
  const std::string section = service.section({{"bank", "mathematics"}});
  constexpr std::uint64_t kSeed = 20261205;
  const Answer created = service.post(kSections + "/" + section + "/sessions", {{"seed", kSeed}});
  REQUIRE_MESSAGE(created.status == 201, created.text);
  const std::string key = created.body.at("sessionIdentifier").get<std::string>();

  // The twin: the stored configuration and seed on the same bank, run by the library.
  const StoredSession stored = newest_session(service.options().database);
  CHECK(stored.seed == kSeed);
  Store reader(service.options().database, OpenMode::read_only);
  auto bank = std::make_shared<const ItemBank>(reader.load_bank("mathematics").bank);
  Session twin(bank, session_config_from_json(stored.config), kSeed);

  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  constexpr double kTheta = 0.7;
  json reply = created.body;
  int steps = 0;
  while (!reply.at("nextItems").at("itemIdentifiers").empty()) {
    const std::string item = reply.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
    const std::optional<ItemIndex> expected = twin.next_item();
    REQUIRE(expected);
    REQUIRE(bank->item(*expected).id().str() == item);
    const int score = uniform(rng) < probability(bank->item(*expected), 1, kTheta) ? 1 : 0;
    // Half the answers as SCORE outcomes, half as the chosen option scored by the server.
    const json result = steps % 2 == 0 ? score_result(item, score)
                                       : option_result(item, letter_for(bank->metadata(*expected).content, score));
    const Answer answer = service.post(kSections + "/" + section + "/sessions/" + key + "/results",
                                       results_body(result, reply.at("sessionState").get<std::string>()));
    REQUIRE_MESSAGE(answer.status == 200, answer.text);
    twin.record(*expected, score);
    ++steps;
    CHECK(outcome(answer.body, "THETA") == detail::format_double(twin.estimate().theta));
    CHECK(outcome(answer.body, "SE") == detail::format_double(twin.estimate().se));
    CHECK(answer.body.at("sessionState") == std::to_string(steps));
    if (steps == 7) service.restart();  // another server process on the same database carries on
    reply = answer.body;
  }
  CHECK_FALSE(twin.next_item());
  CHECK(twin.finished());
  CHECK(outcome(reply, "completionStatus") == "completed");
  CHECK(steps == static_cast<int>(twin.history().size()));

  const Answer report = service.call("GET", kSections + "/" + section + "/sessions/" + key);
  REQUIRE(report.status == 200);
  CHECK(report.body.at("status") == "finished");
  CHECK(report.body.at("theta").get<double>() == twin.estimate().theta);
  CHECK(report.body.at("items").size() == twin.history().size());
  CHECK(report.body.at("stopReason") == std::string(to_string(twin.stop_reason())));
  CHECK(report.body.contains("scaleScore"));
  const StoredSession finished = newest_session(service.options().database);
  CHECK(finished.status == "finished");
  CHECK(finished.responses.size() == twin.history().size());
}

TEST_CASE("service: a section through the binding gives the items and estimates of a library session with the "
          "same seed, across a server restart") {
  Scratch scratch;
  ServiceFixture service(scratch);
  check_against_library_session(service);
}

TEST_CASE("service: on PostgreSQL too, across a server restart") {
  if (!postgresql_cases_run()) return;
  Scratch scratch;
  const PostgresTestDatabase database;
  {
    Store store(database.uri());
    for (const char* bank : {"mathematics", "data_science"}) {
      store.import_bank(read_bank_json_file(std::string(IRTCAT_ITEM_BANKS) + "/" + bank + ".json"));
    }
  }
  ServiceFixture service(scratch, {}, database.uri());
  check_against_library_session(service);
}

TEST_CASE("service: section defaults, overrides, and what GET returns") {
  Scratch scratch;
  ServiceFixture service(scratch);
  const std::string section = service.section({{"bank", "mathematics"}});
  REQUIRE(service.post(kSections + "/" + section + "/sessions", json::object()).status == 201);
  const SessionConfig config = session_config_from_json(newest_session(service.options().database).config);
  CHECK(config.estimation.estimator == Estimator::eap);
  CHECK(config.selection.rule == SelectionRule::mfi);
  CHECK(config.exposure.method == ExposureMethod::randomesque);
  CHECK(config.exposure.randomesque_count == 5);
  CHECK(config.stopping.max_length == 20);
  REQUIRE(config.stopping.se_target);
  CHECK(*config.stopping.se_target == 0.3);
  Store reader(service.options().database, OpenMode::read_only);
  const BankDocument bank = reader.load_bank("mathematics");
  REQUIRE(config.content.topics.size() == bank.info.topics.size());
  for (const std::string& topic : bank.info.topics) {
    CHECK(config.content.topics.at(topic).proportion == doctest::Approx(1.0 / bank.info.topics.size()));
  }

  const json short_test{{"bank", "data_science"}, {"config", {{"stopping", {{"max_length", 3}, {"se_target", nullptr}}}}},
                        {"balanceTopics", false}};
  const std::string other = service.section(short_test);
  const Answer got = service.call("GET", kSections + "/" + other);
  REQUIRE(got.status == 200);
  CHECK(got.body.at("section").at("sectionConfiguration") == base64(short_test.dump()));
  CHECK(got.body.at("items").at("itemIdentifiers").size() == reader.load_bank("data_science").bank.size());
  Answer reply = service.post(kSections + "/" + other + "/sessions", json::object());
  const std::string key = reply.body.at("sessionIdentifier").get<std::string>();
  for (int step = 0; step < 3; ++step) {
    const std::string item = reply.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
    reply = service.post(kSections + "/" + other + "/sessions/" + key + "/results",
                         results_body(score_result(item, 1), reply.body.at("sessionState").get<std::string>()));
    REQUIRE(reply.status == 200);
  }
  CHECK(reply.body.at("nextItems").at("itemIdentifiers").empty());
  CHECK(session_config_from_json(newest_session(service.options().database).config).content.topics.empty());
}

TEST_CASE("service: a section runs a stored design, and its sessions keep the candidate and the options chosen") {
  Scratch scratch;
  ServiceFixture service(scratch);
  {
    Store store(service.options().database);
    SessionConfig config;
    config.stopping.max_length = 4;
    config.exposure.method = ExposureMethod::randomesque;
    config.exposure.randomesque_count = 2;
    REQUIRE(store.save_design("mathematics", DesignDocument{"short", "four items", config, true}) == 1);
    config.stopping.max_length = 6;
    REQUIRE(store.save_design("mathematics", DesignDocument{"short", "six items", config, true}) == 2);
  }
  const std::string section = service.section({{"bank", "mathematics"}, {"design", "short"}, {"designVersion", 1}});
  Answer reply = service.post(kSections + "/" + section + "/sessions",
                              {{"priorData", json::array({{{"key", "candidate"}, {"value", "person-42"}}})}});
  REQUIRE_MESSAGE(reply.status == 201, reply.text);
  const std::string key = reply.body.at("sessionIdentifier").get<std::string>();
  Store reader(service.options().database, OpenMode::read_only);
  const BankDocument bank = reader.load_bank("mathematics");
  std::vector<int> chosen;
  while (!reply.body.at("nextItems").at("itemIdentifiers").empty()) {
    const std::string item = reply.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
    const int letter = static_cast<int>(chosen.size() % 3);  // A, B, C, A: some right, some wrong
    chosen.push_back(letter);
    reply = service.post(kSections + "/" + section + "/sessions/" + key + "/results",
                         results_body(option_result(item, static_cast<char>('A' + letter)),
                                      reply.body.at("sessionState").get<std::string>()));
    REQUIRE_MESSAGE(reply.status == 200, reply.text);
  }
  const StoredSession stored = newest_session(service.options().database);
  CHECK(stored.design == "short");
  CHECK(stored.design_version == 1);
  CHECK(stored.candidate == "person-42");
  REQUIRE(stored.responses.size() == 4);  // version 1's length, not the latest version's
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    CHECK(stored.options[k] == chosen[k]);
    const ItemContent& content = bank.bank.metadata(*bank.bank.find(ItemId(stored.responses[k].first))).content;
    CHECK(stored.responses[k].second == (chosen[k] == content.key ? 1 : 0));
  }
  const SessionConfig config = session_config_from_json(stored.config);
  CHECK(config.exposure.randomesque_count == 2);
  CHECK(config.content.topics.size() == bank.info.topics.size());  // the design balances topics

  // A section that names no design runs the bank's "standard" design once the store holds one.
  {
    Store store(service.options().database);
    SessionConfig standard;
    standard.stopping.max_length = 5;
    store.save_design("mathematics", DesignDocument{"standard", "", standard, false});
  }
  const std::string plain = service.section({{"bank", "mathematics"}, {"config", {{"stopping", {{"max_length", 3}}}}}});
  REQUIRE(service.post(kSections + "/" + plain + "/sessions", {{"candidate", "p-7"}}).status == 201);
  const StoredSession standard = newest_session(service.options().database);
  CHECK(standard.design == "standard");
  CHECK(standard.candidate == "p-7");
  CHECK(session_config_from_json(standard.config).stopping.max_length == 3);  // "config" changes the design
  CHECK(session_config_from_json(standard.config).content.topics.empty());

  const auto refused = [&](const json& configuration, const std::string& words) {
    const Answer answer = service.post(kSections, {{"sectionConfiguration", base64(configuration.dump())}});
    CHECK_MESSAGE(answer.status == 400, answer.text);
    CHECK_MESSAGE(answer.text.find(words) != std::string::npos, answer.text);
  };
  refused({{"bank", "mathematics"}, {"design", "nope"}}, "has no design 'nope'");
  refused({{"bank", "mathematics"}, {"design", "short"}, {"designVersion", 9}}, "version 9");
  refused({{"bank", "mathematics"}, {"designVersion", 1}}, "without a design");
  refused({{"bank", "mathematics"}, {"design", "short"}, {"balanceTopics", false}}, "says whether its topics");
  refused({{"bank", "mathematics"}, {"config", {{"stopping", {{"max_lenght", 3}}}}}}, "config.stopping.max_lenght");
  const Answer long_candidate =
      service.post(kSections + "/" + plain + "/sessions", {{"candidate", std::string(300, 'x')}});
  CHECK(long_candidate.status == 400);
}

TEST_CASE("service: a retried result is answered as before and stored once, and a conflicting one is refused") {
  Scratch scratch;
  ServiceFixture service(scratch);
  const std::string section = service.section({{"bank", "mathematics"}});
  const Answer created = service.post(kSections + "/" + section + "/sessions", {{"seed", 3}});
  const std::string key = created.body.at("sessionIdentifier").get<std::string>();
  const std::string results = kSections + "/" + section + "/sessions/" + key + "/results";
  const std::string first = created.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
  const json body = results_body(score_result(first, 1), "0");

  const Answer once = service.post(results, body);
  REQUIRE(once.status == 200);
  const Answer again = service.post(results, body);
  CHECK(again.status == 200);
  CHECK(again.text == once.text);
  json without_state = body;
  without_state.erase("sessionState");
  const Answer stateless = service.post(results, without_state);
  CHECK(stateless.status == 200);
  CHECK(stateless.text == once.text);
  CHECK(newest_session(service.options().database).responses.size() == 1);

  const Answer conflicting = service.post(results, results_body(score_result(first, 0), "0"));
  CHECK(conflicting.status == 409);
  CHECK(conflicting.body.at("imsx_description").get<std::string>().find("moved on") != std::string::npos);
  CHECK(newest_session(service.options().database).responses.size() == 1);
}

TEST_CASE("service: bad requests get a 4xx with a JSON body naming the problem and change nothing stored") {
  Scratch scratch;
  ServiceOptions options;
  options.max_body_bytes = 4096;
  ServiceFixture service(scratch, options);
  const std::string section = service.section({{"bank", "mathematics"}});
  const Answer created = service.post(kSections + "/" + section + "/sessions", {{"seed", 5}});
  const std::string key = created.body.at("sessionIdentifier").get<std::string>();
  const std::string results = kSections + "/" + section + "/sessions/" + key + "/results";
  const std::string offered = created.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
  Store reader(service.options().database, OpenMode::read_only);
  const BankDocument bank = reader.load_bank("mathematics");
  std::string other_item;
  for (const Item& item : bank.bank.items()) {
    if (item.id().str() != offered) other_item = item.id().str();
  }

  struct Case {
    const char* what;
    std::string method, path, body, type, bearer;
    int status;
    const char* names;  // a word the message must contain
  };
  const std::string own = "<own>";
  const std::vector<Case> cases = {
      {"no token", "POST", results, "{}", "application/json", "", 401, "token"},
      {"unknown token", "POST", results, "{}", "application/json", "0123", 401, "token"},
      {"bad JSON", "POST", results, "{\"assessmentResult\": [", "application/json", own, 400, "JSON"},
      {"wrong content type", "POST", results, "{}", "text/plain", own, 415, "application/json"},
      {"unknown section", "POST", kSections + "/nope/sessions", "{}", "application/json", own, 404, "nope"},
      {"unknown session", "POST", kSections + "/" + section + "/sessions/nope/results", "{}", "application/json", own,
       400, "assessmentResult"},
      {"unknown session with a result", "POST", kSections + "/" + section + "/sessions/nope/results",
       results_body(score_result(offered, 1), "0").dump(), "application/json", own, 404, "nope"},
      {"no results", "POST", results, json{{"assessmentResult", {{"itemResult", json::array()}}}}.dump(),
       "application/json", own, 400, "empty"},
      {"an item not offered", "POST", results, results_body(score_result(other_item, 1), "0").dump(),
       "application/json", own, 400, "not offered"},
      {"an unknown item", "POST", results, results_body(score_result("no-such-item", 1), "0").dump(),
       "application/json", own, 400, "not offered"},
      {"a score outside the categories", "POST", results, results_body(score_result(offered, 2), "0").dump(),
       "application/json", own, 400, "category"},
      {"a score that is not a number", "POST", results,
       results_body(json{{"identifier", offered},
                         {"outcomeVariables", json::array({{{"identifier", "SCORE"}, {"value", "yes"}}})}},
                    "0")
           .dump(),
       "application/json", own, 400, "not a number"},
      {"an option the item lacks", "POST", results, results_body(option_result(offered, 'Z'), "0").dump(),
       "application/json", own, 400, "options"},
      {"a state the session was never in", "POST", results, results_body(score_result(offered, 1), "12").dump(),
       "application/json", own, 400, "sessionState"},
      {"a body over the limit", "POST", results, std::string(8000, ' '), "application/json", own, 413, "larger"},
      {"a section configuration that is not base64", "POST", kSections, json{{"sectionConfiguration", "@@@@"}}.dump(),
       "application/json", own, 400, "base64"},
      {"an unknown bank", "POST", kSections,
       json{{"sectionConfiguration", base64(json{{"bank", "astrology"}}.dump())}}.dump(), "application/json", own,
       400, "astrology"},
      {"an invalid configuration", "POST", kSections,
       json{{"sectionConfiguration",
             base64(json{{"bank", "mathematics"}, {"config", {{"stopping", {{"max_length", 0}}}}}}.dump())}}
           .dump(),
       "application/json", own, 400, "max_length"},
      {"a grid beyond the service's bound", "POST", kSections,
       json{{"sectionConfiguration",
             base64(json{{"bank", "mathematics"},
                         {"config", {{"estimation", {{"grid", {{"lower", -4}, {"upper", 4}, {"points", 100001}}}}}}}}
                        .dump())}}
           .dump(),
       "application/json", own, 400, "at most 2001 points"},
      {"the item-eligibility method, which the service does not offer", "POST", kSections,
       json{{"sectionConfiguration",
             base64(json{{"bank", "mathematics"}, {"config", {{"exposure", {{"method", "item_eligibility"}}}}}}.dump())}}
           .dump(),
       "application/json", own, 400, "item_eligibility is for simulations"},
      {"an unknown route", "GET", "/ims/cat/v1p0/nothing", "", "", own, 404, "no route"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const Answer answer = service.call(c.method, c.path, c.body, c.type, c.bearer);
    CHECK(answer.status == c.status);
    REQUIRE_MESSAGE(answer.body.is_object(), answer.text);
    const std::string message = answer.body.value("imsx_description", "");
    CHECK_MESSAGE(message.find(c.names) != std::string::npos, message);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(newest_session(service.options().database).responses.empty());
  CHECK(reader.sessions().size() == 1);

  // A finished session and an ended section refuse further calls.
  REQUIRE(service.call("DELETE", kSections + "/" + section + "/sessions/" + key).status == 204);
  CHECK(service.post(results, results_body(score_result(offered, 1), "0")).status == 409);
  REQUIRE(service.call("DELETE", kSections + "/" + section).status == 204);
  CHECK(service.post(kSections + "/" + section + "/sessions", json::object()).status == 409);
  CHECK(newest_session(service.options().database).responses.empty());
}

TEST_CASE("service: /openapi.json lists exactly the routes the server answers") {
  Scratch scratch;
  ServiceFixture service(scratch);
  const Answer document = service.call("GET", "/openapi.json", {}, {}, "");
  REQUIRE(document.status == 200);
  CHECK(document.body.at("openapi").get<std::string>().starts_with("3.0"));
  int routes = 0;
  for (const auto& route : document.body.at("paths").items()) {
    const std::string path = route.key();  // named copies: clang 14 cannot capture structured bindings
    for (const auto& entry : route.value().items()) {
      const std::string method = entry.key();
      const json& operation = entry.value();
      CAPTURE(method);
      CAPTURE(path);
      std::string concrete = path;
      for (const char* parameter : {"{sectionIdentifier}", "{sessionIdentifier}"}) {
        if (const auto at = concrete.find(parameter); at != std::string::npos) {
          concrete = concrete.substr(0, at) + "x" + concrete.substr(at + std::string(parameter).size());
        }
      }
      std::string upper = method;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      const Answer answer = service.call(upper, concrete, "{}");
      // Answered by the route: whatever the status, not the server's "no route" reply.
      if (operation.at("responses").dump().find("text/html") != std::string::npos) {
        CHECK(answer.status == 200);
        CHECK(answer.text.starts_with("<!DOCTYPE html>"));
      } else {
        CHECK(answer.body.value("imsx_description", "").find("no route") == std::string::npos);
      }
      CHECK(operation.contains("operationId"));
      ++routes;
    }
  }
  CHECK(routes == 12);
  for (const char* path : {"/ims/cat/v1p0", "/ims/cat/v1p0/sections/x/sessions/x/results/x", "/admin"}) {
    CAPTURE(path);
    CHECK(service.call("GET", path).body.value("imsx_description", "").find("no route") != std::string::npos);
  }
}

TEST_CASE("service: a client sees only its own sections, tokens expire and secrets are checked") {
  Scratch scratch;
  ServiceOptions options;
  options.token_lifetime = std::chrono::seconds(2);
  ServiceFixture service(scratch, options);
  const std::string section = service.section({{"bank", "mathematics"}});
  const ClientCredentials other = add_service_client(service.options().database, "another platform");
  const std::string other_token = service.fetch_token(other.id, other.secret);
  CHECK(service.call("GET", kSections + "/" + section, {}, {}, other_token).status == 404);
  CHECK(service.call("GET", kSections + "/" + section).status == 200);

  CHECK(service.post_form("/oauth2/token", "grant_type=client_credentials&client_id=" + other.id +
                                               "&client_secret=wrong")
            .status == 401);
  CHECK(service.post_form("/oauth2/token", "grant_type=password&client_id=" + other.id).status == 400);
  {
    Store reader(service.options().database, OpenMode::read_only);
    Statement secrets(reader.database(), "SELECT secret_hash FROM service_clients");
    while (secrets.step()) CHECK(secrets.column_text(0) != other.secret);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  CHECK(service.call("GET", kSections + "/" + section).status == 401);
}

TEST_CASE("service: a candidate's token takes its own section and nothing else, and the page is self-contained") {
  Scratch scratch;
  ServiceFixture service(scratch);
  const std::string section = service.section({{"bank", "mathematics"}});
  const std::string other_section = service.section({{"bank", "data_science"}});
  const std::string form = "grant_type=client_credentials&client_id=" + service.client_id +
                           "&client_secret=" + service.client_secret + "&scope=";
  const Answer issued = service.post_form("/oauth2/token", form + "take:" + section);
  REQUIRE(issued.status == 200);
  CHECK(issued.body.at("scope") == "take:" + section);
  const std::string candidate = issued.body.at("access_token").get<std::string>();

  // Allowed: sessions of its section, their results and reports.
  const Answer created = service.post(kSections + "/" + section + "/sessions", {{"seed", 5}}, candidate);
  REQUIRE(created.status == 201);
  const std::string key = created.body.at("sessionIdentifier").get<std::string>();
  const std::string session = kSections + "/" + section + "/sessions/" + key;
  Answer report = service.call("GET", session, {}, {}, candidate);
  REQUIRE(report.status == 200);
  // The report offers the item the binding's reply named, with its content but never its key or explanation.
  const json& next = report.body.at("nextItem");
  const std::string offered = created.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
  CHECK(next.at("identifier") == offered);
  CHECK(report.body.at("sessionState") == "0");
  CHECK(report.body.at("maxItems") == 20);
  CHECK_FALSE(next.at("stem").get<std::string>().empty());
  CHECK(next.at("options").size() >= 2);
  CHECK_FALSE(next.contains("key"));
  CHECK(report.text.find("explanation") == std::string::npos);
  const Answer answered =
      service.post(session + "/results", results_body(option_result(offered, 'A'), "0"), candidate);
  REQUIRE(answered.status == 200);
  report = service.call("GET", session, {}, {}, candidate);
  CHECK(report.body.at("sessionState") == "1");
  CHECK(report.body.at("topics").size() == 1);
  CHECK(report.body.at("topics").at(0).at("items") == 1);
  CHECK(report.body.at("nextItem").at("identifier") ==
        answered.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>());

  // Refused: everything else, with 403.
  CHECK(service.call("GET", kSections + "/" + section, {}, {}, candidate).status == 403);
  CHECK(service.call("DELETE", kSections + "/" + section, {}, {}, candidate).status == 403);
  CHECK(service.call("DELETE", session, {}, {}, candidate).status == 403);
  CHECK(service.post(kSections, {{"sectionConfiguration", base64(json{{"bank", "mathematics"}}.dump())}}, candidate)
            .status == 403);
  CHECK(service.post(kSections + "/" + other_section + "/sessions", json::object(), candidate).status == 403);
  CHECK(service.call("GET", kSections + "/" + section).status == 200);  // the platform's token still may

  // Scopes that grant nothing: an unknown section, another client's, an ended one, an unknown scope.
  for (const std::string& scope : {std::string("take:nosuchsection"), std::string("take:"), std::string("admin")}) {
    CAPTURE(scope);
    const Answer refused = service.post_form("/oauth2/token", form + scope);
    CHECK(refused.status == 400);
    CHECK(refused.body.at("error") == "invalid_scope");
  }
  const ClientCredentials other = add_service_client(service.options().database, "another platform");
  CHECK(service.post_form("/oauth2/token", "grant_type=client_credentials&client_id=" + other.id +
                                               "&client_secret=" + other.secret + "&scope=take:" + section)
            .status == 400);
  REQUIRE(service.call("DELETE", kSections + "/" + other_section).status == 204);
  CHECK(service.post_form("/oauth2/token", form + "take:" + other_section).status == 400);

  // The page: the same document at / and /take/{section}, with nothing fetched from elsewhere.
  const Answer root = service.call("GET", "/", {}, {}, "");
  const Answer take = service.call("GET", "/take/" + section, {}, {}, "");
  REQUIRE(root.status == 200);
  CHECK(take.text == root.text);
  CHECK(root.text.starts_with("<!DOCTYPE html>"));
  CHECK(root.text.find("://") == std::string::npos);
}

TEST_CASE("service: thousands of mutated requests never crash the server or corrupt a session") {
  Scratch scratch;
  ServiceFixture service(scratch);
  const std::string section = service.section({{"bank", "mathematics"}});
  const Answer created = service.post(kSections + "/" + section + "/sessions", {{"seed", 9}});
  const std::string key = created.body.at("sessionIdentifier").get<std::string>();
  const std::string offered = created.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {kSections + "/" + section + "/sessions/" + key + "/results",
       results_body(option_result(offered, 'B'), "0").dump()},
      {kSections + "/" + section + "/sessions", json{{"seed", 4}}.dump()},
      {kSections, json{{"sectionConfiguration", base64(json{{"bank", "mathematics"}}.dump())}}.dump()},
  };
  std::mt19937_64 rng(2026);
  int refused = 0;
  for (int n = 0; n < 2000; ++n) {
    const auto& [path, seed] = seeds[rng() % seeds.size()];
    std::string body = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0: body[at] = static_cast<char>(rng() % 256); break;
        case 1: body.erase(at, 1 + rng() % 8); break;
        default: {
          const std::string piece = body.substr(rng() % body.size(), 1 + rng() % 16);
          body.insert(at, piece);
          break;
        }
      }
    }
    const Answer answer = service.call("POST", path, body);
    CHECK_MESSAGE(answer.status < 500, answer.text);
    refused += answer.status >= 400;
  }
  CHECK(refused > 1000);
  CHECK(service.call("GET", "/healthz", {}, {}, "").status == 200);
  Store reader(service.options().database, OpenMode::read_only);
  for (const StoredSession& row : reader.sessions()) {
    const StoredSession stored = reader.load_session(row.id);
    CHECK(stored.responses.size() <= 1);  // one offered item, so at most its one answer
  }
}

TEST_CASE("service: a stop that comes as run() begins, or before it, still stops the server") {
  // httplib's own stop() is lost when it comes before its listen loop has begun: `irtcat serve` then ignored a
  // SIGTERM sent as soon as it printed its port. Each round races stop() against run()'s start; a lost stop
  // would leave run() serving, which the 10 s wait reports (and the later stops then end).
  Scratch scratch;
  ServiceOptions options;
  options.database = service_database(scratch);
  options.port = 0;
  options.threads = 1;
  for (int round = 0; round < 200; ++round) {
    Service service(options);
    std::promise<void> returned;
    std::future<void> ran = returned.get_future();
    std::thread runner([&] {
      service.run();
      returned.set_value();
    });
    if (round % 2 == 1) std::this_thread::sleep_for(std::chrono::microseconds(round * 5));
    service.stop();
    const bool stopped = ran.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    while (ran.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) service.stop();
    runner.join();
    REQUIRE_MESSAGE(stopped, "round " << round << ": run() went on serving after stop()");
  }
  Service never_run(options);
  never_run.stop();
  never_run.run();  // a stop before run(): run() returns at once
}

}  // namespace
}  // namespace irtcat::testing
