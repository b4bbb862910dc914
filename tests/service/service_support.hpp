#pragma once
// A service on 127.0.0.1 (any free port) over a scratch database holding the shipped banks, a registered client
// and its token, and calls through cpp-httplib's client: what the service tests share. Nothing is mocked.

#include <doctest/doctest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "irtcat/irtcat.hpp"
#include "irtcat/service.hpp"
#include "scratch.hpp"
#include "service/credentials.hpp"

// After irtcat's headers: httplib.h pulls in <resolv.h>, whose `_res` macro clashes with Eigen's templates.
#include <httplib.h>

namespace irtcat::testing {

using nlohmann::json;

/// The 1EdTech CAT binding's sections collection, where a platform creates sections and their sessions.
inline const std::string kSections = "/ims/cat/v1p0/sections";

inline std::string base64(const std::string& bytes) { return service::base64_text(bytes); }

/// A reply: status and body (parsed when it is JSON, else null).
struct Answer {
  int status = 0;
  json body;
  std::string text;
};

/// A database in `scratch` holding the mathematics and data-science banks, imported by the library (so that the
/// service's tests need no CLI, as in the ThreadSanitizer build).
inline std::string service_database(const Scratch& scratch) {
  const std::string path = scratch.path("service.db");
  Store store(path, OpenMode::create);
  for (const char* bank : {"mathematics", "data_science"}) {
    store.import_bank(read_bank_json_file(std::string(IRTCAT_ITEM_BANKS) + "/" + bank + ".json"));
  }
  return path;
}

/// A running service and a client of it.
class ServiceFixture {
 public:
  explicit ServiceFixture(const Scratch& scratch, ServiceOptions options = {}, std::string database = {}) {
    options.database = database.empty() ? service_database(scratch) : database;
    options.port = 0;
    options.threads = options.threads == 0 ? 4 : options.threads;
    if (options.roles.empty()) options.roles = std::string(IRTCAT_ITEM_BANKS) + "/roles.json";
    options_ = options;
    start();
    const ClientCredentials credentials = add_service_client(options.database, "test platform");
    client_id = credentials.id;
    client_secret = credentials.secret;
    token = fetch_token(client_id, client_secret);
  }
  ~ServiceFixture() { stop(); }

  void start() {
    service_ = std::make_unique<Service>(options_);
    thread_ = std::thread([this] { service_->run(); });
    http_ = std::make_unique<httplib::Client>("127.0.0.1", service_->port());
    http_->set_keep_alive(true);
    http_->set_tcp_nodelay(true);
  }
  void stop() {
    if (!service_) return;
    http_.reset();  // closes the kept-alive connection, which the server would otherwise wait on to stop
    service_->stop();
    thread_.join();
    service_.reset();
  }
  /// Stops this server and starts another process-like instance on the same database.
  void restart() {
    stop();
    start();
  }

  std::string fetch_token(const std::string& id, const std::string& secret) {
    const Answer answer = post_form("/oauth2/token", "grant_type=client_credentials&client_id=" + id +
                                                          "&client_secret=" + secret);
    REQUIRE(answer.status == 200);
    return answer.body.at("access_token").get<std::string>();
  }

  Answer call(const std::string& method, const std::string& path, const std::string& body = {},
              const std::string& type = "application/json", const std::string& bearer = "<own>") {
    httplib::Headers headers;
    const std::string used = bearer == "<own>" ? token : bearer;
    if (!used.empty()) headers.emplace("Authorization", "Bearer " + used);
    httplib::Result result = method == "GET"    ? http_->Get(path, headers)
                             : method == "POST" ? http_->Post(path, headers, body, type)
                                                : http_->Delete(path, headers);
    REQUIRE_MESSAGE(result, "no reply to " << method << " " << path);
    Answer answer{result->status, nullptr, result->body};
    if (!result->body.empty()) answer.body = json::parse(result->body, nullptr, false);
    return answer;
  }
  Answer post(const std::string& path, const json& body, const std::string& bearer = "<own>") {
    return call("POST", path, body.dump(), "application/json", bearer);
  }
  Answer post_form(const std::string& path, const std::string& form) {
    return call("POST", path, form, "application/x-www-form-urlencoded", "");
  }

  /// Creates a section from irtcat's section configuration; returns its id.
  std::string section(const json& configuration) {
    const Answer answer = post(kSections, {{"sectionConfiguration", base64(configuration.dump())}});
    REQUIRE_MESSAGE(answer.status == 201, answer.text);
    return answer.body.at("sectionIdentifier").get<std::string>();
  }

  const ServiceOptions& options() const noexcept { return options_; }
  int port() const noexcept { return service_->port(); }

  std::string client_id;
  std::string client_secret;
  std::string token;

 private:
  ServiceOptions options_;
  std::unique_ptr<Service> service_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> http_;
};

/// The itemResult of one answer: a SCORE outcome, or the chosen option as RESPONSE.
inline json score_result(const std::string& item, int score) {
  return {{"identifier", item},
          {"outcomeVariables",
           json::array({{{"identifier", "SCORE"}, {"cardinality", "single"},
                         {"value", json::array({{{"baseType", "float"}, {"value", std::to_string(score)}}})}}})}};
}
inline json option_result(const std::string& item, char letter) {
  return {{"identifier", item},
          {"responseVariables",
           json::array({{{"identifier", "RESPONSE"}, {"cardinality", "single"},
                         {"value", json::array({{{"baseType", "identifier"}, {"value", std::string(1, letter)}}})}}})}};
}
inline json results_body(const json& result, const std::string& state) {
  return {{"assessmentResult", {{"itemResult", json::array({result})}}}, {"sessionState", state}};
}

/// An outcome variable of a reply's assessmentResult, as text.
inline std::string outcome(const json& reply, const std::string& identifier) {
  for (const json& variable : reply.at("assessmentResult").at("testResult").at("outcomeVariables")) {
    if (variable.at("identifier") == identifier) return variable.at("value").at(0).at("value").get<std::string>();
  }
  FAIL("no outcome variable " << identifier);
  return {};
}

}  // namespace irtcat::testing
