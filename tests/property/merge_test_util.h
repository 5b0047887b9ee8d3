// Helpers shared by the merge tests (unit, property, golden): record lines
// and shard files built from JSON text, and a temp folder.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "util/file.h"

namespace dbsync::testing {

// Revs ordered by n (n < 65536).
inline std::string rev(int n, const std::string& replica = "r") {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2026-01-15T10:00:00.000Z-%04x-", n);
  return buf + replica;
}

inline json::Value parse_json(const std::string& text) {
  auto v = json::parse(text);
  if (!v) ADD_FAILURE() << "bad JSON in test: " << text << ": " << v.error().message;
  return v ? std::move(*v) : json::Value();
}

// A record line without '\n'.
inline std::string line(const std::string& doc_json, const std::string& r) {
  std::string out;
  append_record_line(out, parse_json(doc_json), r);
  out.pop_back();
  return out;
}

struct Rec {
  std::string doc;  // JSON text
  std::string rev;
};

// A shard file of the given records, sorted by key encoding.
inline std::string shard(const std::vector<Rec>& recs, const std::vector<std::string>& key = {"id"}) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const Rec& r : recs) {
    json::Value doc = parse_json(r.doc);
    auto k = key_encoding(doc, key);
    if (!k) ADD_FAILURE() << k.error().message;
    std::string l;
    append_record_line(l, doc, r.rev);
    lines.emplace_back(k.value_or(""), std::move(l));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& [k, l] : lines) out += l;
  return out;
}

// A fresh temp folder, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("dbsync-merge-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Without fsync: test folders need no durability, and fsyncs make tests slow.
inline void write(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << bytes;
  if (!f.good()) ADD_FAILURE() << "cannot write " << p;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return {};
  auto b = read_file(p);
  return b ? *b : std::string();
}

}  // namespace dbsync::testing
