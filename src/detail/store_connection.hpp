#pragma once
// The database engines behind the store's handles (irtcat/store.hpp's Database and Statement): one connection
// interface, implemented for SQLite (store_sqlite.cpp) and for PostgreSQL through libpq (store_postgresql.cpp).
//
// The store writes one SQL for both engines: `?` placeholders, types and functions both have (COALESCE, CASE,
// ON CONFLICT ... DO UPDATE, RETURNING), and utc_now() for a timestamp (registered on each SQLite connection,
// created by the PostgreSQL schema). What differs is confined to the connection (placeholders, transactions,
// error codes) and to each engine's schema and migrations (src/detail/store_schema*.hpp).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "irtcat/store.hpp"

namespace irtcat::detail {

/// A prepared statement of one engine; bound by 1-based position, read by 0-based column.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_null(int index) = 0;
  /// True when a row is available; throws StoreError.
  virtual bool step() = 0;
  /// Ready to run again; the bindings are cleared.
  virtual void reset() noexcept = 0;
  virtual bool is_null(int column) const noexcept = 0;
  virtual std::int64_t column_int64(int column) const noexcept = 0;
  virtual double column_double(int column) const noexcept = 0;
  virtual std::string column_text(int column) const = 0;
};

/// A connection of one engine.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Engine engine() const noexcept = 0;
  /// Runs SQL without parameters, one or more statements.
  virtual void execute(std::string_view sql) = 0;
  virtual std::unique_ptr<Cursor> prepare(std::string_view sql) = 0;
  /// The key the last INSERT on this connection generated.
  virtual std::int64_t last_insert_id() = 0;
  /// Rows the last INSERT, UPDATE or DELETE changed.
  virtual int changes() const noexcept = 0;
  virtual bool in_transaction() const noexcept = 0;
  /// Opens a transaction; `write`: one that writes, which waits for (and then excludes) other writers.
  virtual void begin(bool write) = 0;
  /// Commits; throws StoreError when the transaction cannot commit (it is then rolled back).
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

/// The location as messages show it: a file path, or a PostgreSQL URI without its password.
std::string shown_location(const std::string& location);

std::unique_ptr<Connection> open_sqlite(const std::string& path, const std::string& shown, OpenMode mode,
                                        int busy_timeout_ms);
std::unique_ptr<Connection> open_postgresql(const std::string& uri, const std::string& shown, OpenMode mode,
                                            int busy_timeout_ms);

}  // namespace irtcat::detail
