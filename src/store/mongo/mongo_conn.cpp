#include "store/mongo/mongo_conn.h"

#include "store/mongo/mongo_init.h"

namespace dbsync {

Result<std::unique_ptr<MongoConn>> MongoConn::open(const MongoUrl& url) {
  init_mongoc();
  std::unique_ptr<MongoConn> conn(new MongoConn(url));
  bson_error_t err;
  mongoc_uri_t* uri = mongoc_uri_new_with_error(url.url.c_str(), &err);
  if (uri == nullptr) return fail(ErrorCode::kUsage, "cannot read MongoDB URL '" + url.display + "'");
  conn->client_ = mongoc_client_new_from_uri_with_error(uri, &err);
  mongoc_uri_destroy(uri);
  if (conn->client_ == nullptr) return std::unexpected(conn->error(err, "cannot open a MongoDB client"));
  mongoc_client_set_error_api(conn->client_, MONGOC_ERROR_API_VERSION_2);
  mongoc_client_set_appname(conn->client_, "dbsync");
  conn->db_ = mongoc_client_get_database(conn->client_, url.database.c_str());
  return conn;
}

MongoConn::~MongoConn() {
  if (db_) mongoc_database_destroy(db_);
  if (client_) mongoc_client_destroy(client_);
}

mongoc_collection_t* MongoConn::collection(const std::string& name) const {
  return mongoc_client_get_collection(client_, url_.database.c_str(), name.c_str());
}

Error MongoConn::error(const bson_error_t& err, const std::string& doing) const {
  std::string why = scrub(err.message, url_.password);
  std::string where = "MongoDB at '" + url_.display + "'";
  bool auth = (err.domain == MONGOC_ERROR_CLIENT && err.code == MONGOC_ERROR_CLIENT_AUTHENTICATE) ||
              err.code == 18 /* AuthenticationFailed */ ||
              why.find("uthentication failed") != std::string::npos;
  if (auth) {
    return Error(
        ErrorCode::kUnavailable, doing + ": authentication failed for " + where,
        "check the user name, password and authSource in the database URL (the password is not shown)");
  }
  if (err.domain == MONGOC_ERROR_SERVER_SELECTION || err.domain == MONGOC_ERROR_STREAM ||
      err.code == MONGOC_ERROR_STREAM_SOCKET || err.code == MONGOC_ERROR_STREAM_CONNECT ||
      err.code == MONGOC_ERROR_SERVER_SELECTION_FAILURE) {
    return Error(ErrorCode::kUnavailable, doing + ": cannot reach " + where + ": " + why,
                 "check that the server is running and the host and port in the URL");
  }
  if (err.code == 13 /* Unauthorized */) {
    return Error(ErrorCode::kUnavailable, doing + ": not authorized on " + where + ": " + why,
                 "grant the user read (export) or readWrite (import) on the database");
  }
  return Error(ErrorCode::kUnavailable, doing + ": " + where + ": " + why);
}

Status MongoConn::command(const bson_t& cmd, const std::string& doing, bson_t* reply, const bson_t* opts) {
  bson_t local;
  bson_t* out = reply ? reply : &local;
  bson_error_t err;
  bool ok = mongoc_database_command_with_opts(db_, &cmd, nullptr, opts, out, &err);
  if (!reply) bson_destroy(&local);
  if (!ok) return std::unexpected(error(err, doing));
  return {};
}

namespace {

// The wire versions of the releases dbsync's checks name.
constexpr int32_t kWire44 = 9, kWire50 = 13;

const char* release_of_wire(int32_t wire) {
  switch (wire) {
    case 6: return "3.6";
    case 7: return "4.0";
    case 8: return "4.2";
    case 9: return "4.4";
    case 10:
    case 11:
    case 12: return "4.9";
    case 13: return "5.0";
    default: return wire < 6 ? "older than 3.6" : "5.0 or later";
  }
}

}  // namespace

Status MongoConn::describe() {
  if (described_) return {};
  bson_error_t err;
  mongoc_server_description_t* sd = mongoc_client_select_server(client_, true, nullptr, &err);
  if (sd == nullptr) return std::unexpected(error(err, "cannot connect"));
  std::string type = mongoc_server_description_type(sd);
  const bson_t* hello = mongoc_server_description_hello_response(sd);
  bool sessions = false;
  bson_iter_t it;
  if (bson_iter_init_find(&it, hello, "maxWireVersion") && BSON_ITER_HOLDS_NUMBER(&it))
    wire_ = static_cast<int32_t>(bson_iter_as_int64(&it));
  if (bson_iter_init_find(&it, hello, "logicalSessionTimeoutMinutes") && !BSON_ITER_HOLDS_NULL(&it))
    sessions = true;
  mongoc_server_description_destroy(sd);
  transactions_ = sessions && ((type == "RSPrimary" && wire_ >= 7) || (type == "Mongos" && wire_ >= 8));
  described_ = true;
  return {};
}

Result<bool> MongoConn::supports_transactions() {
  if (auto st = describe(); !st) return std::unexpected(st.error());
  return transactions_;
}

Result<bool> MongoConn::supports_snapshot_reads() {
  if (auto st = describe(); !st) return std::unexpected(st.error());
  return wire_ >= kWire50;
}

Result<bool> MongoConn::supports_create_in_transaction() {
  if (auto st = describe(); !st) return std::unexpected(st.error());
  return wire_ >= kWire44;
}

std::string MongoConn::server_version() {
  std::string wire = "(wire version " + std::to_string(wire_) + ")";
  BsonDoc cmd = new_bson();
  BSON_APPEND_INT32(cmd.get(), "buildInfo", 1);
  bson_t reply;
  bson_error_t err;
  bool ok = mongoc_client_command_simple(client_, "admin", cmd.get(), nullptr, &reply, &err);
  std::string version;
  bson_iter_t it;
  if (ok && bson_iter_init_find(&it, &reply, "version") && BSON_ITER_HOLDS_UTF8(&it))
    version = bson_iter_utf8(&it, nullptr);
  bson_destroy(&reply);
  return (version.empty() ? std::string(release_of_wire(wire_)) : version) + " " + wire;
}

}  // namespace dbsync
