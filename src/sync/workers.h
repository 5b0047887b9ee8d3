// How many threads export and import use for their per-shard work, and a
// loop that spreads shards over them. Two on this project's machines
// (DESIGN §9); DBSYNC_THREADS overrides.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

namespace dbsync {

inline unsigned worker_count() {
  if (const char* env = std::getenv("DBSYNC_THREADS")) {
    long n = std::strtol(env, nullptr, 10);
    if (n >= 1 && n <= 64) return static_cast<unsigned>(n);
  }
  return std::clamp(std::thread::hardware_concurrency(), 1u, 2u);
}

// Calls make_worker() once per thread (on that thread) for a function
// work(i), then work(i) for i = 0..n-1, claimed in increasing order. Once a
// call returns false no further index is claimed; indices claimed before
// still finish, so every index below a failed one was processed.
template <typename MakeWorker>
void for_each_shard(uint32_t n, unsigned threads, MakeWorker&& make_worker) {
  std::atomic<uint32_t> next{0};
  std::atomic<bool> failed{false};
  auto run = [&] {
    auto work = make_worker();
    for (uint32_t i; !failed && (i = next++) < n;) {
      if (!work(i)) failed = true;
    }
  };
  threads = std::max(1u, std::min<unsigned>(threads, n));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
}

}  // namespace dbsync
