#include "sync/db_scan.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "snapshot/key.h"

namespace dbsync {

void RecordArena::add(std::string_view key, std::string_view doc) {
  size_t n = key.size() + doc.size();
  char* p;
  if (n > kChunk / 4) {
    p = memory_->allocate(n);
  } else {
    if (n > chunk_left_) {
      chunk_ = memory_->allocate(kChunk);
      chunk_left_ = kChunk;
    }
    p = chunk_;
    chunk_ += n;
    chunk_left_ -= n;
  }
  std::memcpy(p, key.data(), key.size());
  std::memcpy(p + key.size(), doc.data(), doc.size());
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) prefix = prefix << 8 | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0);
  entries_.push_back({prefix, p, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(doc.size())});
}

void RecordArena::sort_by_key() {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return std::string_view(a.p, a.key_len) < std::string_view(b.p, b.key_len);
  });
}

std::string_view RecordArena::duplicate_key() const {
  for (size_t i = 1; i < entries_.size(); ++i) {
    if (key(i) == key(i - 1)) return key(i);
  }
  return {};
}

const CollectionScan* DatabaseScan::find(std::string_view name) const {
  for (const auto& c : collections) {
    if (c.info.name == name) return &c;
  }
  return nullptr;
}

Result<DatabaseScan> scan_database(Replica& replica) {
  auto txn = replica.store->begin(TxnMode::kRead);
  if (!txn) return std::unexpected(txn.error());
  auto catalog = (*txn)->catalog(replica.config);
  if (!catalog) return std::unexpected(catalog.error());
  DatabaseScan out;
  out.skipped = catalog->skipped;
  uint64_t done = 0, total = catalog->collections.size();
  for (auto& info : catalog->collections) {
    CollectionScan scan;
    scan.shard_count = replica.config.collection(info.name).shards;
    scan.shards.assign(scan.shard_count, RecordArena(out.memory.get()));
    uint32_t count = scan.shard_count;
    auto st = (*txn)->scan(info, [&](std::string_view key, std::string_view doc) -> Status {
      scan.shards[shard_of(key, count)].add(key, doc);
      ++scan.records;
      return {};
    });
    if (!st) return std::unexpected(st.error());
    scan.info = std::move(info);
    out.collections.push_back(std::move(scan));
    if (replica.options.progress) replica.options.progress(++done, total);
  }
  // The read transaction ends here, before the slower comparison, so the
  // application's writers wait as little as possible.
  if (auto st = (*txn)->commit(); !st) return std::unexpected(st.error());
  for (auto& c : out.collections) {
    for (auto& shard : c.shards) {
      shard.sort_by_key();
      if (auto dup = shard.duplicate_key(); !dup.empty()) {
        return fail(ErrorCode::kBadInput,
                    "table '" + c.info.name + "' has more than one row with key " + std::string(dup),
                    "a `key` in dbsync.toml must be unique; add a UNIQUE index or choose other fields");
      }
    }
  }
  return out;
}

}  // namespace dbsync
