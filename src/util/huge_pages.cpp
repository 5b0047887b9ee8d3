#include "util/huge_pages.h"

#include <sys/mman.h>

namespace dbsync {

char* map_huge_pages(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
  ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return static_cast<char*>(p);
}

void unmap_huge_pages(char* p, size_t bytes) { ::munmap(p, bytes); }

}  // namespace dbsync
