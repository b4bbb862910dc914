// End-to-end tests of `irtcat take`: a test driven through piped standard input; answers committed one by one;
// a process killed with SIGKILL at any moment and resumed continues as if never interrupted; a concurrent
// reader in this process sees a consistent log while the child appends.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "irtcat/error.hpp"
#include "irtcat/store.hpp"
#include "scratch.hpp"

using namespace irtcat;
namespace fs = std::filesystem;
using namespace irtcat::testing;

namespace {

/// The irtcat tool running in a child process with a pipe on its standard input and its output in a file.
class Child {
 public:
  Child(const std::vector<std::string>& arguments, const std::string& output) {
    std::signal(SIGPIPE, SIG_IGN);  // a child that exited early makes write() fail, not this process die
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[0], 0);
      ::close(fds[0]);
      ::close(fds[1]);
      const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(out, 2);
      std::vector<char*> argv;
      std::string program = IRTCAT_CLI;
      argv.push_back(program.data());
      std::vector<std::string> copies = arguments;
      for (std::string& argument : copies) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(fds[0]);
    input_ = fds[1];
  }
  ~Child() {
    close_input();
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  /// False when the child no longer reads (it has exited).
  bool write(const std::string& text) {
    return ::write(input_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  void close_input() {
    if (input_ >= 0) ::close(input_);
    input_ = -1;
  }
  void kill() { ::kill(pid_, SIGKILL); }
  /// Waits for the child; its exit status, or -signal when a signal ended it.
  int wait() {
    int raw = 0;
    ::waitpid(pid_, &raw, 0);
    pid_ = -1;
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
  }

 private:
  pid_t pid_ = -1;
  int input_ = -1;
};

// The answers a candidate types: a fixed sequence of letters, one a line.
const std::string kLetters = "ACBDDACBBCADCA";
constexpr int kLength = 12;

std::string answers(std::size_t from, std::size_t to) {
  std::string text;
  for (std::size_t i = from; i < to; ++i) {
    text += kLetters[i % kLetters.size()];
    text += '\n';
  }
  return text;
}

std::vector<std::string> take_arguments(const std::string& db) {
  return {"take", "--bank", "mathematics", "--db", db, "--seed", "2024", "--length", std::to_string(kLength)};
}

std::optional<StoredSession> session_in(const std::string& db) {
  try {
    Store store(db, OpenMode::read_only);
    if (store.sessions().empty()) return std::nullopt;
    return store.load_session(store.sessions().front().id);
  } catch (const StoreError&) {
    return std::nullopt;  // busy at the moment: try again
  }
}

// Polls the database until the session has at least `count` responses (or 20 s pass).
std::optional<StoredSession> wait_for_responses(const std::string& db, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto stored = session_in(db); stored && stored->responses.size() >= count) return stored;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

// The uninterrupted test: every answer piped at once.
StoredSession reference_run(const Scratch& scratch) {
  const std::string db = scratch.database("reference.db", {"mathematics"});
  Child child(take_arguments(db), scratch.path("reference.out"));
  child.write(answers(0, kLength));
  child.close_input();
  REQUIRE(child.wait() == 0);
  const auto stored = session_in(db);
  REQUIRE(stored);
  REQUIRE(stored->responses.size() == static_cast<std::size_t>(kLength));
  return *stored;
}

}  // namespace

TEST_CASE("take: a piped test asks again on unknown answers and reports theta, SE, score and level") {
  const Scratch scratch;
  const std::string db = scratch.database("piped.db", {"mathematics"});
  Child child({"take", "--bank", "mathematics", "--db", db, "--seed", "5", "--length", "6"}, scratch.path("out"));
  child.write("A\n\nZ\nmaybe\nb\n C \nD\nA\nB\n");
  child.close_input();
  REQUIRE(child.wait() == 0);
  const std::string out = slurp(scratch.path("out"));
  CAPTURE(out);
  CHECK(out.find("Session 1 on bank mathematics (version 1), design ad hoc, seed 5.") != std::string::npos);
  CHECK(out.find("--resume 1") != std::string::npos);
  CHECK(out.find("  A) ") != std::string::npos);
  std::size_t asked_again = 0;
  for (std::size_t at = out.find("Please answer"); at != std::string::npos; at = out.find("Please answer", at + 1)) {
    ++asked_again;
  }
  CHECK(asked_again == 3);
  CHECK(out.find("Test finished: 6 items (max_length).") != std::string::npos);
  CHECK(out.find("by topic:") != std::string::npos);

  Store store(db, OpenMode::read_only);
  const StoredSession stored = store.load_session(1);
  CHECK(stored.status == "finished");
  CHECK(stored.responses.size() == 6);
  REQUIRE(stored.theta);
  // The report is the stored estimate on the provisional scale: 150 + 50·θ clamped to [0, 300].
  std::ostringstream theta;
  theta << std::fixed;
  theta.precision(3);
  theta << "theta " << *stored.theta << ", SE " << *stored.se << '\n';
  CHECK(out.find(theta.str()) != std::string::npos);
  const double score = std::clamp(150.0 + 50.0 * *stored.theta, 0.0, 300.0);
  const char* level = *stored.theta < -0.5 ? "beginning" : *stored.theta < 1.0 ? "developing" : "accomplished";
  std::ostringstream scale;
  scale << std::fixed;
  scale.precision(1);
  const auto scaled = [](double theta) { return std::clamp(150.0 + 50.0 * theta, 0.0, 300.0); };
  scale << "scale score " << score << " of 300 (95 % interval " << scaled(*stored.theta - 1.96 * *stored.se) << " to "
        << scaled(*stored.theta + 1.96 * *stored.se) << "), level " << level << '\n';
  CHECK(out.find(scale.str()) != std::string::npos);
  // The option chosen is stored beside its score.
  REQUIRE(stored.options.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(stored.options[i] == std::optional<int>("ABCDAB"[i] - 'A'));
  // The answers given were scored against each item's key.
  const BankDocument bank = store.load_bank("mathematics");
  const std::string letters = "ABCDAB";
  for (std::size_t i = 0; i < stored.responses.size(); ++i) {
    const auto index = bank.bank.index_of(ItemId(stored.responses[i].first));
    CHECK(stored.responses[i].second == (bank.bank.metadata(index).content.key == letters[i] - 'A' ? 1 : 0));
  }

  // The stored answers come back as the responses CSV that calibrate reads: a row for the finished test, a column
  // per answered item in bank order. An unfinished test is left out.
  Child unfinished({"take", "--bank", "mathematics", "--db", db, "--seed", "6"}, scratch.path("unfinished"));
  unfinished.write("A\n");
  unfinished.close_input();
  REQUIRE(unfinished.wait() == 0);
  const Run exported = scratch.irtcat("bank responses mathematics --db " + db);
  CAPTURE(exported.err);
  REQUIRE(exported.status == 0);
  std::vector<std::pair<std::size_t, int>> expected;  // (bank position, response) of the finished test
  for (const auto& [id, response] : stored.responses) expected.emplace_back(bank.bank.index_of(ItemId(id)).value, response);
  std::sort(expected.begin(), expected.end());
  std::string header = "person_id";
  std::string row = "1";
  for (const auto& [position, response] : expected) {
    header += ',';
    header += bank.bank.items()[position].id().str();
    row += ',';
    row += std::to_string(response);
  }
  CHECK(exported.out == header + "\n" + row + "\n");
  CHECK(scratch.irtcat("bank responses nonesuch --db " + db).status == 1);
}

TEST_CASE("take: killed with SIGKILL while waiting for an answer, resumed, nothing is lost or repeated") {
  const Scratch scratch;
  const StoredSession reference = reference_run(scratch);
  const std::string db = scratch.database("killed.db", {"mathematics"});
  {
    Child child(take_arguments(db), scratch.path("first.out"));
    child.write(answers(0, 5));
    REQUIRE(wait_for_responses(db, 5));
    child.kill();
    CHECK(child.wait() == -SIGKILL);
  }
  const auto before = session_in(db);
  REQUIRE(before);
  CHECK(before->responses.size() == 5);
  CHECK(before->status == "active");

  Child resumed({"take", "--db", db, "--resume", std::to_string(before->id)}, scratch.path("second.out"));
  resumed.write(answers(5, kLength));
  resumed.close_input();
  CHECK(resumed.wait() == 0);
  const std::string out = slurp(scratch.path("second.out"));
  CAPTURE(out);
  CHECK(out.find("after 5 answers") != std::string::npos);
  CHECK(out.find("Question 6 of at most 12") != std::string::npos);
  CHECK(out.find("Question 5 of") == std::string::npos);
  const auto after = session_in(db);
  REQUIRE(after);
  CHECK(after->status == "finished");
  CHECK(after->responses == reference.responses);
  CHECK(after->theta == reference.theta);
}

TEST_CASE("take: killed at arbitrary moments while a reader watches, resumed as if never interrupted") {
  const Scratch scratch;
  const StoredSession reference = reference_run(scratch);
  for (const std::size_t kill_after : {1U, 5U, 8U}) {
    CAPTURE(kill_after);
    const std::string db = scratch.database("moment" + std::to_string(kill_after) + ".db");
    {
      // Every answer is piped at once, so the child runs flat out; this process reads the log concurrently
      // (another process's writes) and kills the child as soon as it has seen `kill_after` answers.
      Child child(take_arguments(db), scratch.path("run.out"));
      child.write(answers(0, kLength));
      child.close_input();
      std::size_t seen = 0;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      Store watcher(db, OpenMode::read_only);
      while (seen < kill_after && std::chrono::steady_clock::now() < deadline) {
        if (watcher.sessions().empty()) continue;
        const StoredSession stored = watcher.load_session(1);
        CHECK(stored.responses.size() >= seen);  // the log only grows
        for (std::size_t i = 0; i < stored.responses.size(); ++i) {
          CHECK(stored.responses[i] == reference.responses[i]);  // a consistent prefix, never a torn one
        }
        seen = stored.responses.size();
      }
      child.kill();
      child.wait();
    }
    const auto interrupted = session_in(db);
    REQUIRE(interrupted);
    const std::size_t done = interrupted->responses.size();
    CHECK(done >= kill_after);
    for (std::size_t i = 0; i < done; ++i) CHECK(interrupted->responses[i] == reference.responses[i]);

    Child resumed({"take", "--db", db, "--bank", "mathematics", "--resume", std::to_string(interrupted->id)},
                  scratch.path("resume.out"));
    resumed.write(answers(done, kLength));
    resumed.close_input();
    CHECK(resumed.wait() == 0);
    const auto after = session_in(db);
    REQUIRE(after);
    CHECK(after->status == "finished");
    CHECK(after->responses == reference.responses);
  }
}

TEST_CASE("take: a session is not resumed on a bank re-imported with another version") {
  const Scratch scratch;
  const std::string db = scratch.database("versions.db", {"mathematics"});
  {
    Child child(take_arguments(db), scratch.path("first.out"));
    child.write(answers(0, 2));
    child.close_input();
    CHECK(child.wait() == 0);
  }
  CHECK(slurp(scratch.path("first.out")).find("Stopped after 2 answers") != std::string::npos);
  {
    Store store(db, OpenMode::read_write);
    BankDocument next = store.load_bank("mathematics");
    next.info.version = 2;
    std::vector<ItemMetadata> metadata;
    for (std::size_t i = 0; i < next.bank.size(); ++i) metadata.push_back(next.bank.metadata(ItemIndex{i}));
    store.import_bank(BankDocument{next.info, ItemBank(next.bank.items(), next.bank.scaling(), metadata,
                                                       BankIdentity{"mathematics", 2})});
  }
  Child resumed({"take", "--db", db, "--resume", "1"}, scratch.path("second.out"));
  resumed.write(answers(2, kLength));
  resumed.close_input();
  CHECK(resumed.wait() == 1);
  const std::string out = slurp(scratch.path("second.out"));
  CHECK(out.starts_with("irtcat: "));
  CHECK(out.find("version 1, not on bank 'mathematics' version 2") != std::string::npos);
  Store store(db, OpenMode::read_only);
  CHECK(store.load_session(1).responses.size() == 2);
  CHECK(store.load_session(1).status == "active");

  Child other({"take", "--db", db, "--bank", "nonesuch", "--resume", "1"}, scratch.path("third.out"));
  other.close_input();
  CHECK(other.wait() == 1);
  CHECK(slurp(scratch.path("third.out")).find("not on 'nonesuch'") != std::string::npos);
}

TEST_CASE("take: progressive-restricted tests hold the rate over the bank's stored tests, and resume on the item offered") {
  // Twelve 4-item tests one after another, at most 10 % exposure over the bank's finished tests: an item reaches
  // test k only while its count is below 0.1·(k − 1), so no item is given more than twice.
  const Scratch scratch;
  const std::string db = scratch.database("restricted.db", {"mathematics"});
  const auto take = [&](int seed, const std::string& input, const std::string& out) {
    Child child({"take", "--bank", "mathematics", "--db", db, "--seed", std::to_string(seed), "--length", "4",
                 "--exposure", "progressive_restricted", "--max-rate", "0.1"},
                scratch.path(out));
    child.write(input);
    child.close_input();
    return child.wait();
  };
  for (int seed = 1; seed <= 12; ++seed) REQUIRE(take(seed, "A\nB\nC\nD\n", "full.out") == 0);
  {
    Store store(db, OpenMode::read_only);
    const ExposureCounts counts = store.exposure_counts("mathematics");
    REQUIRE(counts.tests() == 12);
    const std::vector<std::uint64_t> given = counts.counts();
    CHECK(*std::max_element(given.begin(), given.end()) <= 2);
  }

  // Stopped after two answers: the third item is on offer and stored. More tests change the counts; the resumed
  // test offers the same third item all the same.
  REQUIRE(take(99, "A\nB\n", "stopped.out") == 0);
  std::string offered;
  {
    Store store(db, OpenMode::read_only);
    const StoredSession stopped = store.load_session(13);
    REQUIRE(stopped.responses.size() == 2);
    offered = stopped.offered_item;
    REQUIRE(!offered.empty());
  }
  for (int seed = 20; seed <= 23; ++seed) REQUIRE(take(seed, "D\nC\nB\nA\n", "more.out") == 0);
  {
    // As if the other tests had all given the offered item: its rate is now 1, far over the cap, and a new choice
    // would pass it over.
    Store store(db, OpenMode::read_write);
    Statement raise(store.database(),
                    "INSERT INTO exposure_counts (bank_id, item_id, administered) "
                    "SELECT bank_id, ?, tests FROM banks WHERE name = 'mathematics' AND true "
                    "ON CONFLICT (bank_id, item_id) DO UPDATE SET administered = excluded.administered");
    raise.bind(1, offered).run();
  }
  Child resumed({"take", "--db", db, "--resume", "13"}, scratch.path("resumed.out"));
  resumed.write("A\nA\n");
  resumed.close_input();
  REQUIRE(resumed.wait() == 0);
  Store store(db, OpenMode::read_only);
  const StoredSession finished = store.load_session(13);
  REQUIRE(finished.responses.size() == 4);
  CHECK(finished.responses[2].first == offered);
  CHECK(finished.offered_item.empty());
}
