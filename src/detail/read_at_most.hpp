#pragma once
// The whole of a stream, read in blocks up to one byte past `limit`: a reader that refuses files over a size learns
// that from the result's size (> limit) without holding an endless or huge stream. Used by the JSON readers that cap
// their input (bank JSON, latent JSON).

#include <array>
#include <cstddef>
#include <istream>
#include <string>

namespace irtcat::detail {

inline std::string read_at_most(std::istream& in, std::size_t limit) {
  std::string text;
  std::array<char, 1 << 16> buffer{};
  while (in && text.size() <= limit) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  return text;
}

}  // namespace irtcat::detail
