#pragma once
// Text helpers that the CSV files, the command line and a service share: trimming, splitting and joining lists,
// and numbers and cells written so that R and Python read them back exactly.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irtcat {

/// `text` without blanks (space, tab, carriage return, line feed) at either end.
std::string_view trim(std::string_view text) noexcept;

/// The parts of `text` between the `separator`s, each trimmed: n separators give n + 1 parts, empty ones kept
/// ("a, ,b" gives "a", "", "b"); an empty text gives none.
std::vector<std::string> split(std::string_view text, char separator);

/// `parts` with `separator` between each two.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

/// The text as a finite double (blanks around it and a leading '+' allowed), or nullopt if it is not one.
std::optional<double> parse_double(std::string_view text) noexcept;

/// The shortest decimal text that reads back as exactly `value` ("inf", "-inf", "nan" for the others).
std::string format_double(double value);
/// Appends format_double(value) to `out` (without a temporary string: for writers of many numbers).
void append_double(std::string& out, double value);

/// `text` broken into lines of at most `width` characters (UTF-8 code points) at blanks, each line after the first starting with `indent`
/// (counted in the width); a word longer than a line stays whole on a line of its own. Line breaks in `text` are
/// kept; runs of blanks between words become one space. For a terminal, where a line cut mid-word is hard to read.
std::string wrap_words(std::string_view text, std::size_t width, std::string_view indent = {});

/// `text` quoted for a CSV cell if it needs to be (comma, quote, line break, leading or trailing blank).
std::string csv_quoted(std::string_view text);
/// Appends csv_quoted(text) to `out`.
void append_csv_quoted(std::string& out, std::string_view text);

// Input values quoted in error messages, kept on one line: errors are one line (docs/conventions.md's command-line
// contract), but a value read from a file can hold anything, a quoted CSV cell a line break, a JSON string a tab.

/// `text` with every control character (below 0x20, and 0x7f) written as an escape: \n, \r, \t, or \xHH.
/// Other bytes, backslashes included, are kept, so that applying it twice gives what applying it once does:
/// the exception types use it on whole messages, the command-line tool on whatever it prints.
inline std::string one_line(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte >= 0x20 && byte != 0x7f) {
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

/// A value read from input, in single quotes for a message: backslashes and quotes escaped too, so that the quoted
/// text says exactly which bytes the input held ('a\nb' is a line break, 'a\\nb' a backslash and an n).
inline std::string quoted_value(std::string_view value) {
  std::string out = "'";
  for (const char ch : value) {
    if (ch == '\\' || ch == '\'') out += '\\';
    out += ch;
  }
  return one_line(out) + "'";
}

}  // namespace irtcat
