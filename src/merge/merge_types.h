// The vocabulary of a merge (DESIGN §3): how it ended, which rule decided a
// conflict, what each record became, and the counts the report prints
// (DESIGN §7). Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/value.h"

namespace dbsync {

// How a merge ended, git's way (merge-ll.h): never a bool.
enum class MergeResult : uint8_t {
  kClean,     // every record resolved
  kConflict,  // `manual` conflicts remain; the output holds a provisional resolution
  kError,     // the merge failed; nothing it produced may be used
};
const char* merge_result_name(MergeResult r);  // "clean" | "conflict" | "error"
// The worse of two results (error > conflict > clean).
MergeResult worse(MergeResult a, MergeResult b);

// The rule that chose a value in a conflict (docs/MERGE.md lists them).
enum class Rule : uint8_t {
  kNewer,           // greater rev
  kTimestamp,       // later value of the collection's timestamp_field
  kTieBytes,        // equal revs (and timestamps): greater canonical document bytes
  kMoreComplete,    // more non-empty top-level fields
  kPreserve,        // a non-empty value in a `preserve` field kept over an empty one
  kManual,          // left for `dbsync resolve`; the chosen value is provisional
  kKeepOnDelete,    // deleted on one side, changed on the other: kept (rule 5)
  kDeleteOnDelete,  // deleted on one side, changed on the other: deleted (rule 5)
};
const char* rule_name(Rule r);

// A value that may be absent: nullopt is a missing field (or record), which
// differs from JSON null.
using MaybeValue = std::optional<json::Value>;

// One conflict: a field changed on both sides to different values (rule 4),
// or a record deleted on one side and changed on the other (rule 5).
struct Conflict {
  std::string key;                // key encoding of the record
  std::vector<std::string> path;  // field path in the document; empty: the whole record
  MaybeValue base, ours, theirs, chosen;
  Rule rule = Rule::kNewer;
  bool resolved() const { return rule != Rule::kManual; }
  // "a.b" for reports; "(record)" for a whole-record conflict.
  std::string field_label() const;
};

// A record the merge could not settle (policy `manual`). The merged shard
// holds `provisional_line` (resolved as `newer` would) until
// `dbsync resolve` settles it.
struct ManualConflict {
  uint32_t shard = 0;
  bool duplicate = false;  // from merging a duplicate into its survivor (rule 7): ours is the
                           // survivor, theirs the duplicate, no base
  std::string key;
  std::string base_line, ours_line, theirs_line;  // record lines without '\n'; empty: absent
  std::string provisional_line;
  std::vector<Conflict> fields;  // the unresolved conflicts of this record
};

// A record removed as a duplicate of another under `unique` (rule 7).
struct DuplicateRemoval {
  std::string removed_key;
  std::string survivor_key;
  std::string before_line;          // the removed record as it was (before-image), without '\n'
  std::vector<Conflict> conflicts;  // fields that differed when merged into the survivor
};

// What happened to one record (for tests and diagnostics).
enum class RecordAction : uint8_t {
  kSame,                     // rule 1: both sides hold it (or both deleted it)
  kTookOurs,                 // rule 3
  kTookTheirs,               // rule 2
  kMerged,                   // rule 4 / 6: merged field by field
  kDeleted,                  // rule 2 / 3: deleted on one side, unchanged on the other
  kKeptOnDeleteConflict,     // rule 5, keep
  kDeletedOnDeleteConflict,  // rule 5, delete
};
const char* record_action_name(RecordAction a);

struct RecordOutcome {
  std::string key;
  RecordAction action = RecordAction::kSame;
};

// Counts for the report (DESIGN §7), seen from "ours" (the local replica).
// total == local_only + remote_only + common - deleted - duplicates_removed.
struct MergeCounts {
  uint64_t local_only = 0;   // keys in ours and not in theirs
  uint64_t remote_only = 0;  // keys in theirs and not in ours
  uint64_t common = 0;       // keys in both
  uint64_t deleted = 0;      // keys in ours or theirs that the merge removed
  uint64_t conflicts_resolved = 0;
  uint64_t conflicts_unresolved = 0;
  uint64_t duplicates_removed = 0;
  uint64_t total = 0;            // records in the merged output
  uint64_t records_changed = 0;  // records whose content differs from ours (insert, update, delete)
  uint64_t fields_changed = 0;   // top-level fields that differ from ours, over updated records

  void add(const MergeCounts& o);
  friend bool operator==(const MergeCounts&, const MergeCounts&) = default;
};

}  // namespace dbsync
