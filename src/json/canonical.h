// Canonical JSON text (DESIGN §2): RFC 8785 member order and string
// escaping, no insignificant white space, int64 integers exact, doubles as
// json/number_format.h prints them. Two equal Values always give the same
// bytes; the record hash `h` is taken over these bytes.
//
// Non-finite doubles (which JSON cannot hold) are written as Extended JSON
// {"$numberDouble":"NaN"|"Infinity"|"-Infinity"}. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "json/number_format.h"
#include "json/value.h"

namespace dbsync::json {

void append_canonical(std::string& out, const Value& value, NumberProfile profile = NumberProfile::kDbsync);
std::string to_canonical(const Value& value, NumberProfile profile = NumberProfile::kDbsync);

// Appends `s` as a JSON string literal with RFC 8785 escaping.
// REQUIRES: valid UTF-8 (NUL allowed; it is escaped).
void append_string_literal(std::string& out, std::string_view s);

}  // namespace dbsync::json
