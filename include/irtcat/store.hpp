#pragma once
// The store (DESIGN.md, "SQLite store"): one database holds banks, their items, sessions and an append-only
// response log keyed by (session, seq); every write in a transaction, prepared statements only, and a schema
// version with ordered migrations. The database is an SQLite file (the default: WAL mode, foreign keys on, a busy
// timeout) or a PostgreSQL database, named by a libpq URI, that several servers share (docs/postgresql.md).
//
// The handles follow SQLiteCpp: RAII for the connection and each statement, a Transaction guard that rolls back
// unless committed, destructors that never throw, and StoreError carrying SQLite's result code (PostgreSQL's
// errors are given the SQLite code of the same kind). Neither engine's header reaches users: the connections are
// in src/store/.
//
// One Store (connection) belongs to one thread at a time; open one per thread or process. Readers never block
// the writer, and a writer waits up to the busy timeout for another writer.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "irtcat/ability.hpp"
#include "irtcat/bank_json.hpp"
#include "irtcat/design.hpp"
#include "irtcat/exposure.hpp"
#include "irtcat/item_bank.hpp"
#include "irtcat/session.hpp"
#include "irtcat/stopping.hpp"

namespace irtcat {

namespace detail {
class Connection;
class Cursor;
}  // namespace detail

/// How a database is opened.
enum class OpenMode {
  read_only,   ///< reads only; the database must exist
  read_write,  ///< reads and writes; the database must exist
  create,      ///< reads and writes; an absent SQLite file is created (":memory:" is a private in-memory database)
};

/// The engine behind a store.
enum class Engine {
  sqlite,      ///< a database file (the default)
  postgresql,  ///< a PostgreSQL server, through libpq
};
/// The engine a location names: a libpq connection URI (postgresql://... or postgres://...) is PostgreSQL's,
/// anything else is an SQLite file.
Engine engine_of(std::string_view location) noexcept;

/// A connection to one database: an SQLite file, or a PostgreSQL database (SQLiteCpp's Database). Move-only;
/// closes on destruction.
class Database {
 public:
  /// Opens `location` (a file path, ":memory:", or a PostgreSQL URI) with foreign keys on and a busy timeout of
  /// `busy_timeout_ms` (how long a writer waits for another). Throws StoreError (naming the location, a URI
  /// without its password) if it cannot be opened. SQLite opens lazily: a file that is not a database is detected
  /// by the first statement, which Store runs at once.
  explicit Database(const std::string& location, OpenMode mode = OpenMode::create, int busy_timeout_ms = 5000);
  ~Database();
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;

  /// Runs one or more SQL statements without parameters (schema, pragmas). Throws StoreError.
  void execute(std::string_view sql);
  /// The key the last INSERT on this connection generated (an INTEGER PRIMARY KEY, or an identity column).
  std::int64_t last_insert_rowid();
  /// The number of rows the last INSERT, UPDATE or DELETE changed.
  int changes() const noexcept;
  /// True while a transaction is open on this connection (SQLite rolls one back by itself after an I/O error, a
  /// full disk or a lost lock, so a caller holding several writes in one checks this after a failure).
  bool in_transaction() const noexcept;
  /// Opens a transaction; `write`: one that takes the write lock at once (SQLite's BEGIN IMMEDIATE; on
  /// PostgreSQL an advisory lock every irtcat writer takes), so that a read-then-write never fails to upgrade.
  void begin(bool write);
  /// Rolls back the open transaction, if any. Never throws: a rollback the engine already did is nothing to report.
  void rollback() noexcept;
  /// Commits the open transaction. Throws StoreError, the transaction then rolled back; on PostgreSQL also when a
  /// statement of the transaction failed (the server would roll back silently).
  void commit();
  /// The location as messages name it (a PostgreSQL URI without its password).
  const std::string& path() const noexcept { return path_; }
  Engine engine() const noexcept { return engine_; }

 private:
  friend class Statement;
  std::string path_;
  Engine engine_ = Engine::sqlite;
  std::unique_ptr<detail::Connection> connection_;
};

/// One prepared statement (SQLiteCpp's Statement), in SQL both engines read, with `?` placeholders. Parameters
/// are bound by 1-based position; columns are read by 0-based position. Move-only; finalized on destruction.
class Statement {
 public:
  /// Prepares exactly one statement; throws StoreError naming the SQL if it does not compile.
  Statement(Database& database, std::string_view sql);
  ~Statement();
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  /// Binds a copy of the text: the argument may die before step().
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);

  /// Runs one step: true when a row is available, false when the statement is done. Throws StoreError.
  bool step();
  /// step() for statements that return no rows.
  void run();
  /// Resets to run again with new bindings (the bindings are cleared).
  void reset() noexcept;

  bool is_null(int column) const noexcept;
  std::int64_t column_int64(int column) const noexcept;
  /// The column as an int; a PostgreSQL boolean reads as 1 or 0.
  int column_int(int column) const noexcept;
  double column_double(int column) const noexcept;
  /// The column's text; empty for NULL. Text may hold any bytes, NUL included.
  std::string column_text(int column) const;

 private:
  std::unique_ptr<detail::Cursor> cursor_;
};

/// A transaction that rolls back unless commit() was called (SQLiteCpp's Transaction). `immediate` takes the
/// write lock at once, so that a read-then-write transaction never fails to upgrade. Made inside another
/// transaction it joins that one: commit() and the destructor then leave the outer transaction alone.
class Transaction {
 public:
  enum class Kind { deferred, immediate };
  explicit Transaction(Database& database, Kind kind = Kind::immediate);
  /// Rolls back if not committed; never throws.
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  /// Commits; throws StoreError (the transaction is then rolled back by the destructor).
  void commit();

 private:
  Database& database_;
  bool open_ = true;
};

/// A bank as the store lists it.
struct BankSummary {
  BankInfo info;
  double scaling = kLogisticScaling;
  std::size_t items = 0;
  std::size_t active_items = 0;
  std::vector<std::string> models;  ///< the models of its items, in the order irtcat lists them ("1pl" .. "pcm")
  std::string imported_at;          ///< UTC, ISO 8601
};

/// What an import did to one bank.
enum class ImportOutcome {
  added,      ///< the store did not hold the bank
  replaced,   ///< the store held another version (or, when replacing is allowed, other items)
  unchanged,  ///< the store held exactly this bank
};
std::string_view to_string(ImportOutcome outcome) noexcept;

/// A stored session: what DESIGN.md says a session's state is, plus its bookkeeping.
struct StoredSession {
  std::int64_t id = 0;
  std::string bank;              ///< bank name
  int bank_version = 0;          ///< the bank version the session was started on
  std::string config;            ///< irtcat::to_json(SessionConfig)
  std::uint64_t seed = 0;
  std::string status;            ///< "active" or "finished"
  std::string started_at;        ///< UTC, ISO 8601
  std::string updated_at;
  std::optional<double> theta;   ///< the final estimate, once finished
  std::optional<double> se;
  std::string stop_reason;       ///< once finished
  /// The item offered after the last response, where the log does not decide it (progressive-restricted
  /// control: see offer_item); empty otherwise.
  std::string offered_item;
  /// The response log in order: seq 1, 2, ... (item id, category).
  std::vector<std::pair<std::string, int>> responses;
  /// The option chosen at each response (0-based), where it was stored; beside `responses`, one per response.
  std::vector<std::optional<int>> options;
  std::string design;      ///< the stored design the session runs; empty for an ad-hoc configuration
  int design_version = 0;  ///< its version (0 when `design` is empty)
  std::string candidate;   ///< the identifier the platform gave, if any
  /// The score a key correction gave each response, where one changed it (Store::rescore_item); one per response.
  /// `responses` keeps the scores as logged: they are what the test was run with, and what replays it.
  std::vector<std::optional<int>> rescored;
  /// The final estimate as the test ended, where a rescoring has since replaced `theta` and `se`.
  std::optional<double> first_theta;
  std::optional<double> first_se;

  /// The score of response `k` (0-based) as it stands: the rescored one, else the logged one.
  int score(std::size_t k) const { return k < rescored.size() && rescored[k] ? *rescored[k] : responses.at(k).second; }
};

/// What a session is labelled with when it starts: the stored design it runs, and the candidate taking it.
struct SessionLabels {
  std::string design;      ///< empty: an ad-hoc configuration
  int design_version = 0;
  std::string candidate;   ///< an opaque identifier (the platform's), at most 256 bytes; empty: none
};

/// What a key correction did (Store::rescore_item). Sessions are counted once each, by what happened to their
/// answer to the item.
struct RescoreSummary {
  int previous_key = -1;               ///< the key before the correction (0-based option)
  std::size_t rescored = 0;            ///< finished sessions whose score changed, their final estimate recomputed
  std::size_t unchanged = 0;           ///< finished sessions whose answer scores the same under the corrected key
  std::size_t without_option = 0;      ///< finished sessions whose answer was stored as a score only: left as they are
  std::size_t active = 0;              ///< sessions still running: left; rescore again once they have finished
};

/// A test design as stored for one bank.
struct StoredDesign {
  DesignDocument document;
  std::string bank;       ///< bank name
  int version = 0;        ///< 1, 2, ... per (bank, name)
  int bank_version = 0;   ///< the bank's version when this design version was stored
  std::string note;       ///< how it was made
  std::string created_at;

  /// The configuration of a test on `bank` (the document's, with balanced topics where it says so). Throws
  /// InvalidArgument when the design holds per-item Sympson–Hetter K of another version of the bank (calibrate
  /// the exposure again), or the configuration does not fit the bank.
  SessionConfig config_on(const BankDocument& bank) const;
};

/// The irtcat database: banks, items, sessions, responses and exposure counts.
class Store {
 public:
  /// The schema version this irtcat writes; older databases are migrated on open.
  static constexpr int kSchemaVersion = 7;
  /// PRAGMA application_id of an irtcat database ("IRTC").
  static constexpr std::int32_t kApplicationId = 0x49525443;

  /// Opens the database at `location`: an SQLite file (":memory:" for a private in-memory one), in WAL mode, or a
  /// PostgreSQL database named by a libpq URI (postgresql://user@host/dbname), which must exist; creates or
  /// migrates the schema (unless read-only). Throws StoreError for a file that cannot be opened, is corrupt or
  /// not an SQLite database, is another program's database, or was written by a newer irtcat (or, read-only,
  /// by an older one).
  explicit Store(const std::string& location, OpenMode mode = OpenMode::create);

  /// The schema version of the open database.
  int schema_version();
  Database& database() noexcept { return database_; }

  // ---- banks ----
  /// Imports banks in one transaction: either all are stored or, on any error, none and nothing changes.
  /// A bank whose name is stored is replaced when the version differs; with the same version it is left
  /// unchanged when identical, and otherwise refused (StoreError) unless `replace_same_version`.
  /// Replacing a bank keeps its sessions (they name the version they were started on) and resets its exposure
  /// counts.
  std::vector<ImportOutcome> import_banks(const std::vector<const BankDocument*>& documents,
                                          bool replace_same_version = false);
  ImportOutcome import_bank(const BankDocument& document, bool replace_same_version = false);
  /// Stores the bank `name` as its next version (`version` + 1) with the parameters of `items` in place of those of
  /// its items of the same ids, in one transaction: every item keeps its place, content, topic and status; each
  /// replaced item's parameter source becomes `source`, and `note` is appended to the bank's provenance. This is
  /// how calibrated parameters replace provisional ones. `items` must be on the bank's scale, with its scaling
  /// constant D. `version` is the version the caller read and checked the items against: a bank stored meanwhile
  /// under another version is not overwritten. Sessions already stored keep the version they were started on
  /// (restore_session refuses them on the new one); the exposure counts restart, as with any new version.
  /// Returns the new version. Throws, changing nothing: StoreError when the store holds no bank `name` or holds
  /// another version than `version`; UnknownItem naming an id the bank does not hold; InvalidArgument when
  /// `items` is empty or names an item twice, or `source` is empty.
  int replace_item_parameters(const std::string& name, int version, const std::vector<Item>& items,
                              const std::string& source, const std::string& note);
  /// Every stored bank, by name.
  std::vector<BankSummary> banks();
  std::optional<BankSummary> bank_summary(const std::string& name);
  /// The bank and its description, items in bank order (inactive items included, flagged). Throws StoreError
  /// when the store holds no bank of that name.
  BankDocument load_bank(const std::string& name);
  /// Each item's exposure-control parameter (Sympson–Hetter K, 1 by default), in bank order.
  std::vector<double> exposure_parameters(const std::string& bank);
  /// How often each item was administered (bank order) and how many tests finished.
  ExposureCounts exposure_counts(const std::string& bank);

  // ---- designs ----
  /// Stores `design` for the bank `bank` as the next version of its name (1 for a new name), with `note`, and
  /// returns that version; when the latest version is the same design (description, topic balance and
  /// configuration), nothing is stored and its version is returned. The configuration is checked against the
  /// bank first (InvalidArgument). Throws StoreError for an unknown bank.
  int save_design(const std::string& bank, const DesignDocument& design, const std::string& note = {});
  /// The design `name` of `bank`: its latest version, or `version`. Throws StoreError naming what is missing.
  StoredDesign load_design(const std::string& bank, const std::string& name, std::optional<int> version = {});
  /// The latest version of every design, of one bank when `bank` is not empty, by bank then name.
  std::vector<StoredDesign> designs(const std::string& bank = {});

  // ---- sessions ----
  /// Starts a session on the stored bank `bank` (whose version must be `bank_version`), committed, with its
  /// labels. Returns its id. Throws InvalidArgument for a candidate identifier over 256 bytes.
  std::int64_t create_session(const std::string& bank, int bank_version, const SessionConfig& config,
                              std::uint64_t seed, const SessionLabels& labels = {});
  /// Appends the response with number `seq` (1, 2, ... without gaps) to an active session and counts the item's
  /// exposure, in one committed transaction; `option` is the option chosen (0-based) where the answer was one.
  /// Throws StoreError for a gap, a repeat or a finished session.
  void append_response(std::int64_t session, std::int64_t seq, const std::string& item_id, int response,
                       std::optional<int> option = std::nullopt);
  /// Records the item an active session offers after its last response, for a session whose choice the log does
  /// not decide (progressive-restricted control reads exposure counts): restore_session offers it again. The next
  /// append_response or finish_session clears it. Throws StoreError for an unknown or finished session.
  void offer_item(std::int64_t session, const std::string& item_id);
  /// Marks the session finished with its final estimate and counts a finished test for the bank's exposure.
  void finish_session(std::int64_t session, const AbilityEstimate& estimate, StopReason reason);
  /// The session and its responses in order. Throws StoreError for an unknown id.
  StoredSession load_session(std::int64_t session);
  /// Every session's row (responses left empty), newest last; of one bank when `bank` is not empty.
  std::vector<StoredSession> sessions(const std::string& bank = {});

  // ---- rescoring ----
  /// Corrects the key of the dichotomous item `item_id` of `bank` to option `key` (0-based) and rescores every
  /// finished session that answered it with a stored option, in one transaction: a score that changes is added
  /// beside the logged one (the log is never changed) and the session's final estimate is recomputed with its own
  /// estimator on the bank's current parameters (the first estimate is kept in first_theta/first_se). The key is
  /// changed in place and the bank keeps its version: a key never enters a session's replay, so running sessions
  /// resume as before and score the item with the new key from now on. Running again with the same key rescores
  /// only what is left (sessions finished since). Throws UnknownItem for an unknown item, InvalidArgument for a
  /// polytomous item, an item without options or a key outside them, StoreError for an unknown bank.
  RescoreSummary rescore_item(const std::string& bank, const std::string& item_id, int key,
                              const std::string& note = {});

 private:
  void prepare_schema(OpenMode mode);
  void prepare_postgresql_schema(OpenMode mode);
  void check_readable_version(int version);
  std::int64_t bank_id(const std::string& name);

  Database database_;
};

/// What copy_store copied.
struct StoreCopy {
  std::size_t banks = 0;
  std::size_t sessions = 0;
  std::size_t responses = 0;
};

/// Copies every table of `from` into `to` (banks, items, designs, sessions and their logs, exposure counts,
/// rescorings, the service's clients, sections and sessions) with the same keys, in one transaction on `to`, so
/// that every session resumes on the copy exactly as on the original: an SQLite file into the PostgreSQL
/// database several servers will share, or back. Throws StoreError, copying nothing, when `to` holds banks.
StoreCopy copy_store(Store& from, Store& to);

/// Rebuilds a stored session on `bank` by replaying its log with its stored configuration and seed, so that it
/// continues exactly as if never interrupted. Throws SessionError when the bank's name or version differs from
/// the stored one, or the log does not match what the bank offers.
Session restore_session(const StoredSession& stored, std::shared_ptr<const ItemBank> bank);
/// The same on a compiled design (no grid tables built per call), whose configuration must be the stored one
/// (SessionError otherwise).
Session restore_session(const StoredSession& stored, std::shared_ptr<const TestDesign> design);

}  // namespace irtcat
