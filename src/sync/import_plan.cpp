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

std::unexpected<Error> at_line(Error e, const std::string& label, size_t line_no) {
  return std::unexpected(std::move(e).context("'" + label + "' line " + std::to_string(line_no)));
}

// Merge-joins the target shard's lines with the matched shard's, validating
// every target line that is not a byte-identical copy of its matched line.
Status plan_shard(const std::string& bytes, const std::string& label, const ShardSpec& spec,
                  const std::vector<SnapLine>& matched, ShardPlan& out, uint64_t& count,
                  std::string& max_rev) {
  size_t pos = 0, line_no = 0, j = 0;
  std::string prev_key;
  auto take_deleted_before = [&](const std::string* key) {
    while (j < matched.size() && (key == nullptr || matched[j].key < *key)) {
      PlannedRecord r;
      r.key = matched[j].key;
      r.in_matched = true;
      r.matched_line = std::string(matched[j].line);
      r.matched_doc = std::string(matched[j].doc);
      out.records.push_back(std::move(r));
      ++j;
    }
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
      if (line_no > 1 && matched[j].key <= prev_key) {
        return at_line(Error(ErrorCode::kBadInput, "key " + matched[j].key + " is out of order"), label,
                       line_no);
      }
      prev_key = matched[j].key;
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
    if (line_no > 1 && *key <= prev_key) {
      return at_line(Error(ErrorCode::kBadInput,
                           *key == prev_key ? "duplicate key " + *key : "key " + *key + " is out of order",
                           "records in a shard are sorted by the bytes of their key encoding"),
                     label, line_no);
    }
    prev_key = *key;
    take_deleted_before(&*key);
    PlannedRecord r;
    r.key = *key;
    r.in_target = true;
    r.target_line = line;
    r.target_doc = parts->doc;
    r.target_rev = parts->rev;
    if (parts->rev > max_rev) max_rev = std::string(parts->rev);
    if (j < matched.size() && matched[j].key == *key) {
      r.in_matched = true;
      r.matched_line = std::string(matched[j].line);
      r.matched_doc = std::string(matched[j].doc);
      ++j;
    }
    out.records.push_back(std::move(r));
  }
  take_deleted_before(nullptr);
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
                              cp.shard_count, cp.in_matched && old_key != cp.schema.key);
    cp.shards.resize(cp.shard_count);
    for (uint32_t s = 0; s < cp.shard_count; ++s) {
      ShardPlan& sp = cp.shards[s];
      auto data = matched.shard(s);
      if (!data) return std::unexpected(data.error());
      std::string label = target.shard_label(name, s, cp.shard_count);
      if (cp.in_target && fs::exists(target.shard_path(name, s, cp.shard_count), ec)) {
        plan.stat[label] = file_stat(target.shard_path(name, s, cp.shard_count));
        auto bytes = read_file(target.shard_path(name, s, cp.shard_count));
        if (!bytes) return std::unexpected(bytes.error());
        sp.target_bytes = std::make_shared<const std::string>(std::move(*bytes));
        plan.tree[label] = bytes_digest(*sp.target_bytes);
      }
      if (sp.target_bytes && (*data)->whole_file && (*data)->buffers.size() == 1 &&
          *(*data)->buffers[0] == *sp.target_bytes) {
        sp.identical = true;
        sp.matched_path = (*data)->path;
        cp.target_records += (*data)->lines.size();
        continue;
      }
      ShardSpec spec{cp.schema.key, s, cp.shard_count};
      static const std::string kEmpty;
      if (auto st = plan_shard(sp.target_bytes ? *sp.target_bytes : kEmpty, label, spec, (*data)->lines, sp,
                               cp.target_records, plan.max_rev);
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
