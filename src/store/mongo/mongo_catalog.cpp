#include "store/mongo/mongo_catalog.h"

#include <algorithm>

#include "snapshot/layout.h"
#include "store/mongo/bson_json.h"

namespace dbsync {
namespace {

struct CursorDeleter {
  void operator()(mongoc_cursor_t* c) const { mongoc_cursor_destroy(c); }
};
using Cursor = std::unique_ptr<mongoc_cursor_t, CursorDeleter>;

// The key fields of the "dbsync_key" index, or empty.
Result<std::vector<std::string>> key_index_fields(MongoConn& conn, const std::string& name,
                                                  const bson_t* opts) {
  CollectionHandle coll(conn.collection(name));
  Cursor cursor(mongoc_collection_find_indexes_with_opts(coll.get(), opts));
  const bson_t* doc;
  std::vector<std::string> fields;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    bson_iter_t it, key;
    if (!bson_iter_init_find(&it, doc, "name") || !BSON_ITER_HOLDS_UTF8(&it) ||
        std::string_view(bson_iter_utf8(&it, nullptr)) != kKeyIndexName)
      continue;
    if (bson_iter_init_find(&it, doc, "key") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
        bson_iter_recurse(&it, &key)) {
      while (bson_iter_next(&key)) fields.emplace_back(bson_iter_key(&key));
    }
  }
  bson_error_t err;
  if (mongoc_cursor_error(cursor.get(), &err))
    return std::unexpected(conn.error(err, "cannot list the indexes of collection '" + name + "'"));
  return fields;
}

template <typename Each>
Status list_collections(MongoConn& conn, const bson_t* filter, const bson_t* session_opts, Each&& each) {
  BsonDoc opts = session_opts ? copy_bson(*session_opts) : new_bson();
  bson_append_document(opts.get(), "filter", 6, filter);
  Cursor cursor(mongoc_database_find_collections_with_opts(conn.db(), opts.get()));
  const bson_t* doc;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    if (auto st = each(*doc); !st) return st;
  }
  bson_error_t err;
  if (mongoc_cursor_error(cursor.get(), &err))
    return std::unexpected(
        conn.error(err, "cannot list the collections of database '" + conn.url().database + "'"));
  return {};
}

}  // namespace

Status check_key_fields(const CollectionInfo& info) {
  for (const auto& f : info.key()) {
    if (f.empty() || f[0] == '$' || f.find('.') != std::string::npos || f.find('\0') != std::string::npos) {
      return fail(ErrorCode::kBadInput,
                  "collection '" + info.name + "': key field '" + f + "' cannot be used as a MongoDB key",
                  "a key field must not be empty, contain '.' or start with '$'");
    }
  }
  return {};
}

Result<Catalog> read_mongo_catalog(MongoConn& conn, const Config& config, const bson_t* opts) {
  Catalog out;
  BsonDoc filter = new_bson();
  BSON_APPEND_UTF8(filter.get(), "type", "collection");
  auto st = list_collections(conn, filter.get(), opts, [&](const bson_t& doc) -> Status {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, &doc, "name") || !BSON_ITER_HOLDS_UTF8(&it)) return {};
    std::string name = bson_iter_utf8(&it, nullptr);
    if (name.rfind("system.", 0) == 0) return {};
    if (!is_plain_collection_name(name)) {
      out.skipped.push_back({name,
                             "the name is not a plain collection name (1-128 of [A-Za-z0-9_.-], not starting "
                             "with '.' or '-')"});
      return {};
    }
    CollectionInfo info;
    info.name = name;
    info.schema.key = config.collection(name).key;
    if (info.schema.key.empty()) {
      auto fields = key_index_fields(conn, name, opts);
      if (!fields) return std::unexpected(fields.error());
      info.schema.key = fields->empty() ? std::vector<std::string>{"_id"} : *fields;
    }
    json::Array key;
    for (const auto& k : info.schema.key) key.emplace_back(k);
    std::vector<json::Member> detail{{"key", json::Value(std::move(key))}};
    bson_iter_t o;
    if (bson_iter_init_find(&o, &doc, "options") && BSON_ITER_HOLDS_DOCUMENT(&o)) {
      uint32_t len;
      const uint8_t* data;
      bson_iter_document(&o, &len, &data);
      bson_t options;
      if (len > 5 && bson_init_static(&options, data, len)) {
        auto v = bson_to_value(options, ExtJsonMode::kDbsync);
        if (v && !v->as_object().empty())
          detail.emplace_back("mongodb", json::make_object({{"options", std::move(*v)}}));
      }
    }
    info.schema.detail = json::make_object(std::move(detail));
    out.collections.push_back(std::move(info));
    return {};
  });
  if (!st) return std::unexpected(st.error());
  std::sort(out.collections.begin(), out.collections.end(),
            [](const CollectionInfo& a, const CollectionInfo& b) { return a.name < b.name; });
  return out;
}

Result<bool> mongo_collection_exists(MongoConn& conn, const std::string& name, const bson_t* opts) {
  BsonDoc filter = new_bson();
  BSON_APPEND_UTF8(filter.get(), "name", name.c_str());
  bool found = false;
  auto st = list_collections(conn, filter.get(), opts, [&](const bson_t&) -> Status {
    found = true;
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return found;
}

Status create_mongo_collection(MongoConn& conn, const CollectionInfo& info, const bson_t* opts) {
  if (auto st = check_collection_name(info.name); !st) return st;
  if (auto st = check_key_fields(info); !st) return st;
  BsonDoc cmd = new_bson();
  BSON_APPEND_UTF8(cmd.get(), "create", info.name.c_str());
  const json::Value* mongo = info.schema.detail.find("mongodb");
  const json::Value* options = mongo ? mongo->find("options") : nullptr;
  if (options && options->is_object()) {
    // Options that shape the data; anything else in a remote snapshot is ignored.
    static const char* const kSafe[] = {
        "capped", "size", "max", "collation", "validator", "validationLevel", "validationAction"};
    std::vector<json::Member> kept;
    for (const auto& [k, v] : options->as_object()) {
      if (std::find_if(std::begin(kSafe), std::end(kSafe), [&](const char* s) { return k == s; }) !=
          std::end(kSafe))
        kept.emplace_back(k, v);
    }
    auto b = value_to_bson(json::make_object(std::move(kept)));
    if (!b) return std::unexpected(std::move(b.error()).context("collection '" + info.name + "' options"));
    bson_concat(cmd.get(), b->get());
  }
  if (auto st = conn.command(*cmd, "cannot create collection '" + info.name + "'", nullptr, opts); !st)
    return st;
  if (info.key() == std::vector<std::string>{"_id"}) return {};
  BsonDoc idx = new_bson();
  bson_t indexes, index, keys;
  BSON_APPEND_UTF8(idx.get(), "createIndexes", info.name.c_str());
  BSON_APPEND_ARRAY_BEGIN(idx.get(), "indexes", &indexes);
  BSON_APPEND_DOCUMENT_BEGIN(&indexes, "0", &index);
  BSON_APPEND_DOCUMENT_BEGIN(&index, "key", &keys);
  for (const auto& f : info.key()) bson_append_int32(&keys, f.c_str(), static_cast<int>(f.size()), 1);
  bson_append_document_end(&index, &keys);
  BSON_APPEND_UTF8(&index, "name", kKeyIndexName);
  BSON_APPEND_BOOL(&index, "unique", true);
  bson_append_document_end(&indexes, &index);
  bson_append_array_end(idx.get(), &indexes);
  return conn.command(*idx, "cannot create the key index of collection '" + info.name + "'", nullptr, opts);
}

}  // namespace dbsync
