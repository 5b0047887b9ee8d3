#include "merge/duplicates.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "json/canonical.h"
#include "merge/field_merge.h"
#include "merge/output_file.h"
#include "merge/shard_input.h"
#include "merge/shard_merge.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "util/file.h"

namespace dbsync {
namespace {

// The union of the unique fields, and each list as indexes into it.
struct UniqueFields {
  std::vector<std::string> fields;
  std::vector<std::vector<size_t>> lists;

  explicit UniqueFields(const std::vector<std::vector<std::string>>& unique) {
    for (const auto& list : unique) {
      std::vector<size_t> idx;
      for (const auto& f : list) {
        auto it = std::find(fields.begin(), fields.end(), f);
        if (it == fields.end()) it = fields.insert(fields.end(), f);
        idx.push_back(static_cast<size_t>(it - fields.begin()));
      }
      lists.push_back(std::move(idx));
    }
  }
};

struct Candidate {
  uint32_t shard = 0, ordinal = 0;
  std::string line, key, rev;
  json::Value doc;
  std::vector<std::string> values;  // raw canonical values of UniqueFields::fields
};

struct ShardFile {
  std::filesystem::path path;
  std::string label;
  ShardSpec spec;
};

ShardFile shard_file(const SnapshotLayout& layout, const std::string& name, const CollectionConfig& config,
                     const std::vector<std::string>& key, uint32_t shard) {
  return ShardFile{layout.shard_path(name, shard, config.shards),
                   layout.shard_label(name, shard, config.shards),
                   ShardSpec{key, shard, config.shards, false}};
}

Result<std::string> read_shard(const ShardFile& f) {
  std::error_code ec;
  if (!std::filesystem::exists(f.path, ec)) return std::string();
  return read_file(f.path);
}

Status scan(const SnapshotLayout& layout, const std::string& name, const CollectionConfig& config,
            const std::vector<std::string>& key, const UniqueFields& uf,
            std::vector<std::vector<FingerprintEntry>>& index) {
  index.assign(uf.lists.size(), {});
  for (uint32_t shard = 0; shard < config.shards; ++shard) {
    ShardFile f = shard_file(layout, name, config, key, shard);
    auto bytes = read_shard(f);
    if (!bytes) return std::unexpected(bytes.error());
    ShardInput in(*bytes, f.label, f.spec, uf.fields);
    std::vector<std::string_view> list;
    for (uint32_t ordinal = 0;; ++ordinal) {
      auto more = in.next();
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      for (size_t u = 0; u < uf.lists.size(); ++u) {
        list.clear();
        for (size_t i : uf.lists[u]) list.push_back(in.captured(i));
        uint64_t fp;
        if (unique_fingerprint(list, fp)) index[u].push_back(FingerprintEntry{fp, shard, ordinal});
      }
    }
  }
  return {};
}

// Loads the records at the given (shard, ordinal) places.
Result<std::vector<Candidate>> load(const SnapshotLayout& layout, const std::string& name,
                                    const CollectionConfig& config, const std::vector<std::string>& key,
                                    const UniqueFields& uf,
                                    const std::vector<std::pair<uint32_t, uint32_t>>& at) {
  std::vector<Candidate> out;
  size_t i = 0;
  while (i < at.size()) {
    uint32_t shard = at[i].first;
    ShardFile f = shard_file(layout, name, config, key, shard);
    auto bytes = read_shard(f);
    if (!bytes) return std::unexpected(bytes.error());
    ShardInput in(*bytes, f.label, f.spec, uf.fields);
    for (uint32_t ordinal = 0; i < at.size() && at[i].first == shard; ++ordinal) {
      auto more = in.next();
      if (!more) return std::unexpected(more.error());
      if (!*more)
        return fail(ErrorCode::kInternal, "'" + f.label + "' changed while duplicates were resolved");
      if (ordinal != at[i].second) continue;
      Candidate c;
      c.shard = shard;
      c.ordinal = ordinal;
      c.line = in.line();
      c.key = in.key();
      c.rev = in.parts().rev;
      auto doc = parse_record_doc(in.parts().doc);
      if (!doc) return std::unexpected(doc.error());
      c.doc = std::move(*doc);
      for (size_t k = 0; k < uf.fields.size(); ++k) c.values.emplace_back(in.captured(k));
      out.push_back(std::move(c));
      ++i;
    }
  }
  return out;
}

struct UnionFind {
  std::vector<size_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t find(size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void join(size_t a, size_t b) {
    a = find(a), b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

// One pass: find groups, merge, rewrite. Returns whether anything was removed.
Result<bool> pass(const SnapshotLayout& layout, const std::string& name, const CollectionConfig& config,
                  const std::vector<std::string>& key, const UniqueFields& uf,
                  std::vector<std::vector<FingerprintEntry>>& index, bool durable, DuplicatesOutcome& out) {
  std::vector<std::pair<uint32_t, uint32_t>> at;
  for (auto& entries : index) {
    std::sort(entries.begin(), entries.end(), [](const FingerprintEntry& a, const FingerprintEntry& b) {
      return a.fingerprint < b.fingerprint;
    });
    for (size_t i = 0; i < entries.size();) {
      size_t j = i + 1;
      while (j < entries.size() && entries[j].fingerprint == entries[i].fingerprint) ++j;
      if (j - i > 1) {
        for (size_t k = i; k < j; ++k) at.emplace_back(entries[k].shard, entries[k].ordinal);
      }
      i = j;
    }
  }
  index.clear();
  index.shrink_to_fit();
  if (at.empty()) return false;
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());

  auto cands = load(layout, name, config, key, uf, at);
  if (!cands) return std::unexpected(cands.error());
  std::vector<Candidate>& c = *cands;

  // Exact comparison of the unique values, list by list.
  UnionFind groups(c.size());
  for (const auto& list : uf.lists) {
    std::map<std::string, size_t> seen;
    for (size_t r = 0; r < c.size(); ++r) {
      std::string joined;
      bool complete = true;
      for (size_t i : list) {
        if (c[r].values[i].empty() || c[r].values[i] == "null") complete = false;
        joined += c[r].values[i];
        joined += '\0';
      }
      if (!complete) continue;
      auto [it, fresh] = seen.emplace(std::move(joined), r);
      if (!fresh) groups.join(it->second, r);
    }
  }
  std::map<size_t, std::vector<size_t>> members;
  for (size_t r = 0; r < c.size(); ++r) members[groups.find(r)].push_back(r);

  // shard -> (ordinal -> replacement line; empty: removed)
  std::map<uint32_t, std::map<uint32_t, std::string>> edits;
  MergePolicy policy = MergePolicy::of(config);
  bool removed_any = false;
  std::vector<std::vector<size_t>> ordered;
  for (auto& [root, group] : members) {
    if (group.size() < 2) continue;
    std::sort(group.begin(), group.end(), [&](size_t a, size_t b) {
      return c[a].rev != c[b].rev ? c[a].rev < c[b].rev : c[a].key < c[b].key;
    });
    ordered.push_back(group);
  }
  // Report in survivor key order, independent of where the records sit.
  std::sort(ordered.begin(), ordered.end(),
            [&](const auto& a, const auto& b) { return c[a[0]].key < c[b[0]].key; });
  for (const auto& group : ordered) {
    Candidate& survivor = c[group[0]];
    json::Value doc = survivor.doc;
    std::string canonical = json::to_canonical(doc);
    std::string rev = survivor.rev;
    bool unresolved = false;
    ManualConflict manual;
    for (size_t g = 1; g < group.size(); ++g) {
      Candidate& dup = c[group[g]];
      std::string dup_canonical = json::to_canonical(dup.doc);
      DuplicateRemoval removal;
      removal.removed_key = dup.key;
      removal.survivor_key = survivor.key;
      removal.before_line = dup.line;
      DocMerge merged =
          merge_documents(nullptr, SideDoc{&doc, rev, canonical}, SideDoc{&dup.doc, dup.rev, dup_canonical},
                          policy, survivor.key, &removal.conflicts, key);
      for (const Conflict& k : removal.conflicts) {
        if (k.resolved()) {
          ++out.conflicts_resolved;
        } else {
          ++out.conflicts_unresolved;
          manual.fields.push_back(k);
        }
      }
      unresolved = unresolved || merged.unresolved;
      if (!(merged.doc == doc)) {
        doc = std::move(merged.doc);
        canonical = json::to_canonical(doc);
        rev = std::max(rev, dup.rev);
      }
      edits[dup.shard][dup.ordinal] = std::string();
      out.removals.push_back(std::move(removal));
      removed_any = true;
    }
    if (!(doc == survivor.doc)) {
      std::string line;
      append_record_line_canonical(line, canonical, rev);
      line.pop_back();
      ++out.survivors_changed;
      if (unresolved) {
        manual.shard = survivor.shard;
        manual.duplicate = true;
        manual.key = survivor.key;
        manual.ours_line = survivor.line;
        manual.theirs_line = c[group[1]].line;
        manual.provisional_line = line;
        out.manual.push_back(std::move(manual));
        out.result = MergeResult::kConflict;
      }
      edits[survivor.shard][survivor.ordinal] = std::move(line);
    }
  }

  for (const auto& [shard, changes] : edits) {
    ShardFile f = shard_file(layout, name, config, key, shard);
    auto bytes = read_shard(f);
    if (!bytes) return std::unexpected(bytes.error());
    std::string rewritten;
    rewritten.reserve(bytes->size());
    size_t pos = 0;
    for (uint32_t ordinal = 0; pos < bytes->size(); ++ordinal) {
      size_t end = bytes->find('\n', pos);
      if (end == std::string::npos) end = bytes->size();
      auto it = changes.find(ordinal);
      if (it == changes.end()) {
        rewritten.append(*bytes, pos, end + 1 - pos);
      } else if (!it->second.empty()) {
        rewritten += it->second;
        rewritten += '\n';
      }
      pos = end + 1;
    }
    if (auto st = write_output_file(f.path, rewritten, durable); !st) return std::unexpected(st.error());
  }
  return removed_any;
}

}  // namespace

Result<DuplicatesOutcome> resolve_duplicates(const SnapshotLayout& layout, const std::string& name,
                                             const CollectionConfig& config,
                                             const std::vector<std::string>& key,
                                             std::vector<std::vector<FingerprintEntry>>* index,
                                             bool durable) {
  DuplicatesOutcome out;
  if (config.unique.empty()) return out;
  UniqueFields uf(config.unique);
  std::vector<std::vector<FingerprintEntry>> own;
  if (index != nullptr && index->size() == uf.lists.size()) {
    own = std::move(*index);
  } else if (auto st = scan(layout, name, config, key, uf, own); !st) {
    return std::unexpected(st.error());
  }
  // With one list a survivor's unique fields cannot change, so one pass
  // suffices. With several, a merged survivor may take another list's values
  // from its group; passes repeat until none removes anything (each pass
  // removes records, so this ends).
  for (;;) {
    auto removed = pass(layout, name, config, key, uf, own, durable, out);
    if (!removed) return std::unexpected(removed.error());
    if (!*removed || uf.lists.size() == 1) break;
    if (auto st = scan(layout, name, config, key, uf, own); !st) return std::unexpected(st.error());
  }
  return out;
}

}  // namespace dbsync
