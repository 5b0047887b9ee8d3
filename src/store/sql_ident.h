// Quoting of SQL identifiers taken from untrusted snapshots (DESIGN §5):
// every table, column and index name goes through quote_ident, which wraps
// it in double quotes and doubles any double quote inside, so no name can
// end the identifier and inject SQL. Names with a NUL byte cannot be quoted
// (C APIs would cut them) and are rejected. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace dbsync {

// REQUIRES: no NUL in `name` (check_sql_ident first).
std::string quote_ident(std::string_view name);
void append_quoted_ident(std::string& out, std::string_view name);

// kBadInput when `name` is empty or holds a NUL; `what` names it in the
// error ("column", "table").
Status check_sql_ident(std::string_view name, std::string_view what);

}  // namespace dbsync
