// Append-only memory for many small records (rows of a database scan,
// shard files of a snapshot): large blocks that never move, backed by
// transparent huge pages where the kernel offers them, so filling a
// gigabyte costs hundreds of page faults instead of a quarter million.
// Everything is freed together when the arena is destroyed. Not
// thread-safe.
//
// With `prefault`, the next block is mapped and its pages faulted in (the
// kernel zeroes them) on a helper thread while the caller fills the current
// one: a single-threaded producer such as the database scan then does not
// wait for fresh memory on a machine with a second core.
#pragma once

#include <cstddef>
#include <future>
#include <string_view>
#include <vector>

namespace dbsync {

class BlockArena {
 public:
  explicit BlockArena(bool prefault = false) : prefault_(prefault) {}
  BlockArena(const BlockArena&) = delete;
  BlockArena& operator=(const BlockArena&) = delete;
  ~BlockArena();

  // `n` bytes that stay valid until the arena is destroyed.
  char* allocate(size_t n);
  std::string_view copy(std::string_view bytes);
  size_t bytes_reserved() const { return reserved_; }

 private:
  static constexpr size_t kBlock = size_t{8} << 20;
  struct Block {
    char* p;
    size_t size;
  };
  char* map(size_t n);
  char* next_block();
  std::vector<Block> blocks_;
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t reserved_ = 0;
  bool prefault_ = false;
  std::future<char*> pending_;  // the next block, being faulted in
};

}  // namespace dbsync
