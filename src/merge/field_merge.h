// Rule 4 of DESIGN §3 for one record: both sides changed it differently, so
// its documents are merged field by field. A field changed on one side only
// takes that side's value; nested objects are merged field by field; arrays
// and scalars are whole values; a missing field, null and "" are three
// different values; fields nobody knows about survive like any other.
//
// A field changed on both sides to different values is a conflict, settled
// by the collection's policy. Every tie-break is by content (timestamp, rev,
// then canonical bytes), never by which side is "ours", so
// merge(B, O, T) == merge(B, T, O). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "json/value.h"
#include "merge/merge_types.h"

namespace dbsync {

// The parts of a collection's configuration that settle conflicts.
struct MergePolicy {
  ConflictPolicy policy = ConflictPolicy::kNewer;
  std::string timestamp_field;        // top-level field; empty: none
  std::vector<std::string> preserve;  // field names or dotted paths ("a.b")

  static MergePolicy of(const CollectionConfig& config);
};

// One side of a record.
struct SideDoc {
  const json::Value* doc = nullptr;  // REQUIRES: an object
  std::string_view rev;
  std::string_view canonical;  // the canonical bytes of *doc (the last tie-break)
};

enum class Side : uint8_t { kOurs, kTheirs };

// The side whose values win the record's conflicts, and the rule that
// decided. Mirror-symmetric: swapping the sides swaps the answer.
// REQUIRES: the two documents or revs differ.
struct Winner {
  Side side = Side::kOurs;
  Rule rule = Rule::kNewer;
};
Winner pick_winner(const MergePolicy& policy, const SideDoc& ours, const SideDoc& theirs);

struct DocMerge {
  json::Value doc;
  bool unresolved = false;  // a `manual` conflict was left (doc holds the provisional values)
};

// Merges `ours` and `theirs` against `base` (nullptr: no base, every field
// present on one side only is taken). Appends each conflict, tagged with
// `key`, to `conflicts` (if given). Top-level fields named in `pinned` take
// ours' value without a conflict (the survivor's key in a duplicate merge).
DocMerge merge_documents(const json::Value* base, const SideDoc& ours, const SideDoc& theirs,
                         const MergePolicy& policy, std::string_view key, std::vector<Conflict>* conflicts,
                         const std::vector<std::string>& pinned = {});

// Empty values for `preserve` and `more-complete`: missing, null, "", [] and {}.
bool is_empty_value(const json::Value* v);
size_t count_non_empty_fields(const json::Value& doc);

// Orders two values of a timestamp field: >0 when `a` is later. Missing or
// null is earlier than anything; numbers compare by value, strings by bytes
// (ISO 8601 in one format sorts by time), Extended JSON {"$date": …} by its
// ISO string or {"$numberLong"} milliseconds. Values of different kinds
// compare equal (the rev decides).
int compare_timestamp_values(const json::Value* a, const json::Value* b);

}  // namespace dbsync
