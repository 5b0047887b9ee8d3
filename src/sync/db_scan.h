// Reads every synced collection of the database in one read transaction
// and files its records by shard, ready to be compared with the matched
// snapshot (export, status, diff, verify). Records of a shard are kept in
// one byte arena (no allocation per record) and sorted by key encoding.
// Memory follows the database size. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "sync/block_arena.h"
#include "sync/matched.h"
#include "sync/replica.h"
#include "util/error.h"

namespace dbsync {

// The records of one shard: views into a BlockArena shared by the scan.
// Each shard fills chunks of its own, so its records lie close together
// however the rows of all shards arrive: sorting and comparing a shard
// then stays within a few hundred kilobytes.
class RecordArena {
 public:
  explicit RecordArena(BlockArena* memory = nullptr) : memory_(memory) {}
  void add(std::string_view key, std::string_view doc);
  size_t size() const { return entries_.size(); }
  std::string_view key(size_t i) const { return {entries_[i].p, entries_[i].key_len}; }
  std::string_view doc(size_t i) const { return {entries_[i].p + entries_[i].key_len, entries_[i].doc_len}; }
  void sort_by_key();
  // Keeps the first of records with equal keys (after sort_by_key).
  void drop_duplicate_keys();
  // The first key that appears twice (after sort_by_key), or empty.
  std::string_view duplicate_key() const;

 private:
  struct Entry {
    uint64_t prefix;  // the key's first 8 bytes, big-endian: most comparisons stop here
    const char* p;
    uint32_t key_len;
    uint32_t doc_len;
  };
  static constexpr size_t kChunk = size_t{256} << 10;
  BlockArena* memory_;
  char* chunk_ = nullptr;
  size_t chunk_left_ = 0;
  size_t next_chunk_ = size_t{2} << 10;  // doubled before use
  std::vector<Entry> entries_;
};

struct CollectionScan {
  CollectionInfo info;
  uint32_t shard_count = 1;
  std::vector<RecordArena> shards;  // sorted by key
  uint64_t records = 0;
  // Read from the store's change log: the shards hold only the records the
  // log names, an empty document for one that is gone; every other record
  // is as the matched state has it.
  bool incremental = false;
};

struct DatabaseScan {
  // Holds every record; its pages are faulted in ahead on a second thread.
  std::unique_ptr<BlockArena> memory = std::make_unique<BlockArena>(/*prefault=*/true);
  std::vector<CollectionScan> collections;  // sorted by name
  std::vector<SkippedCollection> skipped;
  ChangeLog log;  // the store's change log as the scan saw it (incremental scans)
  const CollectionScan* find(std::string_view name) const;
};

// The matched state an incremental scan builds on.
struct ScanBase {
  const MatchedMeta* meta = nullptr;
  std::filesystem::path root;  // its generation root
};

// Scans every collection of the catalog. kBadInput when two rows of a table
// share a key (a configured key that is not unique).
// With `base`, a collection the store's change log covers since `base`
// (same token, same shard count, same schema.json) is read from the log
// instead (CollectionScan::incremental), in the same read transaction.
Result<DatabaseScan> scan_database(Replica& replica, const ScanBase* base = nullptr);

}  // namespace dbsync
