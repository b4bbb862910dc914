// irtcat info: each item's Fisher information at the given abilities.

#include "cli/cli_common.hpp"
#include "irtcat/error.hpp"
#include "irtcat/items_csv.hpp"
#include "irtcat/text.hpp"

namespace irtcat::cli {

void add_info_command(CLI::App& app) {
  struct Flags {
    std::string items;
    std::string theta;
    std::string out;
    double scaling = 1.0;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("info", "Item information at given abilities: id,theta,information");
  command->add_option("--items", flags->items, "Items CSV")->required();
  command->add_option("--theta", flags->theta, "Comma-separated abilities, e.g. -3,0,1.5")->required();
  command->add_option("--scaling", flags->scaling, "Scaling constant D (1, or 1.702)")->capture_default_str();
  command->add_option("--out", flags->out, "Write the CSV here instead of standard output");
  command->callback([flags] {
    const std::vector<double> thetas = parse_number_list(flags->theta, "--theta");
    if (!std::isfinite(flags->scaling) || !(flags->scaling > 0)) {
      throw InvalidArgument("--scaling: must be a finite number > 0");
    }
    const ItemBank bank = read_items_csv_file(flags->items, flags->scaling);
    std::vector<Eigen::ArrayXd> information;
    for (double theta : thetas) information.push_back(bank.information(theta));
    Output output(flags->out);
    std::ostream& out = output.stream();
    out << "id,theta,information\n";
    for (std::size_t i = 0; i < bank.size(); ++i) {
      for (std::size_t t = 0; t < thetas.size(); ++t) {
        out << csv_quoted(bank.items()[i].id().str()) << ',' << format_double(thetas[t]) << ','
            << format_double(information[t](static_cast<Eigen::Index>(i))) << '\n';
      }
    }
    output.commit();
  });
}

}  // namespace irtcat::cli
