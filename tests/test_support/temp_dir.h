// A fresh temporary folder per test, removed afterwards (kept when
// DBSYNC_KEEP_TEMP is set, for debugging).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace dbsync {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("dbsync-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    if (std::getenv("DBSYNC_KEEP_TEMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace dbsync
