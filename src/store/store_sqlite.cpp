// The SQLite engine of the store's handles (detail/store_connection.hpp): a connection with foreign keys on, a
// busy timeout and utc_now() registered, and its prepared statements. Every failure throws StoreError with
// SQLite's message and result code; destructors never throw.

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "detail/store_connection.hpp"
#include "irtcat/error.hpp"

namespace irtcat::detail {
namespace {

[[noreturn]] void fail(sqlite3* handle, int code, const std::string& context) {
  std::string message = context;
  message += ": ";
  message += handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(code);
  throw StoreError(message, code);
}

int open_flags(OpenMode mode) {
  switch (mode) {
    case OpenMode::read_only: return SQLITE_OPEN_READONLY;
    case OpenMode::read_write: return SQLITE_OPEN_READWRITE;
    case OpenMode::create: break;
  }
  return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
}

bool only_space(std::string_view text) {
  for (char ch : text) {
    if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r' && ch != ';') return false;
  }
  return true;
}

// utc_now(): the time as strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes it, "2026-12-06T03:45:12.345Z".
void utc_now(sqlite3_context* context, int, sqlite3_value**) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const int length = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                                   utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                                   static_cast<int>(millis));
  sqlite3_result_text(context, text, length, SQLITE_TRANSIENT);
}

class SqliteCursor final : public Cursor {
 public:
  SqliteCursor(sqlite3* database, const std::string& shown, std::string_view sql) : database_(database), shown_(shown) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int code = sqlite3_prepare_v2(database, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
    // A constructor that throws runs no destructor: the statement is finalized here before any throw.
    if (code != SQLITE_OK) {
      sqlite3_finalize(raw);
      std::string context = "database '";
      context += shown;
      context += "': cannot prepare \"";
      context += sql;
      context += "\"";
      fail(database, code, context);
    }
    if (raw == nullptr || (tail != nullptr && !only_space(std::string_view(tail, sql.data() + sql.size() - tail)))) {
      sqlite3_finalize(raw);
      throw StoreError("Statement: expected exactly one SQL statement", SQLITE_MISUSE);
    }
    statement_ = raw;
  }
  ~SqliteCursor() override { sqlite3_finalize(statement_); }
  SqliteCursor(const SqliteCursor&) = delete;
  SqliteCursor& operator=(const SqliteCursor&) = delete;

  void bind_int64(int index, std::int64_t value) override {
    check_bind(sqlite3_bind_int64(statement_, index, value), index);
  }
  void bind_double(int index, double value) override {
    check_bind(sqlite3_bind_double(statement_, index, value), index);
  }
  void bind_text(int index, std::string_view value) override {
    check_bind(sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
               index);
  }
  void bind_null(int index) override { check_bind(sqlite3_bind_null(statement_, index), index); }

  bool step() override {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    // The statement must be reset before the connection's error message is read again by a later call.
    std::string message = "database '" + shown_ + "': " + sqlite3_errmsg(database_);
    sqlite3_reset(statement_);
    throw StoreError(message, code);
  }
  void reset() noexcept override {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  bool is_null(int column) const noexcept override { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  std::int64_t column_int64(int column) const noexcept override { return sqlite3_column_int64(statement_, column); }
  double column_double(int column) const noexcept override { return sqlite3_column_double(statement_, column); }
  std::string column_text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    if (text == nullptr) return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
  }

 private:
  void check_bind(int code, int index) {
    if (code != SQLITE_OK) fail(database_, code, "cannot bind parameter " + std::to_string(index));
  }

  sqlite3* database_;
  std::string shown_;
  sqlite3_stmt* statement_ = nullptr;
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, const std::string& shown, OpenMode mode, int busy_timeout_ms)
      : shown_(shown) {
    const int code = sqlite3_open_v2(path.c_str(), &handle_, open_flags(mode), nullptr);
    if (code != SQLITE_OK) {
      std::string context = "cannot open the database '" + shown + "'";
      std::string message = context + ": " + (handle_ != nullptr ? sqlite3_errmsg(handle_) : sqlite3_errstr(code));
      sqlite3_close_v2(handle_);
      handle_ = nullptr;
      throw StoreError(message, code);
    }
    sqlite3_busy_timeout(handle_, busy_timeout_ms);
    sqlite3_create_function_v2(handle_, "utc_now", 0, SQLITE_UTF8, nullptr, utc_now, nullptr, nullptr, nullptr);
    execute("PRAGMA foreign_keys = ON");
  }
  // sqlite3_close_v2 defers the close until every statement is finalized; it does not fail on a busy handle.
  ~SqliteConnection() override { sqlite3_close_v2(handle_); }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Engine engine() const noexcept override { return Engine::sqlite; }

  void execute(std::string_view sql) override {
    const std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
    char* error = nullptr;
    const int code = sqlite3_exec(handle_, text.c_str(), nullptr, nullptr, &error);
    if (code != SQLITE_OK) {
      std::string message = "database '" + shown_ + "': " + (error != nullptr ? error : sqlite3_errstr(code));
      sqlite3_free(error);
      throw StoreError(message, code);
    }
  }
  std::unique_ptr<Cursor> prepare(std::string_view sql) override {
    return std::make_unique<SqliteCursor>(handle_, shown_, sql);
  }
  std::int64_t last_insert_id() override { return sqlite3_last_insert_rowid(handle_); }
  int changes() const noexcept override { return sqlite3_changes(handle_); }
  bool in_transaction() const noexcept override { return sqlite3_get_autocommit(handle_) == 0; }
  void begin(bool write) override { execute(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"); }
  void commit() override { execute("COMMIT"); }
  void rollback() noexcept override {
    if (in_transaction()) sqlite3_exec(handle_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  std::string shown_;
  sqlite3* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<Connection> open_sqlite(const std::string& path, const std::string& shown, OpenMode mode,
                                        int busy_timeout_ms) {
  return std::make_unique<SqliteConnection>(path, shown, mode, busy_timeout_ms);
}

}  // namespace irtcat::detail
