// BSON documents <-> dbsync canonical JSON (docs/stores/mongodb.md §2).
//
// A snapshot holds a BSON document as MongoDB Extended JSON v2 written the
// dbsync way (ExtJsonMode::kDbsync): relaxed v2 (plain numbers for int32,
// finite doubles and int64, ISO-8601 strings for dates in 1970-9999), except
// that an int64 whose value fits an int32 keeps its {"$numberLong": …}
// wrapper, because relaxed v2 would read it back as an int32. Every BSON
// value therefore has exactly one text and that text reads back as the same
// value: the mapping is a bijection, which is what makes snapshots
// canonical and round trips exact. Member order is JCS order (json/), so a
// document's field order is not kept; `_id` goes first when writing, as the
// server would put it.
//
// kCanonical and kRelaxed produce the two forms of the Extended JSON v2
// specification (used by the BSON corpus test).
//
// Thread-safe: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "json/value.h"
#include "store/mongo/bson_doc.h"
#include "util/error.h"

namespace dbsync {

enum class ExtJsonMode { kCanonical, kRelaxed, kDbsync };

// The document as a json::Value. kBadInput when the BSON is malformed
// (bad length, unknown type, invalid UTF-8, a duplicate field name), nested
// deeper than 200 levels, or (kDbsync) holds an embedded document that
// Extended JSON would read back as a type wrapper (e.g. {"$oid": …} stored
// as a plain document), which no snapshot could round-trip.
Result<json::Value> bson_to_value(const bson_t& doc, ExtJsonMode mode);

// kDbsync canonical text of the document (json::to_canonical of the above).
Result<std::string> bson_to_canonical(const bson_t& doc);

// Reads raw BSON bytes (validating them: structure, UTF-8 with NUL allowed
// inside strings, no unknown types).
Result<BsonDoc> bson_from_bytes(const uint8_t* data, size_t size);

// Reads Extended JSON v2 text (canonical, relaxed or the dbsync form) into
// BSON, keeping member order. Wrapper objects are checked strictly (extra or
// missing members, wrong types, NUL in keys and regexes are kBadInput).
Result<BsonDoc> bson_from_extjson(std::string_view text);

// The BSON a snapshot document becomes: its canonical text read as above,
// with `_id` moved first. REQUIRES: doc.is_object().
Result<BsonDoc> value_to_bson(const json::Value& doc);

// The key values of a record as a BSON array document {"0": …, "1": …}
// (used to build filters). kBadInput when a value is not representable.
Result<BsonDoc> values_to_bson_array(const json::Array& values);

// Whether an object's member names make Extended JSON read it as a type
// wrapper ({"$oid": …}, {"$date": …}, …).
bool looks_like_wrapper(const json::Object& object);

}  // namespace dbsync
