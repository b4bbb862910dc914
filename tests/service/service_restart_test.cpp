// `irtcat serve` killed with SIGKILL at random moments while a client drives 50 sessions (on SQLite), or two servers
// on one PostgreSQL database share 200 sessions and one of them is killed: the client restarts it and resends what
// got no reply (the same sessionState). No answer is lost, none is stored twice, and every
// session's items are those of an uninterrupted library Session with the same configuration and seed.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <regex>

#include "service/service_support.hpp"
#include "store/engines.hpp"

extern char** environ;

namespace irtcat::testing {
namespace {

// The CLI's server as a child process on any free port; its port read from the line it prints.
class ServerProcess {
 public:
  ServerProcess(const Scratch& scratch, const std::string& database, std::string log = "serve.out")
      : scratch_(scratch), database_(database), log_(std::move(log)) {}
  ~ServerProcess() { kill_now(); }

  /// Starts a server; one killed before it listens is started again.
  void start() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (spawn()) return;
    }
    FAIL("irtcat serve did not start");
  }

  bool spawn() {
    const std::string log = scratch_.path(log_);
    std::remove(log.c_str());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);  // its errors too, for a failure's message
    std::vector<std::string> arguments = {IRTCAT_CLI, "serve", "--db", database_, "--port", "0", "--threads", "4"};
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, IRTCAT_CLI, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    pid_ = pid;
    listening_ = false;
    static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
    for (int wait = 0; wait < 4000; ++wait) {
      std::smatch match;
      const std::string text = slurp(log);
      if (std::regex_search(text, match, kListening)) {
        port_ = std::stoi(match[1].str());
        listening_ = true;
        return true;
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {  // killed before it listened
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL("irtcat serve did not print its port");
    return false;
  }
  void kill_now() {
    listening_ = false;
    const pid_t pid = pid_.exchange(-1);
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  /// Ends the server as an operator would (SIGTERM) and returns its exit status; -1 when a signal ended it, -2
  /// when it was still running 30 s later (it is then killed, so that a server ignoring SIGTERM fails the test
  /// instead of hanging it).
  int terminate() {
    listening_ = false;
    const pid_t pid = pid_.exchange(-1);
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int wait = 0; wait < 3000; ++wait) {
      if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -2;
  }
  /// The server's pid once it listens, -1 before (a kill then would only restart the start, slow under ASan).
  pid_t listening_pid() const noexcept { return listening_ ? pid_.load() : -1; }
  int port() const noexcept { return port_; }
  std::string log() const { return scratch_.path(log_); }

 private:
  const Scratch& scratch_;
  std::string database_;
  std::string log_;
  std::atomic<pid_t> pid_{-1};  // read by the killer thread
  std::atomic<bool> listening_{false};
  int port_ = 0;
};

// The simulee's answer to an item: fixed by the session's seed and the item id, so a resent step sends the same.
int answer(std::uint64_t seed, const std::string& item) {
  std::uint64_t hash = 1469598103934665603ULL ^ seed;
  for (char ch : item) hash = (hash ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
  return static_cast<int>((hash >> 17) % 2);
}

// Drives `sessions` sessions of one section through `servers` server processes on `database`, step k of a session
// on server k mod `servers`, while a killer thread SIGKILLs a listening server 25 times at random moments; a call
// that gets no reply (or a 503) is resent, the server it went to restarted. Then checks the store: every driven
// session is stored once, complete, with exactly the items and answers of an uninterrupted library Session.
void drive_through_kills(const Scratch& scratch, const std::string& database, int servers, int sessions_wanted) {
  const ClientCredentials credentials = add_service_client(database, "test platform");
  std::vector<std::unique_ptr<ServerProcess>> processes;
  for (int k = 0; k < servers; ++k) {
    processes.push_back(std::make_unique<ServerProcess>(scratch, database, "serve" + std::to_string(k) + ".out"));
    processes.back()->start();
  }
  std::vector<std::unique_ptr<httplib::Client>> http(static_cast<std::size_t>(servers));
  const auto connect = [&](int k) {
    auto& client = http[static_cast<std::size_t>(k)];
    client = std::make_unique<httplib::Client>("127.0.0.1", processes[static_cast<std::size_t>(k)]->port());
    client->set_tcp_nodelay(true);
    client->set_read_timeout(10, 0);
  };
  for (int k = 0; k < servers; ++k) connect(k);
  std::string token;
  // One call, resent after a restart until it gets a reply: what a platform's retry loop does.
  int restarts = 0;
  const auto call = [&](int k, const std::string& path, const std::string& body, const std::string& type) -> Answer {
    ServerProcess& server = *processes[static_cast<std::size_t>(k)];
    for (int attempt = 0;; ++attempt) {
      // 25 kills over two servers cannot fail one call 50 times: more means a server that cannot answer.
      REQUIRE_MESSAGE(attempt < 50, "no reply to " << path << " after 50 restarts: " << slurp(server.log()));
      httplib::Headers headers;
      if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
      if (httplib::Result result = http[static_cast<std::size_t>(k)]->Post(path, headers, body, type)) {
        if (result->status != 503) return {result->status, json::parse(result->body, nullptr, false), result->body};
      }
      server.kill_now();  // reap it (it may already be dead) and start another
      server.start();
      connect(k);
      ++restarts;
    }
  };
  const Answer issued = call(0, "/oauth2/token",
                             "grant_type=client_credentials&client_id=" + credentials.id +
                                 "&client_secret=" + credentials.secret,
                             "application/x-www-form-urlencoded");
  REQUIRE(issued.status == 200);
  token = issued.body.at("access_token").get<std::string>();
  const json configuration{{"sectionConfiguration", base64(json{{"bank", "mathematics"}}.dump())}};
  const Answer made = call(0, kSections, configuration.dump(), "application/json");
  REQUIRE(made.status == 201);
  const std::string section = made.body.at("sectionIdentifier").get<std::string>();

  // The killer: 25 SIGKILLs of a listening server, 20-200 ms apart, wherever it is in a call. A jthread: a
  // failed REQUIRE below leaves through its destructor, which stops and joins it.
  std::jthread killer([&](const std::stop_token& done) {
    std::mt19937_64 rng(77);
    for (int kills = 0; kills < 25 && !done.stop_requested();) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 180));
      const pid_t pid = processes[rng() % processes.size()]->listening_pid();
      if (pid > 0 && !done.stop_requested()) {
        ::kill(pid, SIGKILL);
        ++kills;
      }
    }
  });

  struct Running {
    std::uint64_t seed;
    std::string key;
    json reply;
  };
  std::vector<Running> sessions;
  // A session created twice (the reply to the first lost) is simply another session: count what the store has.
  for (int s = 0; s < sessions_wanted; ++s) {
    const std::uint64_t seed = 1000 + static_cast<std::uint64_t>(s);
    const Answer created =
        call(s % servers, kSections + "/" + section + "/sessions", json{{"seed", seed}}.dump(), "application/json");
    REQUIRE(created.status == 201);
    sessions.push_back({seed, created.body.at("sessionIdentifier").get<std::string>(), created.body});
  }
  for (int step = 0, any = 1; any; ++step) {
    any = 0;
    for (Running& session : sessions) {
      const json& items = session.reply.at("nextItems").at("itemIdentifiers");
      if (items.empty()) continue;
      any = 1;
      const std::string item = items.at(0).get<std::string>();
      const Answer reply =
          call(step % servers, kSections + "/" + section + "/sessions/" + session.key + "/results",
               results_body(score_result(item, answer(session.seed, item)),
                            session.reply.at("sessionState").get<std::string>())
                   .dump(),
               "application/json");
      REQUIRE_MESSAGE(reply.status == 200, reply.text);
      session.reply = reply.body;
    }
  }
  killer.request_stop();
  killer.join();
  MESSAGE("restarts after SIGKILL: " << restarts);
  CHECK(restarts >= 3);

  Store store(database, OpenMode::read_only);
  auto bank = std::make_shared<const ItemBank>(store.load_bank("mathematics").bank);
  std::map<std::uint64_t, int> seen;
  for (const StoredSession& row : store.sessions()) {
    const StoredSession stored = store.load_session(row.id);
    Session twin(bank, session_config_from_json(stored.config), stored.seed);
    std::size_t step = 0;
    while (const std::optional<ItemIndex> next = twin.next_item()) {
      const std::string id = bank->item(*next).id().str();
      if (step == stored.responses.size()) break;  // a session whose creation reply was lost: never driven
      REQUIRE(stored.responses[step].first == id);
      REQUIRE(stored.responses[step].second == answer(stored.seed, id));
      twin.record(*next, answer(stored.seed, id));
      ++step;
    }
    CHECK(step == stored.responses.size());
    if (!stored.responses.empty()) {
      seen[stored.seed] += 1;
      CHECK(twin.finished());
      CHECK(stored.status == "finished");
    }
  }
  CHECK(seen.size() == static_cast<std::size_t>(sessions_wanted));  // every driven session stored once, complete
  for (const auto& [seed, count] : seen) CHECK(count == 1);

  for (auto& process : processes) {
    process->start();
    CHECK(process->terminate() == 0);  // SIGTERM: a clean stop
  }
}

TEST_CASE("service: killed with SIGKILL at random moments, restarted, every session carries on exactly") {
  Scratch scratch;
  drive_through_kills(scratch, scratch.database("service.db", {"mathematics"}), 1, 50);
}

TEST_CASE("service: two servers on one PostgreSQL database, one killed at random moments: nothing lost or twice") {
  if (!postgresql_cases_run()) return;
  Scratch scratch;
  const PostgresTestDatabase database;
  {
    Store store(database.uri());
    store.import_bank(read_bank_json_file(std::string(IRTCAT_ITEM_BANKS) + "/mathematics.json"));
  }
#ifdef IRTCAT_UNDER_SANITIZERS
  constexpr int kSessions = 20;  // the same check, at a size the sanitizers' slowdown keeps to a minute
#else
  constexpr int kSessions = 200;
#endif
  drive_through_kills(scratch, database.uri(), 2, kSessions);
}

}  // namespace
}  // namespace irtcat::testing
