// Writes one shard file atomically (util/file.h): records are collected,
// sorted by key encoding, and written in one go. An empty shard removes the
// file, so a snapshot never carries empty shard files. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "json/value.h"
#include "util/error.h"

namespace dbsync {

class ShardWriter {
 public:
  // Adds a finished line (with or without its '\n').
  void add_line(std::string key_encoding, std::string line);
  // Adds a document with its rev; computes the line and hash.
  void add(std::string key_encoding, const json::Value& doc, std::string_view rev);
  size_t size() const { return lines_.size(); }

  // The file's bytes: lines sorted by key. Fails (kInternal) on a duplicate
  // key, which would be a bug in the caller.
  Result<std::string> render();
  Status write(const std::filesystem::path& path);

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

}  // namespace dbsync
