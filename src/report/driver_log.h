// What each run of the git merge driver resolved, kept for the report of
// the sync that follows (DESIGN §7): one JSON file per run under
//   <repo>/.dbsync/merges/<UTC time>-<pid>-<collection>-<shard>.json
// holding the shard path, the XXH3-128 of the bytes the driver wrote, and
// the report (report_to_json) of that one shard. docs/MERGE.md gives the
// format.
//
// git also runs the driver to build a virtual merge base (criss-cross
// merges) and may run it again when a merge is redone; such runs' results
// are not what the working tree ends up holding. collect_driver_records()
// therefore counts a record only while the file at its path still has the
// bytes the driver wrote. Thread-compatible.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "merge/shard_merge.h"
#include "report/report.h"
#include "util/error.h"

namespace dbsync {

inline constexpr const char* kMergesDir = ".dbsync/merges";

// The report of one merged shard of `collection`, stamped now: what a
// driver run (or sync merging a shard itself, as the driver would) records.
Report shard_merge_report(const std::string& collection, const ShardMergeOutput& merged);

// Writes the record of one driver run. `path` is git's %P.
Status write_driver_record(const std::filesystem::path& repo, const std::string& path, uint32_t shard,
                           std::string_view result_bytes, const Report& report);

struct DriverRecords {
  Report report;                             // the runs whose result the working tree still holds, added up
  std::vector<std::filesystem::path> files;  // every record read (stale ones too), to remove once reported
  size_t stale = 0;                          // records whose result the working tree no longer holds
};

// Reads every record under .dbsync/merges/ and adds up the current ones.
Result<DriverRecords> collect_driver_records(const std::filesystem::path& repo);

}  // namespace dbsync
