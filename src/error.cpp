#include "irtcat/error.hpp"

#include <utility>

#include "detail/one_line.hpp"

namespace irtcat {
namespace {

std::string located_message(const std::string& file, std::size_t line, const std::string& column,
                            const std::string& message) {
  std::string where = file;
  if (line > 0) where += ", line " + std::to_string(line);
  if (!column.empty()) where += ", column '" + column + "'";
  // One line whatever the input held: file names, columns and quoted values can hold line breaks.
  return detail::one_line(where + ": " + message);
}

std::string json_message(const std::string& file, const std::string& path, const std::string& message) {
  // One line as well: a member's name in the path can hold a line break.
  return detail::one_line(path.empty() ? file + ": " + message : file + ", at " + path + ": " + message);
}

}  // namespace

DataError::DataError(std::string file, JsonPath path, const std::string& message)
    : std::runtime_error(json_message(file, path.path, message)), file_(std::move(file)), json_path_(std::move(path.path)) {}

DataError::DataError(std::string file, std::size_t line, std::string column, const std::string& message)
    : std::runtime_error(located_message(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(std::move(column)) {}

}  // namespace irtcat
