// Publishing an export to the working tree, and finishing one a crash
// interrupted. An export first writes its matched delta (or, the first
// time, its whole generation: sync/matched_delta.h), then the export journal (the matched.json it is about to
// commit), then copies the changed files into dbsync/, then commits matched.json. If it dies on the way, the
// next run finds the journal: when every working-tree file is either as the last matched.json recorded it or
// as the journal says, it rolls forward (copies the rest, commits); otherwise someone changed the working
// tree since, and the interrupted export is dropped. Callers hold the replica lock.
#pragma once

#include <string>
#include <vector>

#include "sync/matched.h"
#include "sync/replica.h"

namespace dbsync {

// An export writes each changed working-tree file beside it under this
// suffix first, then renames it in.
inline constexpr const char* kStagedSuffix = ".tmp-dbsync-export";

// Copies files of the matched `state` (its delta or its generation) into the
// working tree where `current` differs from state.tree, and removes
// snapshot files that state.tree does not list.
Status publish_tree(const SnapshotLayout& tree, const LocalPaths& paths, const MatchedMeta& state,
                    const TreeDigests& current);

// Commits `meta` (a first generation, or a delta, whose files are written
// and fsync'd), folds its delta in, then removes the journal and the stale
// generations.
Status commit_generation(const LocalPaths& paths, const MatchedMeta& meta);

// Finishes or drops an export a crash interrupted, and removes the staged
// files (kStagedSuffix) it left in the working tree; adds what it did to
// `notes`.
Status recover_interrupted_export(Replica& replica, std::vector<std::string>& notes);

}  // namespace dbsync
