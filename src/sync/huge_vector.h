// Storage for the vectors of an import that hold an entry per record (a
// million ApplyRecords take 88 MB): from 4 MiB on it is mapped with
// transparent huge pages, as BlockArena's blocks are, so filling it costs
// tens of page faults instead of twenty thousand. On the virtual machines
// measured, first touching fresh memory was most of what building those
// vectors cost. Smaller vectors use std::allocator.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

#include "util/huge_pages.h"

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
    char* p = map_huge_pages(bytes);
    if (p == nullptr) throw std::bad_alloc();
    return reinterpret_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMappedFrom) return std::allocator<T>().deallocate(p, n);
    unmap_huge_pages(reinterpret_cast<char*>(p), bytes);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace dbsync
