#include "detail/csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>

#include "irtcat/error.hpp"

namespace irtcat::detail {

std::vector<CsvRow> read_csv(std::istream& in, const std::string& file) {
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;

  std::vector<CsvRow> rows;
  CsvRow row;
  std::string cell;
  std::size_t line = 1;
  row.line = line;
  bool row_has_content = false;
  const auto end_cell = [&] {
    row.cells.push_back(std::move(cell));
    cell.clear();
  };
  const auto end_row = [&] {
    end_cell();
    if (row_has_content) rows.push_back(std::move(row));
    row = CsvRow{};
    row_has_content = false;
  };

  while (pos < text.size()) {
    const char ch = text[pos];
    if (ch == '"' && trim(cell).empty()) {  // a quoted field
      cell.clear();
      const std::size_t opened_on = line;
      ++pos;
      while (true) {
        if (pos >= text.size()) throw DataError(file, opened_on, "", "a quoted field is never closed");
        if (text[pos] == '"') {
          if (pos + 1 < text.size() && text[pos + 1] == '"') {
            cell += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        if (text[pos] == '\n') ++line;
        cell += text[pos++];
      }
      row_has_content = true;
      continue;
    }
    if (ch == ',') {
      end_cell();
      row_has_content = true;
      ++pos;
    } else if (ch == '\r' || ch == '\n') {
      end_row();
      pos += (ch == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
      row.line = ++line;
    } else {
      cell += ch;
      if (ch != ' ' && ch != '\t') row_has_content = true;
      ++pos;
    }
  }
  end_row();
  return rows;
}

std::vector<CsvRow> read_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  return read_csv(in, path);
}

bool is_missing(std::string_view cell) noexcept {
  const std::string_view value = trim(cell);
  return value.empty() || value == "NA";
}

}  // namespace irtcat::detail
