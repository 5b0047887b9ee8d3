#include "util/fault.h"

#include <atomic>
#include <string>

namespace dbsync::fault {
namespace {
std::atomic<long> g_countdown{0};
std::atomic<long> g_seen{0};
}  // namespace

Status check(Op, std::string_view what) {
  g_seen.fetch_add(1, std::memory_order_relaxed);
  if (g_countdown.load(std::memory_order_relaxed) == 0) return {};
  if (g_countdown.fetch_sub(1) == 1) {
    return fail(ErrorCode::kUnavailable, "injected fault at '" + std::string(what) + "'");
  }
  return {};
}

void arm(long k) {
  g_countdown.store(k);
  g_seen.store(0);
}

long steps_seen() { return g_seen.load(); }

}  // namespace dbsync::fault
