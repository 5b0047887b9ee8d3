#include "sync/recover.h"

#include "sync/backup.h"
#include "sync/journal.h"
#include "util/hash.h"

namespace dbsync {

// Did the interrupted import's transaction commit? Its backup's after
// hashes against the database decide; then the import simply runs again.
Status recover_interrupted_import(Replica& replica, std::vector<std::string>& notes) {
  auto journal = read_journal(replica.paths);
  if (!journal) return std::unexpected(journal.error());
  if (!*journal) return {};
  std::string state = "not-applied";
  auto manifest = read_backup_manifest(replica.paths, (*journal)->backup);
  if (manifest) {
    auto txn = replica.store->begin(TxnMode::kRead);
    if (!txn) return std::unexpected(txn.error());
    auto catalog = (*txn)->catalog(replica.config);
    if (!catalog) return std::unexpected(catalog.error());
    uint64_t after = 0, total = 0;
    for (const auto& [name, counts] : manifest->collections) {
      const CollectionInfo* info = catalog->find(name);
      auto entries = read_backup_entries(replica.paths, manifest->id, name);
      if (!info || !entries) continue;
      std::vector<KeyRef> keys;
      for (const auto& e : *entries) {
        auto k = parse_key(e.key, info->key().size());
        if (k) keys.push_back(std::move(*k));
      }
      std::vector<std::optional<std::string>> now(keys.size());
      auto st = (*txn)->lookup(*info, keys, [&](size_t i, std::string_view doc) -> Status {
        now[i] = to_hex(xxh3_128(doc));
        return {};
      });
      if (!st) return st;
      for (size_t i = 0; i < keys.size() && i < entries->size(); ++i) {
        const auto& e = (*entries)[i];
        bool was_before = e.before ? now[i] && *now[i] == to_hex(xxh3_128(*e.before)) : !now[i];
        bool is_after = e.after ? now[i] && *now[i] == *e.after : !now[i];
        ++total;
        if (is_after && !was_before) ++after;
      }
    }
    if (after > 0) state = "applied";
    if (auto st = set_backup_state(replica.paths, manifest->id, state); !st) return st;
  }
  notes.push_back("the previous " + (*journal)->op + " (backup " + (*journal)->backup +
                  ") was interrupted; its " + "changes were " +
                  (state == "applied" ? "committed" : "not committed") + "; running again");
  return remove_journal(replica.paths);
}

}  // namespace dbsync
