#include "sync/import_plan.h"

#include <algorithm>
#include <atomic>
#include <set>

#include "snapshot/canonical_check.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "snapshot/shard_reader.h"
#include "snapshot/verify.h"
#include "sync/durable.h"
#include "sync/matched_shards.h"
#include "sync/workers.h"
#include "util/file.h"
#include "util/lines.h"

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

// Adds the member names of a validated line to `fields` (sorted, unique).
// Most records of a table share one list of names, so a line whose names
// are those of the line before costs a few comparisons.
class FieldCollector {
 public:
  explicit FieldCollector(std::vector<std::string>& fields) : fields_(fields) {}
  void add(const std::vector<DocMember>& members) {
    bool same = members.size() == last_.size();
    for (size_t i = 0; same && i < members.size(); ++i) same = members[i].key == last_[i];
    if (same) return;
    last_.clear();
    for (const DocMember& m : members) {
      last_.push_back(m.key);
      std::string name = m.key_escaped ? unescape_canonical_string(m.key) : std::string(m.key);
      auto at = std::lower_bound(fields_.begin(), fields_.end(), name);
      if (at == fields_.end() || *at != name) fields_.insert(at, std::move(name));
    }
  }

 private:
  std::vector<std::string>& fields_;
  std::vector<std::string_view> last_;  // views into the shard's bytes, alive while it is planned
};

// Merge-joins the target shard's lines with the matched shard's, validating
// every target line that is not a byte-identical copy of its matched line.
// Matched keys are read only where a changed line needs them.
// The lines of planned records are copied to `memory`; the content hash of
// every target line goes to out.hashes.
Status plan_shard(std::string_view bytes, const std::string& label, const ShardSpec& spec,
                  ShardData& matched_data, const KeyScanner& scanner, const std::string& collection,
                  BlockArena& memory, ShardPlan& out, uint64_t& count, std::string& max_rev,
                  bool collect_fields) {
  std::vector<SnapLine>& matched = matched_data.lines;
  FieldCollector fields(out.fields);
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
    r.matched_line = memory.copy(matched[k].line);
    r.matched_doc = r.matched_line.substr(static_cast<size_t>(matched[k].doc.data() - matched[k].line.data()),
                                          matched[k].doc.size());
    return r;
  };
  Digest128 h;
  // Room for every line (reserved, not touched: a few changed lines cost
  // no more memory than they use; a bulk import grows no vector).
  out.records.reserve(count_newlines(bytes) + matched.size());
  thread_local std::vector<DocMember> members;
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
      // Checked when the matched state was written (and its file's digest
      // when read): the hash field is trusted as the old import trusted it.
      if (!decode_hash_hex(matched[j].hash, h)) {
        return at_line(Error(ErrorCode::kBadInput, "damaged record hash"), label, line_no);
      }
      out.hashes.add(collection, spec.shard, h);
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
    // As strict as parsing the document, without building it.
    if (auto st = check_record_line(*parts, &members, &h); !st) return at_line(st.error(), label, line_no);
    if (collect_fields) fields.add(members);
    out.hashes.add(collection, spec.shard, h);
    auto key = std::make_optional<std::string>();
    if (auto st = key_encoding_from_members(*key, members, spec.key_fields); !st)
      return at_line(st.error(), label, line_no);
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
    r.target_line = memory.copy(line);
    r.target_doc =
        r.target_line.substr(static_cast<size_t>(parts->doc.data() - line.data()), parts->doc.size());
    r.target_rev =
        r.target_line.substr(static_cast<size_t>(parts->rev.data() - line.data()), parts->rev.size());
    if (parts->rev > max_rev) max_rev = std::string(parts->rev);
    out.records.push_back(std::move(r));
  }
  for (; j < matched.size(); ++j) {
    if (auto k = mkey(j); !k) return std::unexpected(k.error());
    out.records.push_back(take_matched(j));
  }
  return {};
}

// A target shard whose file is, by its stat, the one the last export or
// import recorded, when that file equalled the matched one: identical, and
// matched.json has its digest, count and hash sum, so neither file is read.
bool plan_unchanged_shard(const MatchedMeta& meta, const fs::path& live, const std::string& shard_label,
                          const fs::path& path, uint32_t s, CollectionPlan& cp, std::string& label,
                          std::string& stat, std::string& digest, uint64_t& records) {
  auto known = meta.stat.find(shard_label);
  auto tree = meta.tree.find(shard_label);
  auto file = meta.files.find(shard_label);
  auto sum = recorded_shard_sum(meta, shard_label);
  if (known == meta.stat.end() || tree == meta.tree.end() || file == meta.files.end() || !sum ||
      tree->second != file->second)
    return false;
  std::string now = file_stat(path);
  if (now.empty() || now != known->second) return false;
  ShardPlan& sp = cp.shards[s];
  sp.has_target = true;
  sp.target_size = std::stoull(now.substr(0, now.find(':')));
  sp.target_path = path;
  sp.identical = true;
  sp.matched_path = live / shard_label;
  sp.hashes.add_sum(cp.name, s, *sum);
  records += sum->count;
  label = shard_label;
  stat = std::move(now);
  digest = tree->second;
  return true;
}

// Plans shard `s` of collection `cp`: reads the target's file (recording
// its label, stat and digest when it has one), compares it with the
// matched shard and validates what differs. With `carry` (matched.json,
// when the shard count and key are as it recorded them), a shard
// unchanged since then is not read (plan_unchanged_shard).
Status plan_one_shard(const SnapshotLayout& target, CollectionPlan& cp, uint32_t s,
                      MatchedCollection& matched, BlockArena& memory, std::string& label, std::string& stat,
                      std::string& digest, uint64_t& records, std::string& max_rev, const MatchedMeta* carry,
                      const fs::path& live) {
  ShardPlan& sp = cp.shards[s];
  std::string shard_label = target.shard_label(cp.name, s, cp.shard_count);
  fs::path path = target.shard_path(cp.name, s, cp.shard_count);
  if (carry && cp.in_target &&
      plan_unchanged_shard(*carry, live, shard_label, path, s, cp, label, stat, digest, records))
    return {};
  auto data = matched.shard(s);
  if (!data) return std::unexpected(data.error());
  std::string& buf = thread_local_buffer();
  buf.clear();
  std::error_code ec;
  if (cp.in_target && fs::exists(path, ec)) {
    label = shard_label;
    stat = file_stat(path);
    if (auto st = read_file_reusing(path, buf); !st) return st;
    digest = bytes_digest(buf);
    sp.has_target = true;
    sp.target_size = buf.size();
    sp.target_path = path;
    if ((*data)->whole_file && (*data)->buffers.size() == 1 && *(*data)->buffers[0] == buf) {
      sp.identical = true;
      sp.matched_path = (*data)->path;
      records += (*data)->lines.size();
      Digest128 h;
      for (const SnapLine& line : (*data)->lines) {
        if (!decode_hash_hex(line.hash, h)) {
          return fail(ErrorCode::kBadInput, "'" + (*data)->path.string() + "': damaged record hash");
        }
        sp.hashes.add(cp.name, s, h);
      }
      return {};
    }
  }
  ShardSpec spec{cp.schema.key, s, cp.shard_count};
  return plan_shard(buf, shard_label, spec, **data, matched.scanner(), cp.name, memory, sp, records, max_rev,
                    !cp.in_matched);
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
    cp.shards.resize(cp.shard_count);
    // Shards are read, compared and validated on worker threads, each
    // with its own reader of the matched state and its own memory; what
    // they find is gathered per shard and merged in shard order.
    struct ShardResult {
      Status status;
      std::string label, stat, digest;
      uint64_t records = 0;
      std::string max_rev;
    };
    std::vector<ShardResult> results(cp.shard_count);
    bool regroup = cp.in_matched && (stored != cp.shard_count || old_key != cp.schema.key);
    unsigned threads = regroup ? 1 : worker_count();
    const MatchedMeta* carry = cp.in_matched && !regroup ? &*meta : nullptr;
    std::vector<std::unique_ptr<BlockArena>> arenas(threads);
    std::atomic<unsigned> worker_id{0};
    for_each_shard(cp.shard_count, threads, [&] {
      unsigned id = worker_id++;
      arenas[id] = std::make_unique<BlockArena>();
      auto matched = std::make_shared<MatchedCollection>(
          cp.in_matched ? old_root : fs::path(), name, cp.schema.key, stored, cp.shard_count,
          cp.in_matched && old_key != cp.schema.key, /*lazy=*/true, meta ? &meta->files : nullptr);
      BlockArena* memory = arenas[id].get();
      return [&, matched, memory](uint32_t s) {
        ShardResult& res = results[s];
        res.status = plan_one_shard(target, cp, s, *matched, *memory, res.label, res.stat, res.digest,
                                    res.records, res.max_rev, carry, old_root);
        return res.status.has_value();
      };
    });
    for (auto& a : arenas) {
      if (a) plan.memory.push_back(std::move(a));
    }
    for (uint32_t s = 0; s < cp.shard_count; ++s) {
      ShardResult& res = results[s];
      if (!res.status) return std::unexpected(res.status.error());
      if (!res.label.empty()) {
        plan.stat[res.label] = std::move(res.stat);
        plan.tree[res.label] = std::move(res.digest);
      }
      cp.target_records += res.records;
      if (res.max_rev > plan.max_rev) plan.max_rev = std::move(res.max_rev);
    }
    plan.collections.push_back(std::move(cp));
    if (replica.options.progress) replica.options.progress(++done, all.size());
  }
  return plan;
}

}  // namespace dbsync
