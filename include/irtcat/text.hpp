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

/// `text` quoted for a CSV cell if it needs to be (comma, quote, line break, leading or trailing blank).
std::string csv_quoted(std::string_view text);

}  // namespace irtcat
