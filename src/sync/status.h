// dbsync status and dbsync diff: what changed in the database since this
// replica's last export or import (the matched state), like `git status` /
// `git diff`, plus what is pending the other way (the working tree's
// snapshot changed since: run import) and interrupted runs. Read-only: no
// lock is taken, so a status during a running export may show it half
// done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "json/value.h"
#include "store/store.h"
#include "sync/db_diff.h"
#include "sync/matched.h"
#include "sync/replica.h"
#include "util/hash.h"

namespace dbsync {

struct FieldChange {
  std::string field;
  std::optional<json::Value> before, after;  // nullopt: absent
};

struct RecordDiff {
  std::string collection;
  std::string key;
  RecordState state = RecordState::kChanged;
  std::string before, after;        // canonical documents; empty when absent
  std::vector<FieldChange> fields;  // for changed records
};

struct CollectionStatus {
  std::string name;
  bool in_database = false, in_matched = false;
  uint64_t records = 0;  // in the database
  uint64_t added = 0, changed = 0, deleted = 0;
};

struct ReplicaStatus {
  std::string replica;
  std::string database;  // URL without password
  std::optional<MatchedMeta> matched;
  std::vector<CollectionStatus> collections;
  uint64_t added = 0, changed = 0, deleted = 0;
  std::vector<std::string> tree_changed;  // snapshot files changed since the last export/import
  bool import_interrupted = false, export_interrupted = false;
  std::vector<SkippedCollection> skipped;
  Digest128 db_root{};              // content root hash of the database's synced collections
  std::vector<RecordDiff> records;  // with StatusOptions::records
  bool records_truncated = false;
  bool pending_export() const { return added + changed + deleted > 0; }
};

struct StatusOptions {
  bool records = false;                  // collect per-record (and per-field) differences
  size_t max_records = 1000;             // stop listing after this many
  std::vector<std::string> collections;  // only these (empty: all)
};

Result<ReplicaStatus> replica_status(const ReplicaOptions& options, const StatusOptions& status_options = {});

// Field-level differences of two canonical documents (either may be empty).
std::vector<FieldChange> diff_fields(std::string_view before, std::string_view after);

}  // namespace dbsync
