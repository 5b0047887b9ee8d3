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

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
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
// `Change{op, key, &doc}` builds one from a parsed document, `Change{op,
// key}` a delete.
struct Change {
  enum class Op { kInsert, kUpdate, kDelete };
  Change() = default;
  Change(Op op_in, KeyRef key_in, const json::Value* doc_in = nullptr, std::string_view doc_text_in = {})
      : op(op_in), key(std::move(key_in)), doc(doc_in), doc_text(doc_text_in) {}
  Op op = Op::kInsert;
  KeyRef key;
  const json::Value* doc = nullptr;
  std::string_view doc_text;  // the canonical JSON of the document, when the caller has it
};

// Receives one record: its key encoding and canonical document.
using RecordSink = std::function<Status(std::string_view key, std::string_view doc)>;
// Receives the record found for keys[index] (keys not found are not reported).
using LookupSink = std::function<Status(size_t index, std::string_view doc)>;

// Receives a record a change log names: its key encoding and canonical
// document, or nullptr when the database no longer holds it.
using ChangeSink = std::function<Status(std::string_view key, const std::string* doc)>;

// A store's log of the records the application changed (StoreTxn change
// tracking below).
struct ChangeLog {
  std::string token;              // the state the log is complete since; empty: none
  int64_t upto = 0;               // the last entry read
  std::set<std::string> tracked;  // collections whose every change since `token` is logged
  bool tracks(const std::string& collection) const { return !token.empty() && tracked.count(collection) > 0; }
};

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

  // --- Change tracking (DESIGN §9; docs/STORES.md). Optional: the defaults
  // say the store tracks nothing, and export then reads every record. ---

  // Whether tracking is set up as `on` asks for the catalog's collections
  // (true: nothing to do). Any transaction.
  virtual Result<bool> change_tracking_ready(const Catalog& catalog, bool on) {
    (void)catalog;
    (void)on;
    return true;
  }
  // Write transactions only. Installs tracking (`on`) for the catalog's
  // collections where it is missing or outdated, or removes all of it. A
  // collection whose tracking is (re)installed is not tracked until the
  // next change_log_reset().
  virtual Status set_change_tracking(const Catalog& catalog, bool on) {
    (void)catalog;
    (void)on;
    return {};
  }
  // The log as this transaction sees it: `token` names the state it is
  // complete since (empty: no usable log), `tracked` the collections whose
  // every change since then is in it, `upto` its last entry.
  virtual Result<ChangeLog> read_change_log(const Catalog& catalog) {
    (void)catalog;
    return ChangeLog{};
  }
  // Streams the records the log names for a tracked collection (entries up
  // to log.upto): the key, and the document or nullptr when the record is
  // gone. A key may be reported although the record did not change.
  virtual Status changed_records(const CollectionInfo& info, const ChangeLog& log, const ChangeSink& sink) {
    (void)info;
    (void)log;
    (void)sink;
    return fail(ErrorCode::kInternal, "this store keeps no change log");
  }
  // Write transactions only. After an export that read the log up to
  // `upto` and whose new matched state is named `token`: forgets those
  // entries and makes the log complete since `token` for every collection
  // tracked now.
  virtual Status change_log_reset(int64_t upto, const std::string& token) {
    (void)upto;
    (void)token;
    return {};
  }
  // Write transactions only (an import). The log's last entry before this
  // transaction wrote anything: call first.
  virtual Result<int64_t> change_log_mark() { return int64_t{0}; }
  // Before committing an import: forgets the entries this transaction's own
  // writes made (after `mark`) and, when the log was complete since
  // `expect`, makes it complete since `token` (the import's new matched
  // state); returns whether it did.
  virtual Result<bool> change_log_after_import(int64_t mark, const std::string& expect,
                                               const std::string& token) {
    (void)mark;
    (void)expect;
    (void)token;
    return false;
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
