#include "detail/check.hpp"

#include <string>

#include "detail/one_line.hpp"
#include "irtcat/error.hpp"

namespace irtcat::detail {

void throw_category_outside(const char* function, const Item& item, int category) {
  throw InvalidResponse(std::string(function) + ": item " + quoted_value(item.id().str()) + " has categories 0.." +
                        std::to_string(item.category_count() - 1) + ", got " + std::to_string(category));
}

void throw_mask_size(const char* function, std::size_t mask, std::size_t items) {
  throw InvalidArgument(std::string(function) + ": the eligibility mask has " + std::to_string(mask) + " entries for " +
                        std::to_string(items) + " items");
}

void throw_not_finite(const char* function, const char* argument) {
  throw InvalidArgument(std::string(function) + ": " + argument + " must be finite");
}

}  // namespace irtcat::detail
