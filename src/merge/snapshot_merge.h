// A merge of whole snapshot folders without git (DESIGN §3): base, ours and
// theirs in, the merged snapshot and what the merge did out. This is what
// `dbsync merge` and `dbsync sync` run; the git merge driver runs the same
// shard merge on one file.
//
// Each folder is a sync repository layout (<dir>/dbsync/<collection>/…).
// Collections are the union of the three; each shard is merged by
// merge/shard_merge.h, shards in parallel (they are independent), then rule 7
// (merge/duplicates.h) runs over each collection that declares `unique`.
// schema.json is merged as a three-way file: the side that changed it wins;
// if both changed it differently their members are merged, and a key that
// differs is an error. `out` may be `ours` (merge in place): every file is
// replaced atomically, unchanged files are not rewritten; the merge as a
// whole is not atomic (the caller keeps the old state in git).
//
// Thread-safe as long as no one else writes `out`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "merge/merge_types.h"
#include "util/error.h"

namespace dbsync {

struct SnapshotMergeOptions {
  unsigned threads = 0;          // 0: one per core (at most 8)
  bool durable = true;           // fsync every file written
  bool record_outcomes = false;  // fill CollectionMerge::outcomes
  // Called after each shard with (shards done, shards in all), from any thread
  // (calls are serialised).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct CollectionMerge {
  std::string name;
  std::vector<std::string> key;
  uint32_t shard_count = 1;
  MergeResult result = MergeResult::kClean;
  MergeCounts counts;
  std::vector<Conflict> conflicts;  // in shard order, then key order
  std::vector<ManualConflict> manual;
  std::vector<DuplicateRemoval> duplicates;
  std::vector<RecordOutcome> outcomes;  // if asked for; shard order, then key order
};

struct SnapshotMerge {
  MergeResult result = MergeResult::kClean;  // kClean or kConflict (errors are returned)
  bool two_way = false;                      // no base was given
  std::vector<CollectionMerge> collections;  // sorted by name
};

// Merges `ours` and `theirs` (against `base`; nullopt: a two-way merge,
// rule 6) into `out`. Policies, keys and shard counts come from `config`
// (a collection's key from config, else its schema.json). Fails on the
// first bad input line, naming the side, file, line and field; shards
// written before the failure stay written.
Result<SnapshotMerge> merge_snapshots(const std::optional<std::filesystem::path>& base,
                                      const std::filesystem::path& ours, const std::filesystem::path& theirs,
                                      const std::filesystem::path& out, const Config& config,
                                      const SnapshotMergeOptions& options = {});

}  // namespace dbsync
