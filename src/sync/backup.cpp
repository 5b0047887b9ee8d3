#include "sync/backup.h"

#include <cstdlib>

#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/layout.h"
#include "sync/durable.h"
#include "sync/matched.h"
#include "util/file.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

bool is_backup_id(std::string_view id) {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'f') || c == '-'))
      return false;
  }
  return true;
}

Status check_id(std::string_view id) {
  if (is_backup_id(id)) return {};
  return fail(ErrorCode::kUsage, "'" + std::string(id.substr(0, 64)) + "' is not a backup id",
              "'dbsync backups list' shows the backups");
}

json::Value manifest_json(const BackupManifest& m) {
  std::vector<json::Member> cols;
  for (const auto& [name, c] : m.collections) {
    cols.emplace_back(name, json::make_object({{"inserted", json::Value(static_cast<int64_t>(c.inserted))},
                                               {"updated", json::Value(static_cast<int64_t>(c.updated))},
                                               {"deleted", json::Value(static_cast<int64_t>(c.deleted))}}));
  }
  return json::make_object({{"id", m.id},
                            {"time", m.time},
                            {"op", m.op},
                            {"database", m.database},
                            {"replica", m.replica},
                            {"state", m.state},
                            {"collections", json::make_object(std::move(cols))}});
}

std::string entries_jsonl(const std::vector<BackupEntry>& entries, bool with_before) {
  std::string out;
  for (const auto& e : entries) {
    if (with_before) {
      append_backup_line(out, e.key, e.before ? std::optional<std::string_view>(*e.before) : std::nullopt,
                         e.after ? *e.after : std::string_view());
      continue;
    }
    out += "{\"a\":";
    if (e.after) {
      json::append_string_literal(out, *e.after);
    } else {
      out += "null";
    }
    out += ",\"k\":";
    json::append_string_literal(out, e.key);
    out += "}\n";
  }
  return out;
}

Result<std::vector<BackupEntry>> parse_entries(const fs::path& path) {
  std::vector<BackupEntry> out;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  size_t pos = 0, line_no = 0;
  while (pos < text->size()) {
    ++line_no;
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    auto v = json::parse(std::string_view(*text).substr(pos, end - pos));
    pos = end + 1;
    const json::Value* k = v ? v->find("k") : nullptr;
    const json::Value* a = v ? v->find("a") : nullptr;
    const json::Value* b = v ? v->find("b") : nullptr;
    if (!k || !k->is_string() || !a || !(a->is_string() || a->is_null()) ||
        (b && !(b->is_object() || b->is_null()))) {
      return fail(ErrorCode::kBadInput, "'" + path.string() + "' line " + std::to_string(line_no) +
                                            ": not a backup record {\"a\",\"b\",\"k\"}");
    }
    BackupEntry e;
    e.key = k->as_string();
    if (a->is_string()) e.after = a->as_string();
    if (b && b->is_object()) e.before = json::to_canonical(*b);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string new_backup_id(const LocalPaths& paths) {
  std::string base;
  for (char c : utc_now_iso()) {  // 2026-01-15T10:30:45Z
    if (c != '-' && c != ':') base += c;
  }
  unsigned seq = 0;
  std::error_code ec;
  if (fs::exists(paths.backups(), ec)) {
    auto dirs = list_dirs(paths.backups());
    if (dirs && !dirs->empty()) {
      const std::string& last = dirs->back();
      size_t dash = last.rfind('-');
      if (dash != std::string::npos && is_backup_id(last) && last.substr(0, dash) >= base) {
        base = last.substr(0, dash);
        seq = static_cast<unsigned>(std::strtoul(last.c_str() + dash + 1, nullptr, 10)) + 1;
      }
    }
  }
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%04u", seq);
  return base + suffix;
}

void append_backup_line(std::string& out, std::string_view key, std::optional<std::string_view> before,
                        std::string_view after_hex) {
  out += "{\"a\":";
  if (!after_hex.empty()) {
    json::append_string_literal(out, after_hex);
  } else {
    out += "null";
  }
  out += ",\"b\":";
  out += before ? *before : std::string_view("null");
  out += ",\"k\":";
  json::append_string_literal(out, key);
  out += "}\n";
}

Status write_backup_texts(const LocalPaths& paths, const BackupManifest& manifest,
                          const std::map<std::string, std::string>& texts) {
  if (auto st = check_id(manifest.id); !st) return st;
  fs::path dir = paths.backups() / manifest.id;
  for (const auto& [name, text] : texts) {
    if (auto st = check_collection_name(name); !st) return st;
    if (auto st = write_file_synced(dir / (name + ".jsonl"), text); !st) return st;
  }
  if (auto st = write_file_synced(dir / "manifest.json", json::to_canonical(manifest_json(manifest)) + "\n");
      !st)
    return st;
  if (auto st = fsync_dir(dir); !st) return st;
  return fsync_dir(paths.backups());
}

Status write_backup(const LocalPaths& paths, const BackupManifest& manifest,
                    const std::map<std::string, std::vector<BackupEntry>>& entries) {
  std::map<std::string, std::string> texts;
  for (const auto& [name, list] : entries) texts[name] = entries_jsonl(list, true);
  return write_backup_texts(paths, manifest, texts);
}

Status write_backup_after(const LocalPaths& paths, const std::string& id, const std::string& collection,
                          const std::vector<BackupEntry>& entries) {
  if (auto st = check_id(id); !st) return st;
  return write_file_atomic(paths.backups() / id / (collection + ".after.jsonl"),
                           entries_jsonl(entries, false));
}

Result<BackupManifest> read_backup_manifest(const LocalPaths& paths, const std::string& id) {
  if (auto st = check_id(id); !st) return std::unexpected(st.error());
  fs::path path = paths.backups() / id / "manifest.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return fail(ErrorCode::kUsage, "no backup '" + id + "'", "'dbsync backups list' shows the backups");
  }
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  auto v = json::parse(*text);
  auto bad = [&](const char* field) {
    return fail(ErrorCode::kBadInput, "'" + path.string() + "' field '" + field + "': malformed");
  };
  if (!v || !v->is_object()) return bad("(document)");
  BackupManifest m;
  for (auto [name, out] :
       {std::pair{"id", &m.id}, std::pair{"time", &m.time}, std::pair{"op", &m.op},
        std::pair{"database", &m.database}, std::pair{"replica", &m.replica}, std::pair{"state", &m.state}}) {
    const json::Value* f = v->find(name);
    if (!f || !f->is_string()) return bad(name);
    *out = f->as_string();
  }
  const json::Value* cols = v->find("collections");
  if (!cols || !cols->is_object()) return bad("collections");
  for (const auto& [name, c] : cols->as_object()) {
    BackupCounts counts;
    for (auto [field, out] : {std::pair{"inserted", &counts.inserted}, std::pair{"updated", &counts.updated},
                              std::pair{"deleted", &counts.deleted}}) {
      const json::Value* f = c.find(field);
      if (!f || !f->is_int()) return bad("collections");
      *out = static_cast<uint64_t>(f->as_int());
    }
    m.collections[name] = counts;
  }
  return m;
}

Status set_backup_state(const LocalPaths& paths, const std::string& id, const std::string& state) {
  auto m = read_backup_manifest(paths, id);
  if (!m) return std::unexpected(m.error());
  m->state = state;
  return write_file_atomic(paths.backups() / id / "manifest.json",
                           json::to_canonical(manifest_json(*m)) + "\n");
}

Result<std::vector<BackupEntry>> read_backup_entries(const LocalPaths& paths, const std::string& id,
                                                     const std::string& collection) {
  if (auto st = check_id(id); !st) return std::unexpected(st.error());
  if (auto st = check_collection_name(collection); !st) return std::unexpected(st.error());
  auto entries = parse_entries(paths.backups() / id / (collection + ".jsonl"));
  if (!entries) return entries;
  auto after = parse_entries(paths.backups() / id / (collection + ".after.jsonl"));
  if (!after) return std::unexpected(after.error());
  if (!after->empty()) {
    std::map<std::string, std::optional<std::string>> fix;
    for (auto& e : *after) fix[e.key] = e.after;
    for (auto& e : *entries) {
      if (auto it = fix.find(e.key); it != fix.end()) e.after = it->second;
    }
  }
  return entries;
}

Result<std::vector<BackupManifest>> list_backups(const LocalPaths& paths) {
  std::vector<BackupManifest> out;
  std::error_code ec;
  if (!fs::exists(paths.backups(), ec)) return out;
  auto dirs = list_dirs(paths.backups());
  if (!dirs) return std::unexpected(dirs.error());
  for (const auto& d : *dirs) {
    if (!is_backup_id(d)) continue;
    auto m = read_backup_manifest(paths, d);
    if (m) out.push_back(std::move(*m));
  }
  return out;
}

Result<std::vector<std::string>> prune_backups(const LocalPaths& paths, size_t keep) {
  std::vector<std::string> removed;
  std::error_code ec;
  if (!fs::exists(paths.backups(), ec)) return removed;
  auto dirs = list_dirs(paths.backups());
  if (!dirs) return std::unexpected(dirs.error());
  std::vector<std::string> ids;
  for (const auto& d : *dirs) {
    if (is_backup_id(d)) ids.push_back(d);
  }
  if (ids.size() <= keep) return removed;
  for (size_t i = 0; i + keep < ids.size(); ++i) {
    if (auto st = remove_tree(paths.backups() / ids[i]); !st) return std::unexpected(st.error());
    removed.push_back(ids[i]);
  }
  if (auto st = fsync_dir(paths.backups()); !st) return std::unexpected(st.error());
  return removed;
}

}  // namespace dbsync
