// The service on a PostgreSQL server that restarts mid-test (a cluster of the test's own, scripts/pg_cluster.sh):
// calls while it is down fail with 503 and a JSON body, the same calls succeed once it is back, and the session
// ends with exactly the items and estimates of a library Session with the same seed: nothing lost, nothing twice.

#include <cstdio>
#include <random>

#include "detail/csv.hpp"
#include "service/service_support.hpp"
#include "store/engines.hpp"
#include "test_support.hpp"

namespace irtcat::testing {
namespace {

// `bash scripts/pg_cluster.sh <command> <dir>`'s standard output.
std::string cluster(const std::string& command, const std::string& dir) {
  const std::string line = "bash " IRTCAT_SCRIPTS "/pg_cluster.sh " + command + " " + dir;
  FILE* pipe = ::popen(line.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  REQUIRE_MESSAGE(::pclose(pipe) == 0, line);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A cluster of the test's own, stopped and removed at the end.
class OwnCluster {
 public:
  explicit OwnCluster(std::string dir) : dir_(std::move(dir)), uri_(cluster("start", dir_)) {}
  ~OwnCluster() { std::system(("bash " IRTCAT_SCRIPTS "/pg_cluster.sh stop " + dir_).c_str()); }
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;
  const std::string& uri() const noexcept { return uri_; }
  void pause() { cluster("pause", dir_); }
  void resume() { cluster("resume", dir_); }

 private:
  std::string dir_;
  std::string uri_;
};

TEST_CASE("service: PostgreSQL restarted mid-test: calls get 503, then succeed, and nothing is lost") {
  if (!postgresql_cases_run()) return;
  Scratch scratch;
  OwnCluster server(scratch.path("cluster"));
  {
    Store store(server.uri());
    store.import_bank(read_bank_json_file(std::string(IRTCAT_ITEM_BANKS) + "/mathematics.json"));
  }
  ServiceFixture service(scratch, {}, server.uri());
  const std::string section = service.section({{"bank", "mathematics"}});
  constexpr std::uint64_t kSeed = 77;
  Answer reply = service.post(kSections + "/" + section + "/sessions", {{"seed", kSeed}});
  REQUIRE(reply.status == 201);
  const std::string key = reply.body.at("sessionIdentifier").get<std::string>();
  const std::string results = kSections + "/" + section + "/sessions/" + key + "/results";

  Store reader(server.uri(), OpenMode::read_only);
  const StoredSession started = reader.load_session(reader.sessions().back().id);
  auto bank = std::make_shared<const ItemBank>(reader.load_bank("mathematics").bank);
  Session twin(bank, session_config_from_json(started.config), kSeed);
  std::mt19937_64 rng(5);
  int steps = 0;
  while (!reply.body.at("nextItems").at("itemIdentifiers").empty()) {
    const std::string item = reply.body.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
    const std::optional<ItemIndex> expected = twin.next_item();
    REQUIRE(expected);
    REQUIRE(bank->item(*expected).id().str() == item);
    const int score = draw_response(bank->item(*expected), 0.3, 1.0, rng);
    const json body = results_body(score_result(item, score), reply.body.at("sessionState").get<std::string>());
    if (steps == 3) {
      server.pause();
      const Answer down = service.post(results, body);
      CHECK(down.status == 503);
      CHECK(down.body.value("imsx_description", "").find("database") != std::string::npos);
      server.resume();
    }
    reply = service.post(results, body);
    REQUIRE_MESSAGE(reply.status == 200, reply.text);
    twin.record(*expected, score);
    ++steps;
    CHECK(outcome(reply.body, "THETA") == detail::format_double(twin.estimate().theta));
  }
  CHECK(twin.finished());
  Store after(server.uri(), OpenMode::read_only);
  const StoredSession stored = after.load_session(started.id);
  CHECK(stored.status == "finished");
  REQUIRE(stored.responses.size() == twin.history().size());
  for (std::size_t k = 0; k < stored.responses.size(); ++k) {
    CHECK(stored.responses[k].first == bank->item(twin.history()[k].item).id().str());
    CHECK(stored.responses[k].second == twin.history()[k].response);
  }
}

}  // namespace
}  // namespace irtcat::testing
