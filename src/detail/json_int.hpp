#pragma once
// Whole numbers read from JSON documents (bank, session and roles files). Private to the library.

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace irtcat::detail {

/// The value as an int if it is a JSON integer in int's range, else nullopt. nlohmann's get<int>() would make 1.7
/// into 1, wrap 2^32 + 1 to 1, and convert 1e300 with undefined behaviour.
inline std::optional<int> json_int(const nlohmann::json& value) {
  constexpr auto kMax = std::numeric_limits<int>::max();
  constexpr auto kMin = std::numeric_limits<int>::min();
  if (value.is_number_unsigned()) {
    const auto n = value.get<std::uint64_t>();
    return n <= static_cast<std::uint64_t>(kMax) ? std::optional<int>(static_cast<int>(n)) : std::nullopt;
  }
  if (value.is_number_integer()) {
    const auto n = value.get<std::int64_t>();
    return n >= kMin && n <= kMax ? std::optional<int>(static_cast<int>(n)) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace irtcat::detail
