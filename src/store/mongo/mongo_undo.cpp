#include "store/mongo/mongo_undo.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

namespace dbsync {
namespace fs = std::filesystem;

BsonDoc exact_filter(const bson_t& key_filter, const bson_t& doc) {
  BsonDoc f(bson_copy(&key_filter));
  bson_t expr, eq, lit;
  bson_append_document_begin(f.get(), "$expr", 5, &expr);
  bson_append_array_begin(&expr, "$eq", 3, &eq);
  bson_append_utf8(&eq, "0", 1, "$$ROOT", 6);
  bson_append_document_begin(&eq, "1", 1, &lit);
  bson_append_document(&lit, "$literal", 8, &doc);
  bson_append_document_end(&eq, &lit);
  bson_append_array_end(&expr, &eq);
  bson_append_document_end(f.get(), &expr);
  return f;
}

namespace {

std::string to_line(const UndoEntry& e) {
  BsonDoc d = new_bson();
  bson_append_utf8(d.get(), "c", 1, e.collection.c_str(), static_cast<int>(e.collection.size()));
  bson_append_document(d.get(), "k", 1, e.key_filter.get());
  if (e.before) bson_append_document(d.get(), "b", 1, e.before->get());
  if (e.after) bson_append_document(d.get(), "a", 1, e.after->get());
  size_t len = 0;
  char* text = bson_as_canonical_extended_json(d.get(), &len);
  std::string out(text, len);
  bson_free(text);
  return out;
}

std::optional<UndoEntry> from_line(const std::string& line) {
  bson_error_t err;
  BsonDoc d(bson_new_from_json(reinterpret_cast<const uint8_t*>(line.data()),
                               static_cast<ssize_t>(line.size()), &err));
  if (!d) return std::nullopt;
  UndoEntry e;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, d.get(), "c") || !BSON_ITER_HOLDS_UTF8(&it)) return std::nullopt;
  e.collection = bson_iter_utf8(&it, nullptr);
  auto sub = [&](const char* name) -> std::optional<BsonDoc> {
    bson_iter_t s;
    if (!bson_iter_init_find(&s, d.get(), name) || !BSON_ITER_HOLDS_DOCUMENT(&s)) return std::nullopt;
    uint32_t len;
    const uint8_t* data;
    bson_iter_document(&s, &len, &data);
    return BsonDoc(bson_new_from_data(data, len));
  };
  auto k = sub("k");
  if (!k) return std::nullopt;
  e.key_filter = std::move(*k);
  e.before = sub("b");
  e.after = sub("a");
  return e;
}

Status undo_one(MongoConn& conn, const UndoEntry& e) {
  CollectionHandle coll(conn.collection(e.collection));
  bson_error_t err;
  bool ok = true;
  if (e.after) {
    BsonDoc filter = exact_filter(*e.key_filter, **e.after);
    ok = e.before ? mongoc_collection_replace_one(coll.get(), filter.get(), e.before->get(), nullptr, nullptr,
                                                  &err)
                  : mongoc_collection_delete_one(coll.get(), filter.get(), nullptr, nullptr, &err);
  } else if (e.before) {
    ok = mongoc_collection_insert_one(coll.get(), e.before->get(), nullptr, nullptr, &err);
    // Already there: the delete never ran, or the application re-created it.
    if (!ok && err.code == 11000) ok = true;
  }
  if (!ok) return std::unexpected(conn.error(err, "cannot roll back collection '" + e.collection + "'"));
  return {};
}

Status write_all(int fd, const std::string& text, const fs::path& file) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) return fail(ErrorCode::kUnavailable, "cannot write '" + file.string() + "'");
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(ErrorCode::kUnavailable, "cannot fsync '" + file.string() + "'");
  return {};
}

}  // namespace

UndoLog::~UndoLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status UndoLog::record(std::vector<UndoEntry> entries) {
  if (!file_.empty()) {
    if (fd_ < 0) {
      std::error_code ec;
      fs::create_directories(file_.parent_path(), ec);
      fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd_ < 0) return fail(ErrorCode::kUnavailable, "cannot create '" + file_.string() + "'");
      // Held while this transaction lives: recover() in another process
      // must not roll back writes that are still in flight.
      if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        fd_ = -1;
        return fail(ErrorCode::kUnavailable, "'" + file_.string() + "' is in use by another dbsync process");
      }
    }
    std::string text;
    for (const auto& e : entries) text += to_line(e) + "\n";
    if (auto st = write_all(fd_, text, file_); !st) return st;
  }
  for (auto& e : entries) entries_.push_back(std::move(e));
  return {};
}

Status UndoLog::undo(MongoConn& conn) {
  while (!entries_.empty()) {
    if (auto st = undo_one(conn, entries_.back()); !st) return st;
    entries_.pop_back();
  }
  return clear();
}

Status UndoLog::clear() {
  entries_.clear();
  std::error_code ec;
  if (!file_.empty()) fs::remove(file_, ec);
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (ec) return fail(ErrorCode::kUnavailable, "cannot remove '" + file_.string() + "': " + ec.message());
  return {};
}

Result<bool> UndoLog::recover(MongoConn& conn, const fs::path& file) {
  std::error_code ec;
  if (file.empty() || !fs::exists(file, ec)) return false;
  UndoLog log(file);
  log.fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (log.fd_ < 0) return false;
  // Locked: the transaction that writes it is still running.
  if (::flock(log.fd_, LOCK_EX | LOCK_NB) != 0) return false;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto e = from_line(line);
    // A torn last line was never followed by its writes.
    if (!e) break;
    log.entries_.push_back(std::move(*e));
  }
  if (auto st = log.undo(conn); !st) {
    return std::unexpected(
        std::move(st.error()).context("an interrupted import left '" + file.string() + "' to roll back"));
  }
  return true;
}

}  // namespace dbsync
