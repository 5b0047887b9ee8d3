// Compares one shard of the database (sync/db_scan.h) with the same shard
// of the matched snapshot: a merge-join of two key-sorted lists that calls
// back once per key with what happened to that record since the last export
// or import. Used by export (to write the new shard), status and diff.
#pragma once

#include <string_view>

#include "sync/db_scan.h"
#include "sync/matched_shards.h"

namespace dbsync {

enum class RecordState { kUnchanged, kAdded, kChanged, kDeleted };

struct JoinedRecord {
  RecordState state;
  std::string_view key;
  std::string_view db_doc;  // empty when deleted
  const SnapLine* matched;  // nullptr when added
};

// REQUIRES: db sorted by key without duplicates; matched sorted by key.
template <typename Fn>
Status join_db_matched(const RecordArena& db, const std::vector<SnapLine>& matched, Fn&& fn) {
  size_t i = 0, j = 0;
  while (i < db.size() || j < matched.size()) {
    JoinedRecord r{};
    int c = j == matched.size() ? -1 : i == db.size() ? 1 : db.key(i).compare(matched[j].key);
    if (c < 0) {
      r = {RecordState::kAdded, db.key(i), db.doc(i), nullptr};
      ++i;
    } else if (c > 0) {
      r = {RecordState::kDeleted, matched[j].key, {}, &matched[j]};
      ++j;
    } else {
      r = {db.doc(i) == matched[j].doc ? RecordState::kUnchanged : RecordState::kChanged, db.key(i),
           db.doc(i), &matched[j]};
      ++i, ++j;
    }
    if (auto st = fn(r); !st) return st;
  }
  return {};
}

const char* record_state_name(RecordState s);

}  // namespace dbsync
