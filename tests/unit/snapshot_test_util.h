// Helpers for the snapshot tests (unit and e2e). Record lines are built here
// with XXH3 called directly, not through the library, so a test of the
// library's hashing does not check the library against itself.
#pragma once

#include <xxhash.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

namespace dbsync::testing {

inline constexpr std::string_view kTestRev = "2026-01-15T10:30:45.123Z-0000-asset1";

// 32 lowercase hex digits of XXH3-128 (high 64 bits first).
inline std::string xxh128_hex(std::string_view bytes) {
  XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

// A record line (without '\n') for a document given as its exact text.
inline std::string make_line(std::string_view doc, std::string_view rev = kTestRev) {
  return "{\"d\":" + std::string(doc) + ",\"h\":\"" + xxh128_hex(doc) + "\",\"r\":\"" + std::string(rev) +
         "\"}";
}

inline uint64_t shard_by_hand(std::string_view key, uint32_t count) {
  return XXH3_64bits(key.data(), key.size()) & (count - 1);
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::filesystem::path& p, std::string_view bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh folder per test, removed afterwards (kept with DBSYNC_KEEP_TEMP).
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("dbsync-snap-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    if (std::getenv("DBSYNC_KEEP_TEMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace dbsync::testing
