#include "store/mongo/mongo_txn.h"

#include <map>
#include <optional>
#include <unordered_map>

#include "json/canonical.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "store/mongo/bson_json.h"
#include "store/mongo/mongo_catalog.h"
#include "store/mongo/mongo_undo.h"

namespace dbsync {
namespace {

constexpr size_t kLookupBatch = 1000;

struct CursorDeleter {
  void operator()(mongoc_cursor_t* c) const { mongoc_cursor_destroy(c); }
};
using Cursor = std::unique_ptr<mongoc_cursor_t, CursorDeleter>;
struct BulkDeleter {
  void operator()(mongoc_bulk_operation_t* b) const { mongoc_bulk_operation_destroy(b); }
};
using Bulk = std::unique_ptr<mongoc_bulk_operation_t, BulkDeleter>;

Error at_key(Error e, const std::string& coll, std::string_view key) {
  return std::move(e).context("collection '" + coll + "' key " + std::string(key.substr(0, 200)));
}

// {field: value, …} for a record's key.
Result<BsonDoc> key_filter(const CollectionInfo& info, const json::Array& values) {
  auto arr = values_to_bson_array(values);
  if (!arr) return std::unexpected(arr.error());
  BsonDoc f = new_bson();
  bson_iter_t it;
  bson_iter_init(&it, arr->get());
  for (const auto& field : info.key()) {
    if (!bson_iter_next(&it)) return fail(ErrorCode::kInternal, "key arity");
    bson_append_iter(f.get(), field.c_str(), static_cast<int>(field.size()), &it);
  }
  return f;
}

// A collection keyed by other fields than _id still needs an _id in every
// document. One the snapshot does not give is derived from the key: the key
// encoding as a string (["t1","2026-01-15"]). Scans leave out an _id that
// equals it, so a snapshot document without _id round-trips exactly, the same
// on every replica; any other _id (an application's ObjectId) is data.
bool derives_id(const CollectionInfo& info) { return !(info.key().size() == 1 && info.key()[0] == "_id"); }

// `doc` with `id` prepended as its _id (the server keeps _id first).
BsonDoc with_id(const bson_t& doc, const bson_value_t& id) {
  BsonDoc out = new_bson();
  bson_append_value(out.get(), "_id", 3, &id);
  bson_concat(out.get(), &doc);
  return out;
}

BsonDoc with_string_id(const bson_t& doc, const std::string& id) {
  bson_value_t v;
  v.value_type = BSON_TYPE_UTF8;
  v.value.v_utf8.str = const_cast<char*>(id.c_str());
  v.value.v_utf8.len = static_cast<uint32_t>(id.size());
  return with_id(doc, v);
}

int64_t reply_count(const bson_t& reply, const char* name) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, &reply, name) && BSON_ITER_HOLDS_NUMBER(&it)) return bson_iter_as_int64(&it);
  return 0;
}

class MongoTxn : public StoreTxn {
 public:
  MongoTxn(MongoConn& conn, TxnMode mode, std::filesystem::path undo_file)
      : conn_(conn), mode_(mode), undo_(std::move(undo_file)) {}

  ~MongoTxn() override {
    if (done_) {
      if (session_) mongoc_client_session_destroy(session_);
      return;
    }
    if (session_) {
      if (mongoc_client_session_in_transaction(session_)) {
        bson_error_t err;
        mongoc_client_session_abort_transaction(session_, &err);
      }
      mongoc_client_session_destroy(session_);
    }
    // A failed undo leaves its file behind; the next open retries it.
    if (!undo_.empty()) (void)undo_.undo(conn_);
  }

  Status start() {
    auto txn = conn_.supports_transactions();
    if (!txn) return std::unexpected(txn.error());
    if (!*txn) {
      done_ = mode_ == TxnMode::kRead;
      return {};
    }
    if (mode_ == TxnMode::kRead) {
      // Before 5.0 a replica set has no snapshot reads: collections are
      // read one after another, as on a standalone server (docs §4).
      auto snapshot = conn_.supports_snapshot_reads();
      if (!snapshot) return std::unexpected(snapshot.error());
      if (!*snapshot) {
        done_ = true;
        return {};
      }
    }
    bson_error_t err;
    mongoc_session_opt_t* sopts = mongoc_session_opts_new();
    if (mode_ == TxnMode::kRead) mongoc_session_opts_set_snapshot(sopts, true);
    session_ = mongoc_client_start_session(conn_.client(), sopts, &err);
    mongoc_session_opts_destroy(sopts);
    if (!session_) return std::unexpected(conn_.error(err, "cannot start a MongoDB session"));
    if (mode_ == TxnMode::kWrite) {
      mongoc_transaction_opt_t* topts = mongoc_transaction_opts_new();
      mongoc_read_concern_t* rc = mongoc_read_concern_new();
      mongoc_read_concern_set_level(rc, MONGOC_READ_CONCERN_LEVEL_SNAPSHOT);
      mongoc_transaction_opts_set_read_concern(topts, rc);
      mongoc_write_concern_t* wc = mongoc_write_concern_new();
      mongoc_write_concern_set_wmajority(wc, 0);
      mongoc_transaction_opts_set_write_concern(topts, wc);
      bool ok = mongoc_client_session_start_transaction(session_, topts, &err);
      mongoc_write_concern_destroy(wc);
      mongoc_read_concern_destroy(rc);
      mongoc_transaction_opts_destroy(topts);
      if (!ok) return std::unexpected(conn_.error(err, "cannot start a MongoDB transaction"));
    }
    return {};
  }

  Result<Catalog> catalog(const Config& config) override {
    BsonDoc o = opts();
    return read_mongo_catalog(conn_, config, o.get());
  }

  Status scan(const CollectionInfo& info, const RecordSink& sink) override {
    CollectionHandle coll(conn_.collection(info.name));
    BsonDoc filter = new_bson();
    BsonDoc o = opts();
    Cursor cursor(mongoc_collection_find_with_opts(coll.get(), filter.get(), o.get(), nullptr));
    const bson_t* doc;
    std::string text, key;
    while (mongoc_cursor_next(cursor.get(), &doc)) {
      if (auto st = encode(info, *doc, text, key); !st) return st;
      if (auto st = sink(key, text); !st) return st;
    }
    bson_error_t err;
    if (mongoc_cursor_error(cursor.get(), &err))
      return std::unexpected(conn_.error(err, "cannot read collection '" + info.name + "'"));
    return {};
  }

  Status lookup(const CollectionInfo& info, const std::vector<KeyRef>& keys,
                const LookupSink& sink) override {
    if (auto st = check_key_fields(info); !st) return st;
    CollectionHandle coll(conn_.collection(info.name));
    auto& known = known_[info.name];
    for (size_t start = 0; start < keys.size(); start += kLookupBatch) {
      size_t end = std::min(keys.size(), start + kLookupBatch);
      std::unordered_map<std::string, size_t> wanted;
      for (size_t i = start; i < end; ++i) wanted.emplace(keys[i].encoding, i);
      auto q = lookup_filter(info, keys, start, end);
      if (!q) return std::unexpected(q.error());
      BsonDoc o = opts();
      Cursor cursor(mongoc_collection_find_with_opts(coll.get(), q->get(), o.get(), nullptr));
      const bson_t* doc;
      std::string text, key;
      std::vector<bool> seen(end - start, false);
      while (mongoc_cursor_next(cursor.get(), &doc)) {
        if (auto st = encode(info, *doc, text, key); !st) return st;
        auto w = wanted.find(key);
        // A numerically equal key of another type ($in matches 1 and 1.0).
        if (w == wanted.end()) continue;
        if (seen[w->second - start]) {
          return fail(ErrorCode::kBadInput,
                      "collection '" + info.name + "' has more than one document with key " + key,
                      "a `key` in dbsync.toml must be unique; create a unique index on its fields");
        }
        seen[w->second - start] = true;
        if (mode_ == TxnMode::kWrite) known[key] = copy_bson(*doc);
        if (auto st = sink(w->second, text); !st) return st;
      }
      bson_error_t err;
      if (mongoc_cursor_error(cursor.get(), &err))
        return std::unexpected(conn_.error(err, "cannot read collection '" + info.name + "'"));
      if (mode_ == TxnMode::kWrite) {
        for (size_t i = start; i < end; ++i) {
          if (!seen[i - start]) known[keys[i].encoding] = std::nullopt;
        }
      }
    }
    return {};
  }

  Result<std::string> preview(const CollectionInfo& info, const json::Value& doc) override {
    auto b = value_to_bson(doc);
    if (!b) return std::unexpected(std::move(b.error()).context("collection '" + info.name + "'"));
    std::string text, key;
    if (auto st = encode(info, **b, text, key); !st) return std::unexpected(st.error());
    return text;
  }

  Status create_collection(const CollectionInfo& info, const std::vector<std::string>&) override {
    if (auto st = check_collection_name(info.name); !st) return st;
    if (mode_ != TxnMode::kWrite)
      return fail(ErrorCode::kInternal, "create_collection in a read transaction");
    BsonDoc o = opts();
    auto exists = mongo_collection_exists(conn_, info.name, o.get());
    if (!exists) return std::unexpected(exists.error());
    if (*exists) return {};
    if (session_) {
      auto can = conn_.supports_create_in_transaction();
      if (!can) return std::unexpected(can.error());
      if (!*can) {
        // Created outside the transaction it would outlive a rolled-back
        // import; refused before anything is written instead.
        return fail(ErrorCode::kUnavailable,
                    "cannot create collection '" + info.name + "' inside a transaction: MongoDB at '" +
                        conn_.url().display + "' is version " + conn_.server_version() +
                        ", and creating a collection in a transaction needs MongoDB 4.4 or later; "
                        "nothing was written",
                    "create it first (db.createCollection(\"" + info.name +
                        "\") in mongosh) and run the import again, or upgrade the server to 4.4+");
      }
    }
    return create_mongo_collection(conn_, info, o.get());
  }

  Status apply(const CollectionInfo& info, const std::vector<Change>& changes) override {
    if (mode_ != TxnMode::kWrite) return fail(ErrorCode::kInternal, "apply in a read transaction");
    if (changes.empty()) return {};
    if (auto st = check_key_fields(info); !st) return st;
    auto& known = known_[info.name];
    // Before-images for updates and deletes of keys this transaction has not
    // read yet. An insert needs none: it fails if the key exists.
    std::vector<KeyRef> unread;
    for (const Change& c : changes) {
      if (c.op != Change::Op::kInsert && !known.count(c.key.encoding)) unread.push_back(c.key);
    }
    if (!unread.empty()) {
      if (auto st = lookup(info, unread, [](size_t, std::string_view) -> Status { return {}; }); !st)
        return st;
    }
    CollectionHandle coll(conn_.collection(info.name));
    BsonDoc o = opts();
    BSON_APPEND_BOOL(o.get(), "ordered", true);
    Bulk bulk(mongoc_collection_create_bulk_operation_with_opts(coll.get(), o.get()));
    std::vector<UndoEntry> entries;
    int64_t inserts = 0, updates = 0, deletes = 0;
    bson_error_t err;
    for (const Change& c : changes) {
      auto filter = key_filter(info, c.key.values);
      if (!filter) return std::unexpected(at_key(filter.error(), info.name, c.key.encoding));
      std::optional<BsonDoc> before;
      auto k = known.find(c.key.encoding);
      if (k != known.end() && k->second) before = copy_bson(**k->second);
      std::optional<BsonDoc> after;
      if (c.op != Change::Op::kDelete) {
        if (c.doc == nullptr || !c.doc->is_object())
          return fail(ErrorCode::kInternal, "an insert or update without a document");
        auto b = value_to_bson(*c.doc);
        if (!b) return std::unexpected(at_key(b.error(), info.name, c.key.encoding));
        after = std::move(*b);
        if (derives_id(info) && !bson_has_field(after->get(), "_id")) {
          bson_iter_t id;
          // A replacement keeps the _id the document has (it is immutable).
          if (c.op == Change::Op::kUpdate && before && bson_iter_init_find(&id, before->get(), "_id"))
            after = with_id(**after, *bson_iter_value(&id));
          else
            after = with_string_id(**after, c.key.encoding);
        }
      }
      bool ok = true;
      if (c.op == Change::Op::kInsert) {
        ok = mongoc_bulk_operation_insert_with_opts(bulk.get(), after->get(), nullptr, &err);
        ++inserts;
      } else {
        if (!before) {
          return std::unexpected(
              at_key(Error(ErrorCode::kConflict, "the document is no longer in the database",
                           "run the import again; it will skip the record"),
                     info.name, c.key.encoding));
        }
        BsonDoc cond = exact_filter(**filter, **before);
        if (c.op == Change::Op::kUpdate) {
          ok = mongoc_bulk_operation_replace_one_with_opts(bulk.get(), cond.get(), after->get(), nullptr,
                                                           &err);
          ++updates;
        } else {
          ok = mongoc_bulk_operation_remove_one_with_opts(bulk.get(), cond.get(), nullptr, &err);
          ++deletes;
        }
      }
      if (!ok)
        return std::unexpected(at_key(conn_.error(err, "cannot queue a write"), info.name, c.key.encoding));
      known[c.key.encoding] = after ? std::optional<BsonDoc>(copy_bson(**after)) : std::nullopt;
      entries.push_back({info.name, std::move(*filter), std::move(before), std::move(after)});
    }
    if (!session_) {
      if (auto st = undo_.record(std::move(entries)); !st) return st;
    }
    bson_t reply;
    bool ok = mongoc_bulk_operation_execute(bulk.get(), &reply, &err) != 0;
    int64_t n_inserted = reply_count(reply, "nInserted"), n_matched = reply_count(reply, "nMatched"),
            n_removed = reply_count(reply, "nRemoved");
    bson_destroy(&reply);
    if (!ok) {
      if (err.code == 11000) {
        return fail(ErrorCode::kConflict,
                    "collection '" + info.name + "': a document to insert already exists in the database (" +
                        scrub(err.message, conn_.url().password) + ")",
                    "the application may have inserted it since the export; run the import again");
      }
      return std::unexpected(conn_.error(err, "cannot write to collection '" + info.name + "'"));
    }
    if (n_inserted != inserts || n_matched != updates || n_removed != deletes) {
      return fail(ErrorCode::kConflict,
                  "collection '" + info.name +
                      "': " + std::to_string(updates + deletes - n_matched - n_removed) +
                      " document(s) changed in the database while importing; nothing was overwritten",
                  "run the import again: it skips records the application changed and reports them");
    }
    return {};
  }

  Result<bool> empty(const CollectionInfo& info) override {
    CollectionHandle coll(conn_.collection(info.name));
    BsonDoc filter = new_bson();
    BsonDoc o = opts();
    BSON_APPEND_INT64(o.get(), "limit", 1);
    Cursor cursor(mongoc_collection_find_with_opts(coll.get(), filter.get(), o.get(), nullptr));
    const bson_t* doc;
    bool found = mongoc_cursor_next(cursor.get(), &doc);
    bson_error_t err;
    if (!found && mongoc_cursor_error(cursor.get(), &err))
      return std::unexpected(conn_.error(err, "cannot read collection '" + info.name + "'"));
    return !found;
  }

  std::vector<std::string> take_warnings() override { return std::exchange(warnings_, {}); }

  Status commit() override {
    if (done_) {
      if (mode_ == TxnMode::kRead) return {};
      return fail(ErrorCode::kInternal, "transaction already finished");
    }
    if (session_ && mongoc_client_session_in_transaction(session_)) {
      bson_error_t err;
      bson_t reply;
      bool ok = mongoc_client_session_commit_transaction(session_, &reply, &err);
      bson_destroy(&reply);
      if (!ok) return std::unexpected(conn_.error(err, "cannot commit the MongoDB transaction"));
    }
    done_ = true;
    return mode_ == TxnMode::kWrite ? undo_.clear() : Status{};
  }

 private:
  // Options every command of this transaction carries: the session.
  BsonDoc opts() {
    BsonDoc o = new_bson();
    if (session_) {
      bson_error_t err;
      mongoc_client_session_append(session_, o.get(), &err);
    }
    return o;
  }

  // {field: {$in: [v…]}} for one key field, {$or: [{f1: v1, f2: v2}, …]} for several.
  static Result<BsonDoc> lookup_filter(const CollectionInfo& info, const std::vector<KeyRef>& keys,
                                       size_t start, size_t end) {
    BsonDoc f = new_bson();
    bson_t in, list;
    bool single = info.key().size() == 1;
    const std::string& field = info.key()[0];
    if (single) {
      bson_append_document_begin(f.get(), field.c_str(), static_cast<int>(field.size()), &in);
      bson_append_array_begin(&in, "$in", 3, &list);
    } else {
      bson_append_array_begin(f.get(), "$or", 3, &list);
    }
    for (size_t i = start; i < end; ++i) {
      std::string idx = std::to_string(i - start);
      if (single) {
        auto arr = values_to_bson_array(keys[i].values);
        if (!arr) return std::unexpected(at_key(arr.error(), info.name, keys[i].encoding));
        bson_iter_t it;
        bson_iter_init(&it, arr->get());
        bson_iter_next(&it);
        bson_append_iter(&list, idx.c_str(), static_cast<int>(idx.size()), &it);
      } else {
        auto kf = key_filter(info, keys[i].values);
        if (!kf) return std::unexpected(at_key(kf.error(), info.name, keys[i].encoding));
        bson_append_document(&list, idx.c_str(), static_cast<int>(idx.size()), kf->get());
      }
    }
    if (single) {
      bson_append_array_end(&in, &list);
      bson_append_document_end(f.get(), &in);
    } else {
      bson_append_array_end(f.get(), &list);
    }
    return f;
  }

  Status encode(const CollectionInfo& info, const bson_t& doc, std::string& text, std::string& key) {
    auto v = bson_to_value(doc, ExtJsonMode::kDbsync);
    if (!v) return std::unexpected(std::move(v.error()).context("collection '" + info.name + "'"));
    auto k = key_encoding(*v, info.key());
    if (!k) return std::unexpected(std::move(k.error()).context("collection '" + info.name + "'"));
    key = std::move(*k);
    if (derives_id(info)) {
      const json::Value* id = v->find("_id");
      if (id && id->is_string() && id->as_string() == key) v->erase("_id");
    }
    text = json::to_canonical(*v);
    return {};
  }

  MongoConn& conn_;
  TxnMode mode_;
  UndoLog undo_;
  mongoc_client_session_t* session_ = nullptr;
  bool done_ = false;
  // What this transaction last read or wrote per key: the before-image of
  // its next write (absent: no document).
  std::map<std::string, std::unordered_map<std::string, std::optional<BsonDoc>>> known_;
  std::vector<std::string> warnings_;
};

}  // namespace

Result<std::unique_ptr<StoreTxn>> begin_mongo_txn(MongoConn& conn, TxnMode mode,
                                                  const std::filesystem::path& undo_file) {
  auto txn = std::make_unique<MongoTxn>(conn, mode, undo_file);
  if (auto st = txn->start(); !st) return std::unexpected(st.error());
  return std::unique_ptr<StoreTxn>(std::move(txn));
}

}  // namespace dbsync
