// Strict shape checks for Extended JSON v2 type wrappers ({"$oid": …},
// {"$binary": {…}}, …) before libbson reads a document: libbson accepts
// some malformed wrappers (extra members, numbers where strings belong) and
// would silently store something other than what the snapshot says. Also
// rejects NUL in field names and regular expressions, which BSON cannot
// hold. Thread-safe: a pure function.
#pragma once

#include "json/value.h"
#include "util/error.h"

namespace dbsync {

// kBadInput naming the field at fault. Objects that are not wrappers (no
// member name Extended JSON reserves) are checked recursively.
Status check_extjson(const json::Value& value);

}  // namespace dbsync
