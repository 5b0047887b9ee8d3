#include "sync/db_scan.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "util/file.h"

namespace dbsync {

void RecordArena::add(std::string_view key, std::string_view doc) {
  size_t n = key.size() + doc.size();
  char* p;
  if (n > kChunk / 4) {
    p = memory_->allocate(n);
  } else {
    if (n > chunk_left_) {
      // Chunks grow from 4 KiB: an incremental scan puts a handful of
      // records in each of thousands of shards, and fixed 256 KiB chunks
      // made it fault in (and zero) hundreds of megabytes it never used.
      next_chunk_ = std::max(n, std::min(kChunk, next_chunk_ * 2));
      chunk_ = memory_->allocate(next_chunk_);
      chunk_left_ = next_chunk_;
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

void RecordArena::drop_duplicate_keys() {
  auto last = std::unique(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return std::string_view(a.p, a.key_len) == std::string_view(b.p, b.key_len);
  });
  entries_.erase(last, entries_.end());
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

namespace {

// Whether a collection can be read from the change log: the log is complete
// since the matched state for it, and the matched state holds it with the
// same shard count and schema.json (a new column changes every document
// without logging a change).
bool can_use_log(const ScanBase& base, const ChangeLog& log, const CollectionInfo& info, uint32_t shards) {
  if (base.meta == nullptr || base.meta->tracking.empty() || base.meta->tracking != log.token ||
      !log.tracks(info.name))
    return false;
  auto it = base.meta->shards.find(info.name);
  if (it == base.meta->shards.end() || it->second != shards) return false;
  auto bytes = read_file(SnapshotLayout(base.root).schema_path(info.name));
  return bytes && *bytes == info.schema.to_json();
}

}  // namespace

Result<DatabaseScan> scan_database(Replica& replica, const ScanBase* base) {
  auto txn = replica.store->begin(TxnMode::kRead);
  if (!txn) return std::unexpected(txn.error());
  auto catalog = (*txn)->catalog(replica.config);
  if (!catalog) return std::unexpected(catalog.error());
  DatabaseScan out;
  out.skipped = catalog->skipped;
  if (base != nullptr) {
    auto log = (*txn)->read_change_log(*catalog);
    if (!log) return std::unexpected(log.error());
    out.log = std::move(*log);
  }
  uint64_t done = 0, total = catalog->collections.size();
  for (auto& info : catalog->collections) {
    CollectionScan scan;
    scan.shard_count = replica.config.collection(info.name).shards;
    scan.shards.assign(scan.shard_count, RecordArena(out.memory.get()));
    uint32_t count = scan.shard_count;
    Status st;
    if (base != nullptr && can_use_log(*base, out.log, info, count)) {
      scan.incremental = true;
      st =
          (*txn)->changed_records(info, out.log, [&](std::string_view key, const std::string* doc) -> Status {
            scan.shards[shard_of(key, count)].add(key, doc ? std::string_view(*doc) : std::string_view());
            ++scan.records;
            return {};
          });
    } else {
      st = (*txn)->scan(info, [&](std::string_view key, std::string_view doc) -> Status {
        scan.shards[shard_of(key, count)].add(key, doc);
        ++scan.records;
        return {};
      });
    }
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
      // A changed record the log names twice (say, under two spellings of
      // its key) is one record.
      if (c.incremental) shard.drop_duplicate_keys();
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
