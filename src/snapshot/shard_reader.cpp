#include "snapshot/shard_reader.h"

#include "snapshot/key.h"
#include "util/file.h"

namespace dbsync {

Result<ShardReader> ShardReader::open(const std::filesystem::path& path, std::string label, ShardSpec spec) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return ShardReader(std::string(), std::move(label), std::move(spec));
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return ShardReader(std::move(*bytes), std::move(label), std::move(spec));
}

ShardReader ShardReader::from_bytes(std::string bytes, std::string label, ShardSpec spec) {
  return ShardReader(std::move(bytes), std::move(label), std::move(spec));
}

Error ShardReader::at_line(Error e) const {
  return std::move(e).context("'" + label_ + "' line " + std::to_string(line_no_));
}

Result<bool> ShardReader::next() {
  if (pos_ >= data_.size()) return false;
  ++line_no_;
  size_t end = data_.find('\n', pos_);
  if (end == std::string::npos) {
    return std::unexpected(at_line(Error(ErrorCode::kBadInput, "truncated last line (no newline at the end)",
                                         "the file was cut short; restore it from git history")));
  }
  std::string_view line(data_.data() + pos_, end - pos_);
  pos_ = end + 1;
  auto parts = split_record_line(line);
  if (!parts) return std::unexpected(at_line(parts.error()));
  auto doc = validate_record_line(*parts);
  if (!doc) return std::unexpected(at_line(doc.error()));
  auto key = key_encoding(*doc, spec_.key_fields);
  if (!key) return std::unexpected(at_line(key.error()));
  if (shard_of(*key, spec_.shard_count) != spec_.shard) {
    return std::unexpected(at_line(Error(
        ErrorCode::kBadInput, "key " + *key + " belongs in shard " +
                                  shard_file_name(shard_of(*key, spec_.shard_count), spec_.shard_count))));
  }
  if (line_no_ > 1 && *key <= prev_key_) {
    return std::unexpected(
        at_line(Error(ErrorCode::kBadInput,
                      *key == prev_key_ ? "duplicate key " + *key : "key " + *key + " is out of order",
                      "records in a shard are sorted by the bytes of their key encoding")));
  }
  prev_key_ = *key;
  current_.line = line;
  current_.parts = *parts;
  current_.key = std::move(*key);
  current_.doc = std::move(*doc);
  current_.line_no = line_no_;
  return true;
}

}  // namespace dbsync
