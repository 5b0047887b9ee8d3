// How SQLite values map to JSON (docs/STORES.md, "SQLite types"):
//   INTEGER -> integer (full int64)
//   REAL    -> floating-point number (bit-identical; 1.0 stays 1.0);
//              ±Infinity as {"$numberDouble": "Infinity"}
//   TEXT    -> string; TEXT that is not valid UTF-8 (SQLite does not check)
//              -> {"$binary": {"base64": …, "subType": "80"}}, so its bytes
//              survive instead of being mangled
//   BLOB    -> {"$binary": {"base64": …, "subType": "00"}}
//   NULL    -> null
// Writing goes the other way; JSON values SQLite has no type for are
// normalised: booleans to 1/0, $numberLong/$numberInt to INTEGER,
// $numberDouble to REAL (NaN reads back as NULL), other $binary subtypes to
// BLOB, other objects and arrays to their canonical JSON text.
// Pure functions, thread-safe.
#pragma once

#include <sqlite3.h>

#include <string>

#include "json/member_cursor.h"
#include "json/value.h"
#include "util/error.h"

namespace dbsync {

inline constexpr const char* kInvalidUtf8TextSubtype = "80";

// Appends the canonical JSON of column `col` of the current row of `stmt`.
void append_sqlite_column(std::string& out, sqlite3_stmt* stmt, int col);

// Fast paths of append_sqlite_column, exposed so tests can hold them to the
// general writers byte for byte. Each appends nothing and returns false
// when the value is not one it handles.
//
// A string of printable ASCII without '"' or '\\': it is its own JSON
// literal and valid UTF-8, so it is copied in one go.
bool append_plain_string(std::string& out, std::string_view text);
// A double of up to 15 significant digits between 1e-6 and 1e15 (prices,
// amounts, measurements), as json::append_double writes it.
bool append_short_double(std::string& out, double d);
// The converse for binding: a JSON number with a fraction and no exponent
// whose digits fit in 2^53, read exactly as std::from_chars would.
bool parse_short_double(std::string_view text, double& d);

// Binds `value` to parameter `index` (1-based). kBadInput for a malformed
// $binary; `field` names the field in that error.
Status bind_json_value(sqlite3_stmt* stmt, int index, const json::Value& value, std::string_view field);

// The same for a value given as canonical JSON text (a member of a checked
// canonical document): scalars are bound straight from the text (a string
// without escapes by reference: `text` must outlive the statement's next
// step), anything else is parsed and bound as above.
Status bind_json_text(sqlite3_stmt* stmt, int index, std::string_view text, std::string_view field);

}  // namespace dbsync
