#include "irtcat/thetas_csv.hpp"

#include <algorithm>
#include <optional>

#include "detail/csv.hpp"
#include "irtcat/error.hpp"
#include "irtcat/text.hpp"

namespace irtcat {

struct ThetasCsvReader::Rows {
  detail::CsvCursor cursor;
  detail::CsvRow row;
};

ThetasCsvReader::ThetasCsvReader(const std::string& path)
    : rows_(std::make_unique<Rows>(Rows{detail::open_csv_file(path), {}})) {
  const auto& cells = rows_->row.cells;
  if (!rows_->cursor.next(rows_->row)) throw DataError(path, 0, "", "expected a header id,theta and at least one row");
  if (cells.size() < 2 || trim(cells[0]) != "id" || trim(cells[1]) != "theta") {
    throw DataError(path, rows_->row.line, "", "the header must be id,theta");
  }
}

ThetasCsvReader::~ThetasCsvReader() = default;
ThetasCsvReader::ThetasCsvReader(ThetasCsvReader&&) noexcept = default;
ThetasCsvReader& ThetasCsvReader::operator=(ThetasCsvReader&&) noexcept = default;

bool ThetasCsvReader::next(SimulatedCandidate& out) {
  detail::CsvRow& row = rows_->row;
  if (!rows_->cursor.next(row)) return false;
  const std::string& path = rows_->cursor.file();
  const auto& cells = row.cells;
  if (cells.size() < 2 || trim(cells[0]).empty()) throw DataError(path, row.line, "id", "the id is empty");
  const auto theta = detail::parse_double(cells[1]);
  if (!theta) throw DataError(path, row.line, "theta", quoted_value(cells[1]) + " is not a finite number");
  out.id.assign(trim(cells[0]));
  out.population.assign("thetas");
  out.theta.resize(1);
  out.theta(0) = *theta;
  return true;
}

std::size_t ThetasCsvReader::rows_at_most() const noexcept { return rows_->cursor.lines_left(); }

std::vector<SimulatedCandidate> read_thetas_csv_file(const std::string& path) {
  ThetasCsvReader reader(path);
  std::vector<SimulatedCandidate> out;
  // Room for every row at once: a vector grown by doubling would copy its rows and touch fresh pages at every step.
  out.reserve(reader.rows_at_most());
  SimulatedCandidate candidate;
  while (reader.next(candidate)) out.push_back(candidate);
  if (out.empty()) throw DataError(path, 0, "", "expected a header id,theta and at least one row");
  return out;
}

std::vector<SimulatedCandidate> read_domain_thetas_csv_file(const std::string& path,
                                                            const std::vector<std::string>& domains) {
  const auto rows = detail::read_csv_file(path);
  if (rows.size() < 2) throw DataError(path, 0, "", "expected a header id,<domain>,... and at least one row");
  const auto& header = rows.front().cells;
  if (header.empty() || trim(header[0]) != "id") throw DataError(path, rows.front().line, "", "the first column must be id");
  std::vector<std::size_t> column(domains.size(), 0);
  for (std::size_t d = 0; d < domains.size(); ++d) {
    const auto found = std::find_if(header.begin(), header.end(),
                                    [&](const std::string& cell) { return trim(cell) == domains[d]; });
    if (found == header.end()) throw DataError(path, rows.front().line, domains[d], "no column for this domain");
    column[d] = static_cast<std::size_t>(found - header.begin());
  }
  std::vector<SimulatedCandidate> out;
  out.reserve(rows.size() - 1);
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& cells = rows[r].cells;
    if (cells.empty() || trim(cells[0]).empty()) throw DataError(path, rows[r].line, "id", "the id is empty");
    SimulatedCandidate candidate{std::string(trim(cells[0])), "thetas", Eigen::VectorXd(static_cast<Eigen::Index>(domains.size()))};
    for (std::size_t d = 0; d < domains.size(); ++d) {
      const auto theta = column[d] < cells.size() ? detail::parse_double(cells[column[d]]) : std::nullopt;
      if (!theta) throw DataError(path, rows[r].line, domains[d], "the true theta is not a finite number");
      candidate.theta(static_cast<Eigen::Index>(d)) = *theta;
    }
    out.push_back(std::move(candidate));
  }
  return out;
}

}  // namespace irtcat
