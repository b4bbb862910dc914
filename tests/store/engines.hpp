#pragma once
// The store's tests on each engine: SQLite always, PostgreSQL when IRTCAT_TEST_PG names a server (a libpq URI;
// scripts/test.sh starts a throw-away cluster and sets it). Each PostgreSQL case gets a database of its own,
// created for it and dropped after it.

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

#include "irtcat/store.hpp"

namespace irtcat::testing {

/// The server the PostgreSQL cases run on, or empty.
inline std::string postgresql_server() {
  const char* uri = std::getenv("IRTCAT_TEST_PG");
  return uri != nullptr ? uri : "";
}

/// A fresh PostgreSQL database on the test server, dropped (with its connections) when this ends.
class PostgresTestDatabase {
 public:
  PostgresTestDatabase() : server_(postgresql_server()) {
    static int counter = 0;
    name_ = "irtcat_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    Database admin(server_);
    admin.execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin.execute("CREATE DATABASE " + name_);
    const std::size_t slash = server_.find('/', server_.find("://") + 3);
    const std::size_t query = server_.find('?', slash == std::string::npos ? 0 : slash);
    uri_ = (slash == std::string::npos ? server_ : server_.substr(0, slash)) + "/" + name_ +
           (query == std::string::npos ? "" : server_.substr(query));
  }
  ~PostgresTestDatabase() {
    try {
      Database(server_).execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
      // a database left behind on a throw-away server is no failure of the test
    }
  }
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  const std::string& uri() const noexcept { return uri_; }

 private:
  std::string server_;
  std::string name_;
  std::string uri_;
};

/// True when the PostgreSQL cases run; says once (per test binary) that they are skipped otherwise.
inline bool postgresql_cases_run() {
  if (!postgresql_server().empty()) return true;
  static bool said = false;
  if (!said) MESSAGE("PostgreSQL cases skipped: set IRTCAT_TEST_PG=postgresql://... (scripts/test.sh does)");
  said = true;
  return false;
}

/// Runs `test(location)` on a fresh store location of each engine: SQLite's `sqlite_location` (":memory:" unless a
/// file is needed), then a fresh PostgreSQL database when a server is given. Says once that the PostgreSQL cases
/// were skipped when none is.
template <class Test>
void for_each_engine_location(Test&& test, const std::string& sqlite_location = ":memory:") {
  {
    INFO("engine: SQLite");
    test(sqlite_location);
  }
  if (!postgresql_cases_run()) return;
  INFO("engine: PostgreSQL");
  const PostgresTestDatabase database;
  test(database.uri());
}

/// Runs `test(store)` on a fresh store of each engine.
template <class Test>
void for_each_engine(Test&& test) {
  for_each_engine_location([&](const std::string& location) {
    Store store(location);
    test(store);
  });
}

}  // namespace irtcat::testing
