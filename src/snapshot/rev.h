// Record revisions (DESIGN §1, §2): a hybrid logical clock stamp written as
// "YYYY-MM-DDTHH:MM:SS.mmmZ-CCCC-<replica id>", so that comparing two revs is
// comparing two strings byte by byte. Value type; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace dbsync {

struct Rev {
  int64_t millis = 0;    // UTC milliseconds since the epoch
  uint32_t counter = 0;  // HLC counter, 0..0xffff
  std::string replica;   // [A-Za-z0-9._-]{1,64}

  std::string to_string() const;
  friend auto operator<=>(const Rev& a, const Rev& b) = default;
};

// Parses and validates a rev string; the error says which part is wrong.
Result<Rev> parse_rev(std::string_view text);

// Fast validity check used on the merge hot path.
bool is_valid_rev(std::string_view text);

// Replica ids are part of every rev and of file names under .dbsync/.
bool is_valid_replica_id(std::string_view id);

}  // namespace dbsync
