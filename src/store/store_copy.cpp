// Copying a whole store to another (irtcat bank copy): an SQLite file to a PostgreSQL database that several
// servers will share, or back. Every table at the current schema version, row by row with the same keys, in one
// transaction on the target, so that every session resumes on the copy exactly as on the original.

#include <sqlite3.h>

#include <vector>

#include "detail/sqlite_store.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat {
namespace {

using detail::fail;

enum class Kind { integer, real, text };

struct Column {
  const char* name;
  Kind kind;
};

struct Table {
  const char* name;
  const char* key;  // the ORDER BY of the copy
  std::vector<Column> columns;
};

// The tables of schema version 7 (src/detail/store_schema.hpp), parents before children. A new schema version
// adds its columns here.
const std::vector<Table>& tables() {
  constexpr Kind I = Kind::integer;
  constexpr Kind R = Kind::real;
  constexpr Kind T = Kind::text;
  static const std::vector<Table> kTables = {
      {"banks", "bank_id",
       {{"bank_id", I}, {"name", T}, {"title", T}, {"domain", T}, {"version", I}, {"scaling", R}, {"provenance", T},
        {"topics", T}, {"imported_at", T}, {"tests", I}}},
      {"items", "bank_id, position",
       {{"bank_id", I}, {"item_id", T}, {"position", I}, {"model", T}, {"a", R}, {"b", R}, {"c", R}, {"d", R},
        {"thresholds", T}, {"topic", T}, {"status", T}, {"exposure", R}, {"source", T}, {"difficulty", I},
        {"stem", T}, {"options", T}, {"answer_key", I}, {"explanation", T}}},
      {"designs", "bank_id, name, version",
       {{"bank_id", I}, {"name", T}, {"version", I}, {"bank_version", I}, {"description", T},
        {"balance_topics", I}, {"config", T}, {"note", T}, {"created_at", T}}},
      // Sessions arrive running: the log's rules refuse answers to a finished test, so their ends come after it.
      {"sessions", "session_id",
       {{"session_id", I}, {"bank_id", I}, {"bank_version", I}, {"config", T}, {"seed", T}, {"started_at", T},
        {"updated_at", T}, {"theta", R}, {"se", R}, {"stop_reason", T}, {"offered_item", T}, {"design", T},
        {"design_version", I}, {"candidate", T}, {"first_theta", R}, {"first_se", R}}},
      {"responses", "session_id, seq",
       {{"session_id", I}, {"seq", I}, {"item_id", T}, {"response", I}, {"answered_at", T}, {"option_index", I}}},
      {"exposure_counts", "bank_id, item_id", {{"bank_id", I}, {"item_id", T}, {"administered", I}}},
      {"rescorings", "rescoring_id",
       {{"rescoring_id", I}, {"bank_id", I}, {"item_id", T}, {"previous_key", I}, {"answer_key", I}, {"note", T},
        {"created_at", T}}},
      {"rescored_responses", "session_id, seq, rescoring_id",
       {{"session_id", I}, {"seq", I}, {"rescoring_id", I}, {"response", I}}},
      {"service_clients", "client_id",
       {{"client_id", T}, {"name", T}, {"salt", T}, {"secret_hash", T}, {"created_at", T}}},
      {"service_sections", "section_id",
       {{"section_id", T}, {"client_id", T}, {"bank_id", I}, {"bank_version", I}, {"configuration", T},
        {"config", T}, {"qti_metadata", T}, {"qti_usagedata", T}, {"status", T}, {"created_at", T}, {"design", T},
        {"design_version", I}}},
      {"service_tokens", "token_hash",
       {{"token_hash", T}, {"client_id", T}, {"expires_at", I}, {"section_id", T}}},
      {"service_sessions", "session_key",
       {{"session_key", T}, {"section_id", T}, {"session_id", I}, {"ended", I}}},
  };
  return kTables;
}

std::size_t copy_table(Database& from, Database& to, const Table& table) {
  std::string names;
  std::string marks;
  for (const Column& column : table.columns) {
    names += names.empty() ? "" : ", ";
    names += column.name;
    marks += marks.empty() ? "?" : ", ?";
  }
  Statement select(from, "SELECT " + names + " FROM " + table.name + " ORDER BY " + table.key);
  Statement insert(to, std::string("INSERT INTO ") + table.name + " (" + names + ") VALUES (" + marks + ")");
  std::size_t rows = 0;
  while (select.step()) {
    insert.reset();
    for (int i = 0; i < static_cast<int>(table.columns.size()); ++i) {
      if (select.is_null(i)) {
        insert.bind_null(i + 1);
        continue;
      }
      switch (table.columns[static_cast<std::size_t>(i)].kind) {
        case Kind::integer: insert.bind(i + 1, select.column_int64(i)); break;
        case Kind::real: insert.bind(i + 1, select.column_double(i)); break;
        case Kind::text: insert.bind(i + 1, select.column_text(i)); break;
      }
    }
    insert.run();
    ++rows;
  }
  return rows;
}

}  // namespace

StoreCopy copy_store(Store& from, Store& to) {
  Database& source = from.database();
  Database& target = to.database();
  Transaction snapshot(source, Transaction::Kind::deferred);  // one moment of the source
  Transaction transaction(target);
  {
    Statement banks(target, "SELECT COUNT(*) FROM banks");
    banks.step();
    if (banks.column_int64(0) > 0) fail(target, "holds banks already: copy into an empty database", SQLITE_CONSTRAINT);
  }
  StoreCopy copied;
  for (const Table& table : tables()) {
    const std::size_t rows = copy_table(source, target, table);
    if (std::string_view(table.name) == "banks") copied.banks = rows;
    if (std::string_view(table.name) == "sessions") copied.sessions = rows;
    if (std::string_view(table.name) == "responses") copied.responses = rows;
  }
  // Each session's end, once its log is in.
  Statement ends(source, "SELECT session_id, status FROM sessions ORDER BY session_id");
  Statement update(target, "UPDATE sessions SET status = ? WHERE session_id = ?");
  while (ends.step()) {
    if (ends.column_text(1) == "active") continue;
    update.reset();
    update.bind(1, ends.column_text(1)).bind(2, ends.column_int64(0)).run();
  }
  if (target.engine() == Engine::postgresql) {
    // The copied keys were given, not drawn: the identity sequences continue after them.
    const std::pair<const char*, const char*> identities[] = {
        {"banks", "bank_id"}, {"sessions", "session_id"}, {"rescorings", "rescoring_id"}};
    for (const auto& identity : identities) {
      const std::string table = identity.first;
      const std::string key = identity.second;
      target.execute("SELECT setval(pg_get_serial_sequence('" + table + "', '" + key + "'), COALESCE((SELECT MAX(" +
                     key + ") FROM " + table + "), 0) + 1, false)");
    }
  }
  transaction.commit();
  snapshot.commit();
  return copied;
}

}  // namespace irtcat
