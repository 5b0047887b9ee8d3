#include "sync/clock.h"

#include <charconv>
#include <chrono>

#include "util/file.h"

namespace dbsync {

int64_t wall_clock_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<HybridClock> HybridClock::load(const std::filesystem::path& path, std::string replica,
                                      WallClock wall) {
  HybridClock c;
  c.path_ = path;
  c.replica_ = std::move(replica);
  c.wall_ = wall ? std::move(wall) : WallClock(&wall_clock_millis);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return c;
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  const char* p = text->data();
  const char* end = p + text->size();
  auto r1 = std::from_chars(p, end, c.millis_);
  bool ok = r1.ec == std::errc() && r1.ptr < end && *r1.ptr == ' ';
  if (ok) {
    auto r2 = std::from_chars(r1.ptr + 1, end, c.counter_);
    ok = r2.ec == std::errc() && c.counter_ <= 0xFFFF && c.millis_ >= 0;
  }
  if (!ok) {
    return fail(ErrorCode::kBadInput,
                "'" + path.string() + "' line 1: not a clock state \"<millis> <counter>\"",
                "delete the file; the clock restarts from the wall clock and the revs it observes");
  }
  return c;
}

Rev HybridClock::tick() {
  int64_t now = wall_();
  if (now > millis_) {
    millis_ = now;
    counter_ = 0;
  } else if (counter_ < 0xFFFF) {
    ++counter_;
  } else {
    ++millis_;
    counter_ = 0;
  }
  return Rev{millis_, counter_, replica_};
}

void HybridClock::observe(const Rev& rev) {
  if (rev.millis > millis_ || (rev.millis == millis_ && rev.counter > counter_)) {
    millis_ = rev.millis;
    counter_ = rev.counter;
  }
}

Status HybridClock::save() const {
  return write_file_atomic(path_, std::to_string(millis_) + " " + std::to_string(counter_) + "\n");
}

}  // namespace dbsync
