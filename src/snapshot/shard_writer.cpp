#include "snapshot/shard_writer.h"

#include <algorithm>

#include "snapshot/record_line.h"
#include "util/file.h"

namespace dbsync {

void ShardWriter::add_line(std::string key_encoding, std::string line) {
  if (line.empty() || line.back() != '\n') line += '\n';
  lines_.emplace_back(std::move(key_encoding), std::move(line));
}

void ShardWriter::add(std::string key_encoding, const json::Value& doc, std::string_view rev) {
  std::string line;
  append_record_line(line, doc, rev);
  lines_.emplace_back(std::move(key_encoding), std::move(line));
}

Result<std::string> ShardWriter::render() {
  std::sort(lines_.begin(), lines_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t total = 0;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (i > 0 && lines_[i].first == lines_[i - 1].first) {
      return fail(ErrorCode::kInternal, "two records with key " + lines_[i].first + " in one shard");
    }
    total += lines_[i].second.size();
  }
  std::string out;
  out.reserve(total);
  for (const auto& [key, line] : lines_) out += line;
  return out;
}

Status ShardWriter::write(const std::filesystem::path& path) {
  auto bytes = render();
  if (!bytes) return std::unexpected(bytes.error());
  if (bytes->empty()) return remove_file_durable(path);
  return write_file_atomic(path, *bytes);
}

}  // namespace dbsync
