#include "snapshot/rev.h"

#include <chrono>
#include <cstdio>

namespace dbsync {
namespace {

constexpr size_t kTimeLen = 24;  // "2026-01-15T10:30:45.123Z"

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

bool is_valid_replica_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Rev::to_string() const {
  using namespace std::chrono;
  sys_time<milliseconds> tp{milliseconds{millis}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ-%04x-", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()), counter);
  return buf + replica;
}

namespace {

// Checks a rev; returns nullptr when valid (filling `out` if given), else
// what is wrong. Allocates only to fill `out`, so is_valid_rev() is cheap.
const char* check_rev(std::string_view s, Rev* out) {
  if (s.size() < kTimeLen + 7) return "too short";
  int y, mo, d, h, mi, sec, ms;
  if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d) ||
      s[10] != 'T' || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, sec) || s[19] != '.' || !digits(s, 20, 3, ms) || s[23] != 'Z') {
    return "time is not YYYY-MM-DDTHH:MM:SS.mmmZ";
  }
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return "time is out of range";
  if (s[24] != '-' || s[29] != '-') return "counter is not 4 hex digits between dashes";
  uint32_t counter = 0;
  for (size_t i = 25; i < 29; ++i) {
    int v = hex_digit(s[i]);
    if (v < 0) return "counter is not 4 lowercase hex digits";
    counter = counter << 4 | static_cast<uint32_t>(v);
  }
  std::string_view replica = s.substr(30);
  if (!is_valid_replica_id(replica)) return "replica id is not 1-64 of [A-Za-z0-9._-]";
  if (out != nullptr) {
    out->millis =
        (sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{sec} + milliseconds{ms}).count();
    out->counter = counter;
    out->replica = std::string(replica);
  }
  return nullptr;
}

}  // namespace

Result<Rev> parse_rev(std::string_view s) {
  Rev rev;
  if (const char* why = check_rev(s, &rev)) {
    return fail(ErrorCode::kBadInput, "malformed rev '" + std::string(s.substr(0, 80)) + "': " + why,
                "a rev looks like 2026-01-15T10:30:45.123Z-0000-asset1");
  }
  return rev;
}

bool is_valid_rev(std::string_view s) { return check_rev(s, nullptr) == nullptr; }

}  // namespace dbsync
