// The first half of an import (DESIGN §4): read the target snapshot (the
// working tree, or a snapshot taken from git history), validate it, and
// find the records that differ from the matched state — the only records
// the import may have to change. Nothing touches the database here, so bad
// input (truncated shard, wrong hash, conflict markers, unsorted keys, a
// hostile collection name) fails with kBadInput and nothing changed.
//
// Validation is as strict as snapshot/shard_reader.h, but a target line
// that is byte-identical to its matched line is not parsed again: it was
// validated when the matched state was written. Shards are planned on
// sync/workers.h threads; the function itself is not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "snapshot/content_digest.h"
#include "snapshot/schema.h"
#include "sync/block_arena.h"
#include "sync/matched.h"
#include "sync/replica.h"

namespace dbsync {

// A record whose target line differs from its matched line. The views
// point into ImportPlan::memory.
struct PlannedRecord {
  std::string key;
  bool in_target = false;
  std::string_view target_line;
  std::string_view target_doc;
  std::string_view target_rev;
  bool in_matched = false;
  std::string_view matched_line;
  std::string_view matched_doc;
};

struct ShardPlan {
  bool has_target = false;             // the target has this shard file
  uint64_t target_size = 0;            // its size in bytes when read
  std::filesystem::path target_path;   // that file
  bool identical = false;              // target file == matched file
  std::filesystem::path matched_path;  // the matched file when identical
  ContentDigest hashes;                // content hashes of the target's lines
  std::vector<PlannedRecord> records;  // sorted by key
  // For a collection with no matched state (one import may have to create):
  // the top-level field names of the target's changed lines, sorted, unique.
  std::vector<std::string> fields;
};

struct CollectionPlan {
  std::string name;
  bool in_target = false, in_matched = false;
  CollectionSchema schema;   // the target's schema.json (the matched one if the target lacks it)
  std::string schema_bytes;  // that file's bytes
  uint32_t shard_count = 1;
  uint64_t target_records = 0;
  std::vector<ShardPlan> shards;
  size_t planned() const;
};

struct ImportPlan {
  std::vector<std::unique_ptr<BlockArena>> memory;  // the planned records' lines
  std::vector<CollectionPlan> collections;          // sorted by name
  TreeDigests tree;                                 // digests of the target's files
  TreeStats stat;                                   // their stats when read
  std::string max_rev;                              // greatest rev among planned target records
};

// `target` is the snapshot to import (its repo folder holds dbsync/);
// `meta` the matched state (nullopt: none yet).
Result<ImportPlan> plan_import(const Replica& replica, const SnapshotLayout& target,
                               const std::optional<MatchedMeta>& meta);

}  // namespace dbsync
