// dbsync sync (DESIGN §6): one command that leaves this replica's database,
// its git branch and the remote holding the same merged data:
//   1. import what the working tree holds and the database does not yet
//      (a pull made by hand, a first clone), so a stale database never
//      overwrites newer data;
//   2. export the database and commit the snapshot;
//   3. fetch, merge the remote branch (git calls `dbsync merge-driver` for
//      every shard both sides changed), remove `unique` duplicates, import;
//   4. push; a push lost to a concurrent one is retried from 3, a bounded
//      number of times.
// Git is driven through the git executable, so `pull.rebase` and the like
// do not matter: sync fetches and merges explicitly. A `manual` conflict
// stops the sync with the merge left in progress (ErrorCode::kConflict);
// `dbsync resolve` settles it and the next sync commits and continues.
// Holds the replica lock throughout.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "report/report.h"
#include "sync/export.h"
#include "sync/import.h"
#include "sync/replica.h"
#include "util/error.h"

namespace dbsync {

struct SyncOptions {
  ReplicaOptions replica;
  std::string remote;    // empty: the branch's upstream remote, else "origin"
  int max_attempts = 5;  // fetch-merge-import-push rounds before giving up
  // Called with a short line before each step ("exporting", "fetching origin", …).
  std::function<void(const std::string&)> on_step;
};

struct SyncResult {
  std::optional<ImportResult> pending_import;  // step 1, when the working tree was ahead
  ExportResult exported;
  bool committed_export = false;
  bool merged = false;  // the remote had changes that were merged
  uint64_t duplicates_removed = 0;
  std::optional<ImportResult> imported;  // step 3, after a merge
  bool pushed = false;
  int attempts = 0;
  std::string remote, branch, head;
  Report report;
  std::string report_path;  // .dbsync/reports/<id>.txt
};

Result<SyncResult> run_sync(const SyncOptions& options);

}  // namespace dbsync
