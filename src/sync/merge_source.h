// dbsync merge SOURCE (DESIGN §6): merges records from outside git into
// this replica — another replica's snapshot folder (copied over, say, on a
// USB stick), an export of the original Python tool (a JSON array or
// {collection: [documents]}) or mongoexport output (NDJSON or an array) —
// then imports the result into the database. docs/SYNC.md ("Merging a
// snapshot or an old export") gives the rules; in short:
//
//   1. like sync: import what the working tree holds, then export;
//   2. base = the snapshot at HEAD (the last state this replica committed,
//      i.e. synced), or none outside git / before the first commit (a
//      two-way merge, DESIGN §3 rule 6);
//   3. theirs = the base overlaid with the source's records, where a
//      source record that equals the base's, or is older than it (its rev
//      is not greater), counts as unchanged. So a stale copy never rolls a
//      record back, and a record the source lacks is never deleted:
//      deletions travel only through git, where a real common ancestor
//      proves them;
//   4. the usual three-way merge of every collection (field level,
//      policies, duplicates under `unique`) into the working tree; with
//      `manual` conflicts it stops there (exit 1; dbsync conflicts / resolve),
//      else the merged snapshot is imported.
//
// Records of an export file carry no revs: they get the file's
// modification time as their rev time (replica id "import"), a fair bound
// on when the other machine made those changes. Nothing is committed; the
// next `dbsync sync` publishes the result. Takes the replica lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "merge/snapshot_merge.h"
#include "report/report.h"
#include "sync/export.h"
#include "sync/import.h"
#include "sync/legacy_export.h"
#include "sync/replica.h"

namespace dbsync {

struct MergeSourceOptions {
  ReplicaOptions replica;
  std::filesystem::path source;               // a snapshot folder or an export file
  ExportFormat format = ExportFormat::kAuto;  // for files
  std::string collection;                     // an array/NDJSON file's collection (default: its stem)
};

struct MergeSourceResult {
  std::string source_kind;  // "snapshot" or an export format name
  std::string base_commit;  // empty: two-way merge
  std::optional<ImportResult> pending_import;
  ExportResult exported;
  uint64_t source_records = 0;        // records read from the source
  uint64_t stale = 0;                 // source records older than the base's version, ignored
  uint64_t identical_duplicates = 0;  // repeated identical documents in an export file, read once
  SnapshotMerge merge;
  Report report;
  std::string report_path;
  std::optional<ImportResult> imported;  // nullopt when `manual` conflicts stopped it
};

Result<MergeSourceResult> run_merge_source(const MergeSourceOptions& options);

}  // namespace dbsync
