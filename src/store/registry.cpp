#include "store/registry.h"

#include "store/mongo/mongo_store.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace dbsync {
namespace {

// The URL with the password of any user:password@ part replaced by "***"
// (errors never show credentials).
std::string without_password(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  size_t auth_start = scheme_end + 3;
  size_t path_start = url.find_first_of("/?#", auth_start);
  std::string_view authority = url.substr(
      auth_start, path_start == std::string_view::npos ? std::string_view::npos : path_start - auth_start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, auth_start + colon + 1));
  out += "***";
  out += url.substr(auth_start + at);
  return out;
}

}  // namespace

const std::vector<StoreScheme>& store_schemes() {
  static const std::vector<StoreScheme> schemes = {
      {"sqlite:", &open_sqlite_store},       {"postgresql://", &open_postgres_store},
      {"postgres://", &open_postgres_store}, {"mongodb://", &open_mongo_store},
      {"mongodb+srv://", &open_mongo_store},
  };
  return schemes;
}

Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::filesystem::path& base_dir) {
  if (url.empty()) {
    return fail(ErrorCode::kUsage, "no database configured",
                "pass --db sqlite:FILE, or set `database` in dbsync.toml or .dbsync/local.toml");
  }
  for (const auto& scheme : store_schemes()) {
    std::string_view prefix(scheme.prefix);
    if (url.substr(0, prefix.size()) == prefix) return scheme.open(url, base_dir);
  }
  std::string known;
  for (const auto& scheme : store_schemes())
    known += (known.empty() ? "" : ", ") + std::string(scheme.prefix);
  return fail(ErrorCode::kUsage, "unknown database URL scheme in '" + without_password(url) + "'",
              "this dbsync knows " + known);
}

}  // namespace dbsync
