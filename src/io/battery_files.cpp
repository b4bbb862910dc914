#include "irtcat/battery_files.hpp"

#include <memory>
#include <utility>

namespace irtcat {

DomainDesign domain_design(std::string domain, BankDocument document, const SessionConfig& config,
                           bool balance_topics) {
  auto bank = std::make_shared<const ItemBank>(std::move(document.bank));
  return domain_design(std::move(domain), std::move(bank), document.info.topics, config, balance_topics);
}

std::vector<DomainDesign> battery_from_bank_files(const std::string& directory, const std::vector<std::string>& domains,
                                                  const SessionConfig& config, bool balance_topics) {
  std::vector<DomainDesign> designs;
  for (const std::string& domain : domains) {
    designs.push_back(domain_design(domain, read_bank_json_file(directory + "/" + domain + ".json"), config, balance_topics));
  }
  return designs;
}

}  // namespace irtcat
