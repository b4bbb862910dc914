#pragma once
// A small RFC 4180 reader: quoted fields (with "" for a quote, commas and line breaks inside), CRLF or LF line
// ends, a UTF-8 byte-order mark, blank lines skipped. Private to the library.

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irtcat::detail {

struct CsvRow {
  std::size_t line = 0;  ///< 1-based line on which the row starts
  std::vector<std::string> cells;
};

/// Reads every row. Throws DataError (naming `file`) for an unterminated quoted field.
std::vector<CsvRow> read_csv(std::istream& in, const std::string& file);

/// Opens and reads a file; throws DataError if it cannot be opened.
std::vector<CsvRow> read_csv_file(const std::string& path);

/// The cell without surrounding blanks.
std::string_view trimmed(std::string_view cell) noexcept;

/// True for an empty cell or R's NA.
bool is_missing(std::string_view cell) noexcept;

/// The cell as a finite double, or nullopt if it is not one (blanks around it allowed).
std::optional<double> parse_double(std::string_view cell) noexcept;

/// The shortest decimal text that reads back as exactly `value` ("inf", "-inf", "nan" for the others).
std::string format_double(double value);

/// `text` quoted for a CSV cell if it needs to be (comma, quote, line break, leading or trailing blank).
std::string csv_quoted(std::string_view text);

}  // namespace irtcat::detail
