// The threads beside the calling thread (detail/helper_threads.hpp), which a study's waves and a calibration's
// WorkerPool share: every helper runs each round once, wait() returns only after all of them, a helper's exception
// comes back from wait() and the next round still runs. Both ways of waiting are run: spinning first (fewer helpers
// than cores) and sleeping at once (as many as cores or more).

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "detail/helper_threads.hpp"

using irtcat::detail::HelperThreads;
using irtcat::detail::WorkerPool;

namespace {

// One helper (which spins when there are two cores or more) and one more than there are cores (which sleeps).
std::vector<unsigned> helper_counts() {
  return {1u, std::max(1u, std::thread::hardware_concurrency()) + 1};
}

}  // namespace

TEST_CASE("helper threads: each helper runs every round once, and wait() returns after all of them") {
  for (const unsigned count : helper_counts()) {
    CAPTURE(count);
    HelperThreads helpers(count);
    REQUIRE(helpers.size() == count);
    std::vector<std::atomic<int>> runs(count);
    std::atomic<int> finished{0};
    constexpr int kRounds = 40;
    for (int round = 0; round < kRounds; ++round) {
      finished = 0;
      const HelperThreads::Work work = [&](unsigned helper) {
        // Some helpers finish late, so that a wait() that returned early would see fewer than `count`.
        if (helper % 2 == 0 && round % 5 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        ++runs[helper];
        ++finished;
      };
      helpers.start(work);
      helpers.wait();
      CHECK(finished.load() == static_cast<int>(count));
    }
    for (const std::atomic<int>& each : runs) CHECK(each.load() == kRounds);
  }
}

TEST_CASE("helper threads: an exception in a round comes back from wait(), and the next round runs") {
  for (const unsigned count : helper_counts()) {
    CAPTURE(count);
    HelperThreads helpers(count);
    const HelperThreads::Work failing = [](unsigned helper) {
      if (helper == 0) throw std::runtime_error("helper 0 failed");
    };
    helpers.start(failing);
    CHECK_THROWS_WITH_AS(helpers.wait(), "helper 0 failed", std::runtime_error);
    std::atomic<int> ran{0};
    const HelperThreads::Work counting = [&](unsigned) { ++ran; };
    helpers.start(counting);
    CHECK_NOTHROW(helpers.wait());
    CHECK(ran.load() == static_cast<int>(count));
  }
}

TEST_CASE("helper threads: none to start, and a pool of no helpers returns at once") {
  HelperThreads none(0);
  CHECK(none.size() == 0);
  bool ran = false;
  const HelperThreads::Work work = [&](unsigned) { ran = true; };
  none.start(work);
  none.wait();
  CHECK_FALSE(ran);
}

TEST_CASE("worker pool: every task runs once on any number of threads, and a task's exception is rethrown") {
  for (const unsigned threads : {1u, 2u, 3u}) {
    CAPTURE(threads);
    WorkerPool pool(threads);
    for (const std::size_t tasks : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{500}}) {
      std::vector<std::atomic<int>> runs(tasks);
      pool.run(tasks, [&](std::size_t i) { ++runs[i]; });
      CHECK(std::all_of(runs.begin(), runs.end(), [](const std::atomic<int>& each) { return each.load() == 1; }));
    }
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH_AS(pool.run(50,
                                  [&](std::size_t i) {
                                    ++ran;
                                    if (i == 17) throw std::invalid_argument("task 17");
                                  }),
                         "task 17", std::invalid_argument);
    // On one thread the tasks stop at the failure; on more, the tasks after it still run (each thread drains).
    CHECK(ran.load() == (threads == 1 ? 18 : 50));
  }
}
