// One input of a shard merge: the records of a shard file in key order, each
// line checked in full as snapshot/shard_reader.h checks it (envelope,
// canonical document, hash, key present, right shard, keys strictly
// ascending, '\n' at the end) — but without parsing documents, and checking
// a line only once when another input of the same merge holds the
// byte-identical line (most records are unchanged on every side). Errors
// name the file label, line and field, like ShardReader's.
//
// Views point into the bytes given at construction, which must outlive the
// input. Not thread-safe; one per merge.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "snapshot/record_line.h"
#include "snapshot/shard_reader.h"
#include "util/error.h"

namespace dbsync {

class ShardInput {
 public:
  // `capture`: top-level fields whose raw canonical values captured() gives
  // (the `unique` fields); may be empty.
  ShardInput(std::string_view bytes, std::string label, const ShardSpec& spec,
             const std::vector<std::string>& capture);

  // Moves to the next record. Returns false at the end of the file, an error
  // (kBadInput) on the first bad line. `peers` are other inputs of the same
  // merge; a peer positioned on the byte-identical line lends its checks.
  Result<bool> next(std::initializer_list<const ShardInput*> peers = {});

  bool valid() const { return valid_; }
  std::string_view line() const { return line_; }  // without '\n'
  const RecordLine& parts() const { return parts_; }
  const std::string& key() const { return key_; }
  size_t line_no() const { return line_no_; }
  const std::string& label() const { return label_; }
  // The raw canonical value of capture field i; empty when the field is missing.
  std::string_view captured(size_t i) const { return captured_[i]; }
  // Whether `other` is positioned on the byte-identical line (cheap when one
  // borrowed the other's checks for it).
  bool same_line_as(const ShardInput& other) const;
  // Lines checked here, and lines whose checks a peer lent.
  size_t lines_checked() const { return checked_; }
  size_t lines_reused() const { return reused_; }

 private:
  Error at_line(Error e) const;
  Status check_current();
  void adopt(const ShardInput& peer);

  std::string_view data_;
  std::string label_;
  const ShardSpec& spec_;
  const std::vector<std::string>& capture_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
  bool valid_ = false;
  std::string_view line_;
  RecordLine parts_;
  std::string key_;
  std::string prev_key_;
  std::vector<std::string_view> captured_;
  std::vector<DocMember> members_;
  size_t checked_ = 0, reused_ = 0;
  const ShardInput* lender_ = nullptr;  // who lent the checks of the current line
  size_t lender_line_no_ = 0;           // the lender's line number then
};

}  // namespace dbsync
