#include "detail/csv.hpp"

#include <algorithm>
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

}  // namespace

CsvCursor::CsvCursor(std::string text, std::string file) : text_(std::move(text)), file_(std::move(file)) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvCursor::next(CsvRow& row) {
  // The row's cells keep their storage from row to row (unless the caller moves them away).
  row.cells.clear();
  row.line = line_;
  cell_.clear();
  bool row_has_content = false;
  const auto end_cell = [&] {
    row.cells.push_back(std::move(cell_));
    cell_.clear();
  };
  while (pos_ < text_.size()) {
    const char ch = text_[pos_];
    if (ch == '"' && trim(cell_).empty()) {  // a quoted field
      cell_.clear();
      const std::size_t opened_on = line_;
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) throw DataError(file_, opened_on, "", "a quoted field is never closed");
        if (text_[pos_] == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            cell_ += '"';
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        if (text_[pos_] == '\n') ++line_;
        cell_ += text_[pos_++];
      }
      row_has_content = true;
      continue;
    }
    if (ch == ',') {
      end_cell();
      row_has_content = true;
      ++pos_;
    } else if (ch == '\r' || ch == '\n') {
      end_cell();
      pos_ += (ch == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ? 2 : 1;
      ++line_;
      if (row_has_content) return true;
      row.cells.clear();  // a blank line: skipped
      row.line = line_;
    } else {
      // A run of ordinary characters (a quote inside an unquoted field is one), appended at once.
      std::size_t stop = pos_ + 1;
      while (stop < text_.size() && !ends_run(text_[stop])) ++stop;
      const std::string_view run(text_.data() + pos_, stop - pos_);
      cell_ += run;
      if (run.find_first_not_of(" \t") != std::string_view::npos) row_has_content = true;
      pos_ = stop;
    }
  }
  // The last row, when the text does not end with a line break.
  if (finished_) return false;
  finished_ = true;
  end_cell();
  return row_has_content;
}

std::size_t CsvCursor::lines_left() const noexcept {
  if (pos_ >= text_.size()) return 0;
  const auto breaks = static_cast<std::size_t>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(pos_), text_.end(), '\n'));
  return breaks + (text_.back() == '\n' ? 0 : 1);
}

void for_each_csv_row(std::istream& in, const std::string& file, const std::function<void(CsvRow&)>& visit) {
  CsvCursor cursor(read_all(in), file);
  CsvRow row;
  while (cursor.next(row)) visit(row);
}

std::vector<CsvRow> read_csv(std::istream& in, const std::string& file) {
  std::vector<CsvRow> rows;
  for_each_csv_row(in, file, [&](CsvRow& row) { rows.push_back(std::move(row)); });
  return rows;
}

CsvCursor open_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "", "cannot open the file");
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);  // 0 for a pipe or when unknown
  return CsvCursor(read_all(in, error ? 0 : static_cast<std::size_t>(size)), path);
}

void for_each_csv_row_of_file(const std::string& path, const std::function<void(CsvRow&)>& visit) {
  CsvCursor cursor = open_csv_file(path);
  CsvRow row;
  while (cursor.next(row)) visit(row);
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
