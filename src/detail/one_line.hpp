#pragma once
// One-line quoting of input values in messages (irtcat/text.hpp), under the names the library's sources use.

#include "irtcat/text.hpp"

namespace irtcat::detail {

using irtcat::one_line;
using irtcat::quoted_value;

}  // namespace irtcat::detail
