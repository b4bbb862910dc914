#pragma once
// A response matrix, persons × items, as data: what calibration reads and the responses CSV (responses_csv.hpp)
// and the store produce.

#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <vector>

namespace irtcat {

/// A response matrix: persons × items, kMissingResponse where nothing was recorded; where it was read from, for
/// error messages.
struct ResponseTable {
  static constexpr int kMissingResponse = -1;

  std::string file;                           ///< the source, for error messages
  std::size_t header_line = 1;                ///< the line the header is on
  std::vector<std::string> person_ids;        ///< one per row
  std::vector<std::size_t> lines;             ///< the line each person's row is on
  std::vector<std::string> item_ids;          ///< one per column
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> responses;  ///< persons × items
};

}  // namespace irtcat
