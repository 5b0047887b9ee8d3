#include "sync/matched_shards.h"

#include <algorithm>

#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "sync/durable.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

// {"d":<doc>,"h":"<32 hex>","r":"<rev>"} split without parsing: the line was
// validated when it was written.
bool split_trusted(std::string_view line, SnapLine& out) {
  constexpr std::string_view kPrefix = "{\"d\":", kHash = ",\"h\":\"", kRev = "\",\"r\":\"", kSuffix = "\"}";
  if (line.size() < kPrefix.size() + kHash.size() + 32 + kRev.size() + kSuffix.size() + 2) return false;
  if (line.substr(0, kPrefix.size()) != kPrefix || line.substr(line.size() - kSuffix.size()) != kSuffix)
    return false;
  size_t rev = line.rfind(kRev);
  if (rev == std::string_view::npos || rev < kPrefix.size() + kHash.size() + 32) return false;
  size_t hash = rev - 32;
  if (line.substr(hash - kHash.size(), kHash.size()) != kHash) return false;
  out.line = line;
  out.doc = line.substr(kPrefix.size(), hash - kHash.size() - kPrefix.size());
  out.hash = line.substr(hash, 32);
  out.rev = line.substr(rev + kRev.size(), line.size() - kSuffix.size() - rev - kRev.size());
  return true;
}

}  // namespace

Status complete_line(SnapLine& s, const KeyScanner& keys, const std::string& label) {
  if (!s.key.empty()) return {};
  Digest128 want;
  if (!decode_hash_hex(s.hash, want) || want != xxh3_128(s.doc) || !keys.scan(s.doc, s.key)) {
    s.key.clear();
    return fail(ErrorCode::kBadInput, "'" + label + "': damaged record line",
                "the local matched state is damaged; remove .dbsync/matched.json and run 'dbsync import'");
  }
  return {};
}

Result<std::vector<SnapLine>> parse_trusted_lines(std::string_view bytes, const KeyScanner& keys,
                                                  const std::string& label, bool lazy) {
  std::vector<SnapLine> out;
  size_t pos = 0, line_no = 0;
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::kBadInput, "'" + label + "' line " + std::to_string(line_no) + ": " + what,
                "the local matched state is damaged; remove .dbsync/matched.json and run 'dbsync import'");
  };
  while (pos < bytes.size()) {
    ++line_no;
    size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) return bad("truncated last line");
    std::string_view line = bytes.substr(pos, end - pos);
    pos = end + 1;
    SnapLine s;
    if (!split_trusted(line, s)) return bad("not a record line");
    if (lazy) {
      out.push_back(std::move(s));
      continue;
    }
    Digest128 want;
    if (!decode_hash_hex(s.hash, want) || want != xxh3_128(s.doc))
      return bad("field 'h': hash does not match the document");
    if (!keys.scan(s.doc, s.key)) return bad("key field missing from the document");
    if (!out.empty() && s.key <= out.back().key) return bad("key " + s.key + " is out of order");
    out.push_back(std::move(s));
  }
  return out;
}

MatchedCollection::MatchedCollection(fs::path root, std::string name, std::vector<std::string> key,
                                     uint32_t stored_count, uint32_t shard_count, bool force_regroup,
                                     bool lazy, const std::map<std::string, std::string>* digests)
    : root_(std::move(root)),
      name_(std::move(name)),
      key_(std::move(key)),
      scanner_(key_),
      stored_count_(stored_count),
      shard_count_(shard_count),
      force_regroup_(force_regroup),
      lazy_(lazy),
      digests_(digests) {}

Result<std::string> MatchedCollection::check_digest(const fs::path& path, std::string_view bytes) const {
  if (digests_ == nullptr) return std::string();
  auto it = digests_->find(std::string(kSnapshotDirName) + "/" + name_ + "/" + path.filename().string());
  if (it == digests_->end()) return std::string();
  if (it->second == bytes_digest(bytes)) return it->second;
  return fail(
      ErrorCode::kBadInput,
      "'" + path.string() +
          "' changed after dbsync wrote it (a snapshot file edited in place changes "
          "the hard-linked matched copy too)",
      "remove .dbsync/matched.json, then 'dbsync import' rebuilds the matched state; records that differ "
      "are kept as local changes");
}

Result<ShardData*> MatchedCollection::shard(uint32_t shard) {
  if (root_.empty()) {
    auto& empty = cache_[shard];
    return &empty;
  }
  if (stored_count_ != shard_count_ || force_regroup_) {
    if (!regrouped_) {
      if (auto st = regroup(); !st) return std::unexpected(st.error());
    }
    return &cache_[shard];
  }
  auto it = cache_.find(shard);
  if (it != cache_.end()) return &it->second;
  SnapshotLayout layout(root_);
  ShardData data;
  data.path = layout.shard_path(name_, shard, shard_count_);
  data.whole_file = true;
  // Only the shard in use is kept (callers go through shards in order), so
  // one buffer serves every shard.
  cache_.clear();
  std::error_code ec;
  if (fs::exists(data.path, ec)) {
    if (!buffer_ || buffer_.use_count() > 1) buffer_ = std::make_shared<std::string>();
    if (auto st = read_file_reusing(data.path, *buffer_); !st) return std::unexpected(st.error());
    auto checked = check_digest(data.path, *buffer_);
    if (!checked) return std::unexpected(checked.error());
    data.digest = std::move(*checked);
    auto lines = parse_trusted_lines(*buffer_, scanner_, data.path.string(), lazy_ && !data.digest.empty());
    if (!lines) return std::unexpected(lines.error());
    data.buffers.push_back(buffer_);
    data.lines = std::move(*lines);
  }
  return &cache_.emplace(shard, std::move(data)).first->second;
}

Status MatchedCollection::regroup() {
  SnapshotLayout layout(root_);
  for (uint32_t s = 0; s < stored_count_; ++s) {
    fs::path path = layout.shard_path(name_, s, stored_count_);
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    auto bytes = read_file(path);
    if (!bytes) return std::unexpected(bytes.error());
    if (auto st = check_digest(path, *bytes); !st) return std::unexpected(st.error());
    auto buf = std::make_shared<const std::string>(std::move(*bytes));
    auto lines = parse_trusted_lines(*buf, scanner_, path.string());
    if (!lines) return std::unexpected(lines.error());
    for (auto& line : *lines) {
      ShardData& target = cache_[shard_of(line.key, shard_count_)];
      target.path = path;
      if (target.buffers.empty() || target.buffers.back() != buf) target.buffers.push_back(buf);
      target.lines.push_back(std::move(line));
    }
  }
  for (auto& [s, data] : cache_) {
    std::sort(data.lines.begin(), data.lines.end(),
              [](const SnapLine& a, const SnapLine& b) { return a.key < b.key; });
  }
  regrouped_ = true;
  return {};
}

}  // namespace dbsync
