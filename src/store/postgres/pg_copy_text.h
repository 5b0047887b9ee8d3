// PostgreSQL's COPY text format (one row per line, columns separated by
// tabs, \N for NULL, backslash escapes): splitting rows read with COPY TO
// and writing rows for COPY FROM. Not thread-safe (reuses its buffers).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace dbsync {

class CopyRowReader {
 public:
  // Splits `line` (without '\n') into `columns` values; the views stay valid
  // until the next call. kInternal when the column count differs.
  Status split(std::string_view line, size_t columns, std::vector<std::optional<std::string_view>>& out);

 private:
  std::vector<std::string> scratch_;
};

// Appends one value for COPY FROM text format (nullopt: \N); no separator.
void append_copy_value(std::string& out, const std::optional<std::string>& value);

// Appends one element of an array literal ("{…}"): quoted, with '"' and '\'
// escaped, or NULL for nullopt; no separator.
void append_array_element(std::string& out, const std::optional<std::string>& value);

}  // namespace dbsync
