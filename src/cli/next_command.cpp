// irtcat next: for each person of a responses file, the item a selection rule picks next at that person's
// current estimate (catR's nextItem).

#include <algorithm>

#include "cli/cli_common.hpp"
#include "detail/csv.hpp"
#include "detail/random.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/selection.hpp"
#include "irtcat/session.hpp"

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
  command->add_option("--responses", flags->responses, "Responses CSV of the items given so far")->required();
  command->add_option("--rule", flags->rule, "mfi, kl, klp, mlwi, mpwi, mepv, mei, closest or random")
      ->capture_default_str()
      ->check(CLI::IsMember({"mfi", "kl", "klp", "mlwi", "mpwi", "mepv", "mei", "closest", "random"}, CLI::ignore_case));
  command->add_option("--seed", flags->seed, "Seed of the random rule")->capture_default_str();
  command->add_option("--out", flags->out, "Write the CSV here instead of standard output");
  flags->estimation.add_to(*command);
  command->callback([flags] {
    const EstimationOptions options = flags->estimation.options();
    const SelectionRule rule = selection_rule_from_string(flags->rule);
    auto bank = std::make_shared<const ItemBank>(read_items_csv_file(flags->items, flags->estimation.scaling));
    const ResponseTable table = read_responses_csv_file(flags->responses);
    const auto patterns = response_patterns(table, *bank);
    const BankGrid grid(bank, options.grid);
    Output output(flags->out);
    std::ostream& out = output.stream();
    out << "person_id,item_id\n";
    for (std::size_t person = 0; person < patterns.size(); ++person) {
      const auto& pattern = patterns[person];
      std::vector<char> eligible(bank->size(), 1);
      for (const Response& response : pattern) eligible[response.item.value] = 0;
      for (std::size_t i = 0; i < bank->size(); ++i) {
        if (!bank->metadata(ItemIndex{i}).active) eligible[i] = 0;
      }
      GridPosterior posterior(options.grid, options.prior);
      for (const Response& response : pattern) posterior.add(grid.log_p().row(grid.row(response.item, response.category)).transpose().array());
      const AbilityEstimate estimate = estimate_ability(*bank, pattern, options);

      std::ptrdiff_t chosen = -1;
      if (rule == SelectionRule::random) {
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < eligible.size(); ++i) {
          if (eligible[i]) candidates.push_back(i);
        }
        if (!candidates.empty()) {
          detail::SplitMix64 rng(mix_seed(flags->seed, person));
          chosen = static_cast<std::ptrdiff_t>(candidates[detail::uniform_index(rng, candidates.size())]);
        }
      } else {
        SelectionState state;
        state.theta = estimate.theta;
        state.posterior = &posterior;
        state.responses = pattern;
        state.estimation = &options;
        chosen = best_item(item_scores(rule, grid, state, eligible));
      }
      out << detail::csv_quoted(table.person_ids[person]) << ','
          << (chosen < 0 ? std::string() : detail::csv_quoted(bank->items()[static_cast<std::size_t>(chosen)].id().str()))
          << '\n';
    }
  });
}

}  // namespace irtcat::cli
