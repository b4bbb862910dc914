#pragma once
// Input values quoted in error messages, kept on one line. Errors are one line on standard error (DESIGN.md's
// command-line contract), but a value read from a file can hold anything: a quoted CSV cell a line break, a JSON
// string a tab or an escape sequence. Private to the library and the command-line tool.

#include <string>
#include <string_view>

namespace irtcat::detail {

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

}  // namespace irtcat::detail
