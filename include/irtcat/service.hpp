#pragma once
// The CAT engine as an HTTP service (docs/service.md): the 1EdTech Computer Adaptive Testing REST/JSON binding
// (sections, sessions, results) under /ims/cat/v1p0, OAuth 2 client-credentials tokens, and irtcat's own
// /healthz, session report and /openapi.json. `irtcat serve` starts one; a C++ platform can embed one.
//
// Every answer is committed to the store before the next item is returned, and a session is what the store holds
// (configuration, seed, log): a server keeps sessions in memory only while their logs in the store are unchanged,
// and rebuilds one from the store otherwise, so any server process that opens the database continues it exactly:
// a restart loses nothing, and servers may share one database file.
//
// Link irtcat::service (cpp-httplib and OpenSSL's libcrypto come with it).
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace irtcat {

struct ServiceOptions {
  std::string database;                     ///< the irtcat database file (banks, sessions, clients)
  std::string host = "127.0.0.1";           ///< the address to listen on; TLS belongs to a reverse proxy
  int port = 8080;                          ///< 0: any free port (Service::port() tells which)
  unsigned threads = 0;                     ///< worker threads; 0: twice the cores, at least 4
  std::size_t max_body_bytes = 1 << 20;     ///< larger request bodies get 413
  std::chrono::seconds token_lifetime{3600};
  std::string roles;                        ///< a roles file: sessions report a scale score and level (optional)
};

/// A client's credentials as `irtcat serve client add` prints them: the secret is shown once, only its salted
/// hash is stored.
struct ClientCredentials {
  std::string id;
  std::string secret;
};

/// Registers a client allowed to call the service, in the database at `database` (created and migrated if need
/// be). Throws InvalidArgument for an empty name, StoreError if the database cannot be written.
ClientCredentials add_service_client(const std::string& database, const std::string& name);

/// An HTTP/1.1 server (cpp-httplib) over one database. Construction binds the address (StoreError,
/// InvalidArgument when the port cannot be bound or the options are out of range); run() serves until stop().
class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// The port it listens on (the one chosen when ServiceOptions::port was 0).
  int port() const noexcept;
  /// Serves requests on this thread until stop() is called (from any thread).
  void run();
  /// Stops run(); requests in flight are answered first. Safe to call more than once, and before run().
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace irtcat
