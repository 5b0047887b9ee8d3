#include "sync/apply.h"

#include "json/parse.h"
#include "report/report.h"
#include "snapshot/content_digest.h"
#include "snapshot/record_line.h"
#include "sync/backup.h"
#include "sync/durable.h"
#include "sync/journal.h"
#include "sync/matched.h"
#include "sync/phase_timer.h"
#include "util/hash.h"

namespace dbsync {
namespace {

constexpr size_t kBatch = 4096;

Result<json::Value> parse_doc(std::string_view doc, const std::string& collection, const std::string& key) {
  json::ParseLimits limits;
  limits.max_depth = kMaxNestingDepth;
  limits.max_bytes = kMaxLineBytes;
  auto v = json::parse(doc, limits);
  if (!v) return std::unexpected(std::move(v.error()).context("collection '" + collection + "' key " + key));
  return v;
}

Status apply_collection(StoreTxn& txn, ApplyCollection& col) {
  // Deletes first, then updates, then inserts: a unique value that moves
  // from a deleted record to a new one does not collide on the way.
  for (Change::Op op : {Change::Op::kDelete, Change::Op::kUpdate, Change::Op::kInsert}) {
    std::vector<json::Value> docs;
    std::vector<Change> batch;
    auto flush = [&]() -> Status {
      if (batch.empty()) return {};
      for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].op != Change::Op::kDelete) batch[i].doc = &docs[i];
      }
      auto st = txn.apply(col.info, batch);
      batch.clear();
      docs.clear();
      return st;
    };
    for (const ApplyRecord& r : col.records) {
      if (r.op != op) continue;
      auto key = parse_key(r.key, col.info.key().size());
      if (!key) return std::unexpected(key.error());
      Change c;
      c.op = op;
      c.key = std::move(*key);
      if (op == Change::Op::kDelete) {
        docs.emplace_back();
      } else {
        auto doc = parse_doc(r.after_doc, col.info.name, r.key);
        if (!doc) return std::unexpected(doc.error());
        docs.push_back(std::move(*doc));
      }
      batch.push_back(std::move(c));
      if (batch.size() >= kBatch) {
        if (auto st = flush(); !st) return st;
      }
    }
    if (auto st = flush(); !st) return st;
  }
  return {};
}

Status verify_collection(StoreTxn& txn, ApplyCollection& col, uint64_t& normalized) {
  std::vector<KeyRef> keys;
  keys.reserve(col.records.size());
  for (const auto& r : col.records) {
    auto key = parse_key(r.key, col.info.key().size());
    if (!key) return std::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  std::vector<std::optional<std::string>> now(col.records.size());
  auto st = txn.lookup(col.info, keys, [&](size_t i, std::string_view doc) -> Status {
    now[i] = std::string(doc);
    return {};
  });
  if (!st) return st;
  ContentDigest expected, actual;
  for (size_t i = 0; i < col.records.size(); ++i) {
    ApplyRecord& r = col.records[i];
    auto mismatch = [&](const std::string& what) {
      return fail(
          ErrorCode::kInternal,
          "verification after applying failed: table '" + col.info.name + "' key " + r.key + ": " + what,
          "the transaction was rolled back; nothing changed. Please report this");
    };
    if (r.op == Change::Op::kDelete) {
      if (now[i]) return mismatch("the record is still there after deleting it");
      continue;
    }
    if (!now[i]) return mismatch("the record is missing after writing it");
    expected.add(col.info.name, 0, xxh3_128(r.after_doc));
    if (*now[i] != r.after_doc) {
      auto doc = parse_doc(r.after_doc, col.info.name, r.key);
      if (!doc) return std::unexpected(doc.error());
      auto preview = txn.preview(col.info, *doc);
      if (!preview) return std::unexpected(preview.error());
      if (*preview != *now[i]) {
        return mismatch("the database holds " + now[i]->substr(0, 200) + " instead of " +
                        std::string(r.after_doc.substr(0, 200)));
      }
      r.stored = *now[i];
      ++normalized;
      // The database's normal form stands in for the snapshot's document.
      actual.add(col.info.name, 0, xxh3_128(r.after_doc));
      continue;
    }
    actual.add(col.info.name, 0, xxh3_128(*now[i]));
  }
  if (expected.root() != actual.root()) {
    return fail(ErrorCode::kInternal, "verification after applying failed: root hash of table '" +
                                          col.info.name + "' differs from the snapshot's");
  }
  return {};
}

void discard(const Replica& replica, const std::string& backup_id) {
  (void)remove_journal(replica.paths);
  (void)remove_tree(replica.paths.backups() / backup_id);
}

}  // namespace

Result<ApplyResult> apply_with_backup(Replica& replica, StoreTxn& txn,
                                      std::vector<ApplyCollection>& collections, const std::string& op) {
  ApplyResult result;
  BackupManifest manifest;
  manifest.id = new_backup_id(replica.paths);
  manifest.time = utc_now_iso();
  manifest.op = op;
  manifest.database = redact_url(replica.db_url);
  manifest.replica = replica.local.replica;
  manifest.state = "prepared";
  std::map<std::string, std::vector<BackupEntry>> entries;
  for (const auto& col : collections) {
    BackupCounts& counts = manifest.collections[col.info.name];
    auto& list = entries[col.info.name];
    list.reserve(col.records.size());
    for (const auto& r : col.records) {
      BackupEntry e;
      e.key = r.key;
      e.before = r.before;
      if (r.op != Change::Op::kDelete) e.after = to_hex(xxh3_128(r.after_doc));
      list.push_back(std::move(e));
      (r.op == Change::Op::kInsert   ? counts.inserted
       : r.op == Change::Op::kUpdate ? counts.updated
                                     : counts.deleted)++;
    }
  }
  result.backup_id = manifest.id;
  PhaseTimer timer("apply: write backup");
  if (auto st = write_backup(replica.paths, manifest, entries); !st) {
    discard(replica, manifest.id);
    return std::unexpected(st.error());
  }
  entries.clear();
  if (auto st = write_journal(replica.paths, {op, manifest.id, manifest.time}); !st) {
    discard(replica, manifest.id);
    return std::unexpected(st.error());
  }
  auto run = [&]() -> Status {
    uint64_t done = 0, total = collections.size() * 2;
    timer.lap("apply: write changes");
    for (auto& col : collections) {
      if (auto st = apply_collection(txn, col); !st) return st;
      if (replica.options.progress) replica.options.progress(++done, total);
    }
    timer.lap("apply: verify");
    for (auto& col : collections) {
      if (auto st = verify_collection(txn, col, result.normalized); !st) return st;
      if (replica.options.progress) replica.options.progress(++done, total);
      std::vector<BackupEntry> after;
      for (const auto& r : col.records) {
        if (r.stored) after.push_back({r.key, std::nullopt, to_hex(xxh3_128(*r.stored))});
      }
      if (!after.empty()) {
        if (auto st = write_backup_after(replica.paths, manifest.id, col.info.name, after); !st) return st;
      }
    }
    for (auto& w : txn.take_warnings()) result.warnings.push_back(std::move(w));
    timer.lap("apply: commit");
    return txn.commit();
  };
  if (auto st = run(); !st) {
    discard(replica, manifest.id);
    return std::unexpected(st.error());
  }
  if (auto st = set_backup_state(replica.paths, manifest.id, "applied"); !st)
    return std::unexpected(st.error());
  return result;
}

}  // namespace dbsync
