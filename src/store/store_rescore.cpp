// Correcting an item's key: the finished sessions that answered it with a stored option are rescored beside their
// log, and their final estimates recomputed, in one transaction.

#include <sqlite3.h>

#include <cmath>
#include <vector>

#include "detail/sqlite_store.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"

namespace irtcat {
namespace {

using detail::fail;
using detail::quoted_value;

// A logged answer to the corrected item, with what it scores as now.
struct LoggedAnswer {
  std::int64_t session = 0;
  std::int64_t seq = 0;
  bool finished = false;
  std::optional<int> option;
  int score = 0;  // the latest rescored score, else the logged one
};

// The estimate a finished session ends with when its answers score as `stored` says now: its own estimator, on
// the bank as it is (answers to items the bank no longer holds are left out).
AbilityEstimate final_estimate(const StoredSession& stored, const ItemBank& bank) {
  const SessionConfig config = session_config_from_json(stored.config);
  std::vector<Response> responses;
  for (std::size_t k = 0; k < stored.responses.size(); ++k) {
    if (const std::optional<ItemIndex> index = bank.find(ItemId(stored.responses[k].first))) {
      responses.push_back({*index, stored.score(k)});
    }
  }
  return estimate_ability(bank, responses, config.estimation);
}

}  // namespace

RescoreSummary Store::rescore_item(const std::string& bank_name, const std::string& item_id, int key,
                                   const std::string& note) {
  const std::string function = "Store::rescore_item";
  Transaction transaction(database_);  // immediate: no answer is logged between the reads and the writes
  const BankDocument document = load_bank(bank_name);
  const ItemBank& bank = document.bank;
  const std::optional<ItemIndex> index = bank.find(ItemId(item_id));
  if (!index) {
    throw UnknownItem(function + ": bank " + quoted_value(bank_name) + " holds no item " + quoted_value(item_id));
  }
  const Item& item = bank.item(*index);
  const ItemContent& content = bank.metadata(*index).content;
  if (!is_dichotomous(item.model())) {
    throw InvalidArgument(function + ": item " + quoted_value(item_id) + " is " + std::string(to_string(item.model())) +
                          ": its options are its categories, it has no key to correct");
  }
  if (content.options.empty()) {
    throw InvalidArgument(function + ": item " + quoted_value(item_id) + " has no options to key");
  }
  if (key < 0 || key >= static_cast<int>(content.options.size())) {
    throw InvalidArgument(function + ": key " + std::to_string(key) + " is not one of item " + quoted_value(item_id) +
                          "'s options A-" + option_letter(content.options.size() - 1));
  }
  const std::int64_t bank_row = bank_id(bank_name);
  RescoreSummary summary;
  summary.previous_key = content.key;

  std::vector<LoggedAnswer> answers;
  {
    Statement select(database_,
                     "SELECT r.session_id, r.seq, s.status = 'finished', r.option_index, "
                     "COALESCE((SELECT x.response FROM rescored_responses x WHERE x.session_id = r.session_id "
                     "AND x.seq = r.seq ORDER BY x.rescoring_id DESC LIMIT 1), r.response) "
                     "FROM responses r JOIN sessions s ON s.session_id = r.session_id "
                     "WHERE s.bank_id = ? AND r.item_id = ? ORDER BY r.session_id");
    select.bind(1, bank_row).bind(2, item_id);
    while (select.step()) {
      LoggedAnswer answer{select.column_int64(0), select.column_int64(1), select.column_int(2) != 0, std::nullopt,
                          select.column_int(4)};
      if (!select.is_null(3)) answer.option = select.column_int(3);
      answers.push_back(answer);
    }
  }
  std::vector<const LoggedAnswer*> changed;
  for (const LoggedAnswer& answer : answers) {
    if (!answer.finished) {
      ++summary.active;
    } else if (!answer.option) {
      ++summary.without_option;
    } else if ((*answer.option == key ? 1 : 0) == answer.score) {
      ++summary.unchanged;
    } else {
      changed.push_back(&answer);
    }
  }
  if (key == content.key && changed.empty()) {
    transaction.commit();
    return summary;
  }

  if (key != content.key) {
    Statement update(database_, "UPDATE items SET answer_key = ? WHERE bank_id = ? AND item_id = ?");
    update.bind(1, key).bind(2, bank_row).bind(3, item_id).run();
  }
  Statement insert(database_,
                   "INSERT INTO rescorings (bank_id, item_id, previous_key, answer_key, note) VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, bank_row).bind(2, item_id).bind(3, content.key).bind(4, key).bind(5, note).run();
  const std::int64_t rescoring = database_.last_insert_rowid();

  Statement rescore(database_,
                    "INSERT INTO rescored_responses (session_id, seq, rescoring_id, response) VALUES (?, ?, ?, ?)");
  Statement estimate(database_,
                     "UPDATE sessions SET first_se = CASE WHEN first_theta IS NULL THEN se ELSE first_se END, "
                     "first_theta = COALESCE(first_theta, theta), theta = ?, se = ?, "
                     "updated_at = utc_now() WHERE session_id = ?");
  for (const LoggedAnswer* answer : changed) {
    rescore.reset();
    rescore.bind(1, answer->session).bind(2, answer->seq).bind(3, rescoring).bind(4, *answer->option == key ? 1 : 0);
    rescore.run();
    const AbilityEstimate final = final_estimate(load_session(answer->session), bank);
    estimate.reset();
    estimate.bind(1, final.theta);
    if (std::isfinite(final.se)) {
      estimate.bind(2, final.se);
    } else {
      estimate.bind_null(2);
    }
    estimate.bind(3, answer->session).run();
    ++summary.rescored;
  }
  transaction.commit();
  return summary;
}

}  // namespace irtcat
