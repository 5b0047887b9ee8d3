#include "sync/matched.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "json/canonical.h"
#include "json/parse.h"
#include "sync/durable.h"
#include "util/file.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

Error bad_meta(const fs::path& path, const std::string& field) {
  return Error(
      ErrorCode::kBadInput, "'" + path.string() + "' field '" + field + "': malformed",
      "the local state is damaged; 'dbsync restore --at <commit>' rebuilds the database from git, or "
      "remove .dbsync/matched.json and run 'dbsync import'");
}

const std::string* str_field(const json::Value& v, const char* name) {
  const json::Value* f = v.find(name);
  return f && f->is_string() ? &f->as_string() : nullptr;
}

}  // namespace

Result<std::optional<MatchedMeta>> load_matched_meta(const LocalPaths& paths) {
  return read_meta_file(paths.matched_json());
}

Status save_matched_meta(const LocalPaths& paths, const MatchedMeta& meta) {
  return write_meta_file(paths.matched_json(), meta);
}

Result<std::optional<MatchedMeta>> read_meta_file(const fs::path& paths) {
  std::error_code ec;
  if (!fs::exists(paths, ec)) return std::optional<MatchedMeta>();
  auto text = read_file(paths);
  if (!text) return std::unexpected(text.error());
  auto doc = json::parse(*text);
  if (!doc || !doc->is_object()) return std::unexpected(bad_meta(paths, "(document)"));
  MatchedMeta m;
  for (auto [name, out] :
       {std::pair{"generation", &m.generation}, std::pair{"op", &m.op}, std::pair{"time", &m.time},
        std::pair{"commit", &m.commit}, std::pair{"root", &m.root}}) {
    const std::string* s = str_field(*doc, name);
    if (s == nullptr) return std::unexpected(bad_meta(paths, name));
    *out = *s;
  }
  if (m.generation.empty() || m.generation.find_first_not_of("0123456789") != std::string::npos)
    return std::unexpected(bad_meta(paths, "generation"));
  const json::Value* shards = doc->find("shards");
  const json::Value* tree = doc->find("tree");
  if (const json::Value* files = doc->find("files"); files && files->is_object()) {
    for (const auto& [path, v] : files->as_object()) {
      if (v.is_string()) m.files[path] = v.as_string();
    }
  }
  if (const json::Value* tracking = doc->find("tracking"); tracking && tracking->is_string())
    m.tracking = tracking->as_string();
  if (const json::Value* delta = doc->find("delta"); delta && delta->is_string()) {
    m.delta = delta->as_string();
    if (m.delta.empty() || m.delta.find_first_not_of("0123456789") != std::string::npos)
      return std::unexpected(bad_meta(paths, "delta"));
  }
  if (const json::Value* sums = doc->find("sums"); sums && sums->is_object()) {
    for (const auto& [path, v] : sums->as_object()) {
      if (v.is_string()) m.sums[path] = v.as_string();
    }
  }
  if (const json::Value* stat = doc->find("stat"); stat && stat->is_object()) {
    for (const auto& [path, v] : stat->as_object()) {
      if (v.is_string()) m.stat[path] = v.as_string();
    }
  }
  if (!shards || !shards->is_object()) return std::unexpected(bad_meta(paths, "shards"));
  if (!tree || !tree->is_object()) return std::unexpected(bad_meta(paths, "tree"));
  for (const auto& [name, v] : shards->as_object()) {
    if (!v.is_int() || v.as_int() < 1 || v.as_int() > 4096)
      return std::unexpected(bad_meta(paths, "shards." + name));
    m.shards[name] = static_cast<uint32_t>(v.as_int());
  }
  for (const auto& [path, v] : tree->as_object()) {
    if (!v.is_string()) return std::unexpected(bad_meta(paths, "tree." + path));
    m.tree[path] = v.as_string();
  }
  return std::optional<MatchedMeta>(std::move(m));
}

Status write_meta_file(const fs::path& path, const MatchedMeta& meta) {
  std::vector<json::Member> shards, tree;
  for (const auto& [name, n] : meta.shards) shards.emplace_back(name, json::Value(static_cast<int64_t>(n)));
  for (const auto& [path, d] : meta.tree) tree.emplace_back(path, json::Value(d));
  std::vector<json::Member> stat, files, sums;
  for (const auto& [path, d] : meta.files) files.emplace_back(path, json::Value(d));
  for (const auto& [path, d] : meta.sums) sums.emplace_back(path, json::Value(d));
  for (const auto& [path, d] : meta.stat) stat.emplace_back(path, json::Value(d));
  std::vector<json::Member> members = {{"version", json::Value(1)},
                                       {"generation", meta.generation},
                                       {"op", meta.op},
                                       {"time", meta.time},
                                       {"commit", meta.commit},
                                       {"root", meta.root},
                                       {"shards", json::make_object(std::move(shards))},
                                       {"tree", json::make_object(std::move(tree))},
                                       {"stat", json::make_object(std::move(stat))},
                                       {"files", json::make_object(std::move(files))},
                                       {"sums", json::make_object(std::move(sums))}};
  if (!meta.tracking.empty()) members.emplace_back("tracking", json::Value(meta.tracking));
  if (!meta.delta.empty()) members.emplace_back("delta", json::Value(meta.delta));
  json::Value v = json::make_object(std::move(members));
  return write_file_atomic(path, json::to_canonical(v) + "\n");
}

std::optional<ContentDigest::ShardSum> recorded_shard_sum(const MatchedMeta& meta, const std::string& path) {
  auto text = meta.sums.find(path);
  if (text == meta.sums.end()) return std::nullopt;
  auto sum = ContentDigest::ShardSum::parse(text->second);
  if (!sum || sum->count == 0) return std::nullopt;
  return sum;
}

bool generation_holds(const MatchedMeta* meta, const std::string& path, const std::string& digest) {
  if (meta == nullptr) return false;
  auto it = meta->files.find(path);
  return it != meta->files.end() && it->second == digest;
}

fs::path generation_root(const LocalPaths& paths, const std::string& generation) {
  return paths.matched_dir() / generation;
}

Result<std::string> create_generation(const LocalPaths& paths, const std::optional<MatchedMeta>& current) {
  std::error_code ec;
  fs::create_directories(paths.matched_dir(), ec);
  if (ec)
    return fail(ErrorCode::kUnavailable,
                "cannot create '" + paths.matched_dir().string() + "': " + ec.message());
  auto dirs = list_dirs(paths.matched_dir());
  if (!dirs) return std::unexpected(dirs.error());
  unsigned long next = 1;
  std::vector<std::string> names = *dirs;
  if (current) names.insert(names.end(), {current->generation, current->delta});
  for (const auto& d : names) {
    if (!d.empty() && d.size() < 19 && d.find_first_not_of("0123456789") == std::string::npos)
      next = std::max(next, std::stoul(d) + 1);
  }
  char name[32];
  std::snprintf(name, sizeof name, "%06lu", next);
  fs::create_directories(paths.matched_dir() / name, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "cannot create a matched generation: " + ec.message());
  return std::string(name);
}

Status remove_stale_generations(const LocalPaths& paths, const std::string& keep,
                                const std::string& also_keep) {
  std::error_code ec;
  if (!fs::exists(paths.matched_dir(), ec)) return {};
  auto dirs = list_dirs(paths.matched_dir());
  if (!dirs) return std::unexpected(dirs.error());
  for (const auto& d : *dirs) {
    if (d == keep || d == also_keep) continue;
    if (auto st = remove_tree(paths.matched_dir() / d); !st) return st;
  }
  return {};
}

std::string file_stat(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino);
}

Result<TreeDigests> digest_tree(const SnapshotLayout& layout, const MatchedMeta* known, TreeStats* stats) {
  TreeDigests out;
  auto names = layout.list_collections();
  if (!names) return std::unexpected(names.error());
  std::string buffer;
  for (const auto& name : *names) {
    auto files = list_files(layout.collection_dir(name));
    if (!files) return std::unexpected(files.error());
    for (const auto& f : *files) {
      bool shard = f.size() > 6 && f.compare(f.size() - 6, 6, ".jsonl") == 0;
      if (!shard && f != kSchemaFileName) continue;
      std::string path = std::string(kSnapshotDirName) + "/" + name + "/" + f;
      std::string st = file_stat(layout.collection_dir(name) / f);
      if (stats) (*stats)[path] = st;
      if (known && !st.empty()) {
        auto s = known->stat.find(path);
        auto d = known->tree.find(path);
        if (s != known->stat.end() && s->second == st && d != known->tree.end()) {
          out[path] = d->second;
          continue;
        }
      }
      if (auto r = read_file_reusing(layout.collection_dir(name) / f, buffer); !r)
        return std::unexpected(r.error());
      out[path] = bytes_digest(buffer);
    }
  }
  return out;
}

std::vector<std::string> tree_differences(const TreeDigests& a, const TreeDigests& b) {
  std::vector<std::string> out;
  auto ia = a.begin();
  auto ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      out.push_back((ia++)->first);
    } else if (ia == a.end() || ib->first < ia->first) {
      out.push_back((ib++)->first);
    } else {
      if (ia->second != ib->second) out.push_back(ia->first);
      ++ia, ++ib;
    }
  }
  return out;
}

std::string utc_now_iso() {
  using namespace std::chrono;
  auto now = floor<seconds>(system_clock::now());
  auto day = floor<days>(now);
  year_month_day ymd{day};
  hh_mm_ss hms{now - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Status record_matched_commit(const fs::path& repo, const std::string& commit) {
  LocalPaths paths(repo);
  auto meta = load_matched_meta(paths);
  if (!meta) return std::unexpected(meta.error());
  if (!*meta) {
    return fail(ErrorCode::kUsage, "this replica has no matched state to record a commit for",
                "run 'dbsync export' or 'dbsync import' first");
  }
  (*meta)->commit = commit;
  return save_matched_meta(paths, **meta);
}

}  // namespace dbsync
