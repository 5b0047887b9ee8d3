#include "sync/matched_shards.h"

#include <algorithm>

#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace fs = std::filesystem;

Result<std::vector<SnapLine>> parse_trusted_lines(std::string_view bytes, const KeyScanner& keys,
                                                  const std::string& label) {
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
    auto parts = split_record_line(line);
    if (!parts) return bad(parts.error().message);
    if (to_hex(xxh3_128(parts->doc)) != parts->hash)
      return bad("field 'h': hash does not match the document");
    SnapLine s{line, parts->doc, parts->hash, parts->rev, {}};
    if (!keys.scan(parts->doc, s.key)) return bad("key field missing from the document");
    if (!out.empty() && s.key <= out.back().key) return bad("key " + s.key + " is out of order");
    out.push_back(std::move(s));
  }
  return out;
}

MatchedCollection::MatchedCollection(fs::path root, std::string name, std::vector<std::string> key,
                                     uint32_t stored_count, uint32_t shard_count, bool force_regroup)
    : root_(std::move(root)),
      name_(std::move(name)),
      key_(std::move(key)),
      scanner_(key_),
      stored_count_(stored_count),
      shard_count_(shard_count),
      force_regroup_(force_regroup) {}

Result<const ShardData*> MatchedCollection::shard(uint32_t shard) {
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
  std::error_code ec;
  if (fs::exists(data.path, ec)) {
    auto bytes = read_file(data.path);
    if (!bytes) return std::unexpected(bytes.error());
    auto buf = std::make_shared<const std::string>(std::move(*bytes));
    auto lines = parse_trusted_lines(*buf, scanner_, data.path.string());
    if (!lines) return std::unexpected(lines.error());
    data.buffers.push_back(std::move(buf));
    data.lines = std::move(*lines);
  }
  // Only the shard in use is kept: callers go through shards in order.
  cache_.clear();
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
