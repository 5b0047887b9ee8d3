#include "sync/import.h"

#include <set>

#include "snapshot/content_digest.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "snapshot/shard_writer.h"
#include "sync/apply.h"
#include "sync/backup.h"
#include "sync/doc_scan.h"
#include "sync/durable.h"
#include "sync/export.h"
#include "sync/import_plan.h"
#include "sync/journal.h"
#include "sync/lock.h"
#include "sync/phase_timer.h"
#include "sync/publish.h"
#include "sync/recover.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

// What happened to each planned record, for the new matched state.
struct Outcome {
  enum Kind { kTarget, kKeepMatched, kStored };
  Kind kind = kTarget;
  std::string line;  // kStored: the line with the database's normal form
};
using Outcomes = std::map<std::string, std::map<std::string, Outcome>>;  // collection -> key -> outcome

Status refuse_key_change(const CollectionInfo& info, const CollectionPlan& cp) {
  if (info.key() == cp.schema.key) return {};
  auto list = [](const std::vector<std::string>& k) {
    std::string s;
    for (const auto& f : k) s += (s.empty() ? "" : ", ") + f;
    return "(" + s + ")";
  };
  return fail(ErrorCode::kUsage,
              "table '" + info.name + "' is keyed by " + list(info.key()) + " in the database but by " +
                  list(cp.schema.key) + " in the snapshot",
              "set the same `key` for '" + info.name + "' in dbsync.toml on every replica");
}

bool same(const std::optional<std::string>& a, bool present, std::string_view b) {
  return a ? present && *a == b : !present;
}

// From this many planned records on, import asks whether the table is empty
// before looking them up one by one.
constexpr size_t kEmptyCheckFrom = 4096;

// Decides every planned record of one collection against the database.
Status decide(StoreTxn& txn, const CollectionInfo& info, const CollectionPlan& cp, bool created,
              ApplyCollection& out, CollectionImportStats& stats, ImportResult& result,
              std::map<std::string, Outcome>& outcomes) {
  HugeVector<const PlannedRecord*> recs;
  recs.reserve(cp.planned());
  for (const auto& sp : cp.shards) {
    for (const auto& r : sp.records) recs.push_back(&r);
  }
  // A table just created, or found empty under this transaction's write
  // lock, holds none of the keys: no lookups (a bulk import of a million
  // records into a new file would otherwise look up a million keys).
  if (created || recs.size() >= kEmptyCheckFrom) {
    auto empty = txn.empty(info);
    if (!empty) return std::unexpected(empty.error());
    out.was_empty = *empty;
  }
  std::vector<std::optional<std::string>> db;  // left empty when the table is
  if (!out.was_empty) {
    db.resize(recs.size());
    std::vector<KeyRef> keys;
    keys.reserve(recs.size());
    for (const PlannedRecord* r : recs) {
      auto k = parse_key(r->key, info.key().size());
      if (!k) return std::unexpected(k.error());
      keys.push_back(std::move(*k));
    }
    auto st = txn.lookup(info, keys, [&](size_t i, std::string_view doc) -> Status {
      db[i] = std::string(doc);
      return {};
    });
    if (!st) return st;
  }
  out.info = info;
  out.records.reserve(recs.size());
  static const std::optional<std::string> kAbsent;
  for (size_t i = 0; i < recs.size(); ++i) {
    const PlannedRecord& r = *recs[i];
    const std::optional<std::string>& now = out.was_empty ? kAbsent : db[i];
    if (same(now, r.in_target, r.target_doc)) {
      ++stats.in_sync;
      continue;
    }
    if (!same(now, r.in_matched, r.matched_doc)) {
      ++stats.skipped;
      outcomes[r.key].kind = Outcome::kKeepMatched;
      if (result.skipped_records.size() < kMaxListedSkips) {
        result.skipped_records.push_back({info.name, r.key,
                                          !now            ? "deleted in the database since the last export"
                                          : !r.in_matched ? "added in the database since the last export"
                                                          : "changed in the database since the last export"});
      }
      continue;
    }
    const bool present = now.has_value();
    ApplyRecord a;
    a.key = r.key;
    if (present) a.before = out.memory.emplace_back(std::move(*db[i]));
    if (!r.in_target) {
      a.op = Change::Op::kDelete;
      ++stats.deleted;
    } else {
      a.op = present ? Change::Op::kUpdate : Change::Op::kInsert;
      a.after_doc = r.target_doc;
      a.rev = r.target_rev;
      ++(present ? stats.updated : stats.inserted);
    }
    out.records.push_back(std::move(a));
  }
  return {};
}

// Reads a target shard file again (its bytes are not kept in memory after
// planning). It must still be what the plan read: a working tree changed in
// the middle of an import is not taken in half; the import is run again
// (the database side of it is already committed and converges).
Status read_target_again(const ShardPlan& sp, const std::string& digest, std::string& out) {
  out.clear();
  if (!sp.has_target) return {};
  if (auto st = read_file_reusing(sp.target_path, out); !st) return st;
  if (bytes_digest(out) != digest) {
    return fail(ErrorCode::kUnavailable,
                "'" + sp.target_path.string() + "' changed while it was being imported",
                "run 'dbsync import' again");
  }
  return {};
}

// Writes the new matched state: the snapshot, with skipped records keeping
// their matched lines and normalised ones their stored form. With a matched
// state, only the files that change are written, to a delta
// (sync/matched_delta.h); the first import writes a whole generation.
Result<MatchedMeta> write_generation(Replica& replica, const ImportPlan& plan, const Outcomes& outcomes,
                                     const std::optional<MatchedMeta>& meta) {
  auto gen = create_generation(replica.paths, meta);
  if (!gen) return std::unexpected(gen.error());
  SnapshotLayout out(replica.paths.matched_dir() / *gen);
  const fs::path live = meta ? generation_root(replica.paths, meta->generation) : fs::path();
  MatchedMeta next;
  next.generation = meta ? meta->generation : *gen;
  if (meta) next.delta = *gen;
  next.op = "import";
  next.time = utc_now_iso();
  next.tree = plan.tree;
  next.stat = plan.stat;
  ContentDigest digest;
  std::vector<fs::path> to_sync;
  std::string owned, reread;
  for (const auto& cp : plan.collections) {
    auto oc = outcomes.find(cp.name);
    bool any = false;
    for (uint32_t s = 0; s < cp.shard_count; ++s) {
      const ShardPlan& sp = cp.shards[s];
      fs::path path = out.shard_path(cp.name, s, cp.shard_count);
      std::string label = std::string(kSnapshotDirName) + "/" + cp.name + "/" + path.filename().string();
      bool overridden = false;
      if (oc != outcomes.end()) {
        for (const auto& r : sp.records) {
          if (oc->second.count(r.key)) overridden = true;
        }
      }
      if (!overridden) {
        // The target's shard as it is: the plan has its digest and hashes.
        if (sp.target_size == 0) continue;
        any = true;
        const std::string& file_digest = plan.tree.at(label);
        next.files[label] = file_digest;
        digest.merge(sp.hashes);
        next.sums[label] = digest.shard_sum(cp.name, s).to_string();
        if (sp.identical) {
          if (!live.empty() && sp.matched_path == live / label) continue;  // the generation keeps it
          if (auto st = link_or_copy(sp.matched_path, path); !st) return std::unexpected(st.error());
          continue;
        }
        // It shares the working tree's file (a hard link) when that file
        // is still what was read; else the bytes are read again and must
        // be what was read.
        bool linked = false;
        auto it = plan.stat.find(label);
        if (it != plan.stat.end() && it->second == file_stat(sp.target_path)) {
          auto l = try_link(sp.target_path, path);
          if (!l) return std::unexpected(l.error());
          linked = *l;
        }
        if (!linked) {
          if (auto st = read_target_again(sp, file_digest, reread); !st) return std::unexpected(st.error());
          if (auto st = write_file_unsynced(path, reread); !st) return std::unexpected(st.error());
        }
        to_sync.push_back(path);
        continue;
      }
      // Skipped records keep their matched lines, normalised ones get the
      // database's form: the shard is written anew.
      if (auto st =
              read_target_again(sp, plan.tree.count(label) ? plan.tree.at(label) : std::string(), reread);
          !st)
        return std::unexpected(st.error());
      ShardWriter w;
      KeyScanner scanner(cp.schema.key);
      std::string_view all = reread;
      std::set<std::string> handled;
      for (const auto& r : sp.records) {
        auto it = oc->second.find(r.key);
        if (it == oc->second.end()) continue;
        handled.insert(r.key);
        if (it->second.kind == Outcome::kKeepMatched) {
          if (r.in_matched) w.add_line(r.key, std::string(r.matched_line));
        } else {
          w.add_line(r.key, it->second.line);
        }
      }
      size_t pos = 0;
      std::string key;
      while (pos < all.size()) {
        size_t end = all.find('\n', pos);
        std::string_view line = all.substr(pos, end - pos);
        pos = end + 1;
        auto parts = split_record_line(line);
        if (!parts || !scanner.scan(parts->doc, key)) {
          return fail(ErrorCode::kInternal, "cannot re-read a validated line of " + cp.name);
        }
        if (!handled.count(key)) w.add_line(key, std::string(line));
      }
      auto rendered = w.render();
      if (!rendered) return std::unexpected(rendered.error());
      owned = std::move(*rendered);
      std::string_view bytes = owned;
      if (bytes.empty()) continue;
      any = true;
      next.files[label] = bytes_digest(bytes);
      if (auto st = write_file_unsynced(path, bytes); !st) return std::unexpected(st.error());
      to_sync.push_back(path);
      pos = 0;
      while (pos < bytes.size()) {
        size_t end = bytes.find('\n', pos);
        std::string_view line(bytes.data() + pos, end - pos);
        pos = end + 1;
        // {"d":…,"h":"<32 hex>","r":"<rev>"}: the hash sits before the rev.
        size_t r = line.rfind("\",\"r\":\"");
        Digest128 h;
        if (r == std::string_view::npos || r < 32 || !decode_hash_hex(line.substr(r - 32, 32), h)) {
          return fail(ErrorCode::kInternal, "cannot read a hash back from " + cp.name);
        }
        digest.add(cp.name, s, h);
      }
      next.sums[label] = digest.shard_sum(cp.name, s).to_string();
    }
    if (!cp.in_target && !any) continue;
    if (!cp.schema_bytes.empty()) {
      std::string label = std::string(kSnapshotDirName) + "/" + cp.name + "/" + kSchemaFileName;
      std::string schema_digest = bytes_digest(cp.schema_bytes);
      if (!generation_holds(meta ? &*meta : nullptr, label, schema_digest)) {
        if (auto st = write_file_synced(out.schema_path(cp.name), cp.schema_bytes); !st)
          return std::unexpected(st.error());
      }
      next.files[label] = schema_digest;
    }
    digest.touch(cp.name);
    next.shards[cp.name] = cp.shard_count;
  }
  for (const auto& f : to_sync) {
    if (auto st = fsync_file(f); !st) return std::unexpected(st.error());
  }
  if (auto st = fsync_tree(out.repo()); !st) return std::unexpected(st.error());
  next.root = to_hex(digest.root());
  return next;
}

}  // namespace

Result<ImportResult> import_replica(Replica& replica) {
  ImportResult result;
  PhaseTimer timer("import: recover");
  if (auto st = recover_interrupted_export(replica, result.warnings); !st) return std::unexpected(st.error());
  if (auto st = recover_interrupted_import(replica, result.warnings); !st) return std::unexpected(st.error());
  auto meta = load_matched_meta(replica.paths);
  if (!meta) return std::unexpected(meta.error());
  timer.lap("import: read and validate snapshot");
  auto plan = plan_import(replica, replica.layout, *meta);
  if (!plan) return std::unexpected(plan.error());

  timer.lap("import: open database");
  auto txn = replica.store->begin(TxnMode::kWrite);
  if (!txn) return std::unexpected(txn.error());
  // The store's change log up to here holds the application's changes;
  // what this transaction adds are dbsync's own writes, forgotten before
  // it commits (StoreTxn::change_log_after_import).
  auto log_mark = (*txn)->change_log_mark();
  if (!log_mark) return std::unexpected(log_mark.error());
  const std::string token = new_tracking_token();
  bool tracking_kept = false;
  auto before_commit = [&]() -> Status {
    auto kept = (*txn)->change_log_after_import(*log_mark, *meta ? (*meta)->tracking : std::string(), token);
    if (!kept) return std::unexpected(kept.error());
    tracking_kept = *kept;
    return {};
  };
  auto catalog = (*txn)->catalog(replica.config);
  if (!catalog) return std::unexpected(catalog.error());

  std::vector<ApplyCollection> changes;
  Outcomes outcomes;
  for (const auto& cp : plan->collections) {
    CollectionImportStats stats;
    stats.name = cp.name;
    stats.records = cp.target_records;
    const CollectionInfo* info = catalog->find(cp.name);
    if (info == nullptr && cp.in_target && !cp.in_matched) {
      timer.lap("import: create tables");
      // The fields the records use, gathered while the plan validated them.
      std::set<std::string> fields;
      for (const auto& sp : cp.shards) fields.insert(sp.fields.begin(), sp.fields.end());
      CollectionInfo fresh{cp.name, cp.schema};
      if (auto st = (*txn)->create_collection(fresh, std::vector<std::string>(fields.begin(), fields.end()));
          !st)
        return std::unexpected(st.error());
      catalog = (*txn)->catalog(replica.config);
      if (!catalog) return std::unexpected(catalog.error());
      info = catalog->find(cp.name);
      stats.created = true;
      if (info == nullptr) {
        for (const auto& s : catalog->skipped) {
          if (s.name == cp.name)
            return fail(ErrorCode::kUsage, "table '" + cp.name + "' cannot be synced: " + s.reason);
        }
        return fail(ErrorCode::kInternal, "table '" + cp.name + "' was not created");
      }
    }
    if (info == nullptr) {
      if (cp.planned() > 0 && cp.in_target) {
        result.warnings.push_back("table '" + cp.name + "' is not in the database; its " +
                                  std::to_string(cp.planned()) + " changed records were not imported");
        for (const auto& sp : cp.shards)
          for (const auto& r : sp.records) outcomes[cp.name][r.key].kind = Outcome::kKeepMatched;
        stats.skipped += cp.planned();
      }
      result.collections.push_back(std::move(stats));
      continue;
    }
    if (auto st = refuse_key_change(*info, cp); !st) return std::unexpected(st.error());
    timer.lap("import: read database rows");
    ApplyCollection ac;
    if (auto st = decide(**txn, *info, cp, stats.created, ac, stats, result, outcomes[cp.name]); !st)
      return std::unexpected(st.error());
    if (!ac.records.empty()) changes.push_back(std::move(ac));
    result.inserted += stats.inserted;
    result.updated += stats.updated;
    result.deleted += stats.deleted;
    result.in_sync += stats.in_sync;
    result.skipped += stats.skipped;
    result.collections.push_back(std::move(stats));
  }
  for (const auto& c : catalog->skipped) {
    result.warnings.push_back("table '" + c.name + "' is not synced: " + c.reason);
  }

  timer.lap("import: backup, apply, verify");
  if (!changes.empty()) {
    auto applied = apply_with_backup(replica, **txn, changes, "import", before_commit);
    if (!applied) return std::unexpected(applied.error());
    result.backup_id = applied->backup_id;
    result.normalized = applied->normalized;
    for (auto& w : applied->warnings) result.warnings.push_back(std::move(w));
    for (const auto& col : changes) {
      for (const auto& r : col.records) {
        if (!r.stored) continue;
        Outcome& o = outcomes[col.info.name][std::string(r.key)];
        o.kind = Outcome::kStored;
        // Keep the snapshot's rev: the record did not change, the database
        // only spells it its own way; the next export publishes that form.
        append_record_line_canonical(o.line, *r.stored, r.rev);
        o.line.pop_back();
      }
    }
  } else {
    if (auto st = before_commit(); !st) return std::unexpected(st.error());
    if (auto st = (*txn)->commit(); !st) return std::unexpected(st.error());
    for (auto& w : (*txn)->take_warnings()) result.warnings.push_back(std::move(w));
  }
  txn->reset();

  timer.lap("import: write matched state");
  auto next = write_generation(replica, *plan, outcomes, *meta);
  if (!next) return std::unexpected(next.error());
  if (tracking_kept) next->tracking = token;
  if (!plan->max_rev.empty()) {
    auto clock = HybridClock::load(replica.paths.clock(), replica.local.replica, replica.options.wall);
    if (!clock) return std::unexpected(clock.error());
    auto rev = parse_rev(plan->max_rev);
    if (rev) clock->observe(*rev);
    if (auto st = clock->save(); !st) return std::unexpected(st.error());
  }
  timer.lap("import: commit matched state");
  if (auto st = commit_generation(replica.paths, *next); !st) return std::unexpected(st.error());
  if (auto st = remove_journal(replica.paths); !st) return std::unexpected(st.error());
  result.root = next->root;
  return result;
}

Result<ImportResult> run_import(const ReplicaOptions& options) {
  auto replica = open_replica(options);
  if (!replica) return std::unexpected(replica.error());
  auto lock = ReplicaLock::acquire(options.repo);
  if (!lock) return std::unexpected(lock.error());
  return import_replica(*replica);
}

}  // namespace dbsync
