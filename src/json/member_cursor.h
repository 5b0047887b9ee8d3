// Walking canonical JSON text without building a json::Value: the end of a
// string or value, and the top-level members of an object. For text already
// checked canonical (a record line's document), where parsing a million
// documents just to read their members would cost as much as storing them.
// Shared by the SQLite and PostgreSQL stores and the sync scans. Pure
// functions, thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace dbsync {

// End of the string literal starting at text[pos] == '"', or npos; sets
// `*escaped` when the string holds a backslash.
size_t skip_json_string(std::string_view text, size_t pos, bool* escaped = nullptr);

// End of the JSON value starting at text[pos], or npos.
size_t skip_json_value(std::string_view text, size_t pos);

// Walks the top-level members of a canonical JSON object's text. Stops
// (false) at the end or at anything else than the next member; `ok()` then
// tells which.
class MemberCursor {
 public:
  explicit MemberCursor(std::string_view doc);
  // The next member: its name as written between the quotes (`escaped` when
  // it holds a backslash) and its value's text.
  bool next(std::string_view& name, bool& escaped, std::string_view& value);
  bool ok() const { return ok_; }

 private:
  std::string_view doc_;
  size_t pos_ = 0;
  bool ok_ = true;
  bool done_ = false;
};

}  // namespace dbsync
