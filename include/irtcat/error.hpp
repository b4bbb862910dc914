#pragma once
// The exception types irtcat throws. Each derives from the standard exception that fits it, so a caller may
// catch the precise type or the standard family. Messages name the function or file, the argument and the value.
//
// Expected outcomes (an all-correct pattern with no finite ML estimate, an exhausted bank, a calibration that
// did not converge) are never exceptions: they are statuses in the result.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace irtcat {

/// A function was called with an argument outside its domain (an option out of range, a NaN, an empty grid).
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// An item's parameters break its model's constraints (a <= 0, c >= d, unordered GRM thresholds, ...).
class InvalidItem : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A response that the item cannot produce (a category outside 0..K), or an ill-formed response log.
class InvalidResponse : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// An item id or index that the bank does not hold.
class UnknownItem : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

/// A session used out of turn: a response to an item that was not offered, an item given twice, a response after
/// the test finished, or a stored session resumed on a different bank or bank version. The session is unchanged.
class SessionError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// The place of a value in a JSON document, as a path from the top: `items[12].options[2]`, `bank.topics`,
/// `format`. Empty: the document as a whole.
struct JsonPath {
  std::string path;
};

/// Malformed input data: a file that cannot be read, a missing column, a cell that is not a number, a JSON field
/// of the wrong type. The message names the file, and the line and column of a table (CSV) or the path of a JSON
/// value when they are known.
class DataError : public std::runtime_error {
 public:
  /// A table's cell: `line` is 1-based, 0 means "not known"; an empty `column` is left out of the message.
  DataError(std::string file, std::size_t line, std::string column, const std::string& message);
  /// A JSON value: "file, at items[12].options[2]: message" (an empty path is left out of the message).
  DataError(std::string file, JsonPath path, const std::string& message);

  const std::string& file() const noexcept { return file_; }
  std::size_t line() const noexcept { return line_; }
  const std::string& column() const noexcept { return column_; }
  /// The JSON path of the value, empty for tables and for errors about a JSON document as a whole.
  const std::string& json_path() const noexcept { return json_path_; }

 private:
  std::string file_;
  std::size_t line_ = 0;
  std::string column_;
  std::string json_path_;
};

/// A database operation failed or the database is not irtcat's. `code()` is SQLite's result code (1 when none).
class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& message, int code) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace irtcat
