// The undo log of a MongoDB write transaction on a server without
// multi-document transactions (a standalone mongod). Before a batch of
// writes is sent, the before-image and the after-image of every document it
// touches are appended to a file (fsync'd); destroying the transaction
// uncommitted, or finding the file when the store is next opened (dbsync
// was killed part-way), writes the before-images back in reverse order.
// Every undo step is conditional: a document is only restored while it still
// holds exactly what dbsync wrote, so an application write that came after
// is never overwritten. Documents are kept as libbson's canonical Extended
// JSON, which keeps field order, so the after-image compares equal to what
// the server stores. Not thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/mongo/bson_doc.h"
#include "store/mongo/mongo_conn.h"

namespace dbsync {

struct UndoEntry {
  std::string collection;
  BsonDoc key_filter;             // {field: value, …} selecting the document
  std::optional<BsonDoc> before;  // absent: the document did not exist
  std::optional<BsonDoc> after;   // absent: the change deleted it
};

class UndoLog {
 public:
  // `file` empty: entries are kept in memory only (no crash recovery).
  explicit UndoLog(std::filesystem::path file) : file_(std::move(file)) {}
  ~UndoLog();
  UndoLog(const UndoLog&) = delete;
  UndoLog& operator=(const UndoLog&) = delete;

  // Appends entries (and fsyncs the file) before their writes are sent.
  Status record(std::vector<UndoEntry> entries);
  // Undoes every recorded entry, newest first; clears the log on success.
  Status undo(MongoConn& conn);
  // Forgets the entries (the writes committed) and removes the file.
  Status clear();
  bool empty() const { return entries_.empty(); }

  // Rolls back what an interrupted run left in `file`, if anything (not
  // while the transaction that writes it still runs: it holds a lock on
  // the file). Returns whether there was something to roll back.
  static Result<bool> recover(MongoConn& conn, const std::filesystem::path& file);

 private:
  std::filesystem::path file_;
  std::vector<UndoEntry> entries_;
  int fd_ = -1;  // open, and flock'ed, from the first record() on
};

// {key…, $expr: {$eq: ["$$ROOT", {$literal: doc}]}}: matches the document
// only while it is exactly `doc` (every field, types, order).
BsonDoc exact_filter(const bson_t& key_filter, const bson_t& doc);

}  // namespace dbsync
