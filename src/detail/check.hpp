#pragma once
// Preconditions as one call each, in Stan Math's manner (check_finite, check_size_match, ...): the call names the
// function and the argument, the check is inline and cheap, and the message is built out of line only when it
// fails. One function per check, so that every place that makes it says the same thing.

#include <cmath>
#include <cstddef>

#include "irtcat/model.hpp"

namespace irtcat::detail {

[[noreturn]] void throw_category_outside(const char* function, const Item& item, int category);
[[noreturn]] void throw_mask_size(const char* function, std::size_t mask, std::size_t items);
[[noreturn]] void throw_not_finite(const char* function, const char* argument);

/// Throws InvalidResponse "<function>: item '<id>' has categories 0..K, got <category>" unless 0 <= category <= K.
inline void check_category(const char* function, const Item& item, int category) {
  if (category < 0 || category >= item.category_count()) throw_category_outside(function, item, category);
}

/// Throws InvalidArgument "<function>: the eligibility mask has <mask> entries for <items> items" unless they match.
inline void check_mask_size(const char* function, std::size_t mask, std::size_t items) {
  if (mask != items) throw_mask_size(function, mask, items);
}

/// Throws InvalidArgument "<function>: <argument> must be finite" for a NaN or an infinity.
inline void check_finite(const char* function, const char* argument, double value) {
  if (!std::isfinite(value)) throw_not_finite(function, argument);
}

}  // namespace irtcat::detail
