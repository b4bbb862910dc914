// irtcat score: the ability estimate, its standard error and how it was reached (converged, or at a bound of the
// interval) for each person of a responses file.

#include "cli/cli_common.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/responses_csv.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {

void add_score_command(CLI::App& app) {
  struct Flags {
    std::string items;
    std::string responses;
    std::string out;
    EstimatorFlags estimation;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("score", "Estimate each person's ability: person_id,theta,se,status");
  command->add_option("--items", flags->items, "Items CSV (id,model,a,b,c,d or b1,b2,...)")->required();
  command->add_option("--responses", flags->responses, "Responses CSV (person_id,<item id>,...; - for standard input)")
      ->required();
  command->add_option("--out", flags->out, "Write the CSV here instead of standard output");
  flags->estimation.add_to(*command);
  command->callback([flags] {
    const EstimationOptions options = flags->estimation.options();
    const ItemBank bank = read_items_csv_file(flags->items, flags->estimation.scaling);
    const ResponseTable table = read_responses_argument(flags->responses);
    const auto patterns = response_patterns(table, bank);
    Output output(flags->out);
    std::ostream& out = output.stream();
    out << "person_id,theta,se,status\n";
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      const AbilityEstimate estimate = estimate_ability(bank, patterns[i], options);
      out << csv_quoted(table.person_ids[i]) << ',' << format_double(estimate.theta) << ','
          << format_double(estimate.se) << ',' << to_string(estimate.status) << '\n';
    }
    output.commit();
  });
}

}  // namespace irtcat::cli
