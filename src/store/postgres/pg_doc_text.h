// Writing COPY rows straight from a record's canonical JSON text (the import
// passes documents as text when the store says it takes them,
// StoreTxn::applies_canonical_text), without building a json::Value per
// record: a bulk import of a million records otherwise spends as long
// parsing documents as PostgreSQL spends storing them.
//
// Scalars convert from their text as pg_text_of converts the parsed value
// (the same output byte for byte, tested in
// tests/unit/store_pg_doc_text_test.cpp); strings with escapes, objects,
// arrays and the conversions that need a value (an integral double into an
// integer column, a boolean into an integer column) are parsed and go
// through pg_text_of. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "json/member_cursor.h"
#include "store/postgres/pg_value.h"
#include "util/error.h"

namespace dbsync {

// Appends the COPY text-format value (escaped, `\N` for null) for a column
// of `type` holding the canonical JSON value `json`. Errors as pg_text_of,
// naming `field`.
Status append_copy_of_json_text(std::string& out, const PgType& type, std::string_view json,
                                std::string_view field);

}  // namespace dbsync
