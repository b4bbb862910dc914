// Group commit for the service: one thread, one connection, batches of writes committed together.

#include "service/committer.hpp"

namespace irtcat::service {

Committer::Committer(const std::string& database)
    : store_(database, OpenMode::read_write), thread_([this] { loop(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_one();
  thread_.join();
}

void Committer::run(const std::function<void(Store&)>& write) {
  Job job{&write, nullptr};
  std::unique_lock lock(mutex_);
  queue_.push_back(&job);
  queued_.notify_one();
  finished_.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
}

void Committer::loop() {
  std::vector<Job*> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, with nothing left to write
      batch.swap(queue_);
    }
    commit(batch);
    {
      std::lock_guard lock(mutex_);
      for (Job* job : batch) job->done = true;
    }
    finished_.notify_all();
    batch.clear();
  }
}

void Committer::commit(const std::vector<Job*>& batch) {
  Database& database = store_.database();
  std::vector<Job*> written;  // the jobs whose writes the open transaction holds
  const auto fail_written = [&written](const std::exception_ptr& error) {
    for (Job* job : written) job->error = error;
    written.clear();
  };
  for (Job* job : batch) {
    try {
      if (!database.in_transaction()) database.begin(true);
      database.execute("SAVEPOINT job");
    } catch (...) {
      job->error = std::current_exception();
      continue;
    }
    try {
      (*job->write)(store_);
      database.execute("RELEASE job");
      written.push_back(job);
    } catch (...) {
      job->error = std::current_exception();
      if (database.in_transaction()) {
        // Only this job's changes go; the savepoint is then released, an empty one.
        try {
          database.execute("ROLLBACK TO job; RELEASE job");
        } catch (...) {
          fail_written(job->error);
          database.rollback();
        }
      } else {
        fail_written(job->error);  // SQLite rolled the whole transaction back: the jobs before this one went too
      }
    }
  }
  if (!database.in_transaction()) return;
  try {
    database.commit();
  } catch (...) {
    fail_written(std::current_exception());
    database.rollback();
  }
}

}  // namespace irtcat::service
