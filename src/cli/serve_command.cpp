// irtcat serve (the program irtcat-serve, which `irtcat serve` runs): the CAT engine as an HTTP service
// (docs/service.md), and `irtcat serve client add NAME`, which registers a platform and prints its client id and
// secret once. The server runs until SIGINT or SIGTERM, then answers the requests in flight and exits 0.

#include <signal.h>

#include <cstdio>
#include <thread>

#include "cli/cli_common.hpp"
#include "irtcat/service.hpp"

namespace irtcat::cli {

void add_serve_options(CLI::App& command) {
  struct Flags {
    std::string db;
    std::string host = "127.0.0.1";
    int port = 8080;
    unsigned threads = 0;
    std::size_t max_body = 1 << 20;
    int token_lifetime = 3600;
    std::string roles = shipped_data_directory() + "/roles.json";
    std::string client_name;
  };
  auto flags = std::make_shared<Flags>();
  command.add_option("--db", flags->db, kDatabaseHelp);
  command.add_option("--host", flags->host, "Address to listen on (TLS belongs to a reverse proxy)")
      ->capture_default_str();
  command.add_option("--port", flags->port, "Port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command.add_option("--threads", flags->threads, "Worker threads (0: twice the cores, at least 4)")
      ->capture_default_str();
  command.add_option("--max-body", flags->max_body, "Largest request body accepted, in bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command.add_option("--token-lifetime", flags->token_lifetime, "Seconds a bearer token stays valid")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command.add_option("--roles", flags->roles, "The reporting scale and levels (roles file; empty: none)")
      ->capture_default_str();

  CLI::App* client = command.add_subcommand("client", "Manage the platforms allowed to call the service");
  CLI::App* add = client->add_subcommand("add", "Register a platform: prints its client id and secret (once)");
  add->add_option("name", flags->client_name, "A name for the platform")->required();
  client->require_subcommand(1);
  // `serve client add NAME --db X` as well as `serve --db X client add NAME`: options not their own go to serve.
  client->fallthrough();
  add->fallthrough();
  add->callback([flags] {
    const ClientCredentials credentials = add_service_client(database_path(flags->db), flags->client_name);
    std::printf("client_id %s\nclient_secret %s\n", credentials.id.c_str(), credentials.secret.c_str());
    std::fprintf(stderr, "serve: the secret is shown only now; the database keeps only its salted hash\n");
  });

  command.callback([flags, client] {
    if (client->parsed()) return;
    // SIGINT and SIGTERM go to a thread that stops the server; the worker threads inherit the blocked mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ServiceOptions options;
    options.database = database_path(flags->db);
    options.host = flags->host;
    options.port = flags->port;
    options.threads = flags->threads;
    options.max_body_bytes = flags->max_body;
    options.token_lifetime = std::chrono::seconds(flags->token_lifetime);
    options.roles = flags->roles;
    Service service(options);
    std::printf("irtcat serve: listening on http://%s:%d (database '%s')\n", options.host.c_str(), service.port(),
                options.database.c_str());
    std::fflush(stdout);
    std::thread stopper([&service, signals] {
      int received = 0;
      sigwait(&signals, &received);
      service.stop();
    });
    service.run();
    // run() also returns when the server fails; wake the stopper so it can be joined.
    pthread_kill(stopper.native_handle(), SIGTERM);
    stopper.join();
  });
}

}  // namespace irtcat::cli
