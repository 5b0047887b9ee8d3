#include "sync/export.h"

#include <set>

#include "snapshot/content_digest.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "snapshot/schema.h"
#include "sync/db_diff.h"
#include "sync/durable.h"
#include "sync/lock.h"
#include "sync/matched.h"
#include "sync/phase_timer.h"
#include "sync/publish.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

std::string tree_path(const std::string& collection, const std::string& file) {
  return std::string(kSnapshotDirName) + "/" + collection + "/" + file;
}

Status refuse_if_tree_changed(const TreeDigests& now, const std::optional<MatchedMeta>& meta) {
  auto diffs = tree_differences(now, meta ? meta->tree : TreeDigests{});
  if (diffs.empty()) return {};
  std::string list;
  for (size_t i = 0; i < diffs.size() && i < 3; ++i) list += (i ? ", '" : "'") + diffs[i] + "'";
  if (diffs.size() > 3) list += " and " + std::to_string(diffs.size() - 3) + " more";
  return fail(ErrorCode::kUsage,
              meta ? "the snapshot in the working tree changed since this replica's last export or import (" +
                         list + "); exporting now could overwrite newer records with stale ones"
                   : "the working tree holds a snapshot (" + list +
                         ") that this replica never imported; exporting now could overwrite it",
              "run 'dbsync import' first, then export");
}

// The key the matched generation used for a collection (its schema.json).
std::vector<std::string> matched_key(const fs::path& gen_root, const std::string& name) {
  SnapshotLayout layout(gen_root);
  auto schema = load_schema(layout.schema_path(name), name);
  return schema ? schema->key : std::vector<std::string>{};
}

struct Exporter {
  Replica& r;
  const std::optional<MatchedMeta>& meta;
  std::string rev;
  fs::path old_root;
  SnapshotLayout gen;
  MatchedMeta next;
  ContentDigest digest;
  ExportResult result;

  Status write_file(const std::string& name, const std::string& file, const std::string& bytes) {
    std::string path = tree_path(name, file);
    next.tree[path] = bytes_digest(bytes);
    return write_file_synced(gen.repo() / path, bytes);
  }

  Status export_collection(const CollectionScan& scan) {
    const std::string& name = scan.info.name;
    CollectionExportStats stats;
    stats.name = name;
    next.shards[name] = scan.shard_count;
    digest.touch(name);
    if (auto st = write_file(name, kSchemaFileName, scan.info.schema.to_json()); !st) return st;
    bool in_matched = meta && meta->shards.count(name);
    uint32_t stored = in_matched ? meta->shards.at(name) : scan.shard_count;
    bool key_changed = in_matched && matched_key(old_root, name) != scan.info.key();
    MatchedCollection matched(in_matched ? old_root : fs::path(), name, scan.info.key(), stored,
                              scan.shard_count, key_changed);
    std::string out;
    for (uint32_t s = 0; s < scan.shard_count; ++s) {
      auto data = matched.shard(s);
      if (!data) return std::unexpected(data.error());
      out.clear();
      bool same = true;
      auto st = join_db_matched(scan.shards[s], (*data)->lines, [&](const JoinedRecord& rec) -> Status {
        Digest128 h;
        switch (rec.state) {
          case RecordState::kUnchanged:
            out += rec.matched->line;
            out += '\n';
            decode_hash_hex(rec.matched->hash, h);
            digest.add(name, s, h);
            ++stats.records;
            return {};
          case RecordState::kDeleted:
            ++stats.deleted;
            same = false;
            return {};
          case RecordState::kAdded: ++stats.added; break;
          case RecordState::kChanged: ++stats.changed; break;
        }
        same = false;
        append_record_line_canonical(out, rec.db_doc, rev);
        digest.add(name, s, xxh3_128(rec.db_doc));
        ++stats.records;
        return {};
      });
      if (!st) return st;
      if (out.empty()) continue;
      std::string file = shard_file_name(s, scan.shard_count);
      if (same && (*data)->whole_file) {
        // The working tree may hold another version of this file (an import
        // that skipped or normalised records): the digest is of what it gets.
        next.tree[tree_path(name, file)] = bytes_digest(out);
        if (auto st2 = link_or_copy((*data)->path, gen.repo() / tree_path(name, file)); !st2) return st2;
        continue;
      }
      if (auto st2 = write_file(name, file, out); !st2) return st2;
    }
    result.added += stats.added;
    result.changed += stats.changed;
    result.deleted += stats.deleted;
    result.records += stats.records;
    result.collections.push_back(std::move(stats));
    return {};
  }

  // A collection the matched state has but the database no longer offers:
  // its files carry over unchanged.
  Status keep_collection(const std::string& name) {
    next.shards[name] = meta->shards.at(name);
    digest.touch(name);
    CollectionExportStats stats;
    stats.name = name;
    SnapshotLayout old(old_root);
    auto files = list_files(old.collection_dir(name));
    if (!files) return std::unexpected(files.error());
    KeyScanner none({});
    for (const auto& f : *files) {
      std::string path = tree_path(name, f);
      if (auto st = link_or_copy(old_root / path, gen.repo() / path); !st) return st;
      auto it = meta->tree.find(path);
      auto bytes = read_file(old_root / path);
      if (!bytes) return std::unexpected(bytes.error());
      next.tree[path] = it != meta->tree.end() ? it->second : bytes_digest(*bytes);
      uint32_t shard;
      if (!parse_shard_file_name(f, meta->shards.at(name), shard)) continue;
      size_t pos = 0;
      while (pos < bytes->size()) {
        size_t end = bytes->find('\n', pos);
        if (end == std::string::npos) break;
        auto parts = split_record_line(std::string_view(*bytes).substr(pos, end - pos));
        pos = end + 1;
        if (!parts) continue;
        Digest128 h;
        decode_hash_hex(parts->hash, h);
        digest.add(name, shard, h);
        ++stats.records;
      }
    }
    result.records += stats.records;
    result.collections.push_back(std::move(stats));
    return {};
  }
};

}  // namespace

Result<ExportResult> export_replica(Replica& replica) {
  ExportResult result;
  PhaseTimer timer("export: recover");
  if (auto st = recover_interrupted_export(replica, result.warnings); !st) return std::unexpected(st.error());
  std::error_code ec;
  if (fs::exists(replica.paths.journal(), ec)) {
    return fail(ErrorCode::kUsage, "the last import of this replica did not finish",
                "run 'dbsync import' to complete it, then export");
  }
  auto meta = load_matched_meta(replica.paths);
  if (!meta) return std::unexpected(meta.error());
  timer.lap("export: digest working tree");
  auto now = digest_tree(replica.layout, *meta ? &**meta : nullptr);
  if (!now) return std::unexpected(now.error());
  if (auto st = refuse_if_tree_changed(*now, *meta); !st) return std::unexpected(st.error());

  timer.lap("export: scan database");
  auto scan = scan_database(replica);
  if (!scan) return std::unexpected(scan.error());
  for (const auto& s : scan->skipped)
    result.warnings.push_back("table '" + s.name + "' is not synced: " + s.reason);

  auto clock = HybridClock::load(replica.paths.clock(), replica.local.replica, replica.options.wall);
  if (!clock) return std::unexpected(clock.error());
  Rev rev = clock->tick();
  // Saved before anything uses the rev, so no rev is ever issued twice.
  if (auto st = clock->save(); !st) return std::unexpected(st.error());

  auto gen = create_generation(replica.paths);
  if (!gen) return std::unexpected(gen.error());
  Exporter ex{replica,
              *meta,
              rev.to_string(),
              *meta ? generation_root(replica.paths, (*meta)->generation) : fs::path(),
              SnapshotLayout(generation_root(replica.paths, *gen)),
              MatchedMeta{},
              ContentDigest{},
              std::move(result)};
  ex.next.generation = *gen;
  ex.next.op = "export";
  ex.next.time = utc_now_iso();

  timer.lap("export: compare and write");
  std::set<std::string> names;
  for (const auto& c : scan->collections) names.insert(c.info.name);
  if (*meta) {
    for (const auto& [name, count] : (*meta)->shards) names.insert(name);
  }
  for (const auto& name : names) {
    const CollectionScan* c = scan->find(name);
    Status st = c ? ex.export_collection(*c) : ex.keep_collection(name);
    if (!c) {
      ex.result.warnings.push_back("collection '" + name +
                                   "' is not in the database; its records stay in the snapshot unchanged");
    }
    if (!st) return std::unexpected(st.error());
  }
  timer.lap("export: fsync generation");
  if (auto st = fsync_tree(ex.gen.repo()); !st) return std::unexpected(st.error());
  ex.next.root = to_hex(ex.digest.root());
  ex.result.root = ex.next.root;
  ex.result.rev = ex.result.changed_any() ? ex.rev : std::string();

  if (auto st = write_meta_file(replica.paths.export_journal(), ex.next); !st)
    return std::unexpected(st.error());
  timer.lap("export: publish working tree");
  if (auto st = publish_tree(replica.layout, ex.gen.repo(), ex.next.tree, *now); !st)
    return std::unexpected(st.error());
  for (const auto& [path, digest] : ex.next.tree) ex.next.stat[path] = file_stat(replica.repo / path);
  timer.lap("export: commit matched state");
  if (auto st = commit_generation(replica.paths, ex.next); !st) return std::unexpected(st.error());
  timer.lap("export: free memory");
  return std::move(ex.result);
}

Result<ExportResult> run_export(const ReplicaOptions& options) {
  auto replica = open_replica(options);
  if (!replica) return std::unexpected(replica.error());
  auto lock = ReplicaLock::acquire(options.repo);
  if (!lock) return std::unexpected(lock.error());
  return export_replica(*replica);
}

}  // namespace dbsync
