// Progress display for long operations (DESIGN §6): a one-line bar on
// stderr, shown only when stderr is a terminal, NO_COLOR is unset and output
// is not --json; otherwise every call is a no-op. Redraws at most ten times a
// second so it costs nothing on hot loops. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dbsync {

class Progress {
 public:
  Progress(std::string label, uint64_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set_total(uint64_t total) { total_ = total; }
  void update(uint64_t done);
  void finish();

  // A (done, total) callback that drives this bar, for operations that
  // report progress through one (ReplicaOptions::progress). The bar must
  // outlive the operation.
  auto reporter() {
    return [this](uint64_t done, uint64_t total) {
      set_total(total);
      update(done);
    };
  }

  // Whether progress should be drawn for this process: stderr is a
  // terminal and NO_COLOR is not set.
  static bool terminal_allows();

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace dbsync
