#pragma once
// Names read in any case: the enums' parsers and the files' column headers.

#include <string>
#include <string_view>

namespace irtcat::detail {

/// `text` with A-Z turned to a-z; other bytes (UTF-8 included) kept. Not the locale's tolower: a name means the
/// same on every machine.
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

}  // namespace irtcat::detail
