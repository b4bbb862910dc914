// The service's route table and its OpenAPI 3.0 description.

#include "service/openapi.hpp"

#include <regex>

#include "detail/ascii.hpp"

namespace irtcat::service {

const std::vector<Route>& routes() {
  static const std::string p = kBindingPrefix;
  static const std::vector<Route> table = {
      {"GET", "/healthz", "health", "Liveness and database check", Access::open, false, 200},
      {"GET", "/openapi.json", "openapi", "This document", Access::open, false, 200},
      {"GET", "/", "candidatePage",
       "The candidate's page: asks for a section and a candidate's token, or reads them from the link's fragment",
       Access::open, false, 200, "text/html"},
      {"GET", "/take/{sectionIdentifier}", "takeSection",
       "The candidate's page for one section; the candidate's token comes in the fragment (#token=...)",
       Access::open, false, 200, "text/html"},
      {"POST", "/oauth2/token", "token",
       "OAuth 2 client credentials grant (form fields grant_type, client_id, client_secret, or HTTP Basic; "
       "scope take:{sectionIdentifier} for a candidate's token)",
       Access::open, false, 200},
      {"POST", p + "/sections", "createSection",
       "Create a section: sectionConfiguration is base64 of irtcat's section configuration JSON", Access::platform,
       true, 201},
      {"GET", p + "/sections/{sectionIdentifier}", "getSection", "The section's configuration and items",
       Access::platform, false, 200},
      {"DELETE", p + "/sections/{sectionIdentifier}", "endSection", "End a section: it starts no more sessions",
       Access::platform, false, 204},
      {"POST", p + "/sections/{sectionIdentifier}/sessions", "createSession",
       "Create a session: the first item and the session state", Access::candidate, true, 201},
      {"POST", p + "/sections/{sectionIdentifier}/sessions/{sessionIdentifier}/results", "submitResults",
       "Submit the result of the offered item: the next item, or none when the section ends", Access::candidate,
       true, 200},
      {"DELETE", p + "/sections/{sectionIdentifier}/sessions/{sessionIdentifier}", "endSession", "End a session",
       Access::platform, false, 204},
      {"GET", p + "/sections/{sectionIdentifier}/sessions/{sessionIdentifier}", "getSessionReport",
       "irtcat: the session's estimate (theta, SE, scale score, level), its topics, its items and answers, and "
       "the offered item's content",
       Access::candidate, false, 200},
  };
  return table;
}

nlohmann::json openapi_document() {
  using nlohmann::json;
  static const std::regex kParameter(R"(\{([A-Za-z]+)\})");
  const json error_response{{"description", "The problem, as the binding's imsx_StatusInfo"},
                            {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  json paths = json::object();
  for (const Route& route : routes()) {
    json operation{{"operationId", route.operation}, {"summary", route.summary}};
    json parameters = json::array();
    for (std::sregex_iterator match(route.path.begin(), route.path.end(), kParameter), end; match != end; ++match) {
      parameters.push_back(
          {{"name", (*match)[1].str()}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (!parameters.empty()) operation["parameters"] = parameters;
    if (route.body) {
      operation["requestBody"] = {{"required", true},
                                  {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    }
    if (route.operation == "token") {
      operation["requestBody"] = {
          {"required", true},
          {"content", {{"application/x-www-form-urlencoded", {{"schema", {{"type", "object"}}}}}}}};
    }
    const json schema = route.media == std::string_view("text/html") ? json{{"type", "string"}}
                                                                      : json{{"type", "object"}};
    json responses = json::object();
    responses[std::to_string(route.success)] =
        route.success == 204 ? json{{"description", "Done"}}
                             : json{{"description", "Success"}, {"content", {{route.media, {{"schema", schema}}}}}};
    if (route.authenticated()) {
      for (const char* status : {"400", "401", "403", "404", "409", "413", "415"}) responses[status] = error_response;
    }
    operation["responses"] = responses;
    operation["security"] = route.authenticated() ? json::array({{{"oauth2", json::array()}}}) : json::array();
    paths[route.path][detail::ascii_lower(route.method)] = operation;
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "irtcat CAT service"},
            {"version", "1.0"},
            {"description",
             "The 1EdTech Computer Adaptive Testing REST/JSON binding 1.0 over irtcat, and irtcat's own session "
             "report. See docs/service.md."}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes",
             {{"oauth2",
               {{"type", "oauth2"},
                {"flows", {{"clientCredentials", {{"tokenUrl", "/oauth2/token"}, {"scopes", json::object()}}}}}}}}},
            {"schemas",
             {{"Error",
               {{"type", "object"},
                {"properties",
                 {{"imsx_codeMajor", {{"type", "string"}}},
                  {"imsx_severity", {{"type", "string"}}},
                  {"imsx_description", {{"type", "string"}}},
                  {"status", {{"type", "integer"}}}}}}}}}}}};
}

}  // namespace irtcat::service
