// The service's group commit (src/service/committer.hpp): every write a call hands it is committed before the
// call returns, a write that fails rolls back alone and reports its own error, and writes from many threads all
// land exactly once.

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "irtcat/error.hpp"
#include "irtcat/store.hpp"
#include "scratch.hpp"
#include "service/committer.hpp"

namespace irtcat::testing {
namespace {

// A table of numbers beside the irtcat schema, for writes that can be told apart and made to collide.
std::string notes_database(const Scratch& scratch) {
  const std::string path = scratch.path("committer.db");
  Store store(path, OpenMode::create);
  store.database().execute("CREATE TABLE notes (n INTEGER PRIMARY KEY)");
  return path;
}

void add_note(Store& store, std::int64_t n) {
  Statement insert(store.database(), "INSERT INTO notes (n) VALUES (?)");
  insert.bind(1, n).run();
}

std::int64_t count_notes(const std::string& path, const std::string& where = "1") {
  Store reader(path, OpenMode::read_only);
  Statement count(reader.database(), "SELECT count(*) FROM notes WHERE " + where);
  count.step();
  return count.column_int64(0);
}

TEST_CASE("committer: a write is committed, and readable on another connection, when run returns") {
  Scratch scratch;
  const std::string path = notes_database(scratch);
  service::Committer committer(path);
  for (std::int64_t n = 1; n <= 5; ++n) {
    committer.run([n](Store& store) { add_note(store, n); });
    CHECK(count_notes(path) == n);
  }
}

TEST_CASE("committer: a failing write rolls back alone and its caller gets its error") {
  Scratch scratch;
  const std::string path = notes_database(scratch);
  service::Committer committer(path);
  committer.run([](Store& store) { add_note(store, 7); });
  // A write of two rows whose second collides: neither row stays.
  CHECK_THROWS_AS(committer.run([](Store& store) {
    add_note(store, 8);
    add_note(store, 7);
  }),
                  StoreError);
  CHECK_THROWS_WITH_AS(committer.run([](Store& store) {
    add_note(store, 9);
    throw std::runtime_error("not this one");
  }),
                       "not this one", std::runtime_error);
  CHECK(count_notes(path) == 1);

  // Many threads at once, so that writes share batches: every tenth write fails after its first row. The others
  // all land; of the failing ones nothing does.
  constexpr int kThreads = 8;
  constexpr int kWrites = 60;
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int w = 0; w < kWrites; ++w) {
        const std::int64_t n = 1000 + t * kWrites + w;
        const bool fails = w % 10 == 3;
        try {
          committer.run([n, fails](Store& store) {
            add_note(store, n);
            if (fails) add_note(store, 7);
          });
          CHECK_FALSE(fails);
        } catch (const StoreError&) {
          CHECK(fails);
          ++refused;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(refused == kThreads * kWrites / 10);
  CHECK(count_notes(path, "n >= 1000") == kThreads * kWrites * 9 / 10);
  CHECK(count_notes(path, "n >= 1000 AND (n - 1000) % 60 = 3") == 0);
}

}  // namespace
}  // namespace irtcat::testing
