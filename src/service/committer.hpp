#pragma once
// Group commit: the one writer of a service process. A call hands its writes to the committer and waits; the
// committer runs every write waiting at that moment in one transaction, each in a savepoint of its own, and
// commits them together, so one fsync (WAL, synchronous = FULL) makes a whole batch durable. A call returns only
// once its transaction is committed, so "stored before the next item is returned" holds as it does for a write on
// its own connection; but calls no longer take turns at SQLite's write lock, whose busy handler sleeps (up to
// 100 ms a try) instead of waking a waiting writer when the lock is free.
//
// Other processes on the same database still take the write lock in turn with this one (the busy timeout).

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "irtcat/store.hpp"

namespace irtcat::service {

class Committer {
 public:
  /// Opens the writer's connection to `database` and starts its thread. Throws StoreError if it cannot be opened.
  explicit Committer(const std::string& database);
  /// Commits what is queued, then stops.
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  /// Runs `write` on the writer's connection inside a transaction and returns once that transaction is committed.
  /// An exception thrown by `write` is rethrown here after its changes (and only its) are rolled back; a failed
  /// commit throws its StoreError here and in every call of the batch.
  void run(const std::function<void(Store&)>& write);

 private:
  struct Job {
    const std::function<void(Store&)>* write;
    std::exception_ptr error;
    bool done = false;
  };

  void loop();
  void commit(const std::vector<Job*>& batch);

  Store store_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::condition_variable finished_;
  std::vector<Job*> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace irtcat::service
