// The Store interface (DESIGN §5): what dbsync needs from a database, and
// nothing about snapshots, merging or git. A store lists its collections with
// their keys, streams records, reads records by key, and applies a batch of
// changes inside one transaction.
//
// Records cross this interface as canonical JSON text (json/canonical.h)
// plus their key encoding (snapshot/key.h), so a store can write documents
// straight from its rows without building json::Values, and the caller can
// hash and compare them byte for byte.
//
// Identifiers (collection and field names) reaching a store may come from a
// remote snapshot and are untrusted: a store quotes every identifier and
// never splices one into a statement unescaped.
//
// Threading: a Store and its transactions are used from one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "json/value.h"
#include "snapshot/schema.h"
#include "util/error.h"

namespace dbsync {

// One collection as the store holds it. `schema.key` is the effective key
// (dbsync.toml's `key`, else the store's primary key); `schema.detail` is
// what schema.json records, enough to create the collection on an empty
// replica.
struct CollectionInfo {
  std::string name;
  CollectionSchema schema;
  const std::vector<std::string>& key() const { return schema.key; }
};

// A collection the store will not sync, and why (e.g. no primary key).
struct SkippedCollection {
  std::string name;
  std::string reason;
};

struct Catalog {
  std::vector<CollectionInfo> collections;  // sorted by name
  std::vector<SkippedCollection> skipped;
  const CollectionInfo* find(std::string_view name) const;
};

// A record's key: its encoding (canonical JSON array) and the parsed values.
struct KeyRef {
  std::string encoding;
  json::Array values;
};

// Parses a key encoding back into values. kBadInput if it is not a JSON array
// of `arity` values.
Result<KeyRef> parse_key(std::string_view encoding, size_t arity);

// One change to apply. `doc` is required for inserts and updates, unless
// the store takes canonical text (StoreTxn::applies_canonical_text): then
// the caller may pass only `doc_text` and leave `doc` null, and may leave
// `key.values` empty for inserts (`key.encoding` is always set).
struct Change {
  enum class Op { kInsert, kUpdate, kDelete };
  Op op = Op::kInsert;
  KeyRef key;
  const json::Value* doc = nullptr;
  std::string_view doc_text;  // the canonical JSON of the document, when the caller has it
};

// Receives one record: its key encoding and canonical document.
using RecordSink = std::function<Status(std::string_view key, std::string_view doc)>;
// Receives the record found for keys[index] (keys not found are not reported).
using LookupSink = std::function<Status(size_t index, std::string_view doc)>;

enum class TxnMode { kRead, kWrite };

// A transaction. Reads see one consistent state of the whole database. A
// write transaction holds the store's write lock from begin() on, so nothing
// else changes the data between what it reads and what it writes. Destroying
// an uncommitted transaction rolls it back.
class StoreTxn {
 public:
  virtual ~StoreTxn() = default;

  // The collections this store would sync, keys resolved against `config`.
  virtual Result<Catalog> catalog(const Config& config) = 0;

  // Streams every record of a collection, in no particular order.
  virtual Status scan(const CollectionInfo& info, const RecordSink& sink) = 0;

  // Reads the records with the given keys.
  virtual Status lookup(const CollectionInfo& info, const std::vector<KeyRef>& keys,
                        const LookupSink& sink) = 0;

  // The canonical document the store would hold after writing `doc`: stores
  // normalise some values (SQL has no nested values or booleans, a column's
  // type converts numbers, a missing column reads back as null). Used to
  // tell such a normalisation from a failed write when verifying an import.
  virtual Result<std::string> preview(const CollectionInfo& info, const json::Value& doc) = 0;

  // Write transactions only. Creates a collection from its schema.json and
  // the fields its records use; a no-op when it exists.
  virtual Status create_collection(const CollectionInfo& info, const std::vector<std::string>& fields) = 0;

  // Applies changes in order. Fails without partial effect visible after
  // rollback; the caller rolls back by destroying the transaction.
  virtual Status apply(const CollectionInfo& info, const std::vector<Change>& changes) = 0;

  // Whether apply() takes inserts and updates that carry only
  // Change::doc_text (checked canonical JSON of an object), so the caller
  // need not build a json::Value per record. Stores that do not override
  // this get `doc` as before.
  virtual bool applies_canonical_text() const { return false; }

  // Whether the collection holds no record. The default stops a scan at the
  // first record; a store may answer more cheaply.
  virtual Result<bool> empty(const CollectionInfo& info) {
    bool found = false;
    auto st = scan(info, [&](std::string_view, std::string_view) -> Status {
      found = true;
      return std::unexpected(Error(ErrorCode::kInternal, "stop"));
    });
    if (!st && !found) return std::unexpected(st.error());
    return !found;
  }

  // Warnings collected so far (e.g. a schema default that was not recreated).
  virtual std::vector<std::string> take_warnings() = 0;

  virtual Status commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // The URL with any password removed: safe for logs, reports and errors.
  virtual std::string display_url() const = 0;
  // Checks that the database can be reached and read (dbsync doctor).
  virtual Status check() = 0;
  virtual Result<std::unique_ptr<StoreTxn>> begin(TxnMode mode) = 0;
};

}  // namespace dbsync
