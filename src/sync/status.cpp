#include "sync/status.h"

#include <algorithm>
#include <set>

#include "json/parse.h"
#include "report/report.h"
#include "snapshot/content_digest.h"
#include "snapshot/schema.h"
#include "sync/db_scan.h"
#include "sync/journal.h"
#include "sync/matched_delta.h"

namespace dbsync {
namespace fs = std::filesystem;

const char* record_state_name(RecordState s) {
  switch (s) {
    case RecordState::kUnchanged: return "unchanged";
    case RecordState::kAdded: return "added";
    case RecordState::kChanged: return "changed";
    case RecordState::kDeleted: return "deleted";
  }
  return "?";
}

std::vector<FieldChange> diff_fields(std::string_view before, std::string_view after) {
  std::vector<FieldChange> out;
  auto b = before.empty() ? Result<json::Value>(json::Value(json::Object{})) : json::parse(before);
  auto a = after.empty() ? Result<json::Value>(json::Value(json::Object{})) : json::parse(after);
  if (!b || !a || !b->is_object() || !a->is_object()) return out;
  std::set<std::string> names;
  for (const auto& [k, v] : b->as_object()) names.insert(k);
  for (const auto& [k, v] : a->as_object()) names.insert(k);
  std::vector<std::string> ordered(names.begin(), names.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const std::string& x, const std::string& y) { return json::jcs_key_compare(x, y) < 0; });
  for (const auto& name : ordered) {
    const json::Value* bv = b->find(name);
    const json::Value* av = a->find(name);
    if (bv && av && *bv == *av) continue;
    FieldChange c;
    c.field = name;
    if (bv) c.before = *bv;
    if (av) c.after = *av;
    out.push_back(std::move(c));
  }
  return out;
}

Result<ReplicaStatus> replica_status(const ReplicaOptions& options, const StatusOptions& so) {
  auto replica = open_replica(options);
  if (!replica) return std::unexpected(replica.error());
  ReplicaStatus st;
  st.replica = replica->local.replica;
  st.database = redact_url(replica->db_url);
  auto meta = load_matched_meta(replica->paths);
  if (!meta) return std::unexpected(meta.error());
  // Status reads without the replica lock: a matched state still being
  // folded in is not read half-way.
  if (*meta && fold_pending(replica->paths, **meta)) {
    return fail(ErrorCode::kUnavailable, "the matched state of this replica is being committed",
                "try again; if no dbsync is running, 'dbsync export' or 'dbsync import' finishes it");
  }
  st.matched = *meta;
  auto journal = read_journal(replica->paths);
  st.import_interrupted = journal && *journal;
  std::error_code ec;
  st.export_interrupted = fs::exists(replica->paths.export_journal(), ec);
  auto now = digest_tree(replica->layout, *meta ? &**meta : nullptr);
  if (!now) return std::unexpected(now.error());
  st.tree_changed = tree_differences(*now, *meta ? (*meta)->tree : TreeDigests{});

  auto scan = scan_database(*replica);
  if (!scan) return std::unexpected(scan.error());
  st.skipped = scan->skipped;
  auto wanted = [&](const std::string& name) {
    return so.collections.empty() ||
           std::find(so.collections.begin(), so.collections.end(), name) != so.collections.end();
  };
  fs::path old_root = *meta ? generation_root(replica->paths, (*meta)->generation) : fs::path();
  std::set<std::string> names;
  for (const auto& c : scan->collections) names.insert(c.info.name);
  if (*meta) {
    for (const auto& [n, count] : (*meta)->shards) names.insert(n);
  }
  ContentDigest db_digest;
  for (const auto& c : scan->collections) {
    db_digest.touch(c.info.name);
    for (uint32_t s = 0; s < c.shard_count; ++s) {
      for (size_t i = 0; i < c.shards[s].size(); ++i)
        db_digest.add(c.info.name, s, xxh3_128(c.shards[s].doc(i)));
    }
  }
  st.db_root = db_digest.root();
  for (const auto& name : names) {
    if (!wanted(name)) continue;
    CollectionStatus cs;
    cs.name = name;
    cs.in_matched = *meta && (*meta)->shards.count(name);
    const CollectionScan* c = scan->find(name);
    cs.in_database = c != nullptr;
    if (c == nullptr) {
      st.collections.push_back(std::move(cs));
      continue;
    }
    cs.records = c->records;
    uint32_t stored = cs.in_matched ? (*meta)->shards.at(name) : c->shard_count;
    std::vector<std::string> old_key;
    if (cs.in_matched) {
      auto s = load_schema(SnapshotLayout(old_root).schema_path(name), name);
      if (s) old_key = s->key;
    }
    MatchedCollection matched(cs.in_matched ? old_root : fs::path(), name, c->info.key(), stored,
                              c->shard_count, cs.in_matched && old_key != c->info.key(), false,
                              *meta ? &(*meta)->files : nullptr);
    for (uint32_t s = 0; s < c->shard_count; ++s) {
      auto data = matched.shard(s);
      if (!data) return std::unexpected(data.error());
      auto r = join_db_matched(c->shards[s], (*data)->lines, [&](const JoinedRecord& rec) -> Status {
        if (rec.state == RecordState::kUnchanged) return {};
        (rec.state == RecordState::kAdded     ? cs.added
         : rec.state == RecordState::kDeleted ? cs.deleted
                                              : cs.changed)++;
        if (!so.records) return {};
        if (st.records.size() >= so.max_records) {
          st.records_truncated = true;
          return {};
        }
        RecordDiff d;
        d.collection = name;
        d.key = std::string(rec.key);
        d.state = rec.state;
        if (rec.matched) d.before = std::string(rec.matched->doc);
        d.after = std::string(rec.db_doc);
        if (rec.state == RecordState::kChanged) d.fields = diff_fields(d.before, d.after);
        st.records.push_back(std::move(d));
        return {};
      });
      if (!r) return std::unexpected(r.error());
    }
    st.added += cs.added;
    st.changed += cs.changed;
    st.deleted += cs.deleted;
    st.collections.push_back(std::move(cs));
  }
  return st;
}

}  // namespace dbsync
