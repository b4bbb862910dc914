#pragma once
// A battery's designs from bank documents: bank JSON files in a folder, or documents loaded from the store. The
// file reading lives here, in io; the designs themselves are the study's (simulation.hpp).

#include <string>
#include <vector>

#include "irtcat/bank_json.hpp"
#include "irtcat/simulation.hpp"

namespace irtcat {

/// One domain's design from a bank document (read from a file or loaded from the store): its bank and its topics,
/// as domain_design(domain, bank, topics, config, balance_topics). Throws as TestDesign.
DomainDesign domain_design(std::string domain, BankDocument document, const SessionConfig& config,
                           bool balance_topics);

/// The designs of a battery read from bank files `<directory>/<domain>.json`, one per domain, each with `config`;
/// with `balance_topics` every bank's topics get equal target proportions (Kingsbury–Zara). Throws DataError for
/// a missing or malformed bank file.
std::vector<DomainDesign> battery_from_bank_files(const std::string& directory, const std::vector<std::string>& domains,
                                                  const SessionConfig& config, bool balance_topics);

}  // namespace irtcat
