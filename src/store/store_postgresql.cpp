// The PostgreSQL engine of the store's handles (detail/store_connection.hpp), through libpq. Statements are the
// store's SQL with `?` placeholders numbered as PostgreSQL's $1, $2, ...; values travel as text (a double in the
// shortest form that reads back exactly, and PostgreSQL 12+ answers likewise), integers and doubles typed so that
// the server needs no guess. Errors carry the SQLite result code of the same kind, so the store and the service
// read them as they read SQLite's: a broken rule (SQLSTATE class 23, the triggers' exceptions) is
// SQLITE_CONSTRAINT; a writer that waited past the busy timeout, a serialization failure or a server that is
// unavailable is SQLITE_BUSY (retry later; the service answers 503). A connection the server dropped is
// re-established before the next statement outside a transaction. libpq is loaded when the first connection opens
// (detail/libpq.hpp).

#include <poll.h>

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "detail/libpq.hpp"
#include "detail/store_connection.hpp"
#include "irtcat/error.hpp"

namespace irtcat::detail {
namespace {

// SQLite's result codes, as StoreError carries them (sqlite3.h is the other engine's header).
constexpr int kError = 1;
constexpr int kBusy = 5;
constexpr int kReadOnly = 8;
constexpr int kCantOpen = 14;
constexpr int kConstraint = 19;
constexpr int kMisuse = 21;

// The key of the advisory lock every irtcat writer takes ("IRTC").
constexpr const char* kWriterLock = "SELECT pg_advisory_xact_lock(1230132291)";

constexpr unsigned kInt8Oid = 20;
constexpr unsigned kFloat8Oid = 701;

int code_of(const char* sqlstate) {
  if (sqlstate == nullptr) return kBusy;  // no answer from the server: the connection is gone
  const std::string state(sqlstate);
  if (state.starts_with("23")) return kConstraint;
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014" || state.starts_with("08") ||
      state == "57P01" || state == "57P02" || state == "57P03") {
    return kBusy;
  }
  if (state == "25006") return kReadOnly;
  return kError;
}

// The first line of libpq's message (it may add DETAIL and HINT lines).
std::string first_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  if (text.starts_with("ERROR:  ")) text.erase(0, 8);
  if (const std::size_t end = text.find('\n'); end != std::string::npos) text.erase(end);
  return text;
}

// `?` placeholders outside quoted text and identifiers as $1, $2, ...; returns their count in `count`.
std::string numbered_placeholders(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  char quote = 0;
  for (char ch : sql) {
    if (quote != 0) {
      if (ch == quote) quote = 0;  // '' and "" reopen at once: the pair reads as a quoted quote
      out += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
    } else if (ch == '?') {
      out += '$';
      out += std::to_string(++count);
    } else {
      out += ch;
    }
  }
  return out;
}

struct ResultDeleter {
  void operator()(PGresult* result) const noexcept { libpq().PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresConnection;

class PostgresCursor final : public Cursor {
 public:
  PostgresCursor(PostgresConnection& connection, std::string_view sql);

  void bind_int64(int index, std::int64_t value) override { set(index, std::to_string(value), kInt8Oid); }
  void bind_double(int index, double value) override {
    char text[32];
    const auto written = std::to_chars(text, text + sizeof text, value);  // shortest exact form
    set(index, std::string(text, written.ptr), kFloat8Oid);
  }
  void bind_text(int index, std::string_view value) override { set(index, std::string(value), 0); }
  void bind_null(int index) override {
    check_index(index);
    values_[static_cast<std::size_t>(index - 1)].reset();
    types_[static_cast<std::size_t>(index - 1)] = 0;
  }
  bool step() override;
  void reset() noexcept override {
    result_.reset();
    row_ = -1;
    for (auto& value : values_) value.reset();
    for (auto& type : types_) type = 0;
  }
  bool is_null(int column) const noexcept override {
    return !result_ || row_ < 0 || libpq().PQgetisnull(result_.get(), row_, column) != 0;
  }
  std::int64_t column_int64(int column) const noexcept override {
    if (is_null(column)) return 0;
    const char* text = libpq().PQgetvalue(result_.get(), row_, column);
    if (text[0] == 't' && text[1] == '\0') return 1;  // a boolean
    if (text[0] == 'f' && text[1] == '\0') return 0;
    return std::strtoll(text, nullptr, 10);
  }
  double column_double(int column) const noexcept override {
    if (is_null(column)) return 0.0;
    return std::strtod(libpq().PQgetvalue(result_.get(), row_, column), nullptr);
  }
  std::string column_text(int column) const override {
    if (is_null(column)) return {};
    return std::string(libpq().PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(libpq().PQgetlength(result_.get(), row_, column)));
  }

 private:
  void check_index(int index) const {
    if (index < 1 || index > static_cast<int>(values_.size())) {
      throw StoreError("cannot bind parameter " + std::to_string(index) + ": the statement has " +
                           std::to_string(values_.size()),
                       kMisuse);
    }
  }
  void set(int index, std::string value, unsigned type) {
    check_index(index);
    values_[static_cast<std::size_t>(index - 1)] = std::move(value);
    types_[static_cast<std::size_t>(index - 1)] = type;
  }

  PostgresConnection& connection_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<unsigned> types_;
  Result result_;
  int row_ = -1;
};

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(const std::string& uri, const std::string& shown, OpenMode mode, int busy_timeout_ms)
      : shown_(shown), mode_(mode), busy_timeout_ms_(busy_timeout_ms) {
    try {
      libpq();
    } catch (const StoreError& error) {
      throw StoreError("cannot open the database '" + shown + "': " + error.what(), error.code());
    }
    handle_ = libpq().PQconnectdb(uri.c_str());
    if (handle_ == nullptr || libpq().PQstatus(handle_) != CONNECTION_OK) {
      const std::string message = "cannot open the database '" + shown + "': " +
                                  first_line(handle_ != nullptr ? libpq().PQerrorMessage(handle_) : "out of memory");
      libpq().PQfinish(handle_);
      handle_ = nullptr;
      throw StoreError(message, kCantOpen);
    }
    set_up();
  }
  ~PostgresConnection() override { libpq().PQfinish(handle_); }
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Engine engine() const noexcept override { return Engine::postgresql; }

  void execute(std::string_view sql) override {
    reconnect_if_dropped();
    const Result result(libpq().PQexec(handle_, std::string(sql).c_str()));
    check(result.get(), sql);
  }
  std::unique_ptr<Cursor> prepare(std::string_view sql) override {
    return std::make_unique<PostgresCursor>(*this, sql);
  }
  std::int64_t last_insert_id() override {
    const Result result(libpq().PQexec(handle_, "SELECT lastval()"));
    check(result.get(), "SELECT lastval()");
    return std::strtoll(libpq().PQgetvalue(result.get(), 0, 0), nullptr, 10);
  }
  int changes() const noexcept override { return changes_; }
  bool in_transaction() const noexcept override {
    // On a connection that broke, the transaction this side opened is still to be ended (by rollback()).
    if (libpq().PQstatus(handle_) != CONNECTION_OK) return transaction_open_;
    const PGTransactionStatusType status = libpq().PQtransactionStatus(handle_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
  }
  void begin(bool write) override {
    // A reading transaction sees one snapshot, as SQLite's deferred transaction does; a writing one holds the
    // writers' lock, as SQLite's BEGIN IMMEDIATE holds the write lock.
    execute(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ");
    transaction_open_ = true;
    if (write) {
      try {
        execute(kWriterLock);
      } catch (...) {
        rollback();
        throw;
      }
    }
  }
  void rollback() noexcept override {
    if (libpq().PQstatus(handle_) == CONNECTION_OK && in_transaction()) libpq().PQclear(libpq().PQexec(handle_, "ROLLBACK"));
    transaction_open_ = false;
  }
  void commit() override {
    // A transaction one of whose statements failed ends in a rollback that COMMIT reports as done: refuse it.
    if (libpq().PQtransactionStatus(handle_) == PQTRANS_INERROR) {
      rollback();
      throw StoreError("database '" + shown_ + "': a statement of the transaction failed: nothing was committed",
                       kError);
    }
    try {
      execute("COMMIT");  // on a lost connection: refused, not sent on a new one (reconnect_if_dropped)
    } catch (...) {
      transaction_open_ = false;  // rolled back by the server
      throw;
    }
    transaction_open_ = false;
  }

  // Runs a cursor's statement; the result holds its rows.
  Result run(const std::string& sql, const std::vector<std::optional<std::string>>& values,
             const std::vector<unsigned>& types) {
    reconnect_if_dropped();
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const auto& value : values) pointers.push_back(value ? value->c_str() : nullptr);
    const std::string* name = prepared(sql, types);
    Result result(name != nullptr ? libpq().PQexecPrepared(handle_, name->c_str(), static_cast<int>(values.size()),
                                                   pointers.data(), nullptr, nullptr, 0)
                                  : libpq().PQexecParams(handle_, sql.c_str(), static_cast<int>(values.size()),
                                                 types.data(), pointers.data(), nullptr, nullptr, 0));
    check(result.get(), sql);
    if (libpq().PQresultStatus(result.get()) == PGRES_COMMAND_OK) {
      const char* rows = libpq().PQcmdTuples(result.get());
      changes_ = rows[0] != '\0' ? std::atoi(rows) : 0;
    }
    return result;
  }

 private:
  // The server-side prepared statement for `sql` with these parameter types, prepared on first use so that the
  // server parses and plans each of the store's statements once per connection; nullptr (run it unprepared) once
  // kPreparedLimit are held or the transaction has failed (the run then reports that).
  const std::string* prepared(const std::string& sql, const std::vector<unsigned>& types) {
    std::string key = sql;
    for (const unsigned type : types) key += type == kInt8Oid ? 'i' : type == kFloat8Oid ? 'd' : 't';
    if (const auto found = prepared_.find(key); found != prepared_.end()) return &found->second;
    if (prepared_.size() >= kPreparedLimit || libpq().PQtransactionStatus(handle_) == PQTRANS_INERROR) return nullptr;
    std::string name = "irtcat_" + std::to_string(prepared_.size());
    const Result result(libpq().PQprepare(handle_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()));
    check(result.get(), sql);  // what the statement would have failed with (in a transaction, it now has)
    return &prepared_.emplace(std::move(key), std::move(name)).first->second;
  }

  void set_up() {
    libpq().PQsetNoticeProcessor(handle_, [](void*, const char*) {}, nullptr);  // the store prints nothing
    std::string settings = "SET client_min_messages = warning; SET lock_timeout = " +
                           std::to_string(busy_timeout_ms_) + "; SET TIME ZONE 'UTC'";
    if (mode_ == OpenMode::read_only) settings += "; SET default_transaction_read_only = on";
    const Result result(libpq().PQexec(handle_, settings.c_str()));
    check(result.get(), settings);
  }
  void reconnect_if_dropped() {
    // Between transactions, read what the server sent meanwhile: a server that shut down or restarted has
    // closed the connection, which libpq notices only on reading (the connection then turns bad).
    if (libpq().PQstatus(handle_) == CONNECTION_OK && libpq().PQtransactionStatus(handle_) == PQTRANS_IDLE) {
      // The server's last message, then the end of the stream: read while the socket has something to read.
      pollfd socket{libpq().PQsocket(handle_), POLLIN, 0};
      for (int reads = 0; reads < 4 && libpq().PQstatus(handle_) == CONNECTION_OK && ::poll(&socket, 1, 0) > 0; ++reads) {
        if (libpq().PQconsumeInput(handle_) == 0) break;
      }
    }
    if (libpq().PQstatus(handle_) == CONNECTION_OK) return;
    // A transaction the lost connection held is gone with it: its statements must not go on without it.
    if (transaction_open_) {
      throw StoreError("database '" + shown_ + "': the connection was lost in a transaction: nothing of it was "
                       "committed", kBusy);
    }
    libpq().PQreset(handle_);
    prepared_.clear();  // a new server session holds none of them
    if (libpq().PQstatus(handle_) != CONNECTION_OK) {
      throw StoreError("database '" + shown_ + "' is unavailable: " + first_line(libpq().PQerrorMessage(handle_)), kBusy);
    }
    set_up();
  }
  void check(const PGresult* result, std::string_view sql) {
    const ExecStatusType status = result != nullptr ? libpq().PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return;
    const char* state = result != nullptr ? libpq().PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* message = result != nullptr ? libpq().PQresultErrorMessage(result) : libpq().PQerrorMessage(handle_);
    std::string text = first_line(message);
    if (text.empty()) text = first_line(libpq().PQerrorMessage(handle_));
    const int code = code_of(state);
    if (code == kError && text.find("syntax") != std::string::npos) {
      text += " in \"" + std::string(sql.substr(0, 200)) + "\"";
    }
    throw StoreError("database '" + shown_ + "': " + text, code);
  }

  std::string shown_;
  OpenMode mode_;
  int busy_timeout_ms_;
  PGconn* handle_ = nullptr;
  int changes_ = 0;
  bool transaction_open_ = false;  // begin() .. commit() or rollback(), as this side knows it
  static constexpr std::size_t kPreparedLimit = 256;  // the store has about 100 statements
  std::unordered_map<std::string, std::string> prepared_;  // SQL and parameter types -> statement name
};

PostgresCursor::PostgresCursor(PostgresConnection& connection, std::string_view sql) : connection_(connection) {
  int count = 0;
  sql_ = numbered_placeholders(sql, count);
  values_.resize(static_cast<std::size_t>(count));
  types_.assign(static_cast<std::size_t>(count), 0);
}

bool PostgresCursor::step() {
  if (!result_) {
    result_ = connection_.run(sql_, values_, types_);
    row_ = -1;
  }
  if (libpq().PQresultStatus(result_.get()) != PGRES_TUPLES_OK) return false;
  ++row_;
  return row_ < libpq().PQntuples(result_.get());
}

}  // namespace

std::unique_ptr<Connection> open_postgresql(const std::string& uri, const std::string& shown, OpenMode mode,
                                            int busy_timeout_ms) {
  return std::make_unique<PostgresConnection>(uri, shown, mode, busy_timeout_ms);
}

}  // namespace irtcat::detail
