#include "sync/apply.h"

#include <algorithm>
#include <charconv>
#include <future>

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

// Records per StoreTxn::apply call. A store that takes canonical text gets
// views of the documents (a few dozen bytes a record), so its batches are
// large: PostgreSQL ends its COPY and waits for the server at the end of
// every call, 245 times for a million rows at 4,096. Others get a parsed
// document per record, which costs memory.
constexpr size_t kBatch = 4096;
constexpr size_t kTextBatch = 65536;

Result<json::Value> parse_doc(std::string_view doc, const std::string& collection, std::string_view key) {
  json::ParseLimits limits;
  limits.max_depth = kMaxNestingDepth;
  limits.max_bytes = kMaxLineBytes;
  auto v = json::parse(doc, limits);
  if (!v)
    return std::unexpected(
        std::move(v.error()).context("collection '" + collection + "' key " + std::string(key)));
  return v;
}

// The records with operation `op`, in the order to write them: by key
// encoding (the order of the records), except that integer keys go in
// numeric order, so that a table or index keyed by them grows at its end
// instead of at random places (1,000,000 inserts in shard order touch every
// page of the table over and over).
std::vector<size_t> write_order(const ApplyCollection& col, Change::Op op) {
  std::vector<size_t> order;
  std::vector<std::pair<int64_t, size_t>> numeric;
  bool integers = true;
  for (size_t i = 0; i < col.records.size(); ++i) {
    const ApplyRecord& r = col.records[i];
    if (r.op != op) continue;
    order.push_back(i);
    if (!integers) continue;
    // "[<integer>]" exactly as canonical JSON writes it.
    std::string_view k = r.key;
    int64_t v = 0;
    auto res = k.size() > 2 && k.front() == '[' && k.back() == ']'
                   ? std::from_chars(k.data() + 1, k.data() + k.size() - 1, v)
                   : std::from_chars_result{k.data(), std::errc::invalid_argument};
    if (res.ec != std::errc() || res.ptr != k.data() + k.size() - 1) {
      integers = false;
      continue;
    }
    numeric.emplace_back(v, i);
  }
  if (!integers || numeric.size() < 2) return order;
  std::sort(numeric.begin(), numeric.end());
  for (size_t i = 0; i < numeric.size(); ++i) order[i] = numeric[i].second;
  return order;
}

Status apply_collection(StoreTxn& txn, ApplyCollection& col) {
  // A store that takes canonical text gets the documents as they are, and
  // inserts without parsed key values.
  const bool text = txn.applies_canonical_text();
  // Deletes first, then updates, then inserts: a unique value that moves
  // from a deleted record to a new one does not collide on the way.
  for (Change::Op op : {Change::Op::kDelete, Change::Op::kUpdate, Change::Op::kInsert}) {
    std::vector<json::Value> docs;
    std::vector<Change> batch;
    auto flush = [&]() -> Status {
      if (batch.empty()) return {};
      if (!text) {
        for (size_t i = 0; i < batch.size(); ++i) {
          if (batch[i].op != Change::Op::kDelete) batch[i].doc = &docs[i];
        }
      }
      auto st = txn.apply(col.info, batch);
      batch.clear();
      docs.clear();
      return st;
    };
    for (size_t index : write_order(col, op)) {
      const ApplyRecord& r = col.records[index];
      Change& c = batch.emplace_back();
      c.op = op;
      if (text && op == Change::Op::kInsert) {
        c.key.encoding = r.key;
      } else {
        auto key = parse_key(r.key, col.info.key().size());
        if (!key) return std::unexpected(key.error());
        c.key = std::move(*key);
      }
      if (op != Change::Op::kDelete) c.doc_text = r.after_doc;
      if (!text) {
        if (op == Change::Op::kDelete) {
          docs.emplace_back();
        } else {
          auto doc = parse_doc(r.after_doc, col.info.name, r.key);
          if (!doc) return std::unexpected(doc.error());
          docs.push_back(std::move(*doc));
        }
      }
      if (batch.size() >= (text ? kTextBatch : kBatch)) {
        if (auto st = flush(); !st) return st;
      }
    }
    if (auto st = flush(); !st) return st;
  }
  return {};
}

// 128-bit sums of record hashes with a count: a multiset hash, so the
// records can be read back in whatever order the store returns them.
struct HashSum {
  uint64_t count = 0, hi = 0, lo = 0;
  void add(const Digest128& h) {
    uint64_t a = 0, b = 0;
    for (int i = 0; i < 8; ++i) a = a << 8 | h[i], b = b << 8 | h[8 + i];
    uint64_t new_lo = lo + b;
    hi += a + (new_lo < lo ? 1 : 0);
    lo = new_lo;
    ++count;
  }
  bool operator==(const HashSum&) const = default;
};

// Verifies a collection that was empty by reading it back in one scan:
// true when it holds exactly the documents written. False on any
// difference; the caller then looks at every record to tell a normalised
// value from a failed write.
Result<bool> verify_by_scan(StoreTxn& txn, const ApplyCollection& col) {
  HashSum expected, actual;
  for (const auto& r : col.records) {
    if (r.op != Change::Op::kInsert) return false;
    expected.add(xxh3_128(r.after_doc));
  }
  auto st = txn.scan(col.info, [&](std::string_view, std::string_view doc) -> Status {
    actual.add(xxh3_128(doc));
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return expected == actual;
}

Status verify_collection(StoreTxn& txn, ApplyCollection& col, uint64_t& normalized) {
  if (col.was_empty) {
    auto same = verify_by_scan(txn, col);
    if (!same) return std::unexpected(same.error());
    if (*same) return {};
  }
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
      return fail(ErrorCode::kInternal,
                  "verification after applying failed: table '" + col.info.name + "' key " +
                      std::string(r.key) + ": " + what,
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
      r.stored = std::make_unique<std::string>(*now[i]);
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
                                      std::vector<ApplyCollection>& collections, const std::string& op,
                                      const std::function<Status()>& before_commit) {
  ApplyResult result;
  BackupManifest manifest;
  manifest.id = new_backup_id(replica.paths);
  manifest.time = utc_now_iso();
  manifest.op = op;
  manifest.database = redact_url(replica.db_url);
  manifest.replica = replica.local.replica;
  manifest.state = "prepared";
  for (const auto& col : collections) {
    BackupCounts& counts = manifest.collections[col.info.name];
    for (const auto& r : col.records) {
      (r.op == Change::Op::kInsert   ? counts.inserted
       : r.op == Change::Op::kUpdate ? counts.updated
                                     : counts.deleted)++;
    }
  }
  result.backup_id = manifest.id;
  // The backup has to be on disk before the commit, not before the first
  // write: until the commit the store's own rollback undoes everything, a
  // crash included (MongoDB without transactions keeps its own undo log,
  // src/store/mongo/mongo_undo.h). So it is written on a second thread
  // while the changes are applied and verified; a million-record import
  // spends about half a second building and syncing it. The journal comes
  // first: recovery reads a backup without its manifest as "not applied",
  // which is what an uncommitted transaction is.
  PhaseTimer timer("apply: write journal");
  if (auto st = write_journal(replica.paths, {op, manifest.id, manifest.time}); !st) {
    return std::unexpected(st.error());
  }
  std::future<Status> backup_written = std::async(std::launch::async, [&replica, &collections, manifest] {
    std::map<std::string, std::string> texts;
    for (const auto& col : collections) {
      std::string& text = texts[col.info.name];
      text.reserve(col.records.size() * 64);
      for (const auto& r : col.records) {
        std::string after = r.op == Change::Op::kDelete ? std::string() : to_hex(xxh3_128(r.after_doc));
        append_backup_line(text, r.key, r.before, after);
      }
    }
    return write_backup_texts(replica.paths, manifest, texts);
  });
  // Every way out waits for the writer: it reads `collections`.
  auto backup_done = [&]() -> Status {
    if (!backup_written.valid()) return {};
    return backup_written.get();
  };
  std::vector<std::pair<std::string, std::vector<BackupEntry>>> normalized_after;
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
        if (r.stored) after.push_back({std::string(r.key), std::nullopt, to_hex(xxh3_128(*r.stored))});
      }
      if (!after.empty()) normalized_after.emplace_back(col.info.name, std::move(after));
    }
    timer.lap("apply: wait for backup");
    if (auto st = backup_done(); !st) return st;
    for (const auto& [name, after] : normalized_after) {
      if (auto st = write_backup_after(replica.paths, manifest.id, name, after); !st) return st;
    }
    for (auto& w : txn.take_warnings()) result.warnings.push_back(std::move(w));
    if (before_commit) {
      if (auto st = before_commit(); !st) return st;
    }
    timer.lap("apply: commit");
    auto committed = txn.commit();
    // A store may warn at commit too (PostgreSQL validates recreated
    // foreign keys there and keeps a violated one NOT VALID).
    for (auto& w : txn.take_warnings()) result.warnings.push_back(std::move(w));
    return committed;
  };
  if (auto st = run(); !st) {
    (void)backup_done();
    discard(replica, manifest.id);
    return std::unexpected(st.error());
  }
  if (auto st = set_backup_state(replica.paths, manifest.id, "applied"); !st)
    return std::unexpected(st.error());
  return result;
}

}  // namespace dbsync
