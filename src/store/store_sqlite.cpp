// The RAII handles of the store: connection, prepared statement, transaction guard (as SQLiteCpp writes them).
// Every failure throws StoreError with SQLite's message and result code; destructors never throw.

#include <sqlite3.h>

#include <string>

#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat {
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

}  // namespace

// ---- Database ----------------------------------------------------------------------------------------------

void Database::Closer::operator()(sqlite3* handle) const noexcept {
  // sqlite3_close_v2 defers the close until every statement is finalized; it does not fail on a busy handle.
  sqlite3_close_v2(handle);
}

Database::Database(const std::string& path, OpenMode mode, int busy_timeout_ms) : path_(path) {
  sqlite3* raw = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &raw, open_flags(mode), nullptr);
  handle_.reset(raw);
  if (code != SQLITE_OK) {
    std::string context = "cannot open the database '";
    context += path;
    context += "'";
    fail(raw, code, context);
  }
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  execute("PRAGMA foreign_keys = ON");
}

void Database::execute(std::string_view sql) {
  // sqlite3_exec needs a NUL-terminated string.
  const std::string text(sql);
  char* error = nullptr;
  const int code = sqlite3_exec(handle_.get(), text.c_str(), nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    std::string message = "database '";
    message += path_;
    message += "': ";
    message += error != nullptr ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    throw StoreError(message, code);
  }
}

std::int64_t Database::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(handle_.get()); }

int Database::changes() const noexcept { return sqlite3_changes(handle_.get()); }

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(handle_.get()) == 0; }

void Database::rollback() noexcept {
  if (in_transaction()) sqlite3_exec(handle_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

// ---- Statement ---------------------------------------------------------------------------------------------

void Statement::Finalizer::operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }

Statement::Statement(Database& database, std::string_view sql) : database_(&database) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int code = sqlite3_prepare_v2(database.handle(), sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  handle_.reset(raw);
  if (code != SQLITE_OK) {
    std::string context = "database '";
    context += database.path();
    context += "': cannot prepare \"";
    context += sql;
    context += "\"";
    fail(database.handle(), code, context);
  }
  if (raw == nullptr || (tail != nullptr && !only_space(std::string_view(tail, sql.data() + sql.size() - tail)))) {
    throw StoreError("Statement: expected exactly one SQL statement", SQLITE_MISUSE);
  }
}

namespace {
void check_bind(sqlite3* database, int code, int index) {
  if (code != SQLITE_OK) {
    std::string context = "cannot bind parameter ";
    context += std::to_string(index);
    fail(database, code, context);
  }
}
}  // namespace

Statement& Statement::bind(int index, std::int64_t value) {
  check_bind(database_->handle(), sqlite3_bind_int64(handle_.get(), index, value), index);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  check_bind(database_->handle(), sqlite3_bind_double(handle_.get(), index, value), index);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  check_bind(database_->handle(),
             sqlite3_bind_text64(handle_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
             index);
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(database_->handle(), sqlite3_bind_null(handle_.get(), index), index);
  return *this;
}

bool Statement::step() {
  const int code = sqlite3_step(handle_.get());
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  std::string context = "database '";
  context += database_->path();
  context += "'";
  // The statement must be reset before the connection's error message is read again by a later call.
  std::string message = context + ": " + sqlite3_errmsg(database_->handle());
  sqlite3_reset(handle_.get());
  throw StoreError(message, code);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() noexcept {
  sqlite3_reset(handle_.get());
  sqlite3_clear_bindings(handle_.get());
}

bool Statement::is_null(int column) const noexcept { return sqlite3_column_type(handle_.get(), column) == SQLITE_NULL; }

std::int64_t Statement::column_int64(int column) const noexcept { return sqlite3_column_int64(handle_.get(), column); }

int Statement::column_int(int column) const noexcept { return sqlite3_column_int(handle_.get(), column); }

double Statement::column_double(int column) const noexcept { return sqlite3_column_double(handle_.get(), column); }

std::string Statement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(handle_.get(), column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(handle_.get(), column)));
}

// ---- Transaction -------------------------------------------------------------------------------------------

Transaction::Transaction(Database& database, Kind kind) : database_(database) {
  if (database_.in_transaction()) {
    open_ = false;  // inside another transaction: that one commits or rolls back
    return;
  }
  database_.execute(kind == Kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
  if (open_) database_.rollback();
}

void Transaction::commit() {
  if (!open_) return;
  database_.execute("COMMIT");
  open_ = false;
}

}  // namespace irtcat
