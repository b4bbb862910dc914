#include "detail/csv.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string_view>
#include <utility>

#include "irtcat/error.hpp"

namespace irtcat::detail {

namespace {

// The whole stream, read in large blocks (an istreambuf_iterator goes a character at a time: 1.2 µs of a simulee's
// 9 in `irtcat simulate`). `expected`, the stream's size when known, saves growing the string by copies.
std::string read_all(std::istream& in, std::size_t expected = 0) {
  std::string text;
  text.reserve(expected + 1);
  std::array<char, 1 << 16> block;
  while (in.read(block.data(), block.size()) || in.gcount() > 0) {
    text.append(block.data(), static_cast<std::size_t>(in.gcount()));
  }
  return text;
}

// The characters that end a run of ordinary ones: a separator, a line end or a quote.
constexpr bool ends_run(char ch) noexcept { return ch == ',' || ch == '\n' || ch == '\r' || ch == '"'; }

// for_each_csv_row on text already read.
void for_each_csv_row_in(const std::string& text, const std::string& file, const std::function<void(CsvRow&)>& visit) {
  std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;

  CsvRow row;  // reused: its cells keep their storage from row to row (unless the visitor moves them away)
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
    if (row_has_content) visit(row);
    row.cells.clear();
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
      // A run of ordinary characters (a quote inside an unquoted field is one), appended at once.
      std::size_t stop = pos + 1;
      while (stop < text.size() && !ends_run(text[stop])) ++stop;
      const std::string_view run(text.data() + pos, stop - pos);
      cell += run;
      if (run.find_first_not_of(" \t") != std::string_view::npos) row_has_content = true;
      pos = stop;
    }
  }
  end_row();
}

}  // namespace

void for_each_csv_row(std::istream& in, const std::string& file, const std::function<void(CsvRow&)>& visit) {
  for_each_csv_row_in(read_all(in), file, visit);
}


std::vector<CsvRow> read_csv(std::istream& in, const std::string& file) {
  std::vector<CsvRow> rows;
  for_each_csv_row(in, file, [&](CsvRow& row) { rows.push_back(std::move(row)); });
  return rows;
}

void for_each_csv_row_of_file(const std::string& path, const std::function<void(CsvRow&)>& visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);  // 0 for a pipe or when unknown
  for_each_csv_row_in(read_all(in, error ? 0 : static_cast<std::size_t>(size)), path, visit);
}

std::vector<CsvRow> read_csv_file(const std::string& path) {
  std::vector<CsvRow> rows;
  for_each_csv_row_of_file(path, [&](CsvRow& row) { rows.push_back(std::move(row)); });
  return rows;
}

bool is_missing(std::string_view cell) noexcept {
  const std::string_view value = trim(cell);
  return value.empty() || value == "NA";
}

}  // namespace irtcat::detail
