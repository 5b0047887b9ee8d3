#include "sync/block_arena.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace dbsync {

namespace {
constexpr size_t kHuge = size_t{2} << 20;
size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }
}  // namespace

BlockArena::~BlockArena() {
  for (const Block& b : blocks_) ::munmap(b.p, b.size);
}

char* BlockArena::map(size_t n) {
  n = round_up(n, kHuge);
  void* p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  ::madvise(p, n, MADV_HUGEPAGE);
#endif
  blocks_.push_back({static_cast<char*>(p), n});
  reserved_ += n;
  return static_cast<char*>(p);
}

char* BlockArena::allocate(size_t n) {
  if (n > kBlock / 4) return map(n);  // a large record gets its own mapping
  if (n > left_) {
    cur_ = map(kBlock);
    left_ = kBlock;
  }
  char* p = cur_;
  cur_ += n;
  left_ -= n;
  return p;
}

std::string_view BlockArena::copy(std::string_view bytes) {
  char* p = allocate(bytes.size());
  std::memcpy(p, bytes.data(), bytes.size());
  return {p, bytes.size()};
}

}  // namespace dbsync
