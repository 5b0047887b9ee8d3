// Rule 7 of DESIGN §3: after a merge, records of one collection whose key
// differs but whose `unique` fields are all equal are duplicates. One
// survivor per group is kept — the smallest rev, then the smallest key — the
// others' fields are merged into it by rule 4 (no base; the survivor's key
// fields never change), and the others are removed, each reported with its
// before-image.
//
// Duplicates can sit in any shard, so this works on a whole collection of a
// snapshot folder: an index of 16 bytes per record per `unique` list
// (a 64-bit fingerprint of the fields' canonical values, shard and ordinal),
// sorted to find candidate groups; only candidates are read back and
// compared exactly. A record missing a unique field, or holding null there,
// is never a duplicate (SQL's rule for UNIQUE). The result depends only on
// the set of records, so every replica removes the same ones.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "merge/merge_types.h"
#include "snapshot/layout.h"
#include "util/error.h"

namespace dbsync {

struct FingerprintEntry {
  uint64_t fingerprint = 0;
  uint32_t shard = 0;
  uint32_t ordinal = 0;  // line index in the shard file
};

struct DuplicatesOutcome {
  MergeResult result = MergeResult::kClean;  // kConflict when a `manual` conflict came up
  std::vector<DuplicateRemoval> removals;    // in survivor order
  std::vector<ManualConflict> manual;
  uint64_t conflicts_resolved = 0;
  uint64_t conflicts_unresolved = 0;
  uint64_t survivors_changed = 0;  // survivors whose document changed
};

// Finds and removes duplicates in collection `name` of the snapshot at
// `layout`, rewriting the shard files concerned (atomically; fsync'd if
// `durable`). `index` (one list of entries per config.unique list, as
// merge_snapshots builds while merging) saves a scan of the collection; it
// is consumed. Nothing to do when config.unique is empty.
Result<DuplicatesOutcome> resolve_duplicates(const SnapshotLayout& layout, const std::string& name,
                                             const CollectionConfig& config,
                                             const std::vector<std::string>& key,
                                             std::vector<std::vector<FingerprintEntry>>* index = nullptr,
                                             bool durable = true);

}  // namespace dbsync
