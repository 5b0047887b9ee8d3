// How PostgreSQL values map to canonical JSON (docs/stores/postgresql.md has
// the table and the reasons):
//   smallint, integer, bigint, oid  -> integer
//   real, double precision          -> floating-point number, shortest form
//                                      that reads back as the same bits;
//                                      ±Infinity/NaN as {"$numberDouble":…}
//   numeric                         -> integer when whole and within int64;
//                                      else a floating-point number when the
//                                      shortest double prints the same
//                                      decimal value; else, and for
//                                      NaN/±Infinity, {"$numberDecimal":"…"}
//                                      with the exact digits
//   boolean                         -> true / false
//   bytea                           -> {"$binary":{"base64":…,"subType":"00"}}
//   timestamptz                     -> "2026-01-15T10:30:45.123456Z" (UTC)
//   timestamp                       -> "2026-01-15T10:30:45.123456"
//   json, jsonb                     -> the JSON value itself (canonicalised)
//   arrays                          -> JSON arrays of their elements
//   text, date, uuid and the rest   -> string in PostgreSQL's text form
// Values arrive as PostgreSQL's text output (with the session settings of
// pg_conn.h) and leave as text input; writing converts what converts
// without loss (1.0 into a bigint, 1/0 into a boolean) and leaves the rest
// to the server, which rejects what does not fit. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "json/value.h"
#include "util/error.h"

namespace dbsync {

enum class PgKind : uint8_t {
  kInt,
  kFloat,
  kNumeric,
  kBool,
  kBytea,
  kTimestamp,
  kTimestamptz,
  kJson,
  kText,
};

struct PgType {
  PgKind kind = PgKind::kText;
  bool array = false;  // an array of `kind`
};

// The kind of a scalar type by its (domain-resolved) OID.
PgKind pg_kind_of_oid(uint32_t oid);

// Appends the canonical JSON of a non-NULL value given as text output.
// kBadInput when a json/jsonb value cannot be held (see json/parse.h).
Status append_pg_value(std::string& out, const PgType& type, std::string_view text);

// The text input for `value` in a column of `type`; nullopt is NULL.
// kBadInput, naming `field`, for a malformed wrapper such as $binary.
Result<std::optional<std::string>> pg_text_of(const PgType& type, const json::Value& value,
                                              std::string_view field);

}  // namespace dbsync
