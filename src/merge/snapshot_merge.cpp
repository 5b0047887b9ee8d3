#include "merge/snapshot_merge.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "json/canonical.h"
#include "merge/duplicates.h"
#include "merge/field_merge.h"
#include "merge/output_file.h"
#include "merge/shard_merge.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "snapshot/schema.h"
#include "util/file.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;
using MaybeText = std::optional<std::string>;

Result<MaybeText> read_if_exists(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return MaybeText();
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return MaybeText(std::move(*bytes));
}

// A .jsonl that is not a shard of this count would be ignored silently.
Status check_shard_names(const fs::path& dir, const std::string& name, uint32_t shard_count) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  auto files = list_files(dir);
  if (!files) return std::unexpected(files.error());
  for (const auto& f : *files) {
    uint32_t shard;
    if (f.size() > 6 && f.ends_with(".jsonl") && !parse_shard_file_name(f, shard_count, shard)) {
      return fail(ErrorCode::kBadInput,
                  "'" + (dir / f).string() + "' is not a shard of a " + std::to_string(shard_count) +
                      "-shard collection",
                  "check `shards` for '" + name + "' in dbsync.toml");
    }
  }
  return {};
}

struct InputSide {
  std::optional<SnapshotLayout> layout;  // nullopt: no such side (no base)
  MaybeText schema;
};

// schema.json as a three-way file merge (see the header).
// With `key_from_config` the schemas' keys need not agree (dbsync.toml's
// key is the one used); their members are merged like any others.
Result<MaybeText> merge_schema(const InputSide& b, const InputSide& o, const InputSide& t,
                               const std::string& name, bool key_from_config) {
  if (o.schema == t.schema) return o.schema;
  if (o.schema == b.schema) return t.schema;
  if (t.schema == b.schema) return o.schema;
  if (!o.schema || !t.schema) return o.schema ? o.schema : t.schema;  // deleted vs changed: kept
  std::string label = std::string(kSnapshotDirName) + "/" + name + "/" + kSchemaFileName;
  auto os = parse_schema(*o.schema, "ours " + label);
  if (!os) return std::unexpected(os.error());
  auto ts = parse_schema(*t.schema, "theirs " + label);
  if (!ts) return std::unexpected(ts.error());
  if (os->key != ts->key && !key_from_config) {
    return fail(ErrorCode::kBadInput, "'" + label + "': the key was changed on both sides differently",
                "set the key of '" + name + "' in dbsync.toml, or make both replicas export the same key");
  }
  json::Value base;
  if (b.schema) {
    if (auto bs = parse_schema(*b.schema, "base " + label)) base = std::move(bs->detail);
  }
  std::string oc = json::to_canonical(os->detail), tc = json::to_canonical(ts->detail);
  DocMerge merged = merge_documents(base.is_object() ? &base : nullptr, SideDoc{&os->detail, "", oc},
                                    SideDoc{&ts->detail, "", tc}, MergePolicy{}, "", nullptr);
  return MaybeText(json::to_canonical(merged.doc) + "\n");
}

// The key of a collection: dbsync.toml's, else the sides' schema.json
// (which must agree), else MongoDB's "_id".
Result<std::vector<std::string>> collection_key_of(const Config& config, const std::string& name,
                                                   const std::vector<const InputSide*>& sides) {
  const CollectionConfig& cc = config.collection(name);
  if (!cc.key.empty()) return cc.key;
  std::optional<std::vector<std::string>> key;
  std::string label = std::string(kSnapshotDirName) + "/" + name + "/" + kSchemaFileName;
  for (const InputSide* s : sides) {
    if (!s->schema) continue;
    auto schema = parse_schema(*s->schema, (s->layout->repo() / label).string());
    if (!schema) return std::unexpected(schema.error());
    if (key && *key != schema->key) {
      return fail(ErrorCode::kBadInput, "'" + label + "': the sides of the merge declare different keys",
                  "set the key of '" + name + "' in dbsync.toml");
    }
    key = schema->key;
  }
  return key ? *key : std::vector<std::string>{"_id"};
}

struct Collection {
  CollectionMerge merge;
  MaybeText schema;
  std::vector<std::vector<FingerprintEntry>> index;
};

struct Task {
  size_t collection = 0;
  uint32_t shard = 0;
  std::optional<Error> error;
  ShardMergeOutput out;
};

}  // namespace

Result<SnapshotMerge> merge_snapshots(const std::optional<fs::path>& base, const fs::path& ours,
                                      const fs::path& theirs, const fs::path& out, const Config& config,
                                      const SnapshotMergeOptions& options) {
  InputSide b, o, t;
  if (base) b.layout.emplace(*base);
  o.layout.emplace(ours);
  t.layout.emplace(theirs);
  SnapshotLayout out_layout(out);
  std::error_code ec;
  bool in_place = fs::exists(out, ec) && fs::equivalent(out, ours, ec);

  std::set<std::string> names;
  for (const InputSide* s : {&b, &o, &t}) {
    if (!s->layout) continue;
    auto list = s->layout->list_collections();
    if (!list) return std::unexpected(list.error());
    names.insert(list->begin(), list->end());
  }

  SnapshotMerge result;
  result.two_way = !base.has_value();
  std::vector<Collection> collections;
  std::vector<Task> tasks;
  for (const std::string& name : names) {
    for (InputSide* s : {&b, &o, &t}) {
      s->schema.reset();
      if (!s->layout) continue;
      auto text = read_if_exists(s->layout->schema_path(name));
      if (!text) return std::unexpected(text.error());
      s->schema = std::move(*text);
      if (auto st = check_shard_names(s->layout->collection_dir(name), name, config.collection(name).shards);
          !st)
        return std::unexpected(st.error());
    }
    Collection c;
    c.merge.name = name;
    c.merge.shard_count = config.collection(name).shards;
    auto key = collection_key_of(config, name, {&o, &t, &b});
    if (!key) return std::unexpected(key.error());
    c.merge.key = *key;
    auto schema = merge_schema(b, o, t, name, !config.collection(name).key.empty());
    if (!schema) return std::unexpected(schema.error());
    c.schema = std::move(*schema);
    for (uint32_t shard = 0; shard < c.merge.shard_count; ++shard) {
      tasks.push_back(Task{collections.size(), shard, std::nullopt, {}});
    }
    collections.push_back(std::move(c));
  }

  // Each worker keeps its buffers from shard to shard: no allocation, and
  // no fresh pages to fault in, once they have grown to the largest shard.
  struct Buffers {
    std::string base, ours, theirs, out;
  };
  auto run_task = [&](Task& task, Buffers& buf) {
    Collection& c = collections[task.collection];
    const CollectionConfig& cc = config.collection(c.merge.name);
    const std::string& name = c.merge.name;
    std::string label = out_layout.shard_label(name, task.shard, c.merge.shard_count);
    for (auto [side, into] : {std::pair{&b, &buf.base}, {&o, &buf.ours}, {&t, &buf.theirs}}) {
      into->clear();
      if (!side->layout) continue;
      auto read = read_file_into(side->layout->shard_path(name, task.shard, c.merge.shard_count), *into);
      if (!read) {
        task.error = read.error();
        return;
      }
    }
    ShardMergeInput in;
    if (b.layout) in.base = buf.base;
    in.ours = buf.ours;
    in.theirs = buf.theirs;
    if (b.layout) in.base_label = (b.layout->repo() / label).string();
    in.ours_label = (ours / label).string();
    in.theirs_label = (theirs / label).string();
    in.spec = ShardSpec{c.merge.key, task.shard, c.merge.shard_count, false};
    ShardMergeOptions so;
    so.record_outcomes = options.record_outcomes;
    so.unique = cc.unique;
    so.output_buffer = &buf.out;
    auto merged = merge_shard(in, cc, so);
    if (!merged) {
      task.error = merged.error();
      return;
    }
    if (!(in_place && merged->bytes == in.ours)) {
      if (auto st = write_output_file(out_layout.shard_path(name, task.shard, c.merge.shard_count),
                                      merged->bytes, options.durable);
          !st) {
        task.error = st.error();
        return;
      }
    }
    buf.out = std::move(merged->bytes);
    task.out = std::move(*merged);
  };

  unsigned threads = options.threads;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(tasks.size(), 1)));
  std::atomic<size_t> next{0};
  std::atomic<size_t> first_error{tasks.size()};
  std::mutex progress_mutex;
  uint64_t done = 0;
  auto work = [&] {
    Buffers buffers;
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= tasks.size() || i > first_error.load()) return;
      run_task(tasks[i], buffers);
      if (tasks[i].error) {
        size_t seen = first_error.load();
        while (i < seen && !first_error.compare_exchange_weak(seen, i)) {
        }
      }
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(++done, tasks.size());
      }
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    for (unsigned w = 0; w < threads; ++w) pool.emplace_back(work);
  }
  if (first_error.load() < tasks.size()) return std::unexpected(*tasks[first_error.load()].error);

  for (Task& task : tasks) {
    Collection& c = collections[task.collection];
    CollectionMerge& m = c.merge;
    m.counts.add(task.out.counts);
    m.result = worse(m.result, task.out.result);
    for (auto& k : task.out.conflicts) m.conflicts.push_back(std::move(k));
    for (auto& k : task.out.manual) {
      k.shard = task.shard;
      m.manual.push_back(std::move(k));
    }
    for (auto& k : task.out.outcomes) m.outcomes.push_back(std::move(k));
    c.index.resize(task.out.fingerprints.size());
    for (size_t u = 0; u < task.out.fingerprints.size(); ++u) {
      for (const auto& [fp, ordinal] : task.out.fingerprints[u]) {
        c.index[u].push_back(FingerprintEntry{fp, task.shard, ordinal});
      }
    }
    task.out = ShardMergeOutput();
  }

  for (Collection& c : collections) {
    CollectionMerge& m = c.merge;
    const CollectionConfig& cc = config.collection(m.name);
    if (!cc.unique.empty()) {
      auto dups = resolve_duplicates(out_layout, m.name, cc, m.key, &c.index, options.durable);
      if (!dups) return std::unexpected(dups.error());
      m.counts.duplicates_removed += dups->removals.size();
      m.counts.total -= dups->removals.size();
      m.counts.records_changed += dups->removals.size() + dups->survivors_changed;
      m.counts.conflicts_resolved += dups->conflicts_resolved;
      m.counts.conflicts_unresolved += dups->conflicts_unresolved;
      m.result = worse(m.result, dups->result);
      m.duplicates = std::move(dups->removals);
      for (auto& k : dups->manual) m.manual.push_back(std::move(k));
    }
    fs::path schema_path = out_layout.schema_path(m.name);
    if (c.schema) {
      auto current = read_if_exists(schema_path);
      if (!current) return std::unexpected(current.error());
      if (*current != c.schema) {
        if (auto st = write_output_file(schema_path, *c.schema, options.durable); !st)
          return std::unexpected(st.error());
      }
    } else if (fs::exists(schema_path, ec)) {
      if (auto st = write_output_file(schema_path, "", options.durable); !st)
        return std::unexpected(st.error());
    }
    if (m.counts.total == 0 && !c.schema) fs::remove(out_layout.collection_dir(m.name), ec);  // only if empty
    result.result = worse(result.result, m.result);
    result.collections.push_back(std::move(m));
  }
  return result;
}

}  // namespace dbsync
