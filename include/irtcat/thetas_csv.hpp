#pragma once
// True abilities of simulees for simulation studies, as CSV: `id,theta` for one bank, or `id,<domain>,...` with a
// column per domain for a battery (other columns ignored).

#include <string>
#include <vector>

#include "irtcat/simulation.hpp"

namespace irtcat {

/// The simulees of an `id,theta` file (population "thetas"). Throws DataError (file, line, column) for a missing
/// file, a header that is not id,theta, no rows, an empty id or a theta that is not a finite number.
std::vector<SimulatedCandidate> read_thetas_csv_file(const std::string& path);

/// The candidates of an `id,<domain>,...` file, their abilities in the order of `domains` (population "thetas").
/// Throws DataError for a missing file, a first column that is not id, no rows, a domain without a column, an empty
/// id or a theta that is not a finite number.
std::vector<SimulatedCandidate> read_domain_thetas_csv_file(const std::string& path,
                                                            const std::vector<std::string>& domains);

}  // namespace irtcat
