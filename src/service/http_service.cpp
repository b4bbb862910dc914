// The HTTP layer of the service (cpp-httplib): one table of routes that both registers the handlers and writes
// /openapi.json, so the document lists exactly the routes the server answers. A handler authenticates, parses the
// body and hands it to CatService; every failure becomes a 4xx/5xx with a JSON body naming the problem.

// Eigen's headers (through irtcat's) come first: httplib.h pulls in <resolv.h>, whose `_res` macro would rename
// a parameter inside Eigen's templates.
#include "irtcat/error.hpp"
#include "irtcat/service.hpp"
#include "service/cat_service.hpp"
#include "service/candidate_page.hpp"
#include "service/credentials.hpp"
#include "service/openapi.hpp"
#include "service/service_store.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <regex>
#include <thread>

namespace irtcat {
namespace {

using service::json;
using service::Reply;
using service::RequestError;

// The error body of the 1EdTech REST bindings (imsx_StatusInfo), with the HTTP status.
json error_body(int status, const std::string& message) {
  return {{"imsx_codeMajor", "failure"},
          {"imsx_severity", "error"},
          {"imsx_description", message},
          {"status", status}};
}

void write(httplib::Response& response, const Reply& reply) {
  response.status = reply.status;
  // Bytes that are not UTF-8 (a message quoting a hostile request) are replaced, never a reason to fail.
  if (reply.status != 204) {
    response.set_content(reply.body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  }
}

std::string bearer_token(const httplib::Request& request) {
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return {};
    }
  }
  return header.substr(kScheme.size());
}

// A path template's regular expression: "{name}" matches one path segment.
std::string path_pattern(const std::string& path) {
  static const std::regex kParameter(R"(\{[A-Za-z]+\})");
  return std::regex_replace(path, kParameter, "([^/]+)");
}

}  // namespace

struct Service::Impl {
  explicit Impl(const ServiceOptions& options) : cat(options) {}

  service::CatService cat;
  httplib::Server server;
  int port = 0;
  int listener = -1;  ///< the listening socket, once bound
  /// run()'s progress, for stop(): httplib's stop() does nothing until its listen loop has begun.
  enum class Phase { before, running, after };
  std::atomic<Phase> phase{Phase::before};

  using Handler = std::function<Reply(const std::string& client, const httplib::Request&, const json& body)>;

  void answer(const service::Route& route, const Handler& handler, const httplib::Request& request,
              httplib::Response& response) {
    try {
      std::string client;
      if (route.authenticated()) {
        const std::string token = bearer_token(request);
        const std::optional<service::TokenGrant> grant = token.empty() ? std::nullopt : cat.grant_of_token(token);
        if (!grant) {
          response.set_header("WWW-Authenticate", "Bearer");
          throw RequestError(401, token.empty() ? "a bearer token is required (POST /oauth2/token)"
                                                : "the bearer token is unknown or has expired");
        }
        // A candidate's token takes its own section and nothing else (the section is the path's first parameter).
        if (grant->section && (route.access != service::Access::candidate || request.matches.size() < 2 ||
                               request.matches[1].str() != *grant->section)) {
          throw RequestError(403, "a candidate's token may only take section '" + *grant->section + "'");
        }
        client = grant->client;
      }
      json body;
      if (route.body) {
        const std::string type = request.get_header_value("Content-Type");
        if (type.rfind("application/json", 0) != 0) {
          throw RequestError(415, "the body must be application/json, not '" + type + "'");
        }
        if (!request.body.empty()) {
          try {
            body = json::parse(request.body);
          } catch (const json::exception&) {
            throw RequestError(400, "the body is not valid JSON");
          }
        }
      }
      write(response, handler(client, request, body));
    } catch (const RequestError& error) {
      write(response, {error.status(), error_body(error.status(), error.what())});
    } catch (const SessionError& error) {
      write(response, {409, error_body(409, error.what())});
    } catch (const StoreError& error) {
      // A database another writer holds past the busy timeout: the client may retry.
      const int status = error.code() == 5 /* SQLITE_BUSY */ ? 503 : 500;
      write(response, {status, error_body(status, error.what())});
    } catch (const std::invalid_argument& error) {
      write(response, {400, error_body(400, error.what())});
    } catch (const std::exception& error) {
      write(response, {500, error_body(500, std::string("internal error: ") + error.what())});
    }
  }

  Handler handler_of(const std::string& operation) {
    const auto path = [](const httplib::Request& request, std::size_t k) { return request.matches[k].str(); };
    if (operation == "health") {
      return [this](const std::string&, const httplib::Request&, const json&) {
        const bool ok = cat.healthy();
        return Reply{ok ? 200 : 503, {{"status", ok ? "ok" : "unavailable"}}};
      };
    }
    if (operation == "openapi") {
      return [](const std::string&, const httplib::Request&, const json&) {
        return Reply{200, service::openapi_document()};
      };
    }
    if (operation == "token") {
      return [this](const std::string&, const httplib::Request& request, const json&) {
        std::string id = request.get_param_value("client_id");
        std::string secret = request.get_param_value("client_secret");
        const std::string basic = request.get_header_value("Authorization");
        if (basic.rfind("Basic ", 0) == 0) {
          const std::string decoded = service::base64_bytes(basic.substr(6)).value_or("");
          const auto colon = decoded.find(':');
          if (colon != std::string::npos) {
            id = decoded.substr(0, colon);
            secret = decoded.substr(colon + 1);
          }
        }
        return cat.issue_token(request.get_param_value("grant_type"), id, secret, request.get_param_value("scope"));
      };
    }
    if (operation == "createSection") {
      return [this](const std::string& client, const httplib::Request&, const json& body) {
        return cat.create_section(client, body);
      };
    }
    if (operation == "getSection") {
      return [this, path](const std::string& client, const httplib::Request& request, const json&) {
        return cat.get_section(client, path(request, 1));
      };
    }
    if (operation == "endSection") {
      return [this, path](const std::string& client, const httplib::Request& request, const json&) {
        return cat.end_section(client, path(request, 1));
      };
    }
    if (operation == "createSession") {
      return [this, path](const std::string& client, const httplib::Request& request, const json& body) {
        return cat.create_session(client, path(request, 1), body);
      };
    }
    if (operation == "submitResults") {
      return [this, path](const std::string& client, const httplib::Request& request, const json& body) {
        return cat.submit_results(client, path(request, 1), path(request, 2), body);
      };
    }
    if (operation == "endSession") {
      return [this, path](const std::string& client, const httplib::Request& request, const json&) {
        return cat.end_session(client, path(request, 1), path(request, 2));
      };
    }
    if (operation == "getSessionReport") {
      return [this, path](const std::string& client, const httplib::Request& request, const json&) {
        return cat.session_report(client, path(request, 1), path(request, 2));
      };
    }
    throw std::logic_error("service: no handler for operation " + operation);
  }

  void register_routes() {
    for (const service::Route& route : service::routes()) {
      const std::string pattern = path_pattern(route.path);
      if (route.media == std::string_view("text/html")) {  // the candidate's page: the same page on every path
        server.Get(pattern, [](const httplib::Request&, httplib::Response& response) {
          response.set_header("Cache-Control", "no-store");
          response.set_header("Content-Security-Policy",
                              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                              "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'");
          response.set_header("Referrer-Policy", "no-referrer");
          response.set_content(std::string(service::candidate_page()), "text/html; charset=utf-8");
        });
        continue;
      }
      const Handler handler = handler_of(route.operation);
      auto serve = [this, &route, handler](const httplib::Request& request, httplib::Response& response) {
        answer(route, handler, request, response);
      };
      if (route.method == "GET") {
        server.Get(pattern, serve);
      } else if (route.method == "POST") {
        server.Post(pattern, serve);
      } else if (route.method == "DELETE") {
        server.Delete(pattern, serve);
      } else {
        throw std::logic_error("service: unsupported method " + route.method);
      }
    }
    // Unknown paths, bodies over the limit and the like: httplib sets the status, this gives the JSON body.
    server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
      if (!response.body.empty()) return;
      std::string message = "no route " + request.method + " " + request.path;
      if (response.status == 413) message = "the request body is larger than the server accepts";
      if (response.status == 400) message = "malformed HTTP request";
      response.set_content(error_body(response.status, message).dump(-1, ' ', false, json::error_handler_t::replace),
                           "application/json");
    });
  }
};

Service::Service(ServiceOptions options) : impl_(std::make_unique<Impl>(options)) {
  if (options.port < 0 || options.port > 65535) throw InvalidArgument("serve: --port must be 0..65535");
  if (options.max_body_bytes == 0) throw InvalidArgument("serve: the body limit must be positive");
  unsigned threads = options.threads;
  if (threads == 0) threads = std::max(4u, 2 * std::thread::hardware_concurrency());
  impl_->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl_->server.set_payload_max_length(options.max_body_bytes);
  impl_->server.set_keep_alive_max_count(10000);
  // A reply goes out at once instead of waiting for the client's delayed ACK (Nagle): about 40 ms per call.
  impl_->server.set_tcp_nodelay(true);
  impl_->register_routes();
  // httplib listens with a backlog of 5: a platform opening many connections at once overflows it, and each
  // connection dropped that way waits about a second for TCP to retry. The hook sees the socket before it is
  // bound; after binding it listens again with the system's largest backlog (Linux takes a second listen() as
  // a new backlog).
  impl_->server.set_socket_options([impl = impl_.get()](int socket) {
    httplib::default_socket_options(socket);
    impl->listener = socket;
  });
  impl_->port = options.port == 0 ? impl_->server.bind_to_any_port(options.host)
                                  : (impl_->server.bind_to_port(options.host, options.port) ? options.port : -1);
  if (impl_->port <= 0 || ::listen(impl_->listener, SOMAXCONN) != 0) {
    throw InvalidArgument("serve: cannot listen on " + options.host + ":" + std::to_string(options.port));
  }
}

Service::~Service() = default;

int Service::port() const noexcept { return impl_->port; }

void Service::run() {
  Impl::Phase expected = Impl::Phase::before;
  if (!impl_->phase.compare_exchange_strong(expected, Impl::Phase::running)) return;  // stopped before it ran
  impl_->server.listen_after_bind();
  impl_->phase = Impl::Phase::after;
}

void Service::stop() {
  Impl::Phase expected = Impl::Phase::before;
  if (impl_->phase.compare_exchange_strong(expected, Impl::Phase::after)) return;  // run() will not serve
  // run() has begun: a stop between its start and httplib's listen loop would be lost (a server that ignores
  // SIGTERM), so wait for the loop, or for run() to have returned.
  while (impl_->phase == Impl::Phase::running && !impl_->server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

ClientCredentials add_service_client(const std::string& database, const std::string& name) {
  Store store(database, OpenMode::create);
  return service::add_client(store, name);
}

}  // namespace irtcat
