#pragma once
// True abilities of simulees for simulation studies, as CSV: `id,theta` for one bank, or `id,<domain>,...` with a
// column per domain for a battery (other columns ignored).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "irtcat/simulation.hpp"

namespace irtcat {

/// The simulees of an `id,theta` file (population "thetas"). Throws DataError (file, line, column) for a missing
/// file, a header that is not id,theta, no rows, an empty id or a theta that is not a finite number.
std::vector<SimulatedCandidate> read_thetas_csv_file(const std::string& path);

/// The simulees of an `id,theta` file one at a time, for a study that reads them as it goes (a CandidateStream):
/// the file's text is read when it is opened, its rows as they are asked for.
class ThetasCsvReader {
 public:
  /// Throws DataError for a missing file or a header that is not id,theta.
  explicit ThetasCsvReader(const std::string& path);
  ~ThetasCsvReader();
  ThetasCsvReader(ThetasCsvReader&&) noexcept;
  ThetasCsvReader& operator=(ThetasCsvReader&&) noexcept;

  /// The next simulee into `out` (population "thetas"; its storage reused); false after the last. Throws DataError
  /// (file, line, column) for an empty id or a theta that is not a finite number.
  bool next(SimulatedCandidate& out);
  /// The rows left, at most (the lines left): for progress. The first call counts the file's lines by reading it
  /// again (0 if it can no longer be read); the rows themselves are read a block at a time as next() takes them.
  std::size_t rows_at_most() const noexcept;

 private:
  struct Rows;
  std::unique_ptr<Rows> rows_;
};

/// The candidates of an `id,<domain>,...` file, their abilities in the order of `domains` (population "thetas").
/// Throws DataError for a missing file, a first column that is not id, no rows, a domain without a column, an empty
/// id or a theta that is not a finite number.
std::vector<SimulatedCandidate> read_domain_thetas_csv_file(const std::string& path,
                                                            const std::vector<std::string>& domains);

}  // namespace irtcat
