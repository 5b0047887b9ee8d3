// Storage for the vectors of an import that hold an entry per record (a
// million ApplyRecords take 88 MB): from 4 MiB on it is mapped with
// transparent huge pages, as BlockArena's blocks are, so filling it costs
// tens of page faults instead of twenty thousand. On the virtual machines
// measured, first touching fresh memory was most of what building those
// vectors cost. Smaller vectors use std::allocator.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace dbsync {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kMappedFrom = size_t{4} << 20;

  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMappedFrom) return std::allocator<T>().allocate(n);
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMappedFrom) return std::allocator<T>().deallocate(p, n);
    ::munmap(p, bytes);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace dbsync
