#include "snapshot/layout.h"

#include "snapshot/key.h"
#include "util/file.h"

namespace dbsync {

bool is_plain_collection_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status check_collection_name(std::string_view name) {
  if (is_plain_collection_name(name)) return {};
  std::string shown;
  for (char c : name.substr(0, 64)) {
    if (static_cast<unsigned char>(c) < 0x20)
      shown += "\\x" + std::to_string(static_cast<unsigned char>(c));
    else
      shown += c;
  }
  return fail(ErrorCode::kBadInput, "collection name '" + shown + "' is not a plain name",
              "collection names are 1-128 of [A-Za-z0-9_.-] and do not start with '.' or '-'");
}

std::filesystem::path SnapshotLayout::shard_path(const std::string& name, uint32_t shard,
                                                 uint32_t shard_count) const {
  return collection_dir(name) / shard_file_name(shard, shard_count);
}

std::string SnapshotLayout::shard_label(const std::string& name, uint32_t shard, uint32_t shard_count) const {
  return std::string(kSnapshotDirName) + "/" + name + "/" + shard_file_name(shard, shard_count);
}

Result<std::vector<std::string>> SnapshotLayout::list_collections() const {
  std::error_code ec;
  if (!std::filesystem::exists(snapshot_dir(), ec)) return std::vector<std::string>{};
  auto dirs = list_dirs(snapshot_dir());
  if (!dirs) return dirs;
  for (const auto& d : *dirs) {
    if (auto st = check_collection_name(d); !st) {
      return std::unexpected(std::move(st.error()).context("'" + (snapshot_dir() / d).string() + "'"));
    }
  }
  return dirs;
}

}  // namespace dbsync
