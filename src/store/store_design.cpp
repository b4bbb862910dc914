// The store's test designs: versions per (bank, name), never changed once stored.

#include <sqlite3.h>

#include "detail/sqlite_store.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat {
namespace {

using detail::fail;
using detail::quoted_value;

constexpr const char* kDesignColumns =
    "SELECT b.name, d.name, d.version, d.bank_version, d.description, d.balance_topics, d.config, d.note, "
    "d.created_at FROM designs d JOIN banks b ON b.bank_id = d.bank_id ";

StoredDesign design_row(const Statement& select) {
  StoredDesign row;
  row.bank = select.column_text(0);
  row.document.name = select.column_text(1);
  row.version = select.column_int(2);
  row.bank_version = select.column_int(3);
  row.document.description = select.column_text(4);
  row.document.balance_topics = select.column_int(5) != 0;
  row.document.config = session_config_from_json(select.column_text(6));
  row.note = select.column_text(7);
  row.created_at = select.column_text(8);
  return row;
}

bool same_design(const DesignDocument& a, const DesignDocument& b) {
  return a.description == b.description && a.balance_topics == b.balance_topics &&
         to_json(a.config) == to_json(b.config);
}

}  // namespace

SessionConfig StoredDesign::config_on(const BankDocument& bank) const {
  const bool per_item_k = !document.config.exposure.sympson_hetter.empty();
  if (per_item_k && (bank.info.name != this->bank || bank.info.version != bank_version)) {
    throw InvalidArgument("design " + quoted_value(document.name) + " version " + std::to_string(version) +
                          " holds Sympson-Hetter parameters of bank " + quoted_value(this->bank) + " version " +
                          std::to_string(bank_version) + ", not of " + quoted_value(bank.info.name) + " version " +
                          std::to_string(bank.info.version) + ": calibrate its exposure again");
  }
  SessionConfig config = document.config_for(bank.info.topics);
  config.validate(bank.bank);
  return config;
}

int Store::save_design(const std::string& bank, const DesignDocument& design, const std::string& note) {
  check_design_name(design.name);
  const std::string config_text = to_json(design.config);
  Transaction transaction(database_);
  const BankDocument document = load_bank(bank);
  StoredDesign candidate{design, bank, 0, document.info.version, note, {}};
  (void)candidate.config_on(document);  // fits the bank, or throws before anything is stored

  Statement latest(database_, std::string(kDesignColumns) + "WHERE b.name = ? AND d.name = ? ORDER BY d.version DESC LIMIT 1");
  latest.bind(1, bank).bind(2, design.name);
  int version = 1;
  if (latest.step()) {
    const StoredDesign stored = design_row(latest);
    if (same_design(stored.document, design) &&
        (design.config.exposure.sympson_hetter.empty() || stored.bank_version == document.info.version)) {
      return stored.version;  // the guard ends the transaction that wrote nothing
    }
    version = stored.version + 1;
  }
  Statement insert(database_,
                   "INSERT INTO designs (bank_id, name, version, bank_version, description, balance_topics, config, note) "
                   "SELECT bank_id, ?, ?, version, ?, ?, ?, ? FROM banks WHERE name = ?");
  insert.bind(1, design.name).bind(2, version).bind(3, design.description).bind(4, design.balance_topics ? 1 : 0);
  insert.bind(5, config_text).bind(6, note).bind(7, bank).run();
  transaction.commit();
  return version;
}

StoredDesign Store::load_design(const std::string& bank, const std::string& name, std::optional<int> version) {
  // The CAST gives the parameter a type where it is NULL (PostgreSQL needs one).
  Statement select(database_, std::string(kDesignColumns) +
                                  "WHERE b.name = ? AND d.name = ? AND "
                                  "(CAST(? AS INTEGER) IS NULL OR d.version = ?) ORDER BY d.version DESC LIMIT 1");
  select.bind(1, bank).bind(2, name);
  if (version) {
    select.bind(3, *version).bind(4, *version);
  } else {
    select.bind_null(3).bind_null(4);
  }
  if (!select.step()) {
    std::string what = "holds no design " + quoted_value(name);
    if (version) what += " version " + std::to_string(*version);
    what += " for bank " + quoted_value(bank) + " (irtcat design list)";
    fail(database_, what, SQLITE_NOTFOUND);
  }
  return design_row(select);
}

std::vector<StoredDesign> Store::designs(const std::string& bank) {
  Statement select(database_, std::string(kDesignColumns) +
                                  "WHERE (? = '' OR b.name = ?) AND d.version = "
                                  "(SELECT MAX(version) FROM designs e WHERE e.bank_id = d.bank_id AND e.name = d.name) "
                                  "ORDER BY b.name, d.name");
  select.bind(1, bank).bind(2, bank);
  std::vector<StoredDesign> out;
  while (select.step()) out.push_back(design_row(select));
  return out;
}

}  // namespace irtcat
