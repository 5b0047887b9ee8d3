#include "merge/conflict_files.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "json/canonical.h"
#include "json/parse.h"
#include "merge/conflict_json.h"
#include "merge/shard_input.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "snapshot/verify.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;
using json::Value;

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string file_name(const std::string& key) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx.json", static_cast<unsigned long long>(xxh3_64(key)));
  return buf;
}

// Whether the shard at `shard_path` holds `line` for `key`.
Result<bool> shard_holds(const fs::path& shard_path, const std::string& label, const ShardSpec& spec,
                         const std::string& key, std::string_view line) {
  std::error_code ec;
  if (!fs::exists(shard_path, ec)) return false;
  auto bytes = read_file(shard_path);
  if (!bytes) return std::unexpected(bytes.error());
  static const std::vector<std::string> kNoCapture;
  ShardInput in(*bytes, label, spec, kNoCapture);
  for (;;) {
    auto more = in.next();
    if (!more) return std::unexpected(more.error());
    if (!*more || in.key() > key) return false;
    if (in.key() == key) return in.line() == line;
  }
}

}  // namespace

json::Value conflict_file_json(const std::string& collection, uint32_t shard_count, const ManualConflict& c,
                               std::chrono::system_clock::time_point when) {
  json::Array fields;
  for (const auto& f : c.fields) fields.push_back(conflict_to_json(f));
  return json::make_object({{"version", Value(1)},
                            {"kind", Value(c.duplicate ? "duplicate" : "merge")},
                            {"time", Value(iso_time(when))},
                            {"collection", Value(collection)},
                            {"path", Value(std::string(kSnapshotDirName) + "/" + collection + "/" +
                                           shard_file_name(c.shard, shard_count))},
                            {"key", key_to_json(c.key)},
                            {"key_encoding", Value(c.key)},
                            {"base", record_line_to_json(c.base_line)},
                            {"ours", record_line_to_json(c.ours_line)},
                            {"theirs", record_line_to_json(c.theirs_line)},
                            {"provisional", record_line_to_json(c.provisional_line)},
                            {"fields", Value(std::move(fields))}});
}

Status write_conflict_files(const fs::path& repo, const std::string& collection, uint32_t shard_count,
                            const std::vector<ManualConflict>& conflicts,
                            std::chrono::system_clock::time_point when) {
  if (auto st = check_collection_name(collection); !st) return st;
  fs::path dir = repo / kConflictsDir / collection;
  for (const ManualConflict& c : conflicts) {
    std::string text = json::to_canonical(conflict_file_json(collection, shard_count, c, when)) + "\n";
    if (auto st = write_file_atomic(dir / file_name(c.key), text); !st) return st;
  }
  return {};
}

Result<std::vector<StoredConflict>> load_conflict_files(const fs::path& repo, const Config& config) {
  std::vector<StoredConflict> out;
  fs::path root = repo / kConflictsDir;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  auto collections = list_dirs(root);
  if (!collections) return std::unexpected(collections.error());
  SnapshotLayout layout(repo);
  for (const std::string& name : *collections) {
    if (!is_plain_collection_name(name)) continue;  // not ours to read
    auto key_fields = collection_key(layout, config, name);
    if (!key_fields) return std::unexpected(key_fields.error());
    uint32_t shard_count = config.collection(name).shards;
    auto files = list_files(root / name);
    if (!files) return std::unexpected(files.error());
    for (const std::string& f : *files) {
      if (!f.ends_with(".json")) continue;
      fs::path file = root / name / f;
      auto text = read_file(file);
      if (!text) return std::unexpected(text.error());
      std::string_view body = *text;
      if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
      auto v = json::parse(body);
      if (!v) return std::unexpected(std::move(v.error()).context("'" + file.string() + "'"));
      const Value* key = v->find("key_encoding");
      const Value* provisional = v->find("provisional");
      if (key == nullptr || !key->is_string() || provisional == nullptr) {
        return fail(ErrorCode::kBadInput, "'" + file.string() + "': not a dbsync conflict file",
                    "remove it, or re-run the merge that wrote it");
      }
      StoredConflict sc;
      sc.file = file;
      sc.collection = name;
      sc.key = key->as_string();
      uint32_t shard = shard_of(sc.key, shard_count);
      sc.path = layout.shard_label(name, shard, shard_count);
      if (provisional->is_object()) {
        auto holds = shard_holds(layout.shard_path(name, shard, shard_count), sc.path,
                                 ShardSpec{*key_fields, shard, shard_count, false}, sc.key,
                                 json::to_canonical(*provisional));
        if (!holds) return std::unexpected(holds.error());
        sc.current = *holds;
      }
      sc.content = std::move(*v);
      out.push_back(std::move(sc));
    }
  }
  std::sort(out.begin(), out.end(), [](const StoredConflict& a, const StoredConflict& b) {
    return a.collection != b.collection ? a.collection < b.collection : a.key < b.key;
  });
  return out;
}

}  // namespace dbsync
