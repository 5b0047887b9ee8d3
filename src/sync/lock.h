// The replica lock (.dbsync/lock): an exclusive flock held for the whole of
// an export, import, restore or sync, so two dbsync processes never work on
// one replica at once. The kernel drops it when the process dies (kill -9
// included), so a stale lock file never blocks anyone. Re-entrant inside
// one process (sync calls export and import while holding it).
// Thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace dbsync {

class ReplicaLock {
 public:
  // Fails (kUnavailable) at once when another process holds the lock; the
  // error names its pid.
  static Result<ReplicaLock> acquire(const std::filesystem::path& repo);

  ReplicaLock(ReplicaLock&& other) noexcept : key_(std::move(other.key_)) { other.key_.clear(); }
  ReplicaLock& operator=(ReplicaLock&&) = delete;
  ReplicaLock(const ReplicaLock&) = delete;
  ~ReplicaLock();

 private:
  explicit ReplicaLock(std::string key) : key_(std::move(key)) {}
  std::string key_;  // canonical lock path; empty when moved from
};

}  // namespace dbsync
