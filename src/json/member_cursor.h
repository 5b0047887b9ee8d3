// Walking canonical JSON text without building a json::Value: the end of a
// string or value, and the top-level members of an object. For text already
// checked canonical (a record line's document), where parsing a million
// documents just to read their members would cost as much as storing them.
// Shared by the SQLite and PostgreSQL stores and the sync scans. Pure
// functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

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

// A member's name as MemberCursor::next gives it: `raw` itself, or, when
// `escaped`, unescaped into `storage`. False for a malformed name.
bool member_name(std::string_view raw, bool escaped, std::string& storage, std::string_view& name);

// Walks the top-level members of the canonical JSON object `doc` and finds
// each one's position among `count` column names (`name_at(j)`), both in
// RFC 8785 order, so the column is almost always the next one. Calls
// `on_column(j, value)` (returning Status) for a member that names a
// column, and `on_other(name)` for one that does not: true skips it (a
// column that is not written), false stops the walk, which then returns
// false. kBadInput for a malformed or repeated name, or a document that is
// not a canonical object. Used by the stores that write documents straight
// from their text.
template <typename NameAt, typename OnColumn, typename OnOther>
Result<bool> for_each_member_column(std::string_view doc, size_t count, NameAt name_at, OnColumn on_column,
                                    OnOther on_other) {
  thread_local std::vector<char> seen;
  thread_local std::string unescaped;
  seen.assign(count, 0);
  MemberCursor cursor(doc);
  std::string_view raw, value, name;
  bool escaped = false;
  size_t hint = 0;
  while (cursor.next(raw, escaped, value)) {
    if (!member_name(raw, escaped, unescaped, name))
      return fail(ErrorCode::kBadInput, "a document's member name is malformed");
    size_t j = hint;
    while (j < count && name_at(j) != name) ++j;
    if (j == count) {
      for (j = 0; j < hint && name_at(j) != name; ++j) {
      }
      if (j == hint) {
        if (!on_other(name)) return false;
        continue;
      }
    }
    hint = j + 1;
    if (seen[j]) return fail(ErrorCode::kBadInput, "duplicate member name '" + std::string(name) + "'");
    seen[j] = 1;
    if (auto st = on_column(j, value); !st) return std::unexpected(st.error());
  }
  if (!cursor.ok()) return fail(ErrorCode::kBadInput, "a document is not a canonical JSON object");
  return true;
}

}  // namespace dbsync
