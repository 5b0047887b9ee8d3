// The matched state (docs/REPLICA.md): the snapshot as this replica's
// database held it when its last export or import finished — the base of
// the next export and import. It lives in generations:
//   .dbsync/matched/<generation>/dbsync/<collection>/{schema.json,*.jsonl}
//   .dbsync/matched.json   names the live generation, plus:
//     root   content root hash of that generation
//     tree   XXH3-128 of every snapshot file (shards and schema.json) of the
//            working tree as that export or import left it, so a later run
//            can tell whether a pull or an edit changed the working tree
//     stat   size, mtime and inode of those files when recorded: a file
//            whose stat is unchanged is not read again to digest it (as
//            git's index does)
//     files  XXH3-128 of the generation's files: a generation file may be a
//            hard link to the working-tree file it equals (git replaces
//            files rather than editing them, which breaks the link); a
//            file edited in place would change both, and this catches it
//     shards shard count each collection was written with
//     sums   each shard file's record count and hash sum (its part of the
//            root, docs/FORMAT.md §8): a shard no change touches is carried
//            over without being read
//     op, time, commit (the git commit of that state, filled in by sync)
//     delta  a folder of changed files still to be folded into the
//            generation (sync/matched_delta.h)
// The first generation is written completely (files fsync'd) before
// matched.json is created atomically. Later exports and imports write only
// the files that change, to a delta folder, and commit it in place
// (sync/matched_delta.h), so a crash leaves the old or the new state.
// Generation files are replaced by rename, never edited in place.
// Value types and free functions; callers hold the replica lock.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "snapshot/content_digest.h"
#include "snapshot/layout.h"
#include "sync/local_state.h"
#include "util/error.h"

namespace dbsync {

using TreeDigests = std::map<std::string, std::string>;  // "dbsync/<c>/<file>" -> hex digest
using TreeStats = std::map<std::string, std::string>;    // "dbsync/<c>/<file>" -> "size:mtime_ns:inode"

struct MatchedMeta {
  std::string generation;
  std::string op;    // export | import | restore
  std::string time;  // ISO 8601 UTC
  std::string commit;
  std::string root;
  std::map<std::string, uint32_t> shards;
  TreeDigests tree;
  TreeStats stat;
  TreeDigests files;                        // digests of the generation's own files, checked when read
  std::map<std::string, std::string> sums;  // shard file -> ContentDigest::ShardSum::to_string()
  // The store's change log is complete since this state when the store
  // holds the same token (StoreTxn change tracking); empty: it is not.
  std::string tracking;
  // Set while a delta is committed and not yet folded in (matched_delta.h).
  std::string delta;
};

// nullopt when this replica never finished an export or import.
Result<std::optional<MatchedMeta>> load_matched_meta(const LocalPaths& paths);
Status save_matched_meta(const LocalPaths& paths, const MatchedMeta& meta);
// The same format at another path (the export journal holds the meta an
// interrupted export was about to commit).
Result<std::optional<MatchedMeta>> read_meta_file(const std::filesystem::path& path);
Status write_meta_file(const std::filesystem::path& path, const MatchedMeta& meta);

// The record count and hash sum matched.json keeps for a shard file
// ("dbsync/<c>/<file>"); nullopt when it keeps none (an older dbsync wrote
// it), or an unreadable or empty one: the caller then reads the shard.
std::optional<ContentDigest::ShardSum> recorded_shard_sum(const MatchedMeta& meta, const std::string& path);

// True when `meta` (may be null) lists `path` in its generation with
// `digest`: a writer then leaves the generation's file as it is.
bool generation_holds(const MatchedMeta* meta, const std::string& path, const std::string& digest);

// The folder that holds a generation's "dbsync/" (use with SnapshotLayout).
std::filesystem::path generation_root(const LocalPaths& paths, const std::string& generation);
// Picks an unused generation name and creates its folder: higher than any
// folder present and than the names `current` holds, so a new delta never
// takes the name of a delta `current` still names.
Result<std::string> create_generation(const LocalPaths& paths, const std::optional<MatchedMeta>& current);
// Removes every generation folder but `keep` (and a pending one named in
// the export journal, which the caller passes as `also_keep`).
Status remove_stale_generations(const LocalPaths& paths, const std::string& keep,
                                const std::string& also_keep = {});

// Digests of the working tree's snapshot files (shards and schema.json).
// With `known`, a file whose stat equals the one recorded there takes the
// recorded digest instead of being read. `stats` receives every file's stat.
Result<TreeDigests> digest_tree(const SnapshotLayout& layout, const MatchedMeta* known = nullptr,
                                TreeStats* stats = nullptr);
// The stat string of one file, or empty when it cannot be read.
std::string file_stat(const std::filesystem::path& path);
// Paths whose digest differs between two sets (either side missing counts).
std::vector<std::string> tree_differences(const TreeDigests& a, const TreeDigests& b);

// The current UTC time as 2026-01-15T10:30:45Z.
std::string utc_now_iso();

// Records the git commit that holds the matched state (called by sync after
// it commits an export, or after the merge an import applied). kUsage when
// the replica has no matched state yet.
Status record_matched_commit(const std::filesystem::path& repo, const std::string& commit);

}  // namespace dbsync
