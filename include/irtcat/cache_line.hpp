#pragma once
// Storage on cache lines of its own, for what a thread writes at every step of a test (a session's logs, eligibility
// mask and posterior). Such a buffer from the ordinary heap can share its first or last cache line with whatever
// the heap put beside it: often, on the thread that built the designs, a design's or a candidate's data that the
// other threads of a study read at every step. Each write then takes the line from them, and each of their reads
// takes it back. A block from CacheLineAllocator starts on a line and fills its last one, so it shares no line.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <vector>

namespace irtcat {

/// The line size blocks are aligned and padded to: 64 bytes on x86-64 and most ARM cores. A larger line (Apple's
/// 128) only weakens the separation, it does not break anything.
inline constexpr std::size_t kCacheLineBytes = 64;

/// A stateless allocator whose blocks start on a cache line and are padded to whole lines.
template <class T>
struct CacheLineAllocator {
  using value_type = T;

  CacheLineAllocator() noexcept = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}  // NOLINT: allocators convert implicitly

  // A line and a pointer more than the block from the ordinary operator new: the block starts at the first line
  // boundary after the pointer, which records where the allocation began. (glibc's aligned operator new splits a
  // larger chunk and frees the rest: 45 ns more per block here, about 7 % of a 20-item CAT's.)
  T* allocate(std::size_t n) {
    void* const raw = ::operator new(bytes(n) + kCacheLineBytes + sizeof(void*));
    const std::uintptr_t start =
        (reinterpret_cast<std::uintptr_t>(raw) + sizeof(void*) + kCacheLineBytes - 1) & ~(kCacheLineBytes - 1);
    reinterpret_cast<void**>(start)[-1] = raw;
    return reinterpret_cast<T*>(start);
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(reinterpret_cast<void**>(p)[-1]); }

  /// n objects' bytes rounded up to whole lines (at least one). Throws std::bad_array_new_length past the largest.
  static std::size_t bytes(std::size_t n) {
    if (n > (std::numeric_limits<std::size_t>::max() - 4 * kCacheLineBytes) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t lines = (n * sizeof(T) + kCacheLineBytes - 1) / kCacheLineBytes;
    return (lines == 0 ? 1 : lines) * kCacheLineBytes;
  }

  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept {
    return true;
  }
};

/// A vector whose elements share no cache line with other data.
template <class T>
using CacheLineVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace irtcat
