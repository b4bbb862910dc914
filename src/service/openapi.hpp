#pragma once
// The service's routes, once: the HTTP layer registers exactly these, and /openapi.json describes exactly these.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace irtcat::service {

/// The path prefix of the 1EdTech CAT REST/JSON binding, version 1.0.
inline constexpr const char* kBindingPrefix = "/ims/cat/v1p0";

/// Who may call a route.
enum class Access {
  open,       ///< anyone: no token
  platform,   ///< a platform's token
  candidate,  ///< a platform's token, or a candidate's token for the section in the path
};

struct Route {
  std::string method;     ///< GET, POST or DELETE
  std::string path;       ///< an OpenAPI path template: "{name}" is one path segment
  std::string operation;  ///< the operationId (the binding's name where it has one)
  std::string summary;
  Access access = Access::platform;
  bool body = false;                         ///< takes a JSON body
  int success = 200;                         ///< the status of a successful call
  const char* media = "application/json";  ///< what a successful call answers

  bool authenticated() const noexcept { return access != Access::open; }
};

/// Every route the server answers.
const std::vector<Route>& routes();

/// The OpenAPI 3.0 document of routes().
nlohmann::json openapi_document();

}  // namespace irtcat::service
