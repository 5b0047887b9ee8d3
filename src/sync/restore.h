// dbsync restore (DESIGN §4):
//  - from a backup: undoes an import (or an earlier restore) by writing the
//    before-images back. A record the application changed after that import
//    is skipped and reported, unless `force`;
//  - --at <git revision>: rebuilds the database's collections from the
//    snapshot committed at that revision (read through `git`, validated as
//    untrusted input): every record that differs is written, missing tables
//    are created; collections the snapshot does not have are left alone.
// Either way it runs like an import — backup, journal, one transaction,
// read-back verification — so a restore can itself be restored. The
// matched state is left as it was: restored records differ from it, so the
// next export publishes them as new edits (with new revs), and every
// replica follows. Takes the replica lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/import.h"
#include "sync/replica.h"

namespace dbsync {

struct RestoreRequest {
  std::string backup;  // backup id; empty with at.empty(): the newest applied import
  std::string at;      // git revision; exclusive with `backup`
  bool force = false;  // restore records the application changed since, too
};

struct RestoreResult {
  std::string source;     // the backup id or the commit restored from
  std::string backup_id;  // the backup of this restore (empty when nothing changed)
  uint64_t inserted = 0, updated = 0, deleted = 0, unchanged = 0, skipped = 0;
  std::vector<SkippedRecord> skipped_records;
  std::vector<std::string> warnings;
  bool wrote() const { return inserted + updated + deleted > 0; }
};

Result<RestoreResult> run_restore(const ReplicaOptions& options, const RestoreRequest& request);

}  // namespace dbsync
