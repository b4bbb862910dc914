// CacheLineAllocator (irtcat/cache_line.hpp): blocks that share no cache line with other data.

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "irtcat/cache_line.hpp"
#include "irtcat/session.hpp"

using namespace irtcat;

namespace {

bool on_a_line(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % kCacheLineBytes == 0; }

template <class T>
void check_blocks() {
  CacheLineAllocator<T> allocator;
  for (std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{64}, std::size_t{200}, std::size_t{1000}}) {
    CAPTURE(n);
    const std::size_t bytes = CacheLineAllocator<T>::bytes(n);
    CHECK(bytes % kCacheLineBytes == 0);
    CHECK(bytes >= n * sizeof(T));
    CHECK(bytes < n * sizeof(T) + kCacheLineBytes);
    T* p = allocator.allocate(n);
    CHECK(on_a_line(p));
    // The whole padded block is the allocation's: AddressSanitizer (CI) fails this write if it is not.
    std::memset(static_cast<void*>(p), 0x5a, bytes);
    allocator.deallocate(p, n);
  }
}

}  // namespace

TEST_CASE("cache line allocator: blocks start on a line and fill their last one") {
  check_blocks<char>();
  check_blocks<double>();
  check_blocks<SessionStep>();
  CHECK(CacheLineAllocator<char>::bytes(0) == kCacheLineBytes);
  CHECK_THROWS_AS((void)CacheLineAllocator<double>::bytes(std::size_t(-1) / 4), std::bad_array_new_length);

  // A vector keeps the line start as it grows, and equal allocators let storage move between vectors.
  CacheLineVector<double> values;
  for (int i = 0; i < 1000; ++i) {
    values.push_back(i);
    REQUIRE(on_a_line(values.data()));
  }
  CacheLineVector<double> moved = std::move(values);
  CHECK(moved.size() == 1000);
  CHECK(moved[999] == 999.0);
  CHECK(CacheLineAllocator<double>() == CacheLineAllocator<char>());
}
