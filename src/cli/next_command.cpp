// irtcat next: for each person of a responses file, the item a selection rule picks next at that person's
// current estimate (catR's nextItem).

#include "cli/cli_common.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/selection.hpp"
#include "irtcat/session.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {

void add_next_command(CLI::App& app) {
  struct Flags {
    std::string items;
    std::string responses;
    std::string rule = "mfi";
    std::uint64_t seed = 1;
    std::string out;
    EstimatorFlags estimation;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command =
      app.add_subcommand("next", "The item a rule picks next for each person: person_id,item_id");
  command->add_option("--items", flags->items, "Items CSV")->required();
  command->add_option("--responses", flags->responses, "Responses CSV of the items given so far (- for standard input)")
      ->required();
  add_rule_option(*command, flags->rule);
  command->add_option("--seed", flags->seed, "Seed of the random rule")->capture_default_str();
  command->add_option("--out", flags->out, "Write the CSV here instead of standard output");
  flags->estimation.add_to(*command);
  command->callback([flags] {
    SessionConfig config;
    config.selection.rule = selection_rule_from_string(flags->rule);
    config.estimation = flags->estimation.options();
    auto bank = std::make_shared<const ItemBank>(read_items_csv_file(flags->items, flags->estimation.scaling));
    const ResponseTable table = read_responses_argument(flags->responses);
    const auto patterns = response_patterns(table, *bank);
    const TestDesign design(bank, config);
    Output output(flags->out);
    std::ostream& out = output.stream();
    out << "person_id,item_id\n";
    for (std::size_t person = 0; person < patterns.size(); ++person) {
      const auto chosen = next_item_after(design, patterns[person], mix_seed(flags->seed, person));
      out << csv_quoted(table.person_ids[person]) << ','
          << (chosen ? csv_quoted(bank->item(*chosen).id().str()) : std::string())
          << '\n';
    }
    output.commit();
  });
}

}  // namespace irtcat::cli
