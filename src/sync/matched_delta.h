// Committing a matched state in place. An export or import that already has
// a matched generation does not rebuild it: it writes only the files that
// change to a delta folder (matched/<delta>/dbsync/...), fsyncs them, and
// commits a matched.json naming both the live generation and the delta.
// Folding then renames each delta file over the generation's, unlinks the
// generation files the new matched.json does not list, and removes the
// delta folder. matched.json naming a delta folder that still exists means
// a fold is due: the next writer finishes it before reading anything
// (folding again is harmless), so a crash leaves the old state or the new.
// A sync of a few changes thus costs file operations for the shards it
// changes, not for every shard. Callers hold the replica lock.
#pragma once

#include <string>
#include <vector>

#include "sync/local_state.h"
#include "sync/matched.h"

namespace dbsync {

// True when `meta` names a delta folder that is not folded in yet.
bool fold_pending(const LocalPaths& paths, const MatchedMeta& meta);

// Folds `meta`'s delta into its generation (see above); a no-op without one.
Status fold_delta(const LocalPaths& paths, const MatchedMeta& meta);

// Finishes a fold a crash interrupted; adds a note when there was one.
Status finish_interrupted_fold(const LocalPaths& paths, std::vector<std::string>& notes);

}  // namespace dbsync
