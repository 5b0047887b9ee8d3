// Canonical JSON text (DESIGN §2): RFC 8785 member order and string
// escaping, no insignificant white space, int64 integers exact, doubles as
// json/number_format.h prints them. Two equal Values always give the same
// bytes; the record hash `h` is taken over these bytes.
//
// NumberProfile::kJcs gives RFC 8785 output exactly (used to check the
// published vectors): integral doubles print without ".0", -0.0 as "0", and
// integers beyond +-2^53 as the nearest double. docs/JSON.md lists the
// differences of the default profile and why.
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
