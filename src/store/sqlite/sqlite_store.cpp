#include "store/sqlite/sqlite_store.h"

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_txn.h"

namespace dbsync {
namespace {

class SqliteStore : public Store {
 public:
  SqliteStore(std::string url, std::filesystem::path path) : url_(std::move(url)), path_(std::move(path)) {}

  std::string display_url() const override { return url_; }

  Status check() override {
    if (auto st = ensure_open(false); !st) return st;
    return db_->exec("SELECT count(*) FROM sqlite_schema");
  }

  Result<std::unique_ptr<StoreTxn>> begin(TxnMode mode) override {
    if (auto st = ensure_open(mode == TxnMode::kWrite); !st) return std::unexpected(st.error());
    return begin_sqlite_txn(*db_, mode);
  }

 private:
  Status ensure_open(bool create) {
    if (db_) return {};
    auto db = SqliteDb::open(path_, create);
    if (!db) return std::unexpected(db.error());
    db_ = std::make_unique<SqliteDb>(std::move(*db));
    return {};
  }

  std::string url_;
  std::filesystem::path path_;
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace

Result<std::filesystem::path> sqlite_path_of(std::string_view url, const std::filesystem::path& base_dir) {
  constexpr std::string_view kPrefix = "sqlite:";
  if (url.substr(0, kPrefix.size()) != kPrefix) {
    return fail(ErrorCode::kUsage, "'" + std::string(url) + "' is not a sqlite: URL");
  }
  std::string_view rest = url.substr(kPrefix.size());
  if (rest.substr(0, 2) == "//") rest.remove_prefix(2);  // tolerate sqlite://path
  if (rest.empty()) {
    return fail(ErrorCode::kUsage, "database URL 'sqlite:' names no file",
                "write it as sqlite:path/to/file.db");
  }
  std::filesystem::path p(rest);
  return p.is_absolute() ? p : base_dir / p;
}

Result<std::unique_ptr<Store>> open_sqlite_store(std::string_view url,
                                                 const std::filesystem::path& base_dir) {
  auto path = sqlite_path_of(url, base_dir);
  if (!path) return std::unexpected(path.error());
  return std::unique_ptr<Store>(new SqliteStore(std::string(url), *path));
}

}  // namespace dbsync
