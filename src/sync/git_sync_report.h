// The merge report of a sync (DESIGN §7). git merges a shard that only one
// side changed without calling the driver, so the counts cannot come from
// the driver alone: they are computed from the shards that differ between
// the two merged commits (the others are common to both and only counted),
// and the conflicts each driver run resolved are added from its record
// under .dbsync/merges/ (report/driver_log.h). Cost follows the changed
// shards, not the collection size.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "git/git.h"
#include "merge/merge_types.h"
#include "report/report.h"
#include "sync/replica.h"
#include "util/error.h"

namespace dbsync {

struct MergedCommits {
  std::string ours, theirs;
};

// `merged` names the commits that were merged (nullopt: nothing was merged,
// every record is common); the working tree holds the result. `duplicates`
// are the rule-7 removals made after the merge, by collection.
Result<Report> build_sync_report(const git::Git& git, const Replica& replica,
                                 const std::optional<MergedCommits>& merged,
                                 const std::map<std::string, std::vector<DuplicateRemoval>>& duplicates,
                                 const ReportInfo& info);

}  // namespace dbsync
