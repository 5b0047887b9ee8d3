#include "sync/import_plan.h"

#include <set>

#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "snapshot/shard_reader.h"
#include "snapshot/verify.h"
#include "sync/durable.h"
#include "sync/matched_shards.h"
#include "util/file.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

std::string& thread_local_buffer() {
  thread_local std::string buffer;
  return buffer;
}

std::unexpected<Error> at_line(Error e, const std::string& label, size_t line_no) {
  return std::unexpected(std::move(e).context("'" + label + "' line " + std::to_string(line_no)));
}

// Merge-joins the target shard's lines with the matched shard's, validating
// every target line that is not a byte-identical copy of its matched line.
// Matched keys are read only where a changed line needs them.
Status plan_shard(std::string_view bytes, const std::string& label, const ShardSpec& spec,
                  ShardData& matched_data, const KeyScanner& scanner, ShardPlan& out, uint64_t& count,
                  std::string& max_rev) {
  std::vector<SnapLine>& matched = matched_data.lines;
  std::string matched_label = matched_data.path.string();
  size_t pos = 0, line_no = 0, j = 0;
  auto mkey = [&](size_t k) -> Result<const std::string*> {
    if (auto st = complete_line(matched[k], scanner, matched_label); !st) return std::unexpected(st.error());
    return &matched[k].key;
  };
  auto take_matched = [&](size_t k) {
    PlannedRecord r;
    r.key = matched[k].key;
    r.in_matched = true;
    r.matched_line = std::string(matched[k].line);
    r.matched_doc = std::string(matched[k].doc);
    return r;
  };
  // The previous line: a validated target key, or an unchanged matched line.
  std::string prev_key;
  bool prev_is_target = false;
  long prev_matched = -1;
  auto after_prev = [&](const std::string& key) -> Result<bool> {
    if (prev_is_target) return key > prev_key;
    if (prev_matched >= 0) {
      auto pk = mkey(static_cast<size_t>(prev_matched));
      if (!pk) return std::unexpected(pk.error());
      return key > **pk;
    }
    return true;
  };
  while (pos < bytes.size()) {
    ++line_no;
    size_t end = bytes.find('\n', pos);
    if (end == std::string::npos) {
      return at_line(Error(ErrorCode::kBadInput, "truncated last line (no newline at the end)",
                           "the file was cut short; restore it from git history"),
                     label, line_no);
    }
    std::string_view line(bytes.data() + pos, end - pos);
    pos = end + 1;
    ++count;
    if (j < matched.size() && line == matched[j].line) {
      if (prev_is_target) {
        auto k = mkey(j);
        if (!k) return std::unexpected(k.error());
        if (**k <= prev_key) {
          return at_line(Error(ErrorCode::kBadInput, "key " + **k + " is out of order"), label, line_no);
        }
      }
      prev_is_target = false;
      prev_matched = static_cast<long>(j);
      ++j;
      continue;
    }
    auto parts = split_record_line(line);
    if (!parts) return at_line(parts.error(), label, line_no);
    auto doc = validate_record_line(*parts);
    if (!doc) return at_line(doc.error(), label, line_no);
    auto key = key_encoding(*doc, spec.key_fields);
    if (!key) return at_line(key.error(), label, line_no);
    if (shard_of(*key, spec.shard_count) != spec.shard) {
      return at_line(Error(ErrorCode::kBadInput,
                           "key " + *key + " belongs in shard " +
                               shard_file_name(shard_of(*key, spec.shard_count), spec.shard_count)),
                     label, line_no);
    }
    auto ordered = after_prev(*key);
    if (!ordered) return std::unexpected(ordered.error());
    if (!*ordered) {
      bool dup = prev_is_target ? *key == prev_key : *key == matched[static_cast<size_t>(prev_matched)].key;
      return at_line(
          Error(ErrorCode::kBadInput, dup ? "duplicate key " + *key : "key " + *key + " is out of order",
                "records in a shard are sorted by the bytes of their key encoding"),
          label, line_no);
    }
    prev_key = *key;
    prev_is_target = true;
    prev_matched = -1;
    // Matched records before this key are gone from the target.
    for (;;) {
      if (j >= matched.size()) break;
      auto mk = mkey(j);
      if (!mk) return std::unexpected(mk.error());
      if (**mk >= *key) break;
      out.records.push_back(take_matched(j++));
    }
    PlannedRecord r;
    if (j < matched.size() && matched[j].key == *key) {
      r = take_matched(j++);
    }
    r.key = *key;
    r.in_target = true;
    r.target_line = line;
    r.target_doc = parts->doc;
    r.target_rev = parts->rev;
    if (parts->rev > max_rev) max_rev = std::string(parts->rev);
    out.records.push_back(std::move(r));
  }
  for (; j < matched.size(); ++j) {
    if (auto k = mkey(j); !k) return std::unexpected(k.error());
    out.records.push_back(take_matched(j));
  }
  return {};
}

}  // namespace

size_t CollectionPlan::planned() const {
  size_t n = 0;
  for (const auto& s : shards) n += s.records.size();
  return n;
}

Result<ImportPlan> plan_import(const Replica& replica, const SnapshotLayout& target,
                               const std::optional<MatchedMeta>& meta) {
  ImportPlan plan;
  auto names = target.list_collections();
  if (!names) return std::unexpected(names.error());
  std::set<std::string> all(names->begin(), names->end());
  fs::path old_root = meta ? generation_root(replica.paths, meta->generation) : fs::path();
  if (meta) {
    for (const auto& [name, n] : meta->shards) all.insert(name);
  }
  uint64_t done = 0;
  for (const auto& name : all) {
    CollectionPlan cp;
    cp.name = name;
    cp.in_target = std::find(names->begin(), names->end(), name) != names->end();
    cp.in_matched = meta && meta->shards.count(name);
    cp.shard_count = replica.config.collection(name).shards;
    std::string schema_label = std::string(kSnapshotDirName) + "/" + name + "/" + kSchemaFileName;
    fs::path schema_path = (cp.in_target ? target : SnapshotLayout(old_root)).schema_path(name);
    std::error_code ec;
    if (fs::exists(schema_path, ec)) {
      auto bytes = read_file(schema_path);
      if (!bytes) return std::unexpected(bytes.error());
      auto schema = parse_schema(*bytes, schema_label);
      if (!schema) return std::unexpected(schema.error());
      cp.schema = std::move(*schema);
      cp.schema_bytes = std::move(*bytes);
      if (cp.in_target) {
        plan.tree[schema_label] = bytes_digest(cp.schema_bytes);
        plan.stat[schema_label] = file_stat(schema_path);
      }
    } else {
      cp.schema.key = {"_id"};
    }
    if (!replica.config.collection(name).key.empty()) cp.schema.key = replica.config.collection(name).key;
    if (cp.in_target) {
      auto files = list_files(target.collection_dir(name));
      if (!files) return std::unexpected(files.error());
      for (const auto& f : *files) {
        uint32_t shard;
        if (f.size() > 6 && f.compare(f.size() - 6, 6, ".jsonl") == 0 &&
            !parse_shard_file_name(f, cp.shard_count, shard)) {
          return fail(ErrorCode::kBadInput,
                      "'" + std::string(kSnapshotDirName) + "/" + name + "/" + f + "' is not a shard of a " +
                          std::to_string(cp.shard_count) + "-shard collection",
                      "check `shards` for '" + name + "' in dbsync.toml");
        }
      }
    }
    uint32_t stored = cp.in_matched ? meta->shards.at(name) : cp.shard_count;
    std::vector<std::string> old_key;
    if (cp.in_matched) {
      auto s = load_schema(SnapshotLayout(old_root).schema_path(name), name);
      if (s) old_key = s->key;
    }
    MatchedCollection matched(cp.in_matched ? old_root : fs::path(), name, cp.schema.key, stored,
                              cp.shard_count, cp.in_matched && old_key != cp.schema.key, /*lazy=*/true,
                              meta ? &meta->files : nullptr);
    cp.shards.resize(cp.shard_count);
    std::string& buf = thread_local_buffer();
    for (uint32_t s = 0; s < cp.shard_count; ++s) {
      ShardPlan& sp = cp.shards[s];
      auto data = matched.shard(s);
      if (!data) return std::unexpected(data.error());
      std::string label = target.shard_label(name, s, cp.shard_count);
      fs::path path = target.shard_path(name, s, cp.shard_count);
      buf.clear();
      if (cp.in_target && fs::exists(path, ec)) {
        plan.stat[label] = file_stat(path);
        if (auto st = read_file_reusing(path, buf); !st) return std::unexpected(st.error());
        plan.tree[label] = bytes_digest(buf);
        sp.has_target = true;
        if ((*data)->whole_file && (*data)->buffers.size() == 1 && *(*data)->buffers[0] == buf) {
          sp.identical = true;
          sp.matched_path = (*data)->path;
          cp.target_records += (*data)->lines.size();
          continue;
        }
        sp.target_bytes = plan.memory->copy(buf);
      }
      ShardSpec spec{cp.schema.key, s, cp.shard_count};
      if (auto st = plan_shard(sp.target_bytes, label, spec, **data, matched.scanner(), sp, cp.target_records,
                               plan.max_rev);
          !st) {
        return std::unexpected(st.error());
      }
    }
    plan.collections.push_back(std::move(cp));
    if (replica.options.progress) replica.options.progress(++done, all.size());
  }
  return plan;
}

}  // namespace dbsync
