// Streams the records of one shard file, validating as it goes: every line
// a well-formed record (snapshot/record_line.h), keys present, in the right
// shard, strictly ascending (so neither unsorted nor duplicate keys pass),
// and the file ending in '\n' (a truncated last line is caught). Errors name
// the file label, the line and the field: "'dbsync/pnl/00.jsonl' line 7:
// field 'h': hash does not match the document".
//
// The whole shard is held in memory (shards are bounded by the shard count),
// so memory follows the shard size, not the collection size.
//
// Speed: every line is checked in full in one pass without building the
// document (record_line.h check_record_line). Building `doc` costs several
// times more than the check; callers that need the document only for some
// records (merge: most records are unchanged on both sides) set
// `parse_docs = false` and call parse_record_doc(current().parts.doc) when
// they need it.
// Not thread-safe; use one reader per thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "json/value.h"
#include "snapshot/record_line.h"
#include "util/error.h"

namespace dbsync {

struct ShardSpec {
  std::vector<std::string> key_fields;
  uint32_t shard = 0;
  uint32_t shard_count = 1;
  bool parse_docs = true;  // false: ShardRecord::doc stays null; lines are still fully validated
};

struct ShardRecord {
  std::string_view line;  // without '\n'; valid until the reader is destroyed
  RecordLine parts;
  Digest128 hash{};  // `h` as bytes (checked against the document)
  std::string key;   // key encoding
  json::Value doc;   // the parsed document (null when ShardSpec::parse_docs is false)
  size_t line_no = 0;
};

class ShardReader {
 public:
  // Reads the file at `path`; a missing file is an empty shard.
  static Result<ShardReader> open(const std::filesystem::path& path, std::string label, ShardSpec spec);
  static ShardReader from_bytes(std::string bytes, std::string label, ShardSpec spec);

  // Moves to the next record. Returns false at the end, an error (kBadInput)
  // on the first bad line.
  Result<bool> next();
  const ShardRecord& current() const { return current_; }
  const std::string& label() const { return label_; }

 private:
  ShardReader(std::string bytes, std::string label, ShardSpec spec)
      : data_(std::move(bytes)), label_(std::move(label)), spec_(std::move(spec)) {}
  Error at_line(Error e) const;

  std::string data_;
  std::string label_;
  ShardSpec spec_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
  ShardRecord current_;
  std::string prev_key_;
  std::vector<DocMember> members_;
};

}  // namespace dbsync
