// Load on `irtcat serve` over HTTP: S candidates' sessions running at once on one section (mathematics, 20 items,
// EAP + MFI with randomesque 5, topics balanced), answered through a pool of keep-alive connections as a
// platform's back end would call the service. Every answer is committed to the database before its reply: the
// SQLite default (WAL, synchronous = FULL), or PostgreSQL with one or two servers sharing it (connection c calls
// server c mod N, as a load balancer would spread them). Reported per run: results per second, and the latency of
// a result's call (p50, p99, max) as the client sees it. Session creation is outside the timed part.
//
//   ./build-bench/bench/irtcat_bench_service --benchmark_counters_tabular=true
//   IRTCAT_BENCH_PG=postgresql://user@127.0.0.1:5432/postgres ./build-bench/bench/irtcat_bench_service ...
//
// IRTCAT_BENCH_PG names a PostgreSQL server (scripts/pg_cluster.sh start DIR makes a throw-away one); the bench
// creates a database of its own there for each run and drops it after. Without it the PostgreSQL cases are
// skipped. The servers run in this process on 127.0.0.1 with one worker thread per connection (a kept-alive
// connection holds its worker), so client, servers and database share the machine's cores, as on one host.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "irtcat/irtcat.hpp"
#include "irtcat/service.hpp"
#include "service/credentials.hpp"

// After irtcat's headers: httplib.h pulls in <resolv.h>, whose `_res` macro clashes with Eigen's templates.
#include <httplib.h>
#include <unistd.h>

#ifndef IRTCAT_ITEM_BANKS
#define IRTCAT_ITEM_BANKS "item_banks"
#endif

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kItems = 20;
const std::string kSections = "/ims/cat/v1p0/sections";

// The database a run uses: a scratch SQLite file, or a scratch database on the PostgreSQL server IRTCAT_BENCH_PG
// names; removed at the end.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(bool postgresql) {
    const std::string name = "irtcat_service_load_" + std::to_string(::getpid());
    if (!postgresql) {
      location_ = (std::filesystem::temp_directory_path() / (name + ".db")).string();
      remove_files();
      return;
    }
    const char* server = std::getenv("IRTCAT_BENCH_PG");
    if (server == nullptr || *server == '\0') throw std::runtime_error("set IRTCAT_BENCH_PG=postgresql://...");
    server_ = server;
    name_ = name;
    irtcat::Database admin(server_);
    admin.execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin.execute("CREATE DATABASE " + name_);
    const std::size_t slash = server_.find('/', server_.find("://") + 3);
    const std::size_t query = server_.find('?');
    location_ = server_.substr(0, slash) + "/" + name_ + (query == std::string::npos ? "" : server_.substr(query));
  }
  ~ScratchDatabase() {
    if (server_.empty()) {
      remove_files();
      return;
    }
    try {
      irtcat::Database(server_).execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& location() const { return location_; }

 private:
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(location_ + suffix);
  }
  std::string server_;
  std::string name_;
  std::string location_;
};

// `count` services over one database holding the mathematics bank, and a platform's token for them.
class Servers {
 public:
  Servers(unsigned threads, int count, bool postgresql) : database_(postgresql) {
    {
      irtcat::Store store(database_.location(), irtcat::OpenMode::create);
      store.import_bank(irtcat::read_bank_json_file(IRTCAT_ITEM_BANKS "/mathematics.json"));
    }
    const irtcat::ClientCredentials credentials = irtcat::add_service_client(database_.location(), "load");
    irtcat::ServiceOptions options;
    options.database = database_.location();
    options.port = 0;
    options.threads = threads;
    for (int k = 0; k < count; ++k) {
      services_.push_back(std::make_unique<irtcat::Service>(options));
      threads_.emplace_back([service = services_.back().get()] { service->run(); });
    }
    httplib::Client http("127.0.0.1", services_.front()->port());
    const auto issued = http.Post("/oauth2/token",
                                  "grant_type=client_credentials&client_id=" + credentials.id +
                                      "&client_secret=" + credentials.secret,
                                  "application/x-www-form-urlencoded");
    if (!issued || issued->status != 200) throw std::runtime_error("service load bench: no token");
    token_ = json::parse(issued->body).at("access_token").get<std::string>();
  }
  ~Servers() {
    for (auto& service : services_) service->stop();
    for (std::thread& thread : threads_) thread.join();
    services_.clear();
  }
  Servers(const Servers&) = delete;
  Servers& operator=(const Servers&) = delete;

  /// The port of the server connection `c` calls.
  int port(std::size_t c) const { return services_[c % services_.size()]->port(); }
  httplib::Headers headers() const { return {{"Authorization", "Bearer " + token_}}; }

 private:
  ScratchDatabase database_;
  std::string token_;
  std::vector<std::unique_ptr<irtcat::Service>> services_;
  std::vector<std::thread> threads_;
};

// A simulated candidate's answer: a fixed coin per (session, item), so every run answers alike.
int answer(std::size_t session, const std::string& item) {
  std::uint64_t hash = 1469598103934665603ULL ^ session;
  for (char ch : item) hash = (hash ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
  return static_cast<int>((hash >> 29) & 1);
}

struct Running {
  std::string path;   // the session's results path
  std::string item;   // the offered item; empty once finished
  std::string state;  // its sessionState
};

void take_reply(Running& session, const std::string& body) {
  const json reply = json::parse(body);
  const json& items = reply.at("nextItems").at("itemIdentifiers");
  session.item = items.empty() ? std::string() : items.at(0).get<std::string>();
  session.state = reply.at("sessionState").get<std::string>();
}

// S sessions over C connections: connection c drives sessions c, c + C, ..., one call in flight each, on server
// c mod N of N servers; engine 0 is SQLite, 1 PostgreSQL.
void BM_ServiceLoad(benchmark::State& state) {
  const auto sessions = static_cast<std::size_t>(state.range(0));
  const auto connections = static_cast<std::size_t>(state.range(1));
  const auto count = static_cast<int>(state.range(2));
  const bool postgresql = state.range(3) == 1;
  std::unique_ptr<Servers> servers;
  try {
    servers = std::make_unique<Servers>(static_cast<unsigned>(connections) + 2, count, postgresql);
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return;
  }
  const Servers& server = *servers;
  const httplib::Headers headers = server.headers();
  const json configuration{{"bank", "mathematics"},
                           {"config", {{"stopping", {{"max_length", kItems}, {"se_target", nullptr}}}}}};

  std::vector<double> latencies;  // milliseconds, every result's call of every run
  std::size_t results = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    httplib::Client setup("127.0.0.1", server.port(0));
    const json section_body{{"sectionConfiguration", irtcat::service::base64_text(configuration.dump())}};
    const auto made = setup.Post(kSections, headers, section_body.dump(), "application/json");
    if (!made || made->status != 201) {
      state.SkipWithError("the section was not created");
      return;
    }
    const std::string section = json::parse(made->body).at("sectionIdentifier").get<std::string>();
    std::vector<Running> running(sessions);
    std::vector<std::vector<double>> per_connection(connections);
    std::atomic<bool> failed{false};
    std::mutex failure_mutex;
    std::string failure;  // the first failed call, as the client saw it
    const auto fail = [&](const char* call, const httplib::Result& reply) {
      std::lock_guard lock(failure_mutex);
      if (failure.empty()) {
        failure = std::string(call) + ": " +
                  (reply ? std::to_string(reply->status) + " " + reply->body : httplib::to_string(reply.error()));
      }
      failed = true;
    };
    const auto drive = [&](auto&& work) {
      std::vector<std::thread> threads;
      for (std::size_t c = 0; c < connections; ++c) threads.emplace_back(work, c);
      for (std::thread& thread : threads) thread.join();
    };
    // Sessions first (untimed), spread over the connections as well.
    drive([&](std::size_t c) {
      httplib::Client http("127.0.0.1", server.port(c));
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);
      http.set_read_timeout(60, 0);
      for (std::size_t s = c; s < sessions; s += connections) {
        const auto created =
            http.Post(kSections + "/" + section + "/sessions", headers, json{{"seed", s}}.dump(), "application/json");
        if (!created || created->status != 201) {
          fail("create a session", created);
          return;
        }
        running[s].path = kSections + "/" + section + "/sessions/" +
                          json::parse(created->body).at("sessionIdentifier").get<std::string>() + "/results";
        take_reply(running[s], created->body);
      }
    });
    const Clock::time_point start = Clock::now();
    drive([&](std::size_t c) {
      httplib::Client http("127.0.0.1", server.port(c));
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);
      http.set_read_timeout(60, 0);
      for (bool any = true; any && !failed;) {
        any = false;
        for (std::size_t s = c; s < sessions && !failed; s += connections) {
          Running& session = running[s];
          if (session.item.empty()) continue;
          any = true;
          const json body{
              {"sessionState", session.state},
              {"assessmentResult",
               {{"itemResult",
                 json::array({{{"identifier", session.item},
                               {"outcomeVariables",
                                json::array({{{"identifier", "SCORE"},
                                              {"value", json::array({std::to_string(answer(s, session.item))})}}})}}})}}}};
          const Clock::time_point sent = Clock::now();
          const auto reply = http.Post(session.path, headers, body.dump(), "application/json");
          per_connection[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
          if (!reply || reply->status != 200) {
            fail("submit a result", reply);
            return;
          }
          take_reply(session, reply->body);
        }
      }
    });
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed) {
      state.SkipWithError(failure.c_str());
      return;
    }
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    for (const std::vector<double>& part : per_connection) {
      latencies.insert(latencies.end(), part.begin(), part.end());
      results += part.size();
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const auto quantile = [&](double q) {
    return latencies.empty() ? 0.0 : latencies[static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1))];
  };
  state.counters["results_per_s"] = static_cast<double>(results) / seconds;
  state.counters["p50_ms"] = quantile(0.50);
  state.counters["p99_ms"] = quantile(0.99);
  state.counters["max_ms"] = latencies.empty() ? 0.0 : latencies.back();
  state.counters["results"] = static_cast<double>(results);
}

// (sessions, connections, servers, engine): 1, 100 and 1,000 candidates at once over 16 connections, and 1,000
// over 64, on SQLite; 100 and 1,000 over 16 connections on PostgreSQL with one server and with two.
BENCHMARK(BM_ServiceLoad)
    ->Args({1, 16, 1, 0})
    ->Args({100, 16, 1, 0})
    ->Args({1000, 16, 1, 0})
    ->Args({1000, 64, 1, 0})
    ->Args({100, 16, 1, 1})
    ->Args({1000, 16, 1, 1})
    ->Args({100, 16, 2, 1})
    ->Args({1000, 16, 2, 1})
    ->ArgNames({"sessions", "connections", "servers", "postgresql"})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
