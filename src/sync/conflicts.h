// Settling `manual` conflicts in a replica (DESIGN §3, §6: `dbsync
// conflicts` and `dbsync resolve`). A merge under policy `manual` leaves the
// provisional (`newer`) record in the shard and one file per record under
// .dbsync/conflicts/ (merge/conflict_files.h, docs/MERGE.md).
//
// resolve writes the chosen document into the shard as a canonical record
// line whose rev comes from this replica's HLC clock, moved past every rev
// of the conflict first: the decision is then newer than the provisional
// record and than both sides, so any later merge with a replica still
// holding one of them takes the decision, whichever replica merges. It
// removes the conflict file and, once no conflict of that shard is left
// while a git merge is in progress, stages the shard (`git add`), which is
// what lets `dbsync sync` commit the merge. The database is not touched:
// the next `dbsync sync` (or `dbsync import`) applies the decision.
//
// Both functions take the replica lock when they write. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "json/value.h"
#include "merge/conflict_files.h"
#include "sync/clock.h"
#include "util/error.h"

namespace dbsync {

struct ListConflictsOptions {
  std::filesystem::path repo = ".";
  bool prune = false;  // remove the stale entries
};

struct ConflictList {
  std::vector<StoredConflict> current;  // waiting for a decision
  std::vector<StoredConflict> stale;    // their shard no longer holds the provisional record
  size_t pruned = 0;                    // stale entries removed (with `prune`)
};

// Reads every conflict file; sorted by collection, then key encoding. An
// entry is current while its shard holds the provisional record and, when
// the entry names the commit its merge merged (`merge_head`), that merge is
// still in progress or was committed (the commit is in HEAD's history).
Result<ConflictList> list_conflicts(const ListConflictsOptions& options);

// Adds `merge_head` to every current conflict file that has none. sync calls
// it when its merge stops: the shard alone cannot tell an aborted merge from
// a waiting one when the provisional record is ours, byte for byte.
Status stamp_conflict_files(const std::filesystem::path& repo, const Config& config,
                            const std::string& merge_head);

// The side a decision takes.
enum class TakeSide { kOurs, kTheirs, kFile };

struct ResolveOptions {
  std::filesystem::path repo = ".";
  // The key as typed: a key encoding (`["k1"]`, `[42]`, `["u1","2026-01-15"]`),
  // or, for a one-field key, the plain value (`k1`, `42`).
  std::string key;
  std::string collection;  // empty: any collection with a conflict on that key
  TakeSide take = TakeSide::kOurs;
  std::filesystem::path file;   // kFile: a JSON object, the whole record
  HybridClock::WallClock wall;  // tests pin the wall clock; empty: the system clock
};

struct ResolveResult {
  std::string collection;
  std::string key;   // key encoding
  std::string path;  // "dbsync/<collection>/<shard>.jsonl"
  std::string line;  // the record line written, without '\n'
  std::string rev;
  bool staged = false;  // the shard was `git add`ed: its merge conflict is settled
  bool merge_in_progress = false;
  bool rebase_in_progress = false;
  size_t remaining = 0;  // conflicts still waiting in this replica
};

// Errors: kUsage when no current conflict matches the key, or several do
// (the message names their collections); kConflict when the matching entry
// is stale; kBadInput for a bad FILE, naming the file, line and field, with
// nothing changed.
Result<ResolveResult> resolve_conflict(const ResolveOptions& options);

// The key encodings `typed` may stand for (see ResolveOptions::key), in
// canonical form; empty when it is a malformed encoding.
std::vector<std::string> key_candidates(const std::string& typed);

// Checks an untrusted JSON text meant as the whole record for `key` of a
// collection keyed by `key_fields`; `label` names it in errors. Returns the
// document.
Result<json::Value> parse_record_file(std::string_view text, const std::string& label,
                                      const std::vector<std::string>& key_fields, const std::string& key);

}  // namespace dbsync
