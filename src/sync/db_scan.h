// Reads every synced collection of the database in one read transaction
// and files its records by shard, ready to be compared with the matched
// snapshot (export, status, diff, verify). Records of a shard are kept in
// one byte arena (no allocation per record) and sorted by key encoding.
// Memory follows the database size. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "sync/replica.h"
#include "util/error.h"

namespace dbsync {

class RecordArena {
 public:
  void add(std::string_view key, std::string_view doc);
  size_t size() const { return entries_.size(); }
  std::string_view key(size_t i) const { return view(entries_[i].key_off, entries_[i].key_len); }
  std::string_view doc(size_t i) const { return view(entries_[i].doc_off, entries_[i].doc_len); }
  void sort_by_key();
  // The first key that appears twice (after sort_by_key), or empty.
  std::string_view duplicate_key() const;

 private:
  struct Entry {
    uint64_t key_off;
    uint32_t key_len;
    uint64_t doc_off;
    uint32_t doc_len;
  };
  std::string_view view(uint64_t off, uint32_t len) const {
    return std::string_view(bytes_.data() + off, len);
  }
  std::string bytes_;
  std::vector<Entry> entries_;
};

struct CollectionScan {
  CollectionInfo info;
  uint32_t shard_count = 1;
  std::vector<RecordArena> shards;  // sorted by key
  uint64_t records = 0;
};

struct DatabaseScan {
  std::vector<CollectionScan> collections;  // sorted by name
  std::vector<SkippedCollection> skipped;
  const CollectionScan* find(std::string_view name) const;
};

// Scans every collection of the catalog. kBadInput when two rows of a table
// share a key (a configured key that is not unique).
Result<DatabaseScan> scan_database(Replica& replica);

}  // namespace dbsync
