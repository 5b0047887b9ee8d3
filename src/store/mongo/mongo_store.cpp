#include "store/mongo/mongo_store.h"

#include "store/mongo/mongo_conn.h"
#include "store/mongo/mongo_txn.h"
#include "store/mongo/mongo_undo.h"
#include "store/mongo/mongo_url.h"

namespace dbsync {
namespace {

class MongoStore : public Store {
 public:
  MongoStore(MongoUrl url, std::filesystem::path undo_file)
      : url_(std::move(url)), undo_file_(std::move(undo_file)) {}

  std::string display_url() const override { return url_.display; }

  Status check() override {
    if (auto st = ensure_open(); !st) return st;
    BsonDoc ping = new_bson();
    BSON_APPEND_INT32(ping.get(), "ping", 1);
    if (auto st = conn_->command(*ping, "cannot check the database"); !st) return st;
    BsonDoc list = new_bson();
    BSON_APPEND_INT32(list.get(), "listCollections", 1);
    BSON_APPEND_BOOL(list.get(), "nameOnly", true);
    BSON_APPEND_BOOL(list.get(), "authorizedCollections", true);
    return conn_->command(*list, "cannot list the collections of database '" + url_.database + "'");
  }

  Result<std::unique_ptr<StoreTxn>> begin(TxnMode mode) override {
    if (auto st = ensure_open(); !st) return std::unexpected(st.error());
    auto recovered = UndoLog::recover(*conn_, undo_file_);
    if (!recovered) return std::unexpected(recovered.error());
    return begin_mongo_txn(*conn_, mode, undo_file_);
  }

 private:
  Status ensure_open() {
    if (conn_) return {};
    auto conn = MongoConn::open(url_);
    if (!conn) return std::unexpected(conn.error());
    conn_ = std::move(*conn);
    return {};
  }

  MongoUrl url_;
  std::filesystem::path undo_file_;
  std::unique_ptr<MongoConn> conn_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_mongo_store(std::string_view url, const std::filesystem::path& base_dir) {
  auto parsed = parse_mongo_url(url);
  if (!parsed) return std::unexpected(parsed.error());
  std::filesystem::path undo;
  if (!base_dir.empty()) undo = base_dir / ".dbsync" / ("mongodb-undo-" + parsed->database + ".jsonl");
  return std::unique_ptr<Store>(new MongoStore(std::move(*parsed), std::move(undo)));
}

}  // namespace dbsync
