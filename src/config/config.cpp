#include "config/config.h"

#include <toml++/toml.h>

#include <optional>
#include <sstream>

#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "util/file.h"

namespace dbsync {
namespace {

std::string where(const std::string& file, const toml::node& node, const std::string& key) {
  return "'" + file + "' line " + std::to_string(node.source().begin.line) + ", key '" + key + "'";
}

Result<std::vector<std::string>> string_list(const toml::node& node, const std::string& file,
                                             const std::string& key) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr)
    return fail(ErrorCode::kUsage, where(file, node, key) + ": expected a list of field names");
  std::vector<std::string> out;
  for (const toml::node& item : *arr) {
    auto s = item.value<std::string>();
    if (!s || s->empty()) {
      return fail(ErrorCode::kUsage, where(file, item, key) + ": expected a non-empty field name");
    }
    out.push_back(*s);
  }
  return out;
}

Status apply_table(const toml::table& table, CollectionConfig& cfg, const std::string& file,
                   const std::string& section) {
  for (const auto& [k, node] : table) {
    std::string key = section + "." + std::string(k.str());
    std::string name(k.str());
    if (name == "key") {
      auto list = string_list(node, file, key);
      if (!list) return std::unexpected(list.error());
      if (list->empty())
        return fail(ErrorCode::kUsage, where(file, node, key) + ": a key needs at least one field");
      cfg.key = *list;
    } else if (name == "shards") {
      // Strict: toml++'s value<int64_t>() would also take 256.0 or 1e3.
      std::optional<int64_t> n;
      if (node.is_integer()) n = node.as_integer()->get();
      if (!n || *n < 1 || *n > kMaxShards || !is_valid_shard_count(static_cast<uint32_t>(*n))) {
        return fail(ErrorCode::kUsage,
                    where(file, node, key) + ": shards must be a power of two from 1 to 4096");
      }
      cfg.shards = static_cast<uint32_t>(*n);
    } else if (name == "policy") {
      auto s = node.value<std::string>();
      if (s == "newer")
        cfg.policy = ConflictPolicy::kNewer;
      else if (s == "more-complete")
        cfg.policy = ConflictPolicy::kMoreComplete;
      else if (s == "manual")
        cfg.policy = ConflictPolicy::kManual;
      else
        return fail(ErrorCode::kUsage,
                    where(file, node, key) + ": policy must be \"newer\", \"more-complete\" or \"manual\"");
    } else if (name == "on_delete_conflict") {
      auto s = node.value<std::string>();
      if (s == "keep")
        cfg.on_delete_conflict = DeleteConflict::kKeep;
      else if (s == "delete")
        cfg.on_delete_conflict = DeleteConflict::kDelete;
      else
        return fail(ErrorCode::kUsage,
                    where(file, node, key) + ": on_delete_conflict must be \"keep\" or \"delete\"");
    } else if (name == "timestamp_field") {
      auto s = node.value<std::string>();
      if (!s) return fail(ErrorCode::kUsage, where(file, node, key) + ": expected a field name (\"\": none)");
      cfg.timestamp_field = *s;
    } else if (name == "preserve") {
      auto list = string_list(node, file, key);
      if (!list) return std::unexpected(list.error());
      cfg.preserve = *list;
    } else if (name == "unique") {
      const toml::array* arr = node.as_array();
      if (arr == nullptr)
        return fail(ErrorCode::kUsage, where(file, node, key) + ": expected a list of field lists");
      cfg.unique.clear();
      for (const toml::node& item : *arr) {
        auto list = string_list(item, file, key);
        if (!list) return std::unexpected(list.error());
        if (list->empty()) return fail(ErrorCode::kUsage, where(file, item, key) + ": an empty field list");
        cfg.unique.push_back(*list);
      }
    } else {
      return fail(ErrorCode::kUsage, where(file, node, key) + ": unknown setting",
                  "see docs/CONFIG.md for the settings a collection takes");
    }
  }
  return {};
}

}  // namespace

const char* policy_name(ConflictPolicy p) {
  switch (p) {
    case ConflictPolicy::kNewer: return "newer";
    case ConflictPolicy::kMoreComplete: return "more-complete";
    case ConflictPolicy::kManual: return "manual";
  }
  return "?";
}

const char* delete_conflict_name(DeleteConflict d) { return d == DeleteConflict::kKeep ? "keep" : "delete"; }

const CollectionConfig& Config::collection(const std::string& name) const {
  auto it = collections.find(name);
  return it == collections.end() ? defaults : it->second;
}

Result<Config> parse_config(std::string_view text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    std::string what(e.description());
    if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
    return fail(ErrorCode::kUsage,
                "'" + file + "' line " + std::to_string(e.source().begin.line) + ": " + what);
  }
  Config cfg;
  for (const auto& [k, node] : root) {
    std::string name(k.str());
    if (name == "version") {
      if (!node.is_integer() || node.as_integer()->get() != 1)
        return fail(ErrorCode::kUsage, where(file, node, name) + ": this dbsync reads version 1");
      cfg.version = 1;
    } else if (name == "database") {
      auto s = node.value<std::string>();
      if (!s) return fail(ErrorCode::kUsage, where(file, node, name) + ": expected a URL string");
      cfg.database = *s;
    } else if (name == "change_tracking") {
      auto s = node.value<std::string>();
      if (!s || (*s != "off" && *s != "triggers"))
        return fail(ErrorCode::kUsage,
                    where(file, node, name) + ": change_tracking must be \"off\" or \"triggers\"");
      cfg.change_tracking = *s == "triggers" ? ChangeTracking::kTriggers : ChangeTracking::kOff;
    } else if (name == "defaults" || name == "collections") {
      if (!node.is_table()) return fail(ErrorCode::kUsage, where(file, node, name) + ": expected a table");
    } else {
      return fail(ErrorCode::kUsage, where(file, node, name) + ": unknown setting",
                  "see docs/CONFIG.md for the settings dbsync.toml takes");
    }
  }
  if (const toml::table* defaults = root["defaults"].as_table()) {
    if (auto st = apply_table(*defaults, cfg.defaults, file, "defaults"); !st)
      return std::unexpected(st.error());
  }
  if (const toml::table* collections = root["collections"].as_table()) {
    for (const auto& [k, node] : *collections) {
      const toml::table* t = node.as_table();
      std::string name(k.str());
      if (t == nullptr)
        return fail(ErrorCode::kUsage, where(file, node, "collections." + name) + ": expected a table");
      if (auto st = check_collection_name(name); !st) {
        Error e = std::move(st.error()).context(where(file, node, "collections." + name));
        e.code = ErrorCode::kUsage;
        return std::unexpected(std::move(e));
      }
      CollectionConfig cc = cfg.defaults;
      if (auto st = apply_table(*t, cc, file, "collections." + name); !st) return std::unexpected(st.error());
      cfg.collections[name] = cc;
    }
  }
  return cfg;
}

Result<Config> load_config(const std::filesystem::path& repo) {
  auto path = repo / kConfigFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Config{};
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_config(*text, path.string());
}

namespace {
// A TOML key: bare when it can be, else a quoted string.
std::string toml_key(const std::string& name) {
  bool bare = !name.empty();
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      bare = false;
  }
  if (bare) return name;
  std::ostringstream out;
  out << toml::value<std::string>(name);
  return out.str();
}
void render_list(std::ostringstream& out, const std::vector<std::string>& list) {
  out << '[';
  for (size_t i = 0; i < list.size(); ++i) out << (i ? ", " : "") << toml::value<std::string>(list[i]);
  out << ']';
}
void render_collection(std::ostringstream& out, const CollectionConfig& c) {
  if (!c.key.empty()) {
    out << "key = ";
    render_list(out, c.key);
    out << '\n';
  }
  out << "shards = " << c.shards << '\n';
  out << "policy = \"" << policy_name(c.policy) << "\"\n";
  out << "on_delete_conflict = \"" << delete_conflict_name(c.on_delete_conflict) << "\"\n";
  if (!c.timestamp_field.empty())
    out << "timestamp_field = " << toml::value<std::string>(c.timestamp_field) << '\n';
  if (!c.preserve.empty()) {
    out << "preserve = ";
    render_list(out, c.preserve);
    out << '\n';
  }
  if (!c.unique.empty()) {
    out << "unique = [";
    for (size_t i = 0; i < c.unique.size(); ++i) {
      if (i) out << ", ";
      render_list(out, c.unique[i]);
    }
    out << "]\n";
  }
}
}  // namespace

std::string render_config(const Config& config) {
  std::ostringstream out;
  out << "# dbsync configuration, shared by every replica (docs/CONFIG.md).\n";
  out << "version = 1\n";
  if (!config.database.empty()) out << "database = " << toml::value<std::string>(config.database) << '\n';
  if (config.change_tracking == ChangeTracking::kTriggers) out << "change_tracking = \"triggers\"\n";
  out << "\n[defaults]\n";
  render_collection(out, config.defaults);
  for (const auto& [name, c] : config.collections) {
    out << "\n[collections." << toml_key(name) << "]\n";
    render_collection(out, c);
  }
  return out.str();
}

}  // namespace dbsync
