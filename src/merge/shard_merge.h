// The three-way merge of one shard (DESIGN §3 rules 1-6): base, ours and
// theirs, each sorted by key encoding, are walked together as a merge-join,
// so memory follows the shard, not the collection. Records are compared by
// their raw bytes; only records changed on both sides are parsed and merged
// field by field (merge/field_merge.h). Every input line is checked in full
// (merge/shard_input.h); a line byte-identical on several sides is checked
// once.
//
// The output never depends on which side is "ours": merge(B, O, T) and
// merge(B, T, O) give the same bytes. Rule 7 (duplicates) needs the whole
// collection and is merge/duplicates.h's job. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "merge/merge_types.h"
#include "snapshot/shard_reader.h"
#include "util/error.h"

namespace dbsync {

struct ShardMergeInput {
  std::optional<std::string_view> base;  // nullopt: no base (rule 6, a two-way merge)
  std::string_view ours, theirs;         // shard file bytes; empty: no records
  std::string base_label = "base", ours_label = "ours", theirs_label = "theirs";  // for errors
  ShardSpec spec;  // key fields, shard number and count
};

struct ShardMergeOptions {
  bool record_outcomes = false;  // fill ShardMergeOutput::outcomes
  // Compute fingerprints of the output records for these `unique` field
  // lists (merge/duplicates.h).
  std::vector<std::vector<std::string>> unique;
  // If given, its capacity becomes ShardMergeOutput::bytes (the caller moves
  // the bytes back after use), so merging shard after shard allocates nothing.
  std::string* output_buffer = nullptr;
};

// (fingerprint, ordinal of the record in the output shard).
using ShardFingerprint = std::pair<uint64_t, uint32_t>;

struct ShardMergeOutput {
  MergeResult result = MergeResult::kClean;  // kClean or kConflict
  std::string bytes;                         // the merged shard file (sorted lines, each with '\n')
  MergeCounts counts;
  std::vector<Conflict> conflicts;                          // every conflict, resolved or not, in key order
  std::vector<ManualConflict> manual;                       // records left for `dbsync resolve`
  std::vector<RecordOutcome> outcomes;                      // per key, if asked for
  std::vector<std::vector<ShardFingerprint>> fingerprints;  // per `unique` list
};

// Merges one shard. Fails (kBadInput, naming label, line and field) on the
// first bad line of any input.
Result<ShardMergeOutput> merge_shard(const ShardMergeInput& input, const CollectionConfig& config,
                                     const ShardMergeOptions& options = {});

// The fingerprint of a record under one `unique` field list, from the raw
// canonical values of those fields in list order; false when one is
// missing or null (such records are never duplicates, as in SQL).
bool unique_fingerprint(const std::vector<std::string_view>& values, uint64_t& fingerprint);

}  // namespace dbsync
