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
    if (ch == '"' && trimmed(cell).empty()) {  // a quoted field
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

std::string_view trimmed(std::string_view cell) noexcept {
  const auto first = cell.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = cell.find_last_not_of(" \t");
  return cell.substr(first, last - first + 1);
}

bool is_missing(std::string_view cell) noexcept {
  const std::string_view value = trimmed(cell);
  return value.empty() || value == "NA";
}

std::optional<double> parse_double(std::string_view cell) noexcept {
  std::string_view value = trimmed(cell);
  if (value.starts_with('+')) value.remove_prefix(1);
  double result = 0.0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (value.empty() || error != std::errc{} || end != value.data() + value.size() || !std::isfinite(result)) {
    return std::nullopt;
  }
  return result;
}

std::string format_double(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc{} ? std::string(buffer, end) : std::string("nan");
}

std::string csv_quoted(std::string_view text) {
  const bool needs_quotes = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                            (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!needs_quotes) return std::string(text);
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + '"';
}

}  // namespace irtcat::detail
