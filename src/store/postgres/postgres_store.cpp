#include "store/postgres/postgres_store.h"

#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_txn.h"
#include "store/postgres/pg_url.h"

namespace dbsync {
namespace {

class PostgresStore : public Store {
 public:
  explicit PostgresStore(std::string url) : url_(std::move(url)), display_(pg_display_url(url_)) {}

  std::string display_url() const override { return display_; }

  Status check() override {
    if (auto st = ensure_connected(); !st) return st;
    auto r =
        conn_->query("SELECT current_schema() IS NOT NULL, has_schema_privilege(current_schema(), 'USAGE')");
    if (!r) return std::unexpected(r.error());
    if (std::string_view(PQgetvalue(r->get(), 0, 0)) != "t") {
      return fail(ErrorCode::kUnavailable, "PostgreSQL at '" + display_ + "' has no current schema",
                  "set search_path for the user, or add ?options=-csearch_path%3Dpublic to the URL");
    }
    return {};
  }

  Result<std::unique_ptr<StoreTxn>> begin(TxnMode mode) override {
    if (auto st = ensure_connected(); !st) return std::unexpected(st.error());
    return begin_pg_txn(*conn_, mode);
  }

 private:
  Status ensure_connected() {
    // A connection the server dropped is replaced rather than reused.
    if (conn_ && PQstatus(conn_->handle()) == CONNECTION_OK) return {};
    conn_.reset();
    auto conn = PgConn::connect(url_, display_);
    if (!conn) return std::unexpected(conn.error());
    conn_ = std::move(*conn);
    return {};
  }

  std::string url_;
  std::string display_;
  std::unique_ptr<PgConn> conn_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(std::string_view url, const std::filesystem::path&) {
  return std::unique_ptr<Store>(new PostgresStore(std::string(url)));
}

}  // namespace dbsync
