// Which MongoDB collections sync and with which key (docs/stores/mongodb.md
// §3): every collection of the database (views and system.* collections
// are not data), keyed by dbsync.toml's `key`, else by the fields of a
// unique index named "dbsync_key" (what create_mongo_collection makes for a
// snapshot keyed by other fields than `_id`), else by `_id`.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "store/mongo/mongo_conn.h"
#include "store/store.h"

namespace dbsync {

inline constexpr const char* kKeyIndexName = "dbsync_key";

// `opts` carries the session (may be null).
Result<Catalog> read_mongo_catalog(MongoConn& conn, const Config& config, const bson_t* opts);

// Whether the collection exists.
Result<bool> mongo_collection_exists(MongoConn& conn, const std::string& name, const bson_t* opts);

// Creates the collection (with the options schema.json records under
// "mongodb"."options", of the kinds that are safe to take from a remote
// snapshot) and, for a key other than _id, the unique "dbsync_key" index.
Status create_mongo_collection(MongoConn& conn, const CollectionInfo& info, const bson_t* opts);

// kBadInput unless every key field can be used in a filter: not empty, no
// '.', not starting with '$', no NUL.
Status check_key_fields(const CollectionInfo& info);

}  // namespace dbsync
