// irtcat bank responses|rescore: the answers stored for a bank's items, as a responses CSV of scores (for
// irtcat calibrate) or of the options chosen (for distractor analysis), and correcting an item's key.

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/bank_answers.hpp"
#include "cli/cli_common.hpp"
#include "irtcat/error.hpp"
#include "irtcat/store.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {
namespace {

// "B" as option 1; throws InvalidArgument for anything but one letter A-Z.
int parse_key(const std::string& text) {
  if (const std::optional<int> option = option_from_letter(text)) return *option;
  throw InvalidArgument("bank rescore: --key " + text + " is not an option letter (A, B, C, ...)");
}

// The wide responses CSV of the finished tests on `name`: one row per test (person_id = the session id), a column
// per item answered at least once, in bank order, empty where the test did not give the item. A cell is the
// score as it stands (a rescoring's, else the logged one) or, with `options`, the letter of the option chosen
// (empty where the answer was stored as a score only).
void write_responses(Store& store, const std::string& name, bool options, std::ostream& out) {
  const BankDocument document = store.load_bank(name);
  const ItemBank& items = document.bank;
  std::vector<StoredSession> tests;
  std::vector<char> answered(items.size(), 0);
  for (const StoredSession& row : store.sessions(name)) {
    if (row.status != "finished") continue;
    tests.push_back(store.load_session(row.id));
    for (const auto& [id, response] : tests.back().responses) {
      if (const auto index = items.find(ItemId(id))) answered[index->value] = 1;
    }
  }
  out << "person_id";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (answered[i]) out << ',' << csv_quoted(items.items()[i].id().str());
  }
  out << '\n';
  for (const StoredSession& test : tests) {
    std::vector<std::string> cells(items.size());
    for (std::size_t k = 0; k < test.responses.size(); ++k) {
      const auto index = items.find(ItemId(test.responses[k].first));
      if (!index) continue;
      if (!options) {
        cells[index->value] = std::to_string(test.score(k));
      } else if (test.options[k]) {
        cells[index->value] = option_letter(static_cast<std::size_t>(*test.options[k]));
      }
    }
    out << test.id;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (answered[i]) out << ',' << cells[i];
    }
    out << '\n';
  }
}

std::string letter_of(int option) { return option < 0 ? "none" : option_letter(static_cast<std::size_t>(option)); }

}  // namespace

void add_bank_answer_commands(CLI::App& bank, const std::string& db_help) {
  struct Flags {
    std::string db;
    std::string name;
    std::string item;
    std::string key;
    std::string note;
    std::string out;
    bool options = false;
  };
  auto flags = std::make_shared<Flags>();

  // Item ids keep their meaning across bank versions, so every version's tests count.
  CLI::App* responses = bank.add_subcommand(
      "responses", "The stored answers to a bank's items as a responses CSV (finished tests), for irtcat calibrate");
  responses->add_option("name", flags->name, "The bank's name")->required();
  responses->add_option("--db", flags->db, db_help);
  responses->add_option("--out", flags->out, "Write the CSV here instead of standard output");
  responses->add_flag("--options", flags->options,
                      "The option chosen (A, B, ...) in each cell instead of its score, for distractor analysis");
  responses->callback([flags] {
    Store store(database_path(flags->db), OpenMode::read_only);
    Output output(flags->out);
    write_responses(store, flags->name, flags->options, output.stream());
    output.commit();
  });

  CLI::App* rescore = bank.add_subcommand(
      "rescore", "Correct an item's key and rescore every finished test that chose an option on it, in one transaction");
  rescore->add_option("name", flags->name, "The bank's name")->required();
  rescore->add_option("--item", flags->item, "The item whose key is wrong")->required();
  rescore->add_option("--key", flags->key, "The right option's letter (A, B, ...)")->required();
  rescore->add_option("--note", flags->note, "Why, kept with the correction");
  rescore->add_option("--db", flags->db, db_help);
  rescore->callback([flags] {
    const int key = parse_key(flags->key);
    Store store(database_path(flags->db), OpenMode::read_write);
    const RescoreSummary done = store.rescore_item(flags->name, flags->item, key, flags->note);
    std::cout << "item " << flags->item << ": key " << letter_of(done.previous_key) << " -> " << letter_of(key) << '\n'
              << "  " << done.rescored << " finished tests rescored (final estimates recomputed)\n"
              << "  " << done.unchanged << " finished tests score the same\n";
    if (done.without_option > 0) {
      std::cout << "  " << done.without_option << " finished tests stored a score without the option: left as they are\n";
    }
    if (done.active > 0) {
      std::cout << "  " << done.active << " tests still running: run this again once they have finished\n";
    }
  });
}

}  // namespace irtcat::cli
