// dbsync import (DESIGN §4): makes the database hold the working tree's
// snapshot, three-way per record between the matched state M (what the
// database held at the last export or import), the database now D, and the
// snapshot T:
//   D == T          in sync, nothing to write
//   D == M          the application did not touch it: write T (insert,
//                   update or delete)
//   otherwise       the application changed it since: skipped and
//                   reported, never overwritten; the next export picks it up
// Only records whose snapshot line differs from the matched line are
// examined (the rest cannot need a write), read inside one BEGIN IMMEDIATE
// transaction, backed up, applied and verified there (sync/apply.h).
// Tables the snapshot has and the database lacks are created from
// schema.json. Afterwards the snapshot (with skipped records keeping their
// old matched state) becomes the matched state, and the clock moves past
// every imported rev. A journal left by a crash is recovered first.
// Takes the replica lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/replica.h"

namespace dbsync {

struct CollectionImportStats {
  std::string name;
  uint64_t records = 0;  // in the snapshot
  uint64_t inserted = 0, updated = 0, deleted = 0, in_sync = 0, skipped = 0;
  bool created = false;  // the table was created from schema.json
};

struct SkippedRecord {
  std::string collection;
  std::string key;
  std::string reason;
};

struct ImportResult {
  std::string backup_id;  // empty when nothing was written
  std::vector<CollectionImportStats> collections;
  uint64_t inserted = 0, updated = 0, deleted = 0, in_sync = 0, skipped = 0, normalized = 0;
  std::vector<SkippedRecord> skipped_records;  // at most kMaxListedSkips
  std::vector<std::string> warnings;
  std::string root;  // content root hash of the new matched state
  bool wrote() const { return inserted + updated + deleted > 0; }
};

inline constexpr size_t kMaxListedSkips = 1000;

Result<ImportResult> run_import(const ReplicaOptions& options);

// The same on an open replica whose lock the caller holds (sync).
Result<ImportResult> import_replica(Replica& replica);

}  // namespace dbsync
