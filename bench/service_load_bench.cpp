// Load on `irtcat serve` over HTTP: S candidates' sessions running at once on one section (mathematics, 20 items,
// EAP + MFI with randomesque 5, topics balanced), answered through a pool of keep-alive connections as a
// platform's back end would call the service. Every answer is committed to the database (SQLite, WAL,
// synchronous = FULL) before its reply. Reported per run: results per second, and the latency of a result's call
// (p50, p99, max) as the client sees it. Session creation is outside the timed part.
//
//   ./build-bench/bench/irtcat_bench_service --benchmark_counters_tabular=true
//
// The server runs in this process on 127.0.0.1 with one worker thread per connection (a kept-alive connection
// holds its worker), so client and server share the machine's cores, as they would on one host.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
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

// A service over a scratch database holding the mathematics bank, and a platform's token for it.
class Server {
 public:
  explicit Server(unsigned threads)
      : database_((std::filesystem::temp_directory_path() /
                   ("irtcat_service_load_" + std::to_string(::getpid()) + ".db"))
                      .string()) {
    remove_files();
    {
      irtcat::Store store(database_, irtcat::OpenMode::create);
      store.import_bank(irtcat::read_bank_json_file(IRTCAT_ITEM_BANKS "/mathematics.json"));
    }
    const irtcat::ClientCredentials credentials = irtcat::add_service_client(database_, "load");
    irtcat::ServiceOptions options;
    options.database = database_;
    options.port = 0;
    options.threads = threads;
    service_ = std::make_unique<irtcat::Service>(options);
    thread_ = std::thread([this] { service_->run(); });
    httplib::Client http("127.0.0.1", service_->port());
    const auto issued = http.Post("/oauth2/token",
                                  "grant_type=client_credentials&client_id=" + credentials.id +
                                      "&client_secret=" + credentials.secret,
                                  "application/x-www-form-urlencoded");
    if (!issued || issued->status != 200) throw std::runtime_error("service load bench: no token");
    token_ = json::parse(issued->body).at("access_token").get<std::string>();
  }
  ~Server() {
    service_->stop();
    thread_.join();
    service_.reset();
    remove_files();
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return service_->port(); }
  httplib::Headers headers() const { return {{"Authorization", "Bearer " + token_}}; }

 private:
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(database_ + suffix);
  }

  std::string database_;
  std::string token_;
  std::unique_ptr<irtcat::Service> service_;
  std::thread thread_;
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

// S sessions over C connections: connection c drives sessions c, c + C, ..., one call in flight each.
void BM_ServiceLoad(benchmark::State& state) {
  const auto sessions = static_cast<std::size_t>(state.range(0));
  const auto connections = static_cast<std::size_t>(state.range(1));
  Server server(static_cast<unsigned>(connections) + 2);
  const httplib::Headers headers = server.headers();
  const json configuration{{"bank", "mathematics"},
                           {"config", {{"stopping", {{"max_length", kItems}, {"se_target", nullptr}}}}}};

  std::vector<double> latencies;  // milliseconds, every result's call of every run
  std::size_t results = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    httplib::Client setup("127.0.0.1", server.port());
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
      httplib::Client http("127.0.0.1", server.port());
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
      httplib::Client http("127.0.0.1", server.port());
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

// (sessions, connections): 1, 100 and 1,000 candidates at once over 16 connections, and 1,000 over 64.
BENCHMARK(BM_ServiceLoad)
    ->Args({1, 16})
    ->Args({100, 16})
    ->Args({1000, 16})
    ->Args({1000, 64})
    ->ArgNames({"sessions", "connections"})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
