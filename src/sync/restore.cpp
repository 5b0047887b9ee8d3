#include "sync/restore.h"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>

#include "git/git.h"
#include "snapshot/key.h"
#include "snapshot/shard_reader.h"
#include "sync/apply.h"
#include "sync/backup.h"
#include "sync/db_scan.h"
#include "sync/doc_scan.h"
#include "sync/durable.h"
#include "sync/git_snapshot.h"
#include "sync/journal.h"
#include "sync/lock.h"
#include "sync/recover.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> hash_of(const std::optional<std::string>& doc) {
  if (!doc) return std::nullopt;
  return to_hex(xxh3_128(*doc));
}

Status lookup_all(StoreTxn& txn, const CollectionInfo& info, const std::vector<std::string>& keys,
                  std::vector<std::optional<std::string>>& out) {
  std::vector<KeyRef> refs;
  for (const auto& k : keys) {
    auto r = parse_key(k, info.key().size());
    if (!r) return std::unexpected(r.error());
    refs.push_back(std::move(*r));
  }
  out.assign(keys.size(), std::nullopt);
  return txn.lookup(info, refs, [&](size_t i, std::string_view doc) -> Status {
    out[i] = std::string(doc);
    return {};
  });
}

// Plans the undo of one backup.
Status plan_from_backup(Replica& replica, StoreTxn& txn, const Catalog& catalog,
                        const BackupManifest& manifest, bool force, std::deque<std::string>& docs,
                        std::vector<ApplyCollection>& out, RestoreResult& result) {
  for (const auto& [name, counts] : manifest.collections) {
    const CollectionInfo* info = catalog.find(name);
    auto entries = read_backup_entries(replica.paths, manifest.id, name);
    if (!entries) return std::unexpected(entries.error());
    if (info == nullptr) {
      result.warnings.push_back("table '" + name + "' is not in the database; its " +
                                std::to_string(entries->size()) + " records were not restored");
      continue;
    }
    std::vector<std::string> keys;
    for (const auto& e : *entries) keys.push_back(e.key);
    std::vector<std::optional<std::string>> now;
    if (auto st = lookup_all(txn, *info, keys, now); !st) return st;
    ApplyCollection ac;
    ac.info = *info;
    for (size_t i = 0; i < entries->size(); ++i) {
      const BackupEntry& e = (*entries)[i];
      bool is_before = e.before ? now[i] && *now[i] == *e.before : !now[i];
      bool is_after = e.after ? now[i] && hash_of(now[i]) == e.after : !now[i];
      if (is_before) {
        ++result.unchanged;
        continue;
      }
      if (!is_after && !force) {
        ++result.skipped;
        if (result.skipped_records.size() < kMaxListedSkips) {
          result.skipped_records.push_back({name, e.key, "changed in the database after that import"});
        }
        continue;
      }
      ApplyRecord r;
      r.key = docs.emplace_back(e.key);
      if (now[i]) r.before = docs.emplace_back(std::move(*now[i]));
      if (!e.before) {
        r.op = Change::Op::kDelete;
        ++result.deleted;
      } else {
        docs.push_back(*e.before);
        r.after_doc = docs.back();
        r.op = now[i] ? Change::Op::kUpdate : Change::Op::kInsert;
        ++(now[i] ? result.updated : result.inserted);
      }
      ac.records.push_back(std::move(r));
    }
    if (!ac.records.empty()) out.push_back(std::move(ac));
  }
  return {};
}

// Plans rebuilding the database's collections from the snapshot in `dir`.
Status plan_from_snapshot(Replica& replica, StoreTxn& txn, const fs::path& dir, std::deque<std::string>& docs,
                          std::vector<ApplyCollection>& out, RestoreResult& result) {
  SnapshotLayout layout(dir);
  auto config = load_config(dir);
  if (!config) return std::unexpected(config.error());
  auto names = layout.list_collections();
  if (!names) return std::unexpected(names.error());
  auto catalog = txn.catalog(replica.config);
  if (!catalog) return std::unexpected(catalog.error());
  for (const auto& name : *names) {
    std::string label = std::string(kSnapshotDirName) + "/" + name + "/" + kSchemaFileName;
    auto schema = load_schema(layout.schema_path(name), label);
    if (!schema) return std::unexpected(schema.error());
    if (!config->collection(name).key.empty()) schema->key = config->collection(name).key;
    uint32_t shards = config->collection(name).shards;
    // Read and validate every record first.
    std::vector<std::pair<std::string, std::string_view>> target;  // key -> doc
    std::vector<std::string> fields;
    for (uint32_t s = 0; s < shards; ++s) {
      auto reader = ShardReader::open(layout.shard_path(name, s, shards), layout.shard_label(name, s, shards),
                                      ShardSpec{schema->key, s, shards});
      if (!reader) return std::unexpected(reader.error());
      for (;;) {
        auto more = reader->next();
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        docs.emplace_back(reader->current().parts.doc);
        target.emplace_back(reader->current().key, docs.back());
        top_level_fields(docs.back(), fields);
      }
    }
    const CollectionInfo* info = catalog->find(name);
    if (info == nullptr) {
      std::sort(fields.begin(), fields.end());
      fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
      if (auto st = txn.create_collection(CollectionInfo{name, *schema}, fields); !st) return st;
      catalog = txn.catalog(replica.config);
      if (!catalog) return std::unexpected(catalog.error());
      info = catalog->find(name);
      if (info == nullptr) return fail(ErrorCode::kUsage, "table '" + name + "' cannot be synced (no key)");
    }
    if (info->key() != schema->key) {
      return fail(ErrorCode::kUsage,
                  "table '" + name + "' is keyed differently in the database and the snapshot",
                  "set the same `key` for '" + name + "' in dbsync.toml");
    }
    std::map<std::string, std::string> db;
    auto st = txn.scan(*info, [&](std::string_view k, std::string_view d) -> Status {
      db.emplace(std::string(k), std::string(d));
      return {};
    });
    if (!st) return st;
    std::sort(target.begin(), target.end());
    ApplyCollection ac;
    ac.info = *info;
    auto it = db.begin();
    auto add = [&](const std::string& key, std::optional<std::string> before, std::string_view after,
                   Change::Op op) {
      ApplyRecord r;
      r.key = docs.emplace_back(key);
      if (before) r.before = docs.emplace_back(std::move(*before));
      r.after_doc = after;
      r.op = op;
      (op == Change::Op::kInsert   ? result.inserted
       : op == Change::Op::kUpdate ? result.updated
                                   : result.deleted)++;
      ac.records.push_back(std::move(r));
    };
    for (const auto& [key, doc] : target) {
      while (it != db.end() && it->first < key) {
        add(it->first, it->second, {}, Change::Op::kDelete);
        ++it;
      }
      if (it != db.end() && it->first == key) {
        if (it->second == doc) {
          ++result.unchanged;
        } else {
          add(key, it->second, doc, Change::Op::kUpdate);
        }
        ++it;
      } else {
        add(key, std::nullopt, doc, Change::Op::kInsert);
      }
    }
    for (; it != db.end(); ++it) add(it->first, it->second, {}, Change::Op::kDelete);
    if (!ac.records.empty()) out.push_back(std::move(ac));
  }
  return {};
}

}  // namespace

Result<RestoreResult> run_restore(const ReplicaOptions& options, const RestoreRequest& request) {
  if (!request.backup.empty() && !request.at.empty()) {
    return fail(ErrorCode::kUsage, "name a backup or --at a revision, not both");
  }
  auto replica = open_replica(options);
  if (!replica) return std::unexpected(replica.error());
  auto lock = ReplicaLock::acquire(options.repo);
  if (!lock) return std::unexpected(lock.error());
  RestoreResult result;
  if (auto st = recover_interrupted_import(*replica, result.warnings); !st)
    return std::unexpected(st.error());

  std::optional<BackupManifest> manifest;
  fs::path snapshot_dir;
  if (request.at.empty()) {
    std::string id = request.backup;
    if (id.empty()) {
      auto all = list_backups(replica->paths);
      if (!all) return std::unexpected(all.error());
      for (auto it = all->rbegin(); it != all->rend(); ++it) {
        if (it->op == "import" && it->state == "applied") {
          id = it->id;
          break;
        }
      }
      if (id.empty()) {
        return fail(ErrorCode::kUsage, "no applied import to undo",
                    "'dbsync backups list' shows the backups");
      }
    }
    auto m = read_backup_manifest(replica->paths, id);
    if (!m) return std::unexpected(m.error());
    if (m->state == "not-applied") {
      return fail(ErrorCode::kUsage,
                  "backup '" + id + "' belongs to an import that never committed; nothing to undo");
    }
    manifest = std::move(*m);
    result.source = id;
  } else {
    snapshot_dir = replica->paths.root / ("restore-" + std::to_string(::getpid()));
    (void)remove_tree(snapshot_dir);
    auto commit = checkout_snapshot(options.repo, request.at, snapshot_dir);
    if (!commit) {
      (void)remove_tree(snapshot_dir);
      return std::unexpected(commit.error());
    }
    result.source = *commit;
  }

  auto work = [&]() -> Status {
    auto txn = replica->store->begin(TxnMode::kWrite);
    if (!txn) return std::unexpected(txn.error());
    std::deque<std::string> docs;
    std::vector<ApplyCollection> changes;
    if (manifest) {
      auto catalog = (*txn)->catalog(replica->config);
      if (!catalog) return std::unexpected(catalog.error());
      if (auto st =
              plan_from_backup(*replica, **txn, *catalog, *manifest, request.force, docs, changes, result);
          !st)
        return st;
    } else {
      if (auto st = plan_from_snapshot(*replica, **txn, snapshot_dir, docs, changes, result); !st) return st;
    }
    for (auto& c : changes) {
      std::sort(c.records.begin(), c.records.end(),
                [](const ApplyRecord& a, const ApplyRecord& b) { return a.key < b.key; });
    }
    if (changes.empty()) return (*txn)->commit();
    auto applied = apply_with_backup(*replica, **txn, changes, "restore");
    if (!applied) return std::unexpected(applied.error());
    result.backup_id = applied->backup_id;
    for (auto& w : applied->warnings) result.warnings.push_back(std::move(w));
    txn->reset();
    return remove_journal(replica->paths);
  };
  Status st = work();
  if (!snapshot_dir.empty()) (void)remove_tree(snapshot_dir);
  if (!st) return std::unexpected(st.error());
  return result;
}

}  // namespace dbsync
