#pragma once
// The infinities, named once for every file that compares against them.

#include <limits>

namespace irtcat::detail {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();
inline constexpr double kMinusInfinity = -kInfinity;

}  // namespace irtcat::detail
