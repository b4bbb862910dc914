#include "irtcat/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace irtcat {

std::string_view trim(std::string_view text) noexcept {
  constexpr std::string_view kBlanks = " \t\r\n";
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kBlanks);
  return text.substr(first, last - first + 1);
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  if (text.empty()) return parts;
  while (true) {
    const auto end = text.find(separator);
    parts.emplace_back(trim(text.substr(0, end)));
    if (end == std::string_view::npos) return parts;
    text.remove_prefix(end + 1);
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::optional<double> parse_double(std::string_view text) noexcept {
  std::string_view value = trim(text);
  if (value.starts_with('+')) value.remove_prefix(1);
  double result = 0.0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (value.empty() || error != std::errc{} || end != value.data() + value.size() || !std::isfinite(result)) {
    return std::nullopt;
  }
  return result;
}

std::string format_double(double value) {
  std::string out;
  append_double(out, value);
  return out;
}

void append_double(std::string& out, double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error == std::errc{}) {
    out.append(buffer, end);
  } else {
    out += "nan";
  }
}

namespace {

std::size_t code_points(std::string_view text) noexcept {
  std::size_t count = 0;
  for (const char ch : text) count += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return count;
}

}  // namespace

std::string wrap_words(std::string_view text, std::size_t width, std::string_view indent) {
  std::string out;
  std::size_t column = 0;  // code points on the current line
  bool line_has_word = false;
  const auto new_line = [&] {
    out += '\n';
    out += indent;
    column = code_points(indent);
    line_has_word = false;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char ch = text[pos];
    if (ch == '\n') {
      new_line();
      ++pos;
      continue;
    }
    if (ch == ' ' || ch == '\t' || ch == '\r') {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\r' && text[end] != '\n') ++end;
    const std::string_view word = text.substr(pos, end - pos);
    const std::size_t length = code_points(word);
    if (line_has_word && column + 1 + length > width) new_line();
    if (line_has_word) {
      out += ' ';
      ++column;
    }
    out += word;
    column += length;
    line_has_word = true;
    pos = end;
  }
  return out;
}

std::string csv_quoted(std::string_view text) {
  std::string out;
  append_csv_quoted(out, text);
  return out;
}

void append_csv_quoted(std::string& out, std::string_view text) {
  // One pass over the text (find_first_of with a set of four searches the set once per character: a tenth of a
  // simulate run's writing went there).
  const bool special = std::any_of(text.begin(), text.end(),
                                   [](char ch) { return ch == ',' || ch == '"' || ch == '\r' || ch == '\n'; });
  const bool needs_quotes = special || (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!needs_quotes) {
    out += text;
    return;
  }
  out += '"';
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

}  // namespace irtcat
