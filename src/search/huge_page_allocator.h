// Copyright 2026 The Candor Authors.
//
// HugePageAllocator<T>: a std::allocator replacement for the large, scanned
// arrays of an index (the codes of a flat index). Blocks of at least
// kHugeThreshold bytes are mapped with mmap and advised MADV_HUGEPAGE before
// their first touch, so with the kernel's transparent huge pages in "madvise"
// mode (Debian's default) a 10M-template scan walks 2 MiB pages instead of
// 4 KiB ones and no longer stalls on TLB misses. Smaller blocks, and any system
// where the advice is refused, fall back to ordinary pages: the advice only
// changes speed, never contents.
//
// Thread safety: stateless; safe from any thread.

#ifndef CANDOR_SEARCH_HUGE_PAGE_ALLOCATOR_H_
#define CANDOR_SEARCH_HUGE_PAGE_ALLOCATOR_H_

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace candor::search {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;
inline constexpr size_t kHugeThreshold = size_t{4} << 20;

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: allocator rebind

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeThreshold) return static_cast<T*>(::operator new(bytes));
    void* p = mmap(nullptr, Rounded(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    (void)madvise(p, Rounded(bytes), MADV_HUGEPAGE);  // advice only: failure is harmless
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeThreshold) {
      ::operator delete(p);
    } else {
      munmap(p, Rounded(bytes));
    }
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }

 private:
  static size_t Rounded(size_t bytes) {
    return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  }
};

}  // namespace candor::search

#endif  // CANDOR_SEARCH_HUGE_PAGE_ALLOCATOR_H_
