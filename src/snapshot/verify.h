// Reads a whole snapshot folder and checks every line of every shard (see
// snapshot/shard_reader.h), returning per-collection counts and the root
// hash. Used by `dbsync verify` and `dbsync stats`. Thread-safe.
//
// Shards are checked in parallel; the result, and which error is reported
// when several shards are bad, do not depend on the thread count: the error
// is always the first in (collection, shard) order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "snapshot/content_digest.h"
#include "snapshot/layout.h"
#include "util/error.h"

namespace dbsync {

struct CollectionSummary {
  std::string name;
  std::vector<std::string> key;
  uint64_t records = 0;
  uint32_t shard_count = 1;
  uint32_t shard_files = 0;
  uint64_t bytes = 0;
  Digest128 digest{};
};

struct SnapshotSummary {
  std::vector<CollectionSummary> collections;
  Digest128 root{};
  uint64_t records = 0;
  uint64_t bytes = 0;
};

// Called after each shard with (shards done, shards in all), from one
// thread at a time.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

struct VerifyOptions {
  unsigned threads = 0;  // 0: one per core (at most 8)
};

// The key fields of a collection: dbsync.toml's `key`, else schema.json's.
Result<std::vector<std::string>> collection_key(const SnapshotLayout& layout, const Config& config,
                                                const std::string& name);

Result<SnapshotSummary> verify_snapshot(const SnapshotLayout& layout, const Config& config,
                                        const ProgressFn& progress = {}, const VerifyOptions& options = {});

}  // namespace dbsync
