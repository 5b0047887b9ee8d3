// One libmongoc client for the store (single-threaded mode: the store is
// used from one thread at a time) plus what every MongoDB call needs: the
// database handle, the display URL and the conversion of driver errors into
// dbsync errors that never show the password.
#pragma once

#include <mongoc/mongoc.h>

#include <memory>
#include <string>

#include "store/mongo/bson_doc.h"
#include "store/mongo/mongo_url.h"
#include "util/error.h"

namespace dbsync {

class MongoConn {
 public:
  // Creates the client; connects lazily (the first command).
  static Result<std::unique_ptr<MongoConn>> open(const MongoUrl& url);
  ~MongoConn();
  MongoConn(const MongoConn&) = delete;
  MongoConn& operator=(const MongoConn&) = delete;

  mongoc_client_t* client() const { return client_; }
  mongoc_database_t* db() const { return db_; }
  const MongoUrl& url() const { return url_; }
  // A collection handle; the caller destroys it (see CollectionHandle).
  mongoc_collection_t* collection(const std::string& name) const;

  // The dbsync error for a failed driver call: authentication failures,
  // unreachable servers and network errors are kUnavailable (exit 4), with
  // what was being done, the display URL and a hint; no password.
  Error error(const bson_error_t& err, const std::string& doing) const;

  // Runs a command on the database. `reply` may be null.
  Status command(const bson_t& cmd, const std::string& doing, bson_t* reply = nullptr,
                 const bson_t* opts = nullptr);

  // Whether the server supports multi-document transactions (a replica set
  // member or mongos with sessions, wire version >= 7/8). Asks once.
  Result<bool> supports_transactions();

  // What the server can do, by the maxWireVersion its hello advertises
  // (MongoDB's own feature detection; wire 13 is 5.0, 9 is 4.4).
  // Snapshot reads (a read session at one cluster time) need 5.0.
  Result<bool> supports_snapshot_reads();
  // Creating a collection inside a multi-document transaction needs 4.4.
  Result<bool> supports_create_in_transaction();
  // The server's version for messages: buildInfo's "version", else the
  // release its wire version stands for ("4.2 (wire version 8)").
  std::string server_version();

 private:
  explicit MongoConn(MongoUrl url) : url_(std::move(url)) {}
  // Reads hello once: the topology and the wire version.
  Status describe();

  MongoUrl url_;
  mongoc_client_t* client_ = nullptr;
  mongoc_database_t* db_ = nullptr;
  bool described_ = false;
  bool transactions_ = false;
  int32_t wire_ = 0;
};

struct CollectionDeleter {
  void operator()(mongoc_collection_t* c) const { mongoc_collection_destroy(c); }
};
using CollectionHandle = std::unique_ptr<mongoc_collection_t, CollectionDeleter>;

}  // namespace dbsync
