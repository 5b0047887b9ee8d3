// Strict JSON parsing (RFC 8259, I-JSON flavoured) into json::Value, with
// simdjson doing the scanning.
//
// Stricter than RFC 8259 where a data-sync tool must be (docs/JSON.md):
// invalid UTF-8, lone surrogate escapes and duplicate object keys are
// rejected; integers must fit int64 (never silently rounded); nesting and
// size are bounded. A rejected input yields ErrorCode::kBadInput with a
// message that names the byte offset ("at byte 17: …"); callers prefix the
// file and line.
//
// Thread-safe: each thread uses its own simdjson parser.
#pragma once

#include <cstddef>
#include <string_view>

#include "json/value.h"
#include "util/error.h"

namespace dbsync::json {

struct ParseLimits {
  size_t max_depth = 128;               // arrays/objects nested inside each other
  size_t max_bytes = size_t{64} << 20;  // one document's text
};

Result<Value> parse(std::string_view text, const ParseLimits& limits = {});

}  // namespace dbsync::json
