// PostgreSQL's COPY binary format for the column types whose wire form is
// plain and whose conversion from a record's canonical JSON text is exact:
// smallint, integer, bigint, double precision, boolean, text, character
// varying, date, timestamp and timestamptz. A bulk import into such a table
// spends about a third less server CPU than with COPY text, which parses
// every number and timestamp (measured in docs/stores/postgresql.md).
//
// Only values whose binary form is certain are encoded: canonical integers
// and numbers, true/false, strings, and dates and times exactly in the form
// dbsync's export writes ("2026-01-15T10:30:45.123456Z"). Anything else (a
// string in an integer column, "24:00:00", a wrapper such as
// {"$numberDouble":"NaN"}, a value out of range) is refused, and the caller
// writes that row and the rest as COPY text, where PostgreSQL's own input
// functions accept or reject it with their usual messages. Pure functions,
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/postgres/pg_schema.h"

namespace dbsync {

enum class PgBinaryType : uint8_t {
  kNone,  // no binary form here: the table is written as COPY text
  kInt2,
  kInt4,
  kInt8,
  kFloat8,
  kBool,
  kText,
  kDate,
  kTimestamp,
  kTimestamptz,
};

// The binary form for a column, by its format_type() name.
PgBinaryType pg_binary_type(const PgColumn& column);

// The 19-byte header a binary COPY starts with, and the 2-byte trailer it
// ends with.
void append_copy_binary_header(std::string& out);
inline constexpr std::string_view kCopyBinaryTrailer{"\xff\xff", 2};

// A row's field count, before its fields.
void append_copy_binary_field_count(std::string& out, uint16_t fields);
void append_copy_binary_null(std::string& out);

// Appends the field (length and bytes) for the canonical JSON value `json`
// ("null" is NULL). False, with `out` unchanged, when the value has no
// certain binary form here (see above).
bool append_copy_binary_of_json_text(std::string& out, PgBinaryType type, std::string_view json);

}  // namespace dbsync
