// Two servers on one database at once, as behind a load balancer: each keeps the sessions it served in memory,
// so a session whose log moved on in the other server must be rebuilt from the store, never continued from a
// stale copy. Calls alternate between the servers, and every reply must be the library twin's.

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "detail/csv.hpp"
#include "service/service_support.hpp"

namespace irtcat::testing {
namespace {

TEST_CASE("service: two servers on one database take turns on a session and both continue it exactly") {
  Scratch scratch;
  ServiceFixture first(scratch);
  ServiceFixture second(scratch, {}, first.options().database);
  second.token = first.token;  // one platform, one token, two servers

  const std::string section = first.section({{"bank", "mathematics"}});
  constexpr std::uint64_t kSeed = 77;
  const Answer created = first.post(kSections + "/" + section + "/sessions", {{"seed", kSeed}});
  REQUIRE_MESSAGE(created.status == 201, created.text);
  const std::string key = created.body.at("sessionIdentifier").get<std::string>();
  const std::string results = kSections + "/" + section + "/sessions/" + key + "/results";

  Store reader(first.options().database, OpenMode::read_only);
  auto bank = std::make_shared<const ItemBank>(reader.load_bank("mathematics").bank);
  SessionConfig config = session_config_from_json(reader.load_session(reader.sessions().back().id).config);
  Session twin(bank, config, kSeed);

  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  json reply = created.body;
  json previous_body;
  std::string previous_text;
  for (int step = 0; !reply.at("nextItems").at("itemIdentifiers").empty(); ++step) {
    CAPTURE(step);
    const std::string item = reply.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
    const std::optional<ItemIndex> expected = twin.next_item();
    REQUIRE(expected);
    REQUIRE(bank->item(*expected).id().str() == item);
    const int score = uniform(rng) < probability(bank->item(*expected), 1, -0.3) ? 1 : 0;
    // Steps go to the servers in the pattern first, second, second, first, ...: each server sees the log grow
    // by one or two answers it did not record.
    ServiceFixture& server = (step % 4 == 0 || step % 4 == 3) ? first : second;
    ServiceFixture& other = &server == &first ? second : first;
    const json body = results_body(score_result(item, score), reply.at("sessionState").get<std::string>());
    const Answer answer = server.post(results, body);
    REQUIRE_MESSAGE(answer.status == 200, answer.text);
    twin.record(*expected, score);
    CHECK(outcome(answer.body, "THETA") == detail::format_double(twin.estimate().theta));
    CHECK(answer.body.at("sessionState") == std::to_string(step + 1));
    // The same result retried on the other server (a lost reply, a balancer's retry): the same reply, nothing
    // stored twice.
    if (step % 3 == 1) {
      const Answer retried = other.post(results, body);
      CHECK(retried.status == 200);
      CHECK(retried.text == answer.text);
    }
    // The other server's report shows the answer it did not record.
    const Answer report = other.call("GET", kSections + "/" + section + "/sessions/" + key);
    REQUIRE(report.status == 200);
    CHECK(report.body.at("items").size() == twin.history().size());
    CHECK(report.body.at("theta").get<double>() == twin.estimate().theta);
    reply = answer.body;
  }
  CHECK(twin.finished());
  CHECK(reader.load_session(reader.sessions().back().id).responses.size() == twin.history().size());
  CHECK(reader.load_session(reader.sessions().back().id).status == "finished");

  // Ended on one server: the other refuses the session's results.
  const Answer ended = first.call("DELETE", kSections + "/" + section + "/sessions/" + key);
  CHECK(ended.status == 204);
  const std::string last = reply.at("sessionState").get<std::string>();
  const Answer refused = second.post(results, results_body(score_result("none", 1), last));
  CHECK(refused.status == 409);
}

TEST_CASE("service: progressive-restricted sections hold the rate over the store's tests, on two servers") {
  // Twelve 4-item sessions, one after another, at most 10 % exposure: every choice reads the bank's counts in the
  // store, so no item is given more than twice (an item reaches test k only below 0.1·(k − 1) uses). Calls
  // alternate between two servers; a session whose offered item passed the rate meanwhile is rebuilt on the other
  // server and still offers that item (the store keeps it).
  Scratch scratch;
  ServiceFixture first(scratch);
  ServiceFixture second(scratch, {}, first.options().database);
  second.token = first.token;
  const std::string section = first.section(
      {{"bank", "mathematics"},
       {"config", {{"exposure", {{"method", "progressive_restricted"}, {"max_rate", 0.1}}},
                   {"stopping", {{"max_length", 4}, {"se_target", nullptr}}}}}});
  Store reader(first.options().database, OpenMode::read_only);
  const auto run = [&](std::uint64_t seed, int answers) {
    ServiceFixture* server = &first;
    const Answer created = server->post(kSections + "/" + section + "/sessions", {{"seed", seed}});
    REQUIRE_MESSAGE(created.status == 201, created.text);
    const std::string key = created.body.at("sessionIdentifier").get<std::string>();
    json reply = created.body;
    for (int step = 0; step < answers && !reply.at("nextItems").at("itemIdentifiers").empty(); ++step) {
      server = server == &first ? &second : &first;
      const std::string item = reply.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
      const Answer answer = server->post(kSections + "/" + section + "/sessions/" + key + "/results",
                                         results_body(score_result(item, step % 2), reply.at("sessionState")));
      REQUIRE_MESSAGE(answer.status == 200, answer.text);
      reply = answer.body;
    }
    return std::make_pair(key, reply);
  };
  for (std::uint64_t seed = 1; seed <= 12; ++seed) run(seed, 4);
  const ExposureCounts counts = reader.exposure_counts("mathematics");
  REQUIRE(counts.tests() == 12);
  const std::vector<std::uint64_t> given = counts.counts();
  CHECK(*std::max_element(given.begin(), given.end()) <= 2);

  // Two answers in, the third item on offer; then its count rises past the rate (as if other tests had all given
  // it). Both servers still offer it: the one that served the session last, and the other, which rebuilds it.
  const auto [key, reply] = run(99, 2);
  const std::string offered = reply.at("nextItems").at("itemIdentifiers").at(0).get<std::string>();
  {
    Store writer(first.options().database, OpenMode::read_write);
    Statement raise(writer.database(),
                    "INSERT INTO exposure_counts (bank_id, item_id, administered) "
                    "SELECT bank_id, ?, tests FROM banks WHERE name = 'mathematics' AND true "
                    "ON CONFLICT (bank_id, item_id) DO UPDATE SET administered = excluded.administered");
    raise.bind(1, offered).run();
  }
  for (ServiceFixture* server : {&first, &second}) {
    const Answer report = server->call("GET", kSections + "/" + section + "/sessions/" + key);
    REQUIRE(report.status == 200);
    CHECK(report.body.at("nextItem").at("identifier") == offered);
  }
  const Answer answer = first.post(kSections + "/" + section + "/sessions/" + key + "/results",
                                   results_body(score_result(offered, 1), reply.at("sessionState")));
  CHECK_MESSAGE(answer.status == 200, answer.text);
}

TEST_CASE("service: sessions driven on many connections at once each give their library twin's items") {
  Scratch scratch;
  ServiceOptions options;
  options.threads = 10;
  ServiceFixture service(scratch, options);
  const std::string section =
      service.section({{"bank", "mathematics"}, {"config", {{"stopping", {{"max_length", 12}, {"se_target", nullptr}}}}}});
  Store reader(service.options().database, OpenMode::read_only);
  auto bank = std::make_shared<const ItemBank>(reader.load_bank("mathematics").bank);

  // Twenty-four sessions, made here; then eight connections answer three each, in turn, so that the results of
  // many sessions share the writer's batches. Each is checked item by item against a library session.
  constexpr int kConnections = 8;
  constexpr int kPerConnection = 3;
  struct Running {
    std::string results;
    json reply;
    std::optional<Session> twin;
  };
  std::vector<Running> sessions(kConnections * kPerConnection);
  for (std::size_t k = 0; k < sessions.size(); ++k) {
    const Answer created = service.post(kSections + "/" + section + "/sessions", {{"seed", 100 + k}});
    REQUIRE(created.status == 201);
    sessions[k].reply = created.body;
    sessions[k].results =
        kSections + "/" + section + "/sessions/" + created.body.at("sessionIdentifier").get<std::string>() + "/results";
    const SessionConfig config = session_config_from_json(reader.load_session(reader.sessions().back().id).config);
    sessions[k].twin.emplace(bank, config, 100 + k);
  }
  std::vector<std::string> failures(kConnections);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConnections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client http("127.0.0.1", service.port());
      http.set_keep_alive(true);
      const httplib::Headers headers{{"Authorization", "Bearer " + service.token}};
      for (bool any = true; any;) {
        any = false;
        for (std::size_t k = static_cast<std::size_t>(c); k < sessions.size(); k += kConnections) {
          Running& running = sessions[k];
          const json& items = running.reply.at("nextItems").at("itemIdentifiers");
          const std::optional<ItemIndex> expected = running.twin->next_item();
          if (items.empty() != !expected) {
            failures[c] = "a session ended apart from its twin";
            return;
          }
          if (items.empty()) continue;
          any = true;
          const std::string item = items.at(0).get<std::string>();
          if (bank->item(*expected).id().str() != item) {
            failures[c] = "item " + item + " where the twin gives " + bank->item(*expected).id().str();
            return;
          }
          const int score = static_cast<int>((k + running.twin->history().size()) % 2);
          const json body = results_body(score_result(item, score), running.reply.at("sessionState").get<std::string>());
          const auto answered = http.Post(running.results, headers, body.dump(), "application/json");
          if (!answered || answered->status != 200) {
            failures[c] = "a result was refused: " + (answered ? answered->body : std::string("no reply"));
            return;
          }
          running.twin->record(*expected, score);
          running.reply = json::parse(answered->body);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& failure : failures) CHECK_MESSAGE(failure.empty(), failure);
  std::size_t responses = 0;
  for (const StoredSession& stored : reader.sessions()) {
    CHECK(stored.status == "finished");
    responses += reader.load_session(stored.id).responses.size();
  }
  CHECK(reader.sessions().size() == kConnections * kPerConnection);
  CHECK(responses == kConnections * kPerConnection * 12);
}

}  // namespace
}  // namespace irtcat::testing
