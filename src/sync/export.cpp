#include "sync/export.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

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
#include "sync/workers.h"
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

// What one shard of the export produced.
struct ShardOutcome {
  uint64_t records = 0, added = 0, changed = 0, deleted = 0;
  std::vector<Digest128> hashes;               // content hashes, for the root hash
  std::optional<ContentDigest::ShardSum> sum;  // instead of `hashes`: a shard carried over unread
  std::string digest;                          // of the new file; empty: the shard is empty
  std::vector<fs::path> to_sync;               // files written without fsync
  fs::path staged;                             // a new working-tree file waiting to be renamed in
};

struct Exporter {
  Replica& r;
  const std::optional<MatchedMeta>& meta;
  std::string rev;
  fs::path old_root;
  SnapshotLayout gen;
  const TreeDigests& now;  // the working tree as found
  MatchedMeta next;
  ContentDigest digest;
  ExportResult result;
  std::vector<fs::path> to_sync;
  std::vector<std::pair<fs::path, fs::path>> staged;  // temp file -> working-tree file

  Status write_file(const std::string& name, const std::string& file, const std::string& bytes) {
    std::string path = tree_path(name, file);
    next.tree[path] = bytes_digest(bytes);
    next.files[path] = next.tree[path];
    if (!old_root.empty() && generation_holds(meta ? &*meta : nullptr, path, next.files[path]) &&
        fs::exists(old_root / path)) {
      return stage(path, next.tree[path], bytes, old_root / path, to_sync, nullptr);
    }
    if (auto st = write_file_unsynced(gen.repo() / path, bytes); !st) return st;
    to_sync.push_back(gen.repo() / path);
    return stage(path, next.tree[path], bytes, gen.repo() / path, to_sync, nullptr);
  }

  // Writes a working-tree file's new version beside it, when it changes.
  // The new version is a hard link to the matched copy at `source` where the
  // file system allows (the bytes are written and fsync'd once).
  Status stage(const std::string& path, const std::string& new_digest, std::string_view bytes,
               const fs::path& source, std::vector<fs::path>& sync, fs::path* staged_out) {
    auto it = now.find(path);
    if (it != now.end() && it->second == new_digest) return {};
    fs::path target = r.repo / path, temp = target;
    temp += kStagedSuffix;
    auto linked = try_link(source, temp);
    if (!linked) return std::unexpected(linked.error());
    if (!*linked) {
      if (auto st = write_file_unsynced(temp, bytes); !st) return st;
      sync.push_back(temp);
    }
    if (staged_out) {
      *staged_out = temp;
    } else {
      staged.emplace_back(temp, target);
    }
    return {};
  }

  Result<ShardOutcome> export_shard(const CollectionScan& scan, uint32_t s, MatchedCollection& matched,
                                    std::string& out) {
    ShardOutcome o;
    auto data = matched.shard(s);
    if (!data) return std::unexpected(data.error());
    std::vector<SnapLine>& lines = (*data)->lines;
    const RecordArena& db = scan.shards[s];
    std::string matched_label = (*data)->path.string();
    out.clear();
    // While every record is unchanged, the new shard is a prefix of the
    // matched file: nothing is copied until the first difference.
    const bool whole = (*data)->whole_file && (*data)->buffers.size() == 1;
    std::string_view file = whole ? std::string_view(*(*data)->buffers[0]) : std::string_view();
    bool same = true;
    size_t unchanged = 0;
    auto diverge = [&] {
      if (!same) return;
      same = false;
      if (!whole) return;
      const char* end = unchanged < lines.size() ? lines[unchanged].line.data() : file.data() + file.size();
      out.assign(file.data(), static_cast<size_t>(end - file.data()));
    };
    o.hashes.reserve(db.size());
    Digest128 h;
    size_t i = 0, j = 0;
    while (i < db.size() || j < lines.size()) {
      // Equal documents are the same record (a key is read from its
      // document), so most lines need no key at all.
      if (i < db.size() && j < lines.size() && db.doc(i) == lines[j].doc) {
        if (!decode_hash_hex(lines[j].hash, h)) {
          return fail(ErrorCode::kBadInput, "'" + matched_label + "': damaged record hash");
        }
        o.hashes.push_back(h);
        ++o.records;
        if (same && whole) {
          ++unchanged;
        } else {
          out += lines[j].line;
          out += '\n';
        }
        ++i, ++j;
        continue;
      }
      int c = -1;
      if (j < lines.size()) {
        if (auto st = complete_line(lines[j], matched.scanner(), matched_label); !st)
          return std::unexpected(st.error());
        c = i == db.size() ? 1 : db.key(i).compare(lines[j].key);
      }
      diverge();
      if (c > 0) {  // deleted from the database
        ++o.deleted;
        ++j;
        continue;
      }
      ++(c < 0 ? o.added : o.changed);
      append_record_line_canonical(out, db.doc(i), rev);
      o.hashes.push_back(xxh3_128(db.doc(i)));
      ++o.records;
      ++i;
      if (c == 0) ++j;
    }
    return finish_shard(scan, s, **data, o, same && whole, out);
  }

  // Writes out a shard's new version: the matched file itself when
  // `unchanged` (linked, not copied), else `out`.
  Result<ShardOutcome> finish_shard(const CollectionScan& scan, uint32_t s, ShardData& data, ShardOutcome& o,
                                    bool unchanged, const std::string& out) {
    const std::string& name = scan.info.name;
    const bool whole = data.whole_file && data.buffers.size() == 1;
    const bool same = unchanged && whole;
    std::string_view file = whole ? std::string_view(*data.buffers[0]) : std::string_view();
    if (o.records == 0) return std::move(o);
    std::string path = tree_path(name, shard_file_name(s, scan.shard_count));
    // The working tree may hold another version of this file (an import
    // that skipped or normalised records): the digest is of what it gets.
    std::string_view bytes = same ? file : std::string_view(out);
    o.digest = same && !data.digest.empty() ? data.digest : bytes_digest(bytes);
    fs::path source = gen.repo() / path;
    if (same && !old_root.empty() && data.path == old_root / path) {
      source = data.path;  // the live generation keeps its file
    } else if (same) {
      if (auto st2 = link_or_copy(data.path, source); !st2) return std::unexpected(st2.error());
    } else {
      if (auto st2 = write_file_unsynced(source, bytes); !st2) return std::unexpected(st2.error());
      o.to_sync.push_back(source);
    }
    if (auto st2 = stage(path, o.digest, bytes, source, o.to_sync, &o.staged); !st2)
      return std::unexpected(st2.error());
    return std::move(o);
  }

  // A shard the change log names no record of, at the shard count it was
  // written with, stays as matched.json records it (digest, count and hash
  // sum): it is not read at all. False when something is not on record, or
  // the working tree holds another version of it (which then needs the
  // bytes), and the shard is read as usual.
  bool carry_over(const CollectionScan& scan, uint32_t s, ShardOutcome& o) const {
    std::string path = tree_path(scan.info.name, shard_file_name(s, scan.shard_count));
    auto file = meta->files.find(path);
    auto tree = now.find(path);
    if (file == meta->files.end()) return tree == now.end();  // empty before, and still
    if (tree == now.end() || tree->second != file->second) return false;
    auto sum = recorded_shard_sum(*meta, path);
    if (!sum) return false;
    o.records = sum->count;
    o.sum = *sum;
    o.digest = file->second;
    return true;
  }

  // A shard of a collection read from the store's change log: `scan`
  // holds only the records the log names (an empty document: gone), so
  // every other line of the matched shard carries over as it is.
  Result<ShardOutcome> export_shard_incremental(const CollectionScan& scan, uint32_t s,
                                                MatchedCollection& matched, std::string& out,
                                                bool may_carry) {
    ShardOutcome o;
    if (may_carry && scan.shards[s].size() == 0 && carry_over(scan, s, o)) return std::move(o);
    auto data = matched.shard(s);
    if (!data) return std::unexpected(data.error());
    std::vector<SnapLine>& lines = (*data)->lines;
    const RecordArena& db = scan.shards[s];
    std::string matched_label = (*data)->path.string();
    out.clear();
    o.hashes.reserve(lines.size() + db.size());
    Digest128 h;
    if (db.size() == 0 && (*data)->whole_file &&
        (*data)->buffers.size() == 1) {  // untouched: the file as it is
      for (const SnapLine& line : lines) {
        if (!decode_hash_hex(line.hash, h)) {
          return fail(ErrorCode::kBadInput, "'" + matched_label + "': damaged record hash");
        }
        o.hashes.push_back(h);
      }
      o.records = lines.size();
      return finish_shard(scan, s, **data, o, true, out);
    }
    auto keep = [&](const SnapLine& line) -> Status {
      if (!decode_hash_hex(line.hash, h)) {
        return fail(ErrorCode::kBadInput, "'" + matched_label + "': damaged record hash");
      }
      o.hashes.push_back(h);
      ++o.records;
      out += line.line;
      out += '\n';
      return {};
    };
    auto write = [&](std::string_view doc) {
      append_record_line_canonical(out, doc, rev);
      o.hashes.push_back(xxh3_128(doc));
      ++o.records;
    };
    // The logged records are few: each finds its place by a binary search
    // over the matched lines (keys are read only for the lines probed), and
    // the lines between are copied as they are.
    auto key_at = [&](size_t k) -> Result<const std::string*> {
      if (auto st = complete_line(lines[k], matched.scanner(), matched_label); !st)
        return std::unexpected(st.error());
      return &lines[k].key;
    };
    size_t j = 0;  // the next matched line not written yet
    for (size_t i = 0; i < db.size(); ++i) {
      std::string_view key = db.key(i);
      size_t lo = j, hi = lines.size();
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        auto k = key_at(mid);
        if (!k) return std::unexpected(k.error());
        if (std::string_view(**k) < key) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      for (; j < lo; ++j) {
        if (auto st = keep(lines[j]); !st) return std::unexpected(st.error());
      }
      bool found = false;
      if (j < lines.size()) {
        auto k = key_at(j);
        if (!k) return std::unexpected(k.error());
        found = **k == key;
      }
      std::string_view doc = db.doc(i);
      if (!found) {
        if (!doc.empty()) ++o.added, write(doc);
        continue;
      }
      const SnapLine& line = lines[j++];
      if (doc.empty()) {
        ++o.deleted;
      } else if (doc == line.doc) {
        if (auto st = keep(line); !st) return std::unexpected(st.error());
      } else {
        ++o.changed;
        write(doc);
      }
    }
    for (; j < lines.size(); ++j) {
      if (auto st = keep(lines[j]); !st) return std::unexpected(st.error());
    }
    bool unchanged = o.added == 0 && o.changed == 0 && o.deleted == 0;
    return finish_shard(scan, s, **data, o, unchanged, out);
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
    bool regroup = key_changed || stored != scan.shard_count;
    // Regrouping loads the whole collection per reader: one thread then.
    unsigned threads = regroup ? 1 : std::min<unsigned>(worker_count(), scan.shard_count);
    std::vector<Result<ShardOutcome>> outcomes(scan.shard_count, ShardOutcome{});
    std::atomic<uint32_t> next_shard{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
      MatchedCollection matched(in_matched ? old_root : fs::path(), name, scan.info.key(), stored,
                                scan.shard_count, key_changed, /*lazy=*/true, meta ? &meta->files : nullptr);
      std::string out;
      for (uint32_t s; !failed && (s = next_shard++) < scan.shard_count;) {
        outcomes[s] = scan.incremental
                          ? export_shard_incremental(scan, s, matched, out, in_matched && !regroup)
                          : export_shard(scan, s, matched, out);
        if (!outcomes[s]) failed = true;
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (uint32_t s = 0; s < scan.shard_count; ++s) {
      auto& o = outcomes[s];
      if (!o) return std::unexpected(o.error());
      if (o->sum) digest.add_sum(name, s, *o->sum);
      for (const auto& h : o->hashes) digest.add(name, s, h);
      stats.records += o->records;
      stats.added += o->added;
      stats.changed += o->changed;
      stats.deleted += o->deleted;
      if (o->digest.empty()) continue;
      std::string path = tree_path(name, shard_file_name(s, scan.shard_count));
      next.tree[path] = o->digest;
      next.files[path] = o->digest;
      next.sums[path] = digest.shard_sum(name, s).to_string();
      for (auto& f : o->to_sync) to_sync.push_back(std::move(f));
      if (!o->staged.empty()) staged.emplace_back(o->staged, r.repo / path);
    }
    result.added += stats.added;
    result.changed += stats.changed;
    result.deleted += stats.deleted;
    result.records += stats.records;
    result.collections.push_back(std::move(stats));
    return {};
  }

  // Removes staged working-tree files after a failure (best effort).
  void discard_staged() {
    for (const auto& [temp, target] : staged) ::unlink(temp.c_str());
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
    // The working tree's files of this collection stay exactly as they are.
    std::string prefix = tree_path(name, "");
    for (auto it = now.lower_bound(prefix); it != now.end() && it->first.rfind(prefix, 0) == 0; ++it) {
      next.tree[it->first] = it->second;
    }
    // The live generation keeps the files (the delta does not touch them).
    for (const auto& f : *files) {
      std::string path = tree_path(name, f);
      auto bytes = read_file(old_root / path);
      if (!bytes) return std::unexpected(bytes.error());
      next.files[path] = bytes_digest(*bytes);
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
      next.sums[path] = digest.shard_sum(name, shard).to_string();
    }
    result.records += stats.records;
    result.collections.push_back(std::move(stats));
    return {};
  }
};

// Sets up (or removes) the store's change tracking as dbsync.toml asks,
// in a write transaction of its own, before the export's read transaction:
// a change made after this is in the log, the scan, or both.
Status prepare_change_tracking(Replica& replica, bool on) {
  {
    auto txn = replica.store->begin(TxnMode::kRead);
    if (!txn) return std::unexpected(txn.error());
    auto catalog = (*txn)->catalog(replica.config);
    if (!catalog) return std::unexpected(catalog.error());
    auto ready = (*txn)->change_tracking_ready(*catalog, on);
    if (!ready) return std::unexpected(ready.error());
    if (*ready) return {};
  }
  auto txn = replica.store->begin(TxnMode::kWrite);
  if (!txn) return std::unexpected(txn.error());
  auto catalog = (*txn)->catalog(replica.config);
  if (!catalog) return std::unexpected(catalog.error());
  if (auto st = (*txn)->set_change_tracking(*catalog, on); !st) return st;
  return (*txn)->commit();
}

Status reset_change_log(Replica& replica, int64_t upto, const std::string& token) {
  auto txn = replica.store->begin(TxnMode::kWrite);
  if (!txn) return std::unexpected(txn.error());
  if (auto st = (*txn)->change_log_reset(upto, token); !st) return st;
  return (*txn)->commit();
}

}  // namespace

std::string new_tracking_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    out += buf;
  }
  return out;
}

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

  const bool track = replica.config.change_tracking == ChangeTracking::kTriggers;
  timer.lap("export: change tracking");
  if (auto st = prepare_change_tracking(replica, track); !st) return std::unexpected(st.error());

  timer.lap("export: scan database");
  ScanBase base{*meta ? &**meta : nullptr,
                *meta ? generation_root(replica.paths, (*meta)->generation) : fs::path()};
  auto scan = scan_database(replica, track ? &base : nullptr);
  if (!scan) return std::unexpected(scan.error());
  for (const auto& s : scan->skipped)
    result.warnings.push_back("table '" + s.name + "' is not synced: " + s.reason);

  auto clock = HybridClock::load(replica.paths.clock(), replica.local.replica, replica.options.wall);
  if (!clock) return std::unexpected(clock.error());
  Rev rev = clock->tick();
  // Saved before anything uses the rev, so no rev is ever issued twice.
  if (auto st = clock->save(); !st) return std::unexpected(st.error());

  // With a matched state, `gen` is the delta of the files this export
  // changes (sync/matched_delta.h); the first export writes a generation.
  auto gen = create_generation(replica.paths, *meta);
  if (!gen) return std::unexpected(gen.error());
  Exporter ex{replica,
              *meta,
              rev.to_string(),
              *meta ? generation_root(replica.paths, (*meta)->generation) : fs::path(),
              SnapshotLayout(generation_root(replica.paths, *gen)),
              *now,
              MatchedMeta{},
              ContentDigest{},
              std::move(result),
              {},
              {}};
  for (const auto& c : scan->collections) ex.result.read += c.records;
  ex.next.generation = *meta ? (*meta)->generation : *gen;
  if (*meta) ex.next.delta = *gen;
  ex.next.op = "export";
  ex.next.time = utc_now_iso();
  if (track) ex.next.tracking = new_tracking_token();

  timer.lap("export: compare and write");
  std::set<std::string> names;
  for (const auto& c : scan->collections) names.insert(c.info.name);
  if (*meta) {
    for (const auto& [name, count] : (*meta)->shards) names.insert(name);
  }
  auto write_all = [&]() -> Status {
    for (const auto& name : names) {
      const CollectionScan* c = scan->find(name);
      Status st = c ? ex.export_collection(*c) : ex.keep_collection(name);
      if (!c) {
        ex.result.warnings.push_back("collection '" + name +
                                     "' is not in the database; its records stay in the snapshot unchanged");
      }
      if (!st) return st;
    }
    timer.lap("export: fsync");
    for (const auto& f : ex.to_sync) {
      if (auto st = fsync_file(f); !st) return st;
    }
    return fsync_tree(ex.gen.repo());
  };
  if (auto st = write_all(); !st) {
    ex.discard_staged();
    return std::unexpected(st.error());
  }
  ex.next.root = to_hex(ex.digest.root());
  ex.result.root = ex.next.root;
  ex.result.rev = ex.result.changed_any() ? ex.rev : std::string();

  // From here a crash is finished by the next run (sync/publish.h).
  if (auto st = write_meta_file(replica.paths.export_journal(), ex.next); !st) {
    ex.discard_staged();
    return std::unexpected(st.error());
  }
  timer.lap("export: publish working tree");
  std::set<fs::path> dirs;
  for (const auto& [temp, target] : ex.staged) {
    if (auto st = rename_file(temp, target); !st) {
      ex.discard_staged();
      return std::unexpected(st.error());
    }
    dirs.insert(target.parent_path());
  }
  for (const auto& [path, digest] : *now) {
    if (ex.next.tree.count(path)) continue;
    if (auto st = remove_file_durable(replica.repo / path); !st) return std::unexpected(st.error());
    std::error_code ec;
    if (fs::is_empty((replica.repo / path).parent_path(), ec))
      fs::remove((replica.repo / path).parent_path(), ec);
  }
  for (const auto& d : dirs) {
    if (auto st = fsync_dir(d); !st) return std::unexpected(st.error());
  }
  for (const auto& [path, digest] : ex.next.tree) ex.next.stat[path] = file_stat(replica.repo / path);
  timer.lap("export: commit matched state");
  if (auto st = commit_generation(replica.paths, ex.next); !st) return std::unexpected(st.error());
  if (track) {
    // Only now, with the new matched state committed, are the log entries
    // this export read forgotten. A failure here costs the next export a
    // full read (the tokens then differ), nothing else.
    timer.lap("export: reset change log");
    if (auto st = reset_change_log(replica, scan->log.upto, ex.next.tracking); !st) {
      ex.result.warnings.push_back("the change log was not reset (" + st.error().message +
                                   "); the next export reads every record");
    }
  }
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
