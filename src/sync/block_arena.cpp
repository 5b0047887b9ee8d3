#include "sync/block_arena.h"

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <system_error>

#include "util/huge_pages.h"

namespace dbsync {

namespace {
constexpr size_t kHuge = size_t{2} << 20;
size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Faults every page of [p, p + n) in.
void populate(char* p, size_t n) {
#ifdef MADV_POPULATE_WRITE
  if (::madvise(p, n, MADV_POPULATE_WRITE) == 0) return;
#endif
  for (size_t i = 0; i < n; i += 4096) static_cast<volatile char*>(p)[i] = 0;
}
}  // namespace

BlockArena::~BlockArena() {
  if (pending_.valid()) {
    if (char* p = pending_.get()) unmap_huge_pages(p, kBlock);
  }
  for (const Block& b : blocks_) unmap_huge_pages(b.p, b.size);
}

char* BlockArena::map(size_t n) {
  n = round_up(n, kHuge);
  char* p = map_huge_pages(n);
  if (p == nullptr) throw std::bad_alloc();
  blocks_.push_back({p, n});
  reserved_ += n;
  return p;
}

char* BlockArena::next_block() {
  if (!prefault_) return map(kBlock);
  char* p = pending_.valid() ? pending_.get() : nullptr;
  if (p == nullptr) {
    p = map(kBlock);
  } else {
    blocks_.push_back({p, kBlock});
    reserved_ += kBlock;
  }
  try {
    pending_ = std::async(std::launch::async, [] {
      char* q = map_huge_pages(kBlock);
      if (q != nullptr) populate(q, kBlock);
      return q;
    });
  } catch (const std::system_error&) {
    prefault_ = false;  // no thread to spare: fault pages in as they are used
  }
  return p;
}

char* BlockArena::allocate(size_t n) {
  if (n > kBlock / 4) return map(n);  // a large record gets its own mapping
  if (n > left_) {
    cur_ = next_block();
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
