// JSON forms of merge results shared by the report (report/), the conflict
// files under .dbsync/conflicts/ (merge/conflict_files.h) and the merge
// driver's records under .dbsync/merges/. docs/MERGE.md documents them.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "json/value.h"
#include "merge/merge_types.h"
#include "util/error.h"

namespace dbsync {

// {"key": [...], "field": "a.b", "path": ["a", "b"], "base": …, "ours": …,
//  "theirs": …, "chosen": …, "rule": "newer", "resolved": true}
// A missing value (field or record absent) is an absent member; JSON null is
// null. A whole-record conflict has "field": "(record)" and "path": [].
json::Value conflict_to_json(const Conflict& c);
Result<Conflict> conflict_from_json(const json::Value& v);

// A record line as JSON: {"d": …, "h": …, "r": …}; null for an empty line (absent).
json::Value record_line_to_json(std::string_view line);
// The key encoding as the JSON array it is.
json::Value key_to_json(std::string_view key_encoding);

}  // namespace dbsync
