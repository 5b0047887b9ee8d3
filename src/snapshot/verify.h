// Reads a whole snapshot folder and checks every line of every shard (see
// snapshot/shard_reader.h), returning per-collection counts and the root
// hash. Used by `dbsync verify` and `dbsync stats`. Thread-safe.
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

// Called after each shard with (shards done, shards in all).
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// The key fields of a collection: dbsync.toml's `key`, else schema.json's.
Result<std::vector<std::string>> collection_key(const SnapshotLayout& layout, const Config& config,
                                                const std::string& name);

Result<SnapshotSummary> verify_snapshot(const SnapshotLayout& layout, const Config& config,
                                        const ProgressFn& progress = {});

}  // namespace dbsync
