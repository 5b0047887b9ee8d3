// PostgreSQL's COPY binary format for the column types whose wire form is
// plain and whose conversion to and from canonical JSON is exact:
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
// functions accept or reject it with their usual messages.
//
// Reading (COPY … TO for the export's and the verifying scans, binary
// result columns for lookups by key), every value of these types converts: each is turned into the exact text
// PostgreSQL's output function prints under the session settings of pg_conn.h (years beyond 9999, BC,
// infinity included) where the JSON is built from that text, so a row read as binary gives the document the
// same row read as text gives. Pure functions and a reader without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_value.h"
#include "util/error.h"

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

// The binary form for a column, by its format_type() name. Timestamps have
// the integer form only when the server's `integer_datetimes` is on.
PgBinaryType pg_binary_type(const PgColumn& column, bool integer_datetimes);

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

// Appends the canonical JSON of a non-NULL field of `type` read with COPY
// binary, as append_pg_value gives it for the same value's text output
// (`column` is the column's pg_value.h type). kInternal for bytes that are
// not a value of `type`.
Status append_pg_value_of_binary(std::string& out, PgBinaryType type, const PgType& column,
                                 std::string_view bytes);

// The text PostgreSQL prints for a date (days since 2000-01-01) and a
// timestamp (microseconds since 2000-01-01 00:00:00; "+00" appended when
// `utc`) in ISO DateStyle. Exposed for tests.
std::string pg_date_text(int32_t days);
std::string pg_timestamp_text(int64_t micros, bool utc);

// Splits the rows of a COPY … TO STDOUT WITH (FORMAT binary), one message
// at a time (the first one starts with the format's header).
class CopyBinaryRowReader {
 public:
  // `out` gets `columns` values (nullopt for NULL), viewing `message`.
  // False when the message holds no row (the header alone, or the trailer
  // that ends the data); kInternal when it is malformed or holds another
  // number of fields.
  Result<bool> split(std::string_view message, size_t columns,
                     std::vector<std::optional<std::string_view>>& out);

 private:
  bool header_read_ = false;
};

}  // namespace dbsync
