#include "sync/local_state.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <climits>
#include <sstream>

#include "snapshot/rev.h"
#include "util/file.h"

namespace dbsync {

std::string default_replica_id() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string id;
  for (const char* p = host; *p && id.size() < 64; ++p) {
    char c = *p;
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    id += ok ? c : '-';
  }
  return id.empty() ? "replica" : id;
}

Result<LocalConfig> load_local_config(const std::filesystem::path& repo) {
  LocalConfig out;
  auto path = LocalPaths(repo).local_toml();
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    toml::table root;
    try {
      root = toml::parse(*text, path.string());
    } catch (const toml::parse_error& e) {
      return fail(ErrorCode::kUsage, "'" + path.string() + "' line " + std::to_string(e.source().begin.line) +
                                         ": " + std::string(e.description()));
    }
    for (const auto& [k, node] : root) {
      std::string key(k.str());
      std::string where =
          "'" + path.string() + "' line " + std::to_string(node.source().begin.line) + ", key '" + key + "'";
      auto s = node.value<std::string>();
      if (key == "replica") {
        if (!s || !is_valid_replica_id(*s))
          return fail(ErrorCode::kUsage, where + ": a replica id is 1-64 of [A-Za-z0-9._-]");
        out.replica = *s;
      } else if (key == "database") {
        if (!s) return fail(ErrorCode::kUsage, where + ": expected a URL string");
        out.database = *s;
      } else {
        return fail(ErrorCode::kUsage, where + ": unknown setting",
                    "local.toml takes `replica` and `database`");
      }
    }
  }
  if (out.replica.empty()) out.replica = default_replica_id();
  return out;
}

Status save_local_config(const std::filesystem::path& repo, const LocalConfig& config) {
  std::string text = "# This replica's own settings; not tracked by git (docs/REPLICA.md).\n";
  text += "replica = " + (std::ostringstream() << toml::value<std::string>(config.replica)).str() + "\n";
  if (!config.database.empty())
    text += "database = " + (std::ostringstream() << toml::value<std::string>(config.database)).str() + "\n";
  return write_file_atomic(LocalPaths(repo).local_toml(), text);
}

}  // namespace dbsync
