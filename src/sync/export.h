// dbsync export (DESIGN §4): database -> snapshot, against the matched
// state (never against the working tree). Records the database added or
// changed since the last export or import get this export's rev; unchanged
// records keep their line byte for byte; deleted records leave. The result
// goes to the working tree dbsync/ and becomes the new matched state.
//
// Refuses (kUsage, "run dbsync import first") when the working tree's
// snapshot changed since the last export or import — a pull brought
// records the database has not taken in yet, and a stale database must
// never overwrite newer data — or when an import did not finish.
// A table that is missing from the database (or no longer syncable) keeps
// its records in the snapshot, with a warning: an empty or wrong database
// file must not delete everything. Takes the replica lock.
//
// With change_tracking = "triggers" (docs/CONFIG.md) export first installs
// the store's tracking where it is missing, then reads each collection the
// store's log covers since the matched state from the log only (the other
// records are as the matched state has them), everything else in full; once
// the new matched state is committed it forgets the log entries it read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/replica.h"

namespace dbsync {

struct CollectionExportStats {
  std::string name;
  uint64_t records = 0;  // in the snapshot after the export
  uint64_t added = 0, changed = 0, deleted = 0;
};

struct ExportResult {
  std::string rev;  // the rev changed records got ("" when nothing changed)
  std::vector<CollectionExportStats> collections;
  uint64_t records = 0, added = 0, changed = 0, deleted = 0;
  // Records read from the database: all of them, or with change tracking
  // only those the store's log named.
  uint64_t read = 0;
  std::string root;                   // content root hash of the exported snapshot
  std::vector<std::string> warnings;  // skipped tables, kept collections, recovery notes
  bool changed_any() const { return added + changed + deleted > 0; }
};

Result<ExportResult> run_export(const ReplicaOptions& options);

// A fresh random name for a matched state the store's change log is
// complete since (MatchedMeta::tracking).
std::string new_tracking_token();

// The same on an open replica whose lock the caller holds (sync).
Result<ExportResult> export_replica(Replica& replica);

}  // namespace dbsync
