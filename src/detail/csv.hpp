#pragma once
// A small RFC 4180 reader: quoted fields (with "" for a quote, commas and line breaks inside), CRLF or LF line
// ends, a UTF-8 byte-order mark, blank lines skipped. Private to the library.

#include <cstddef>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irtcat/text.hpp"

namespace irtcat::detail {

struct CsvRow {
  std::size_t line = 0;  ///< 1-based line on which the row starts
  std::vector<std::string> cells;
};

/// The rows of CSV text one at a time: for_each_csv_row's reader, pulled instead of pushed.
class CsvCursor {
 public:
  /// Over `text` (a UTF-8 byte-order mark skipped); `file` names it in errors.
  CsvCursor(std::string text, std::string file);
  /// Over `in`, the file `file` opened, read in blocks as the rows are taken: memory for the rows in hand, not the
  /// whole file.
  CsvCursor(std::unique_ptr<std::istream> in, std::string file);
  /// The next row with content into `row` (its storage reused unless the caller moved it away); false at the end.
  /// Throws DataError for an unterminated quoted field.
  bool next(CsvRow& row);
  /// The lines left in the text (a last one without a line break counted): the rows left when no line is blank and
  /// no quoted field holds a line break, else more. Over a file, its lines are counted on the first call (0 if it
  /// can no longer be read).
  std::size_t lines_left() const noexcept;
  /// The file named in errors.
  const std::string& file() const noexcept { return file_; }

 private:
  /// True when the text holds position `i`, reading blocks of the stream until it does (or it ends).
  bool has(std::size_t i) { return i < text_.size() || fill_to(i); }
  bool fill_to(std::size_t i);

  std::string text_;  ///< the text, or the part of the stream read and not yet passed
  std::string file_;
  std::unique_ptr<std::istream> in_;  ///< null over text in memory
  mutable std::optional<std::size_t> lines_;  ///< the file's lines, once counted
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::string cell_;
  bool finished_ = false;
};

/// A cursor over a file, read as its rows are taken; throws DataError if it cannot be opened.
CsvCursor open_csv_file(const std::string& path);

/// Calls `visit` with each row in turn, without keeping them: the row's storage is reused for the next unless `visit`
/// moves it away (to keep it). Throws DataError (naming `file`) for an unterminated quoted field, and what `visit`
/// throws.
void for_each_csv_row(std::istream& in, const std::string& file, const std::function<void(CsvRow&)>& visit);

/// for_each_csv_row on a file; throws DataError if it cannot be opened.
void for_each_csv_row_of_file(const std::string& path, const std::function<void(CsvRow&)>& visit);

/// Reads every row. Throws as for_each_csv_row.
std::vector<CsvRow> read_csv(std::istream& in, const std::string& file);

/// Opens and reads a file; throws DataError if it cannot be opened.
std::vector<CsvRow> read_csv_file(const std::string& path);

// The cell helpers (trim, parse_double, format_double, csv_quoted) are public, in irtcat/text.hpp.
using irtcat::csv_quoted;
using irtcat::format_double;
using irtcat::parse_double;

/// True for an empty cell or R's NA.
bool is_missing(std::string_view cell) noexcept;


}  // namespace irtcat::detail
