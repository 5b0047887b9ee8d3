// Backups of the records an import (or restore) changes, under
// .dbsync/backups/<id>/ (docs/REPLICA.md):
//   manifest.json        {"id","time","op","database","replica","state",
//                         "collections":{name:{"inserted","updated","deleted"}}}
//   <collection>.jsonl   one line per touched record, sorted by key:
//                        {"a": hash of the document the import writes, or null
//                         for a delete, "b": the document before, or null
//                         for an insert, "k": key encoding}
//   <collection>.after.jsonl  {"a","k"} for records the database stored in
//                        normalised form (store/store.h preview): their
//                        hash as the database holds them
// Written and fsync'd before the transaction changes anything; `state` is
// "prepared" until the transaction commits, then "applied" (or
// "not-applied" when a crash stopped it). Ids sort by creation. Callers hold
// the replica lock.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/local_state.h"
#include "util/error.h"

namespace dbsync {

struct BackupEntry {
  std::string key;
  std::optional<std::string> before;  // canonical document
  std::optional<std::string> after;   // hex hash of the document written
};

struct BackupCounts {
  uint64_t inserted = 0, updated = 0, deleted = 0;
};

struct BackupManifest {
  std::string id;
  std::string time;
  std::string op;  // import | restore
  std::string database;
  std::string replica;
  std::string state;  // prepared | applied | not-applied
  std::map<std::string, BackupCounts> collections;
};

// A new backup id, greater than every existing one (ids sort by time even
// within one second or when the wall clock steps back):
// 20260115T103045Z-0000, -0001, ...
std::string new_backup_id(const LocalPaths& paths);

// Writes the manifest and every collection file, fsync'd, in a new folder.
Status write_backup(const LocalPaths& paths, const BackupManifest& manifest,
                    const std::map<std::string, std::vector<BackupEntry>>& entries);
// The same with each collection file's text built by append_backup_line
// (no BackupEntry per record).
Status write_backup_texts(const LocalPaths& paths, const BackupManifest& manifest,
                          const std::map<std::string, std::string>& texts);
// Appends one line of a <collection>.jsonl file; `before` null for an
// insert, `after_hex` empty for a delete.
void append_backup_line(std::string& out, std::string_view key, std::optional<std::string_view> before,
                        std::string_view after_hex);
// Records normalised after-hashes of one collection (before the commit).
Status write_backup_after(const LocalPaths& paths, const std::string& id, const std::string& collection,
                          const std::vector<BackupEntry>& entries);
Status set_backup_state(const LocalPaths& paths, const std::string& id, const std::string& state);

Result<BackupManifest> read_backup_manifest(const LocalPaths& paths, const std::string& id);
// Entries of one collection, after-hashes corrected by the .after file.
Result<std::vector<BackupEntry>> read_backup_entries(const LocalPaths& paths, const std::string& id,
                                                     const std::string& collection);
// Manifests of every backup, oldest first; unreadable ones are skipped.
Result<std::vector<BackupManifest>> list_backups(const LocalPaths& paths);
// Removes all but the newest `keep` backups; returns the ids removed.
Result<std::vector<std::string>> prune_backups(const LocalPaths& paths, size_t keep);

}  // namespace dbsync
