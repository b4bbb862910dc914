// The store's sessions: their rows, the append-only response log, exposure counts of finished tests, and
// resuming a stored session exactly where it stopped.

#include <sqlite3.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "detail/sqlite_store.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat {
namespace {

using nlohmann::json;
using detail::fail;
using detail::quoted_value;
using detail::reason;

std::uint64_t parse_seed(const Database& database, const std::string& text) {
  std::uint64_t seed = 0;
  if (text.empty() || text.size() > 20) fail(database, "a stored seed is damaged", SQLITE_CORRUPT);
  for (char ch : text) {
    if (ch < '0' || ch > '9') fail(database, "a stored seed is damaged", SQLITE_CORRUPT);
    seed = seed * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return seed;
}

// The columns every session query selects, in the order session_row reads them.
constexpr const char* kSessionColumns =
    "SELECT s.session_id, b.name, s.bank_version, s.config, s.seed, s.status, s.started_at, s.updated_at, s.theta, "
    "s.se, s.stop_reason, s.offered_item, s.design, s.design_version, s.candidate, s.first_theta, s.first_se "
    "FROM sessions s JOIN banks b ON b.bank_id = s.bank_id ";

// A row of a query that starts with kSessionColumns (responses left empty).
StoredSession session_row(const Database& database, const Statement& select) {
  StoredSession row;
  row.id = select.column_int64(0);
  row.bank = select.column_text(1);
  row.bank_version = select.column_int(2);
  row.config = select.column_text(3);
  row.seed = parse_seed(database, select.column_text(4));
  row.status = select.column_text(5);
  row.started_at = select.column_text(6);
  row.updated_at = select.column_text(7);
  if (!select.is_null(8)) row.theta = select.column_double(8);
  if (!select.is_null(9)) row.se = select.column_double(9);
  row.stop_reason = select.column_text(10);
  if (!select.is_null(11)) row.offered_item = select.column_text(11);
  row.design = select.column_text(12);
  if (!select.is_null(13)) row.design_version = select.column_int(13);
  row.candidate = select.column_text(14);
  if (!select.is_null(15)) row.first_theta = select.column_double(15);
  if (!select.is_null(16)) row.first_se = select.column_double(16);
  return row;
}

}  // namespace

// ---- sessions ----------------------------------------------------------------------------------------------

std::int64_t Store::create_session(const std::string& bank, int bank_version, const SessionConfig& config,
                                   std::uint64_t seed, const SessionLabels& labels) {
  const std::string config_text = to_json(config);
  if (labels.candidate.size() > 256) throw InvalidArgument("Store::create_session: a candidate identifier over 256 bytes");
  if (labels.design.empty() != (labels.design_version == 0)) {
    throw InvalidArgument("Store::create_session: a design is named with its version (or neither is given)");
  }
  Transaction transaction(database_);
  Statement select(database_, "SELECT bank_id, version FROM banks WHERE name = ?");
  select.bind(1, bank);
  if (!select.step()) fail(database_, "holds no bank named " + quoted_value(bank), SQLITE_NOTFOUND);
  const std::int64_t id = select.column_int64(0);
  if (select.column_int(1) != bank_version) {
    fail(database_,
         "holds bank " + quoted_value(bank) + " version " + std::to_string(select.column_int(1)) + ", not version " +
             std::to_string(bank_version),
         SQLITE_CONSTRAINT);
  }
  Statement insert(database_,
                   "INSERT INTO sessions (bank_id, bank_version, config, seed, design, design_version, candidate) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, id).bind(2, bank_version).bind(3, config_text).bind(4, std::to_string(seed));
  if (labels.design.empty()) {
    insert.bind_null(5).bind_null(6);
  } else {
    insert.bind(5, labels.design).bind(6, labels.design_version);
  }
  if (labels.candidate.empty()) {
    insert.bind_null(7);
  } else {
    insert.bind(7, labels.candidate);
  }
  insert.run();
  const std::int64_t session = database_.last_insert_rowid();
  transaction.commit();
  return session;
}

void Store::append_response(std::int64_t session, std::int64_t seq, const std::string& item_id, int response,
                            std::optional<int> option) {
  Transaction transaction(database_);
  try {
    Statement insert(database_,
                     "INSERT INTO responses (session_id, seq, item_id, response, option_index) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, session).bind(2, seq).bind(3, item_id).bind(4, response);
    if (option) {
      insert.bind(5, *option);
    } else {
      insert.bind_null(5);
    }
    insert.run();
    Statement touch(database_,
                    "UPDATE sessions SET updated_at = utc_now(), offered_item = NULL "
                    "WHERE session_id = ?");
    touch.bind(1, session).run();
  } catch (const StoreError& error) {
    std::string message = reason(database_, error);
    if (error.code() == SQLITE_CONSTRAINT &&
        (message.find("FOREIGN KEY") != std::string::npos || message.find("foreign key") != std::string::npos)) {
      message = "there is no session " + std::to_string(session);
    }
    fail(database_, "session " + std::to_string(session) + ", response " + std::to_string(seq) + ": " + message,
         error.code());
  }
  transaction.commit();
}

void Store::offer_item(std::int64_t session, const std::string& item_id) {
  Transaction transaction(database_);
  Statement update(database_, "UPDATE sessions SET offered_item = ? WHERE session_id = ? AND status = 'active'");
  update.bind(1, item_id).bind(2, session).run();
  if (database_.changes() != 1) {
    fail(database_, "has no active session " + std::to_string(session) + " to offer an item in", SQLITE_NOTFOUND);
  }
  transaction.commit();
}

void Store::finish_session(std::int64_t session, const AbilityEstimate& estimate, StopReason reason) {
  Transaction transaction(database_);
  Statement select(database_,
                   "SELECT s.status, s.bank_id, s.bank_version = b.version FROM sessions s "
                   "JOIN banks b ON b.bank_id = s.bank_id WHERE s.session_id = ?");
  select.bind(1, session);
  if (!select.step()) fail(database_, "has no session " + std::to_string(session), SQLITE_NOTFOUND);
  if (select.column_text(0) == "finished") return;  // finished before: nothing to count twice
  const std::int64_t bank = select.column_int64(1);
  const bool current_version = select.column_int(2) != 0;

  Statement update(database_,
                   "UPDATE sessions SET status = 'finished', theta = ?, se = ?, stop_reason = ?, offered_item = NULL, "
                   "updated_at = utc_now() WHERE session_id = ?");
  update.bind(1, estimate.theta);
  if (std::isfinite(estimate.se)) {
    update.bind(2, estimate.se);
  } else {
    update.bind_null(2);
  }
  update.bind(3, to_string(reason)).bind(4, session).run();
  if (current_version) {
    Statement counts(database_,
                     "INSERT INTO exposure_counts (bank_id, item_id, administered) "
                     "SELECT ?, item_id, 1 FROM responses WHERE session_id = ? AND true "
                     "ON CONFLICT (bank_id, item_id) DO UPDATE SET administered = exposure_counts.administered + 1");
    counts.bind(1, bank).bind(2, session).run();
    Statement tests(database_, "UPDATE banks SET tests = tests + 1 WHERE bank_id = ?");
    tests.bind(1, bank).run();
  }
  transaction.commit();
}

StoredSession Store::load_session(std::int64_t session) {
  Transaction snapshot(database_, Transaction::Kind::deferred);
  Statement select(database_, std::string(kSessionColumns) + "WHERE s.session_id = ?");
  select.bind(1, session);
  if (!select.step()) fail(database_, "has no session " + std::to_string(session), SQLITE_NOTFOUND);
  StoredSession out = session_row(database_, select);
  Statement responses(database_,
                      "SELECT seq, item_id, response, option_index FROM responses WHERE session_id = ? ORDER BY seq");
  responses.bind(1, session);
  while (responses.step()) {
    if (responses.column_int64(0) != static_cast<std::int64_t>(out.responses.size()) + 1) {
      fail(database_, "the response log of session " + std::to_string(session) + " has a gap", SQLITE_CORRUPT);
    }
    out.responses.emplace_back(responses.column_text(1), responses.column_int(2));
    out.options.push_back(responses.is_null(3) ? std::nullopt : std::optional<int>(responses.column_int(3)));
  }
  out.rescored.assign(out.responses.size(), std::nullopt);
  Statement rescored(database_,
                     "SELECT seq, response FROM rescored_responses WHERE session_id = ? ORDER BY seq, rescoring_id");
  rescored.bind(1, session);
  while (rescored.step()) {
    const std::int64_t seq = rescored.column_int64(0);
    if (seq < 1 || seq > static_cast<std::int64_t>(out.responses.size())) {
      fail(database_, "a rescored response of session " + std::to_string(session) + " is not in its log",
           SQLITE_CORRUPT);
    }
    out.rescored[static_cast<std::size_t>(seq - 1)] = rescored.column_int(1);  // the latest rescoring last
  }
  snapshot.commit();
  return out;
}

std::vector<StoredSession> Store::sessions(const std::string& bank) {
  Statement select(database_, std::string(kSessionColumns) + "WHERE ? = '' OR b.name = ? ORDER BY s.session_id");
  select.bind(1, bank).bind(2, bank);
  std::vector<StoredSession> out;
  while (select.step()) out.push_back(session_row(database_, select));
  return out;
}

// ---- resuming ----------------------------------------------------------------------------------------------

namespace {

// The stored session as Session::to_json writes it, for Session::from_json to replay.
std::string session_document(const StoredSession& stored) {
  json log = json::array();
  for (const auto& [item, response] : stored.responses) log.push_back({{"item", item}, {"response", response}});
  json config;
  try {
    config = json::parse(stored.config);
  } catch (const json::exception& error) {
    throw DataError("session " + std::to_string(stored.id), 0, "config", error.what());
  }
  json document{{"format", "irtcat.session"},
                {"version", 1},
                {"bank", {{"name", stored.bank}, {"version", stored.bank_version}}},
                {"seed", stored.seed},
                {"config", config},
                {"log", log}};
  if (!stored.offered_item.empty()) document["offered"] = stored.offered_item;
  return document.dump();
}

void require_bank(const StoredSession& stored, const BankIdentity& identity) {
  if (identity.name != stored.bank || identity.version != stored.bank_version) {
    throw SessionError("session " + std::to_string(stored.id) + " was started on bank " + quoted_value(stored.bank) +
                       " version " + std::to_string(stored.bank_version) + ", not on bank " + quoted_value(identity.name) +
                       " version " + std::to_string(identity.version) + ": it cannot be resumed");
  }
}

}  // namespace

Session restore_session(const StoredSession& stored, std::shared_ptr<const ItemBank> bank) {
  if (!bank) throw InvalidArgument("restore_session: the bank is null");
  require_bank(stored, bank->identity());
  return Session::from_json(std::move(bank), session_document(stored));
}

Session restore_session(const StoredSession& stored, std::shared_ptr<const TestDesign> design) {
  if (!design) throw InvalidArgument("restore_session: the design is null");
  require_bank(stored, design->bank().identity());
  return Session::from_json(std::move(design), session_document(stored));
}
}  // namespace irtcat
