// The store's handles (irtcat/store.hpp): Database, Statement and Transaction over either engine's connection
// (detail/store_connection.hpp).

#include <string>

#include "detail/store_connection.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat {

Engine engine_of(std::string_view location) noexcept {
  return location.starts_with("postgresql://") || location.starts_with("postgres://") ? Engine::postgresql
                                                                                        : Engine::sqlite;
}

namespace detail {

std::string shown_location(const std::string& location) {
  if (engine_of(location) != Engine::postgresql) return location;
  // postgresql://user:secret@host/db -> postgresql://user@host/db
  const std::size_t scheme = location.find("://") + 3;
  const std::size_t at = location.find('@', scheme);
  const std::size_t slash = location.find('/', scheme);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return location;
  const std::size_t colon = location.find(':', scheme);
  if (colon == std::string::npos || colon > at) return location;
  return location.substr(0, colon) + location.substr(at);
}

}  // namespace detail

// ---- Database ----------------------------------------------------------------------------------------------

Database::Database(const std::string& location, OpenMode mode, int busy_timeout_ms)
    : path_(detail::shown_location(location)), engine_(engine_of(location)) {
  connection_ = engine_ == Engine::postgresql ? detail::open_postgresql(location, path_, mode, busy_timeout_ms)
                                              : detail::open_sqlite(location, path_, mode, busy_timeout_ms);
}

Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

void Database::execute(std::string_view sql) { connection_->execute(sql); }
std::int64_t Database::last_insert_rowid() { return connection_->last_insert_id(); }
int Database::changes() const noexcept { return connection_->changes(); }
bool Database::in_transaction() const noexcept { return connection_->in_transaction(); }
void Database::begin(bool write) { connection_->begin(write); }
void Database::rollback() noexcept { connection_->rollback(); }
void Database::commit() { connection_->commit(); }

// ---- Statement ---------------------------------------------------------------------------------------------

Statement::Statement(Database& database, std::string_view sql) : cursor_(database.connection_->prepare(sql)) {}
Statement::~Statement() = default;
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;

Statement& Statement::bind(int index, std::int64_t value) {
  cursor_->bind_int64(index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  cursor_->bind_double(index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view value) {
  cursor_->bind_text(index, value);
  return *this;
}
Statement& Statement::bind_null(int index) {
  cursor_->bind_null(index);
  return *this;
}
bool Statement::step() { return cursor_->step(); }
void Statement::run() {
  while (step()) {
  }
}
void Statement::reset() noexcept { cursor_->reset(); }
bool Statement::is_null(int column) const noexcept { return cursor_->is_null(column); }
std::int64_t Statement::column_int64(int column) const noexcept { return cursor_->column_int64(column); }
int Statement::column_int(int column) const noexcept { return static_cast<int>(cursor_->column_int64(column)); }
double Statement::column_double(int column) const noexcept { return cursor_->column_double(column); }
std::string Statement::column_text(int column) const { return cursor_->column_text(column); }

// ---- Transaction -------------------------------------------------------------------------------------------

Transaction::Transaction(Database& database, Kind kind) : database_(database) {
  if (database_.in_transaction()) {
    open_ = false;  // inside another transaction: that one commits or rolls back
    return;
  }
  database_.begin(kind == Kind::immediate);
}

Transaction::~Transaction() {
  if (open_) database_.rollback();
}

void Transaction::commit() {
  if (!open_) return;
  database_.commit();
  open_ = false;
}

}  // namespace irtcat
