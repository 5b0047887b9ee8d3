// Reads the shards of one collection from a matched generation: each line's
// envelope split, its hash checked (to catch a damaged local file), and its
// key read from the document text (sync/doc_scan.h) — the documents were
// validated when the generation was written, so they are not parsed again.
// When the collection was written with another shard count than dbsync.toml
// now asks for, the records are regrouped into the new shards.
// Not thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "snapshot/layout.h"
#include "sync/doc_scan.h"
#include "util/error.h"

namespace dbsync {

struct SnapLine {
  std::string_view line;  // without '\n'
  std::string_view doc;
  std::string_view hash;  // 32 hex digits
  std::string_view rev;
  std::string key;
};

struct ShardData {
  std::vector<std::shared_ptr<const std::string>> buffers;  // keep the views alive
  std::vector<SnapLine> lines;                              // sorted by key
  bool whole_file = false;  // lines are exactly the file at `path` (no regrouping)
  std::filesystem::path path;
  // The file's digest when it was checked against matched.json's `files`
  // (whole_file only). Lines of such a file are split lazily when asked:
  // the file is byte for byte what dbsync wrote and checked.
  std::string digest;
};

// Splits trusted shard bytes into lines (see above); `label` names the file.
// With `lazy`, lines are only split: hash check and key wait for
// complete_line (import looks at the few lines around its changes only).
Result<std::vector<SnapLine>> parse_trusted_lines(std::string_view bytes, const KeyScanner& keys,
                                                  const std::string& label, bool lazy = false);
// Checks the hash and reads the key of a line split lazily (no-op when done).
Status complete_line(SnapLine& line, const KeyScanner& keys, const std::string& label);

class MatchedCollection {
 public:
  // `root` is a generation root (the folder holding dbsync/); an empty root
  // means no matched state: every shard is empty.
  // `force_regroup` re-sorts even at the same shard count (the key changed);
  // `lazy` leaves hash checks and keys to complete_line where the file's
  // digest was checked (`digests` lists it); other files are read fully.
  MatchedCollection(std::filesystem::path root, std::string name, std::vector<std::string> key,
                    uint32_t stored_count, uint32_t shard_count, bool force_regroup = false,
                    bool lazy = false, const std::map<std::string, std::string>* digests = nullptr);

  Result<ShardData*> shard(uint32_t shard);
  const KeyScanner& scanner() const { return scanner_; }
  uint32_t shard_count() const { return shard_count_; }

 private:
  Status regroup();
  std::filesystem::path root_;
  std::string name_;
  std::vector<std::string> key_;
  KeyScanner scanner_;
  uint32_t stored_count_, shard_count_;
  std::map<uint32_t, ShardData> cache_;
  std::shared_ptr<std::string> buffer_;
  bool regrouped_ = false;
  bool force_regroup_ = false;
  bool lazy_ = false;
  const std::map<std::string, std::string>* digests_ = nullptr;  // "dbsync/<c>/<file>" -> expected digest
  // Fails when the file's digest differs from the one listed; returns the
  // listed digest when it matched, "" when none is listed.
  Result<std::string> check_digest(const std::filesystem::path& path, std::string_view bytes) const;
};

}  // namespace dbsync
