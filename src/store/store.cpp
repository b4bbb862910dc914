// The irtcat store: opening, schema set-up and migrations, banks in and out. Sessions and their response log are in
// src/store_session.cpp; the schema and its documentation in src/detail/store_schema.hpp.

#include "irtcat/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "detail/sqlite_store.hpp"
#include "detail/store_schema.hpp"
#include "detail/store_schema_postgresql.hpp"
#include "irtcat/error.hpp"

namespace irtcat {
namespace {

using nlohmann::json;
using detail::fail;
using detail::quoted_value;
using detail::reason;

static_assert(Store::kSchemaVersion == static_cast<int>(detail::kStoreMigrations.size()),
              "one migration per schema version");
static_assert(Store::kSchemaVersion ==
                  detail::kPostgresBaselineVersion + static_cast<int>(detail::kPostgresMigrations.size()),
              "PostgreSQL's schema follows every version");

constexpr Model kModelOrder[] = {Model::one_pl, Model::two_pl, Model::three_pl, Model::four_pl,
                                 Model::grm,    Model::gpcm,   Model::pcm};

std::string json_text(const json& value) {
  try {
    return value.dump();
  } catch (const json::exception& error) {
    throw InvalidArgument(std::string("Store: text that is not UTF-8 cannot be stored: ") + error.what());
  }
}

std::string strings_json(const std::vector<std::string>& texts) { return json_text(json(texts)); }

// Reads a JSON array stored by this file; a malformed one means the database was edited by hand or is damaged.
json stored_json(const Database& database, const std::string& text, const std::string& what) {
  try {
    json value = json::parse(text);
    if (!value.is_array()) fail(database, what + " is damaged: expected a JSON array", SQLITE_CORRUPT);
    return value;
  } catch (const json::exception& error) {
    fail(database, what + " is damaged: " + error.what(), SQLITE_CORRUPT);
  }
}

std::string export_text(const BankInfo& info, const ItemBank& bank) {
  std::ostringstream out;
  write_bank_json(out, info, bank);
  return out.str();
}

// Equal as the store keeps them: the text form (parameters, content, description) and the active flags.
bool same_bank(const BankDocument& stored, const BankDocument& incoming) {
  if (export_text(stored.info, stored.bank) != export_text(incoming.info, incoming.bank)) return false;
  for (std::size_t i = 0; i < stored.bank.size(); ++i) {
    if (stored.bank.metadata(ItemIndex{i}).active != incoming.bank.metadata(ItemIndex{i}).active) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(ImportOutcome outcome) noexcept {
  switch (outcome) {
    case ImportOutcome::added: return "added";
    case ImportOutcome::replaced: return "replaced";
    case ImportOutcome::unchanged: return "unchanged";
  }
  return "unknown";
}

// ---- opening and the schema --------------------------------------------------------------------------------

Store::Store(const std::string& location, OpenMode mode) : database_(location, mode) {
  if (database_.engine() == Engine::postgresql) {
    prepare_postgresql_schema(mode);
  } else {
    prepare_schema(mode);
  }
}

void Store::check_readable_version(int version) {
  if (version > kSchemaVersion) {
    fail(database_,
         "was written by a newer irtcat (schema version " + std::to_string(version) + ", this irtcat reads up to " +
             std::to_string(kSchemaVersion) + ")",
         SQLITE_CANTOPEN);
  }
  if (version < kSchemaVersion) {
    fail(database_, "has schema version " + std::to_string(version) + ": open it for writing once to migrate it",
         SQLITE_READONLY);
  }
}

void Store::prepare_postgresql_schema(OpenMode mode) {
  // The version, or 0 for a database without irtcat's tables (refused when it holds other tables).
  const auto current_version = [this] {
    Statement table(database_, "SELECT to_regclass('schema_version') IS NOT NULL");
    table.step();
    if (table.column_int(0) != 0) return schema_version();
    Statement count(database_, "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()");
    count.step();
    if (count.column_int64(0) > 0) fail(database_, "is not an irtcat database (no schema version)", SQLITE_NOTADB);
    return 0;
  };
  if (mode == OpenMode::read_only) {
    const int version = current_version();
    if (version == 0) fail(database_, "is empty, not an irtcat database", SQLITE_NOTADB);
    check_readable_version(version);
    return;
  }
  if (current_version() == kSchemaVersion) return;
  // Under the writers' lock, again: another process may have created or migrated the schema meanwhile.
  Transaction transaction(database_);
  int version = current_version();
  if (version > kSchemaVersion) check_readable_version(version);
  if (version == kSchemaVersion) return;
  if (version == 0) {
    database_.execute(detail::kPostgresBaseline);
    version = detail::kPostgresBaselineVersion;
  }
  for (int step = version; step < kSchemaVersion; ++step) {
    database_.execute(detail::kPostgresMigrations[static_cast<std::size_t>(step - detail::kPostgresBaselineVersion)]);
  }
  Statement update(database_, "UPDATE schema_version SET version = ?");
  update.bind(1, kSchemaVersion).run();
  transaction.commit();
}

void Store::prepare_schema(OpenMode mode) {
  // The first statement reads the file's header: a file that is not a database, or is damaged, fails here.
  std::int64_t application_id = 0;
  std::int64_t objects = 0;
  try {
    Statement id(database_, "PRAGMA application_id");
    if (id.step()) application_id = id.column_int64(0);
    Statement count(database_, "SELECT COUNT(*) FROM sqlite_schema");
    if (count.step()) objects = count.column_int64(0);
  } catch (const StoreError& error) {
    fail(database_, std::string("is corrupt or not an SQLite database (") + sqlite3_errstr(error.code()) + ")",
         error.code());
  }
  const bool empty = application_id == 0 && objects == 0;
  if (!empty && application_id != kApplicationId) {
    fail(database_, "is not an irtcat database (another program's SQLite file)", SQLITE_NOTADB);
  }
  if (mode == OpenMode::read_only) {
    if (empty) fail(database_, "is empty, not an irtcat database", SQLITE_NOTADB);
    check_readable_version(schema_version());
    return;
  }
  try {
    database_.execute("PRAGMA journal_mode = WAL");
    // Each commit is synced: an answer, once stored, survives a crash of the process or of the machine.
    database_.execute("PRAGMA synchronous = FULL");
  } catch (const StoreError& error) {
    fail(database_, std::string("is corrupt or cannot be written (") + sqlite3_errstr(error.code()) + ")",
         error.code());
  }

  // Only a database that needs the schema written takes the write lock; the check is repeated under the lock,
  // since another process may have created or migrated the schema meanwhile.
  const auto current_version = [this] {
    Statement table(database_, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
    table.step();
    if (table.column_int64(0) > 0) return schema_version();
    Statement count(database_, "SELECT COUNT(*) FROM sqlite_schema");
    count.step();
    if (count.column_int64(0) > 0) fail(database_, "is not an irtcat database (no schema version)", SQLITE_NOTADB);
    return 0;
  };
  const auto check_not_newer = [this](int version) {
    if (version > kSchemaVersion) {
      fail(database_,
           "was written by a newer irtcat (schema version " + std::to_string(version) + ", this irtcat knows up to " +
               std::to_string(kSchemaVersion) + ")",
           SQLITE_CANTOPEN);
    }
  };
  if (const int version = current_version(); version == kSchemaVersion) {
    return;
  } else {
    check_not_newer(version);
  }
  Transaction transaction(database_);
  const int version = current_version();
  check_not_newer(version);
  if (version == kSchemaVersion) return;  // nothing to write: the guard ends the empty transaction
  for (int step = version; step < kSchemaVersion; ++step) {
    database_.execute(detail::kStoreMigrations[static_cast<std::size_t>(step)]);
  }
  Statement update(database_, "UPDATE schema_version SET version = ?");
  update.bind(1, kSchemaVersion).run();
  transaction.commit();
}

int Store::schema_version() {
  Statement version(database_, "SELECT version FROM schema_version");
  if (!version.step()) fail(database_, "has no schema version row", SQLITE_CORRUPT);
  return version.column_int(0);
}

std::int64_t Store::bank_id(const std::string& name) {
  Statement select(database_, "SELECT bank_id FROM banks WHERE name = ?");
  select.bind(1, name);
  if (!select.step()) fail(database_, "holds no bank named " + quoted_value(name), SQLITE_NOTFOUND);
  return select.column_int64(0);
}

// ---- banks -------------------------------------------------------------------------------------------------

ImportOutcome Store::import_bank(const BankDocument& document, bool replace_same_version) {
  return import_banks({&document}, replace_same_version).front();
}

std::vector<ImportOutcome> Store::import_banks(const std::vector<const BankDocument*>& documents,
                                               bool replace_same_version) {
  std::vector<ImportOutcome> outcomes;
  Transaction transaction(database_);
  for (const BankDocument* document : documents) {
    if (document == nullptr) throw InvalidArgument("Store::import_banks: a document is null");
    const BankInfo& info = document->info;
    const ItemBank& bank = document->bank;
    if (info.name.empty()) throw InvalidArgument("Store::import_banks: the bank name is empty");

    std::optional<std::int64_t> existing;
    {
      Statement select(database_, "SELECT bank_id, version FROM banks WHERE name = ?");
      select.bind(1, info.name);
      if (select.step()) {
        existing = select.column_int64(0);
        const int version = select.column_int(1);
        if (version == info.version) {
          select.reset();
          if (same_bank(load_bank(info.name), *document)) {
            outcomes.push_back(ImportOutcome::unchanged);
            continue;
          }
          if (!replace_same_version) {
            fail(database_,
                 "bank " + quoted_value(info.name) + " version " + std::to_string(version) +
                     " is stored with other items or content: give the new file another version (or replace it)",
                 SQLITE_CONSTRAINT);
          }
        }
      }
    }
    const std::string topics = strings_json(info.topics);
    std::int64_t id = 0;
    if (existing) {
      id = *existing;
      Statement update(database_,
                       "UPDATE banks SET title = ?, domain = ?, version = ?, scaling = ?, provenance = ?, topics = ?, "
                       "imported_at = utc_now(), tests = 0 WHERE bank_id = ?");
      update.bind(1, info.title).bind(2, info.domain).bind(3, info.version).bind(4, bank.scaling());
      update.bind(5, info.provenance).bind(6, topics).bind(7, id).run();
      Statement items(database_, "DELETE FROM items WHERE bank_id = ?");
      items.bind(1, id).run();
      Statement counts(database_, "DELETE FROM exposure_counts WHERE bank_id = ?");
      counts.bind(1, id).run();
      outcomes.push_back(ImportOutcome::replaced);
    } else {
      Statement insert(database_,
                       "INSERT INTO banks (name, title, domain, version, scaling, provenance, topics) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)");
      insert.bind(1, info.name).bind(2, info.title).bind(3, info.domain).bind(4, info.version);
      insert.bind(5, bank.scaling()).bind(6, info.provenance).bind(7, topics).run();
      id = database_.last_insert_rowid();
      outcomes.push_back(ImportOutcome::added);
    }

    Statement insert(database_,
                     "INSERT INTO items (bank_id, item_id, position, model, a, b, c, d, thresholds, topic, status, "
                     "source, difficulty, stem, options, answer_key, explanation) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < bank.size(); ++i) {
      const Item& item = bank.items()[i];
      const ItemMetadata& meta = bank.metadata(ItemIndex{i});
      insert.reset();
      insert.bind(1, id).bind(2, item.id().str()).bind(3, static_cast<std::int64_t>(i));
      insert.bind(4, to_string(item.model())).bind(5, item.a());
      if (is_dichotomous(item.model())) {
        insert.bind(6, item.b()).bind(7, item.c()).bind(8, item.d()).bind_null(9);
      } else {
        const std::vector<double> thresholds(item.thresholds().begin(), item.thresholds().end());
        insert.bind_null(6).bind_null(7).bind_null(8).bind(9, json_text(json(thresholds)));
      }
      insert.bind(10, meta.topic).bind(11, meta.active ? "active" : "retired").bind(12, meta.parameter_source);
      insert.bind(13, meta.content.difficulty).bind(14, meta.content.stem);
      insert.bind(15, strings_json(meta.content.options)).bind(16, meta.content.key);
      insert.bind(17, meta.content.explanation);
      try {
        insert.run();
      } catch (const StoreError& error) {
        fail(database_,
             "bank " + quoted_value(info.name) + ", item " + quoted_value(item.id().str()) + ": " + reason(database_, error),
             error.code());
      }
    }
  }
  transaction.commit();
  return outcomes;
}

int Store::replace_item_parameters(const std::string& name, int version, const std::vector<Item>& items,
                                   const std::string& source, const std::string& note) {
  const std::string function = "Store::replace_item_parameters";
  if (items.empty()) throw InvalidArgument(function + ": no items given for bank " + quoted_value(name));
  if (source.empty()) throw InvalidArgument(function + ": the parameter source is empty");
  Transaction transaction(database_);  // immediate: the version read below is the one replaced
  BankDocument stored = load_bank(name);
  if (stored.info.version != version) {
    fail(database_,
         "bank " + quoted_value(name) + " is version " + std::to_string(stored.info.version) + ", not " +
             std::to_string(version) + ": another version was stored meanwhile",
         SQLITE_CONSTRAINT);
  }
  const ItemBank& bank = stored.bank;
  std::vector<Item> next_items = bank.items();
  std::vector<ItemMetadata> next_metadata;
  next_metadata.reserve(bank.size());
  for (std::size_t i = 0; i < bank.size(); ++i) next_metadata.push_back(bank.metadata(ItemIndex{i}));
  std::vector<char> replaced(bank.size(), 0);
  for (const Item& item : items) {
    const std::optional<ItemIndex> index = bank.find(item.id());
    if (!index) {
      throw UnknownItem(function + ": bank " + quoted_value(name) + " holds no item " + quoted_value(item.id().str()));
    }
    if (replaced[index->value]) throw InvalidArgument(function + ": item " + quoted_value(item.id().str()) + " is given twice");
    replaced[index->value] = 1;
    next_items[index->value] = item;
    next_metadata[index->value].parameter_source = source;
  }
  BankInfo info = stored.info;
  info.version = version + 1;
  if (!note.empty()) info.provenance += info.provenance.empty() ? note : " " + note;
  BankIdentity identity{name, info.version};
  const BankDocument next{std::move(info),
                          ItemBank(std::move(next_items), bank.scaling(), std::move(next_metadata), std::move(identity))};
  import_bank(next);
  transaction.commit();
  return next.info.version;
}

std::vector<BankSummary> Store::banks() {
  std::vector<BankSummary> out;
  std::vector<std::string> names;
  {
    Statement select(database_, "SELECT name FROM banks ORDER BY name");
    while (select.step()) names.push_back(select.column_text(0));
  }
  for (const std::string& name : names) {
    if (auto summary = bank_summary(name)) out.push_back(std::move(*summary));
  }
  return out;
}

std::optional<BankSummary> Store::bank_summary(const std::string& name) {
  Transaction snapshot(database_, Transaction::Kind::deferred);
  Statement select(database_,
                   "SELECT bank_id, title, domain, version, scaling, provenance, topics, imported_at "
                   "FROM banks WHERE name = ?");
  select.bind(1, name);
  if (!select.step()) return std::nullopt;
  BankSummary summary;
  const std::int64_t id = select.column_int64(0);
  summary.info.name = name;
  summary.info.title = select.column_text(1);
  summary.info.domain = select.column_text(2);
  summary.info.version = select.column_int(3);
  summary.scaling = select.column_double(4);
  summary.info.provenance = select.column_text(5);
  summary.info.topics = stored_json(database_, select.column_text(6), "the topics of bank " + quoted_value(name))
                            .get<std::vector<std::string>>();
  summary.imported_at = select.column_text(7);

  Statement models(database_,
                   "SELECT model, COUNT(*), SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) FROM items WHERE bank_id = ? "
                   "GROUP BY model");
  models.bind(1, id);
  std::vector<std::string> present;
  while (models.step()) {
    present.push_back(models.column_text(0));
    summary.items += static_cast<std::size_t>(models.column_int64(1));
    summary.active_items += static_cast<std::size_t>(models.column_int64(2));
  }
  for (Model model : kModelOrder) {
    const std::string text(to_string(model));
    if (std::find(present.begin(), present.end(), text) != present.end()) summary.models.push_back(text);
  }
  snapshot.commit();
  return summary;
}

BankDocument Store::load_bank(const std::string& name) {
  Transaction snapshot(database_, Transaction::Kind::deferred);  // the description and the items of one moment
  const std::optional<BankSummary> summary = bank_summary(name);
  if (!summary) fail(database_, "holds no bank named " + quoted_value(name), SQLITE_NOTFOUND);
  Statement select(database_,
                   "SELECT i.item_id, i.model, i.a, i.b, i.c, i.d, i.thresholds, i.topic, i.status, i.source, "
                   "i.difficulty, i.stem, i.options, i.answer_key, i.explanation "
                   "FROM items i JOIN banks b ON b.bank_id = i.bank_id WHERE b.name = ? ORDER BY i.position");
  select.bind(1, name);
  std::vector<Item> items;
  std::vector<ItemMetadata> metadata;
  while (select.step()) {
    const std::string id = select.column_text(0);
    const std::string where = "item " + quoted_value(id) + " of bank " + quoted_value(name);
    try {
      const Model model = model_from_string(select.column_text(1));
      if (is_dichotomous(model)) {
        items.push_back(Item::dichotomous(ItemId(id), model, select.column_double(2), select.column_double(3),
                                          select.column_double(4), select.column_double(5)));
      } else {
        items.push_back(Item::polytomous(
            ItemId(id), model, select.column_double(2),
            stored_json(database_, select.column_text(6), "the thresholds of " + where).get<std::vector<double>>()));
      }
    } catch (const std::invalid_argument& error) {
      fail(database_, where + " is invalid: " + error.what(), SQLITE_CORRUPT);
    } catch (const json::exception& error) {
      fail(database_, where + " is damaged: " + error.what(), SQLITE_CORRUPT);
    }
    ItemMetadata meta;
    meta.domain = summary->info.domain;
    meta.topic = select.column_text(7);
    meta.active = select.column_text(8) == "active";
    meta.parameter_source = select.column_text(9);
    meta.content.difficulty = select.column_int(10);
    meta.content.stem = select.column_text(11);
    try {
      meta.content.options =
          stored_json(database_, select.column_text(12), "the options of " + where).get<std::vector<std::string>>();
    } catch (const json::exception& error) {
      fail(database_, "the options of " + where + " are damaged: " + error.what(), SQLITE_CORRUPT);
    }
    meta.content.key = select.column_int(13);
    meta.content.explanation = select.column_text(14);
    metadata.push_back(std::move(meta));
  }
  snapshot.commit();
  try {
    BankIdentity identity{name, summary->info.version};
    return {summary->info, ItemBank(std::move(items), summary->scaling, std::move(metadata), std::move(identity))};
  } catch (const InvalidArgument& error) {
    fail(database_, "bank " + quoted_value(name) + " is invalid: " + error.what(), SQLITE_CORRUPT);
  }
}

std::vector<double> Store::exposure_parameters(const std::string& bank) {
  const std::int64_t id = bank_id(bank);
  Statement select(database_, "SELECT exposure FROM items WHERE bank_id = ? ORDER BY position");
  select.bind(1, id);
  std::vector<double> out;
  while (select.step()) out.push_back(select.column_double(0));
  return out;
}

ExposureCounts Store::exposure_counts(const std::string& bank) {
  Transaction snapshot(database_, Transaction::Kind::deferred);
  const std::int64_t id = bank_id(bank);
  Statement tests(database_, "SELECT tests FROM banks WHERE bank_id = ?");
  tests.bind(1, id);
  tests.step();
  const auto finished = static_cast<std::uint64_t>(tests.column_int64(0));
  Statement select(database_,
                   "SELECT COALESCE(e.administered, 0) FROM items i LEFT JOIN exposure_counts e "
                   "ON e.bank_id = i.bank_id AND e.item_id = i.item_id WHERE i.bank_id = ? ORDER BY i.position");
  select.bind(1, id);
  std::vector<std::uint64_t> counts;
  while (select.step()) counts.push_back(static_cast<std::uint64_t>(select.column_int64(0)));
  snapshot.commit();
  return ExposureCounts(counts, finished);
}

}  // namespace irtcat
