#include "sync/merge_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "git/git.h"
#include "json/canonical.h"
#include "merge/conflict_files.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "snapshot/record_line.h"
#include "snapshot/rev.h"
#include "snapshot/shard_reader.h"
#include "snapshot/shard_writer.h"
#include "snapshot/verify.h"
#include "sync/git_snapshot.h"
#include "sync/lock.h"
#include "sync/matched.h"
#include "sync/pending.h"
#include "util/file.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

// The replica id of revs given to an export file's records (they have none).
constexpr const char* kExportFileReplica = "import";

struct SourceRecord {
  std::string key;
  std::string line;  // without '\n'
  std::string hash;
  std::string rev;
};

struct SourceCollection {
  std::string name;
  std::vector<std::string> key_fields;
  std::optional<std::string> schema_json;  // the source's schema.json, if it has one
  std::vector<SourceRecord> records;
};

struct Source {
  std::string kind;
  std::vector<SourceCollection> collections;
  uint64_t records = 0;
  uint64_t identical_duplicates = 0;
};

class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path path) : path_(std::move(path)) {}
  ~RemoveOnExit() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;

 private:
  fs::path path_;
};

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out = "[";
  for (const auto& f : fields) out += (out.size() > 1 ? ", " : "") + std::string("\"") + f + "\"";
  return out + "]";
}

// Whether this replica already knows the collection's key (dbsync.toml or
// its own schema.json), rather than load_schema's "_id" default.
bool knows_key(const Replica& replica, const std::string& name) {
  return !replica.config.collection(name).key.empty() || fs::exists(replica.layout.schema_path(name));
}

// A snapshot folder: the folder holding dbsync/, or dbsync/ itself.
std::optional<fs::path> snapshot_root_of(const fs::path& dir) {
  if (fs::is_directory(dir / kSnapshotDirName)) return dir;
  if (dir.filename() == kSnapshotDirName) return dir.parent_path();
  return std::nullopt;
}

Result<Source> read_snapshot_source(const Replica& replica, const fs::path& root) {
  Source source{"snapshot", {}, 0, 0};
  SnapshotLayout layout(root);
  auto config = load_config(root);
  if (!config) return std::unexpected(std::move(config.error()).context("the source snapshot"));
  // The source is untrusted: every file is checked (hashes, order, shard
  // placement, stray files) before anything is read into the merge.
  if (auto checked = verify_snapshot(layout, *config); !checked) {
    return std::unexpected(
        std::move(checked.error()).context("the source snapshot in '" + root.string() + "'"));
  }
  auto names = layout.list_collections();
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    SourceCollection c;
    c.name = name;
    auto key = collection_key(layout, *config, name);
    if (!key) return std::unexpected(key.error());
    c.key_fields = *key;
    if (knows_key(replica, name)) {
      auto ours = collection_key(replica.layout, replica.config, name);
      if (!ours) return std::unexpected(ours.error());
      if (*ours != *key) {
        return fail(ErrorCode::kUsage,
                    fmt::format("collection '{}' is keyed by {} in the source but by {} here", name,
                                join_fields(*key), join_fields(*ours)),
                    "records of differently keyed snapshots cannot be matched; align `key` in dbsync.toml");
      }
    }
    if (fs::exists(layout.schema_path(name))) {
      auto text = read_file(layout.schema_path(name));
      if (!text) return std::unexpected(text.error());
      c.schema_json = std::move(*text);
    }
    uint32_t shards = config->collection(name).shards;
    for (uint32_t shard = 0; shard < shards; ++shard) {
      auto reader = ShardReader::open(layout.shard_path(name, shard, shards),
                                      root.string() + "/" + layout.shard_label(name, shard, shards),
                                      ShardSpec{c.key_fields, shard, shards, false});
      if (!reader) return std::unexpected(reader.error());
      for (;;) {
        auto more = reader->next();
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        const ShardRecord& r = reader->current();
        c.records.push_back(
            {r.key, std::string(r.line), std::string(r.parts.hash), std::string(r.parts.rev)});
      }
    }
    source.records += c.records.size();
    source.collections.push_back(std::move(c));
  }
  return source;
}

Result<std::string> file_rev(const fs::path& file) {
  std::error_code ec;
  auto mtime = fs::last_write_time(file, ec);
  if (ec)
    return fail(ErrorCode::kUnavailable, "cannot read the time of '" + file.string() + "': " + ec.message());
  auto since_epoch = std::chrono::file_clock::to_sys(mtime).time_since_epoch();
  int64_t millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
  return Rev{std::max<int64_t>(millis, 0), 0, kExportFileReplica}.to_string();
}

Result<Source> read_export_source(const Replica& replica, const MergeSourceOptions& options) {
  const fs::path& file = options.source;
  std::string label = file.string();
  auto text = read_file(file);
  if (!text) return std::unexpected(text.error());
  std::string collection = options.collection.empty() ? file.stem().string() : options.collection;
  auto parsed = parse_export_file(*text, label, options.format, collection);
  if (!parsed) return std::unexpected(parsed.error());
  text->clear();
  text->shrink_to_fit();
  auto rev = file_rev(file);
  if (!rev) return std::unexpected(rev.error());

  Source source{export_format_name(parsed->format), {}, 0, 0};
  for (auto& ec : parsed->collections) {
    if (auto st = check_collection_name(ec.name); !st) {
      bool named_by_file = parsed->format != ExportFormat::kCollections && options.collection.empty();
      return fail(ErrorCode::kUsage,
                  "'" + label + "': '" + ec.name + "' cannot be a collection name: " + st.error().message,
                  named_by_file ? "name the collection: dbsync merge FILE --collection NAME" : "");
    }
    SourceCollection c;
    c.name = ec.name;
    if (knows_key(replica, ec.name)) {
      auto key = collection_key(replica.layout, replica.config, ec.name);
      if (!key) return std::unexpected(key.error());
      c.key_fields = *key;
    } else {
      bool all_have_id = std::all_of(ec.docs.begin(), ec.docs.end(),
                                     [](const ExportedDocument& d) { return d.doc.find("_id") != nullptr; });
      if (!all_have_id) {
        return fail(ErrorCode::kUsage,
                    "collection '" + ec.name + "' is new to this replica and its documents have no `_id`",
                    "say which fields identify a record: [collections." + ec.name +
                        "] key = [\"id\"] in dbsync.toml");
      }
      c.key_fields = {"_id"};
    }
    std::vector<std::pair<SourceRecord, size_t>> records;  // with the line each document starts on
    records.reserve(ec.docs.size());
    for (auto& d : ec.docs) {
      auto key = key_encoding(d.doc, c.key_fields);
      if (!key)
        return std::unexpected(
            std::move(key.error()).context("'" + label + "' line " + std::to_string(d.line)));
      std::string line;
      append_record_line(line, d.doc, *rev);
      line.pop_back();
      auto parts = split_record_line(line);
      if (!parts) return std::unexpected(parts.error());
      std::string hash(parts->hash);
      records.push_back({SourceRecord{std::move(*key), std::move(line), std::move(hash), *rev}, d.line});
      d.doc = json::Value();
    }
    // The original tool could write a record twice: identical copies are
    // one record; different documents under one key are an error, since
    // picking one would silently drop the other.
    std::stable_sort(records.begin(), records.end(),
                     [](const auto& a, const auto& b) { return a.first.key < b.first.key; });
    size_t kept_line = 0;
    for (auto& [record, line] : records) {
      if (!c.records.empty() && record.key == c.records.back().key) {
        if (record.hash == c.records.back().hash) {
          ++source.identical_duplicates;
          continue;
        }
        return fail(ErrorCode::kBadInput,
                    fmt::format("'{}' line {}: key {} appears again with different fields (first at line {})",
                                label, line, record.key, kept_line),
                    "keep one of the two documents, or key the collection by fields that tell them apart");
      }
      kept_line = line;
      c.records.push_back(std::move(record));
    }
    source.records += c.records.size();
    source.collections.push_back(std::move(c));
  }
  return source;
}

struct BaseRecord {
  std::string line;
  std::string hash;
  std::string rev;
  bool seen = false;
};

// Every record of one collection in the base snapshot, by key.
Result<std::unordered_map<std::string, BaseRecord>> read_base_collection(
    const fs::path& base_root, const Config& base_config, const std::string& name,
    const std::vector<std::string>& key) {
  std::unordered_map<std::string, BaseRecord> out;
  SnapshotLayout layout(base_root);
  if (!fs::is_directory(layout.collection_dir(name))) return out;
  uint32_t shards = base_config.collection(name).shards;
  for (uint32_t shard = 0; shard < shards; ++shard) {
    auto reader = ShardReader::open(layout.shard_path(name, shard, shards),
                                    "HEAD:" + layout.shard_label(name, shard, shards),
                                    ShardSpec{key, shard, shards, false});
    if (!reader) return std::unexpected(reader.error());
    for (;;) {
      auto more = reader->next();
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      const ShardRecord& r = reader->current();
      out.emplace(r.key,
                  BaseRecord{std::string(r.line), std::string(r.parts.hash), std::string(r.parts.rev)});
    }
  }
  return out;
}

// Writes theirs: the base overlaid with the source (see the header).
Status write_theirs(const Replica& replica, Source& source, const std::optional<fs::path>& base_root,
                    const fs::path& theirs_root, uint64_t& stale) {
  SnapshotLayout theirs(theirs_root);
  std::error_code created;
  fs::create_directories(theirs.snapshot_dir(), created);
  if (created) return fail(ErrorCode::kUnavailable, "cannot create '" + theirs.snapshot_dir().string() + "'");
  std::optional<Config> base_config;
  if (base_root) {
    auto config = load_config(*base_root);
    if (!config) return std::unexpected(config.error());
    base_config = std::move(*config);
    std::error_code ec;
    // Hard links: the merge only reads theirs, and a big base costs no copy.
    fs::copy(*base_root / kSnapshotDirName, theirs.snapshot_dir(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing |
                 fs::copy_options::create_hard_links,
             ec);
    if (ec) return fail(ErrorCode::kUnavailable, "cannot copy the base snapshot: " + ec.message());
  }
  for (auto& c : source.collections) {
    std::error_code ec;
    fs::remove_all(theirs.collection_dir(c.name), ec);
    fs::create_directories(theirs.collection_dir(c.name), ec);
    if (ec)
      return fail(ErrorCode::kUnavailable, "cannot create '" + theirs.collection_dir(c.name).string() + "'");
    uint32_t shards = replica.config.collection(c.name).shards;
    std::vector<ShardWriter> writers(shards);
    std::unordered_map<std::string, BaseRecord> base;
    if (base_root) {
      auto read = read_base_collection(*base_root, *base_config, c.name, c.key_fields);
      if (!read) return std::unexpected(read.error());
      base = std::move(*read);
    }
    for (auto& r : c.records) {
      std::string* line = &r.line;
      if (auto it = base.find(r.key); it != base.end()) {
        it->second.seen = true;
        // Same content: unchanged. Not newer than the base: a copy older
        // than what this replica already synced, which must not roll it back.
        if (it->second.hash != r.hash && r.rev <= it->second.rev) ++stale;
        if (it->second.hash == r.hash || r.rev <= it->second.rev) line = &it->second.line;
      }
      writers[shard_of(r.key, shards)].add_line(r.key, std::move(*line));
    }
    for (auto& [key, b] : base) {
      if (!b.seen) writers[shard_of(key, shards)].add_line(key, std::move(b.line));
    }
    c.records.clear();
    for (uint32_t shard = 0; shard < shards; ++shard) {
      if (auto st = writers[shard].write(theirs.shard_path(c.name, shard, shards)); !st) return st;
    }
    std::string schema;
    if (c.schema_json) {
      schema = *c.schema_json;
    } else if (fs::exists(replica.layout.schema_path(c.name))) {
      auto text = read_file(replica.layout.schema_path(c.name));
      if (!text) return std::unexpected(text.error());
      schema = std::move(*text);
    } else if (base_root && fs::exists(SnapshotLayout(*base_root).schema_path(c.name))) {
      auto text = read_file(SnapshotLayout(*base_root).schema_path(c.name));
      if (!text) return std::unexpected(text.error());
      schema = std::move(*text);
    } else {
      CollectionSchema s;
      s.key = c.key_fields;
      json::Array key;
      for (const auto& f : c.key_fields) key.emplace_back(f);
      s.detail = json::make_object({{"key", json::Value(std::move(key))}});
      schema = s.to_json();
    }
    if (auto st = write_file_atomic(theirs.schema_path(c.name), schema); !st) return st;
  }
  return {};
}

// The snapshot at HEAD, the last state this replica committed; nullopt
// outside git, before the first commit, or when HEAD holds no snapshot.
Result<std::optional<std::string>> checkout_base(const Replica& replica, const fs::path& dir) {
  git::Git git(replica.repo);
  if (!git.is_repository()) return std::optional<std::string>();
  auto head = git.head();
  if (!head) return std::unexpected(head.error());
  if (!*head) return std::optional<std::string>();
  auto listing = git.run({"ls-tree", "--name-only", **head, "--", kSnapshotDirName});
  if (!listing) return std::unexpected(listing.error());
  if (listing->empty()) return std::optional<std::string>();
  auto commit = checkout_snapshot(replica.repo, **head, dir);
  if (!commit) return std::unexpected(commit.error());
  return std::optional<std::string>(*commit);
}

Status write_report(const Replica& replica, MergeSourceResult& result) {
  std::string id = utc_now_iso() + "-merge";
  std::replace(id.begin(), id.end(), ':', '-');
  fs::path dir = replica.paths.reports();
  if (auto st = write_file_atomic(dir / (id + ".txt"), render_text(result.report)); !st) return st;
  if (auto st =
          write_file_atomic(dir / (id + ".json"), json::to_canonical(report_to_json(result.report)) + "\n");
      !st) {
    return st;
  }
  result.report_path = (dir / (id + ".txt")).string();
  return {};
}

}  // namespace

Result<MergeSourceResult> run_merge_source(const MergeSourceOptions& options) {
  auto opened = open_replica(options.replica);
  if (!opened) return std::unexpected(opened.error());
  Replica& replica = *opened;
  auto lock = ReplicaLock::acquire(replica.repo);
  if (!lock) return std::unexpected(lock.error());

  std::error_code ec;
  if (!fs::exists(options.source, ec)) {
    return fail(ErrorCode::kUsage, "'" + options.source.string() + "' does not exist",
                "name another replica's snapshot folder or an export file");
  }
  MergeSourceResult result;
  Source source;
  if (fs::is_directory(options.source)) {
    auto root = snapshot_root_of(options.source);
    if (!root) {
      return fail(ErrorCode::kUsage, "'" + options.source.string() + "' holds no snapshot",
                  "name the folder that holds dbsync/ (another replica's sync repository) or dbsync/ itself");
    }
    if (fs::equivalent(*root, replica.repo, ec)) {
      return fail(ErrorCode::kUsage, "'" + options.source.string() + "' is this replica's own snapshot");
    }
    auto read = read_snapshot_source(replica, *root);
    if (!read) return std::unexpected(read.error());
    source = std::move(*read);
  } else {
    auto read = read_export_source(replica, options);
    if (!read) return std::unexpected(read.error());
    source = std::move(*read);
  }
  result.source_kind = source.kind;
  result.source_records = source.records;
  result.identical_duplicates = source.identical_duplicates;

  // As sync does: take in what the working tree holds, then export, so the
  // working tree is exactly the database before anything is merged in.
  auto ahead = working_tree_ahead(replica);
  if (!ahead) return std::unexpected(ahead.error());
  if (*ahead) {
    auto imported = import_replica(replica);
    if (!imported) return std::unexpected(imported.error());
    result.pending_import = std::move(*imported);
  }
  auto exported = export_replica(replica);
  if (!exported) return std::unexpected(exported.error());
  result.exported = std::move(*exported);

  fs::path work = replica.paths.root / "merge";
  fs::remove_all(work, ec);
  RemoveOnExit cleanup(work);
  fs::path base_root = work / "base", theirs_root = work / "theirs";
  auto base = checkout_base(replica, base_root);
  if (!base) return std::unexpected(base.error());
  if (*base) result.base_commit = **base;
  std::optional<fs::path> base_dir;
  if (*base) base_dir = base_root;
  if (auto st = write_theirs(replica, source, base_dir, theirs_root, result.stale); !st) {
    return std::unexpected(st.error());
  }

  SnapshotMergeOptions merge_options;
  if (replica.options.progress) merge_options.progress = replica.options.progress;
  auto merged =
      merge_snapshots(base_dir, replica.repo, theirs_root, replica.repo, replica.config, merge_options);
  if (!merged) return std::unexpected(merged.error());
  result.merge = std::move(*merged);
  for (const auto& c : result.merge.collections) {
    if (c.manual.empty()) continue;
    if (auto st = write_conflict_files(replica.repo, c.name, c.shard_count, c.manual); !st) {
      return std::unexpected(st.error());
    }
  }

  ReportInfo info;
  info.replica = replica.local.replica;
  info.database = redact_url(replica.db_url);
  result.report = make_report(result.merge, info);
  if (auto st = write_report(replica, result); !st) return std::unexpected(st.error());

  if (result.merge.result == MergeResult::kClean) {
    auto imported = import_replica(replica);
    if (!imported) return std::unexpected(imported.error());
    result.imported = std::move(*imported);
  }
  return result;
}

}  // namespace dbsync
