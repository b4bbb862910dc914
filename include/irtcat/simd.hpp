#pragma once
// The instruction set irtcat's vector kernels run on. They are compiled for several (on x86-64: AVX-512 as "avx3",
// AVX2, SSE4, SSSE3 and "scalar", the baseline) and one is chosen from the CPU at the first call; every one gives
// the same results to the last bit. The environment variable IRTCAT_SIMD=<name> chooses one instead (any case):
// a name this build and CPU do not run makes the kernels throw InvalidArgument.

#include <string>
#include <vector>

namespace irtcat {

/// The instruction set in use, lower case ("avx2").
std::string simd_target();

/// The instruction sets this build runs on this CPU, best first, lower case: what IRTCAT_SIMD accepts.
std::vector<std::string> simd_targets();

}  // namespace irtcat
