// Prints how long each phase of an export or import took, on stderr, when
// DBSYNC_TIMING is set (for benchmarks and profiling; silent otherwise).
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace dbsync {

class PhaseTimer {
 public:
  explicit PhaseTimer(const char* what)
      : what_(what), on_(std::getenv("DBSYNC_TIMING") != nullptr), start_(std::chrono::steady_clock::now()) {}
  ~PhaseTimer() { lap(nullptr); }
  // Ends the current phase and starts `next` (nullptr: stop).
  void lap(const char* next) {
    if (!on_ || what_ == nullptr) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "timing: %-28s %8.3f s\n", what_,
                 std::chrono::duration<double>(now - start_).count());
    what_ = next;
    start_ = now;
  }

 private:
  const char* what_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dbsync
