#pragma once
// The threads that work beside the calling thread: HelperThreads, started once, woken for each round and waited
// for (a study's waves), and WorkerPool, indexed tasks on them (a calibration's rounds, Sympson–Hetter's
// iterations). Private to the library.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "irtcat/cache_line.hpp"

namespace irtcat::detail {

/// `count` threads that each run a round's work when the calling thread starts one, for as long as they live. A
/// thread per round cost a clone and a stack the kernel gave back on exit: 98 times in a study of 100,000 candidates,
/// 6,250 times with exposure counted in 16-candidate waves. Between two of a study's waves a thread mostly waits a
/// few tens of µs (the other's last claim, the calling thread's hand-over), so both sides look for their signal for
/// up to 200 µs before they sleep on it, unless there are at least as many helpers as cores (a spinning thread would
/// then hold a core that another needs). A calibration's rounds are further apart: its helpers spin that long, then
/// sleep.
class alignas(kCacheLineBytes) HelperThreads {
 public:
  /// What helper number `helper` (0 .. size() − 1) runs in a round.
  using Work = std::function<void(unsigned helper)>;

  /// Starts `count` threads (none for 0). Throws std::system_error if one cannot be started.
  explicit HelperThreads(unsigned count);
  HelperThreads(const HelperThreads&) = delete;
  HelperThreads& operator=(const HelperThreads&) = delete;
  ~HelperThreads();

  unsigned size() const noexcept { return static_cast<unsigned>(threads_.size()); }

  /// Wakes every helper to run `work` once, and returns at once. `work` must outlive the round (until wait()); keep
  /// it, and what it reads at every round, where the calling thread does not write meanwhile (not in its stack
  /// frame), or each of those writes takes the line from the helpers.
  void start(const Work& work);

  /// Returns once every helper has finished the round start() began; rethrows the first exception `work` threw in
  /// it.
  void wait();

 private:
  void serve(unsigned helper);
  void stop() noexcept;

  const std::chrono::microseconds spin_limit_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const Work* work_ = nullptr;  ///< the round's, written under the mutex before round_ moves on
  std::exception_ptr error_;    ///< the round's first, under the mutex
  // Written under the mutex (busy_ also by each helper when it finishes) and read without it while spinning.
  std::atomic<std::uint64_t> round_{0};
  std::atomic<std::size_t> busy_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failed_{false};  ///< error_ is set: read by wait() without the mutex
};

/// The threads a `threads` option asks for: itself, or one per core (at least one) for 0.
unsigned thread_count(unsigned threads) noexcept;

/// Threads that run `tasks` indexed jobs, the calling thread working too. The split of work into jobs is the
/// caller's, so results never depend on the number of threads.
class WorkerPool {
 public:
  /// `threads` in all, the calling thread included (0: one per core, as thread_count).
  explicit WorkerPool(unsigned threads);

  /// Runs task(0) .. task(tasks − 1) and returns when all are done; rethrows the first exception of a task.
  void run(std::size_t tasks, const std::function<void(std::size_t)>& task);

 private:
  /// Runs the round's tasks that are left, on the thread that calls it.
  void drain();

  // The round's, here rather than in run()'s stack frame, beside what the calling thread writes as it runs tasks.
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t tasks_ = 0;
  std::atomic<std::size_t> next_{0};
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
  const HelperThreads::Work drain_ = [this](unsigned) { drain(); };
  HelperThreads helpers_;  ///< last: started after what they read, stopped before it goes
};

}  // namespace irtcat::detail
