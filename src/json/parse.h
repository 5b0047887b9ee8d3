// Strict JSON parsing (RFC 8259, I-JSON flavoured) into json::Value, with
// simdjson doing the scanning.
//
// Stricter than RFC 8259 where a data-sync tool must be (docs/JSON.md has
// the full policy and the decision for every implementation-defined case):
// the text is UTF-8 without a byte order mark; invalid UTF-8, lone surrogate
// escapes and duplicate object keys are rejected; integers must fit int64
// (never silently rounded); a number too large for a double, or non-zero
// but so small it would become 0, is rejected; nesting and size are
// bounded. A rejected input yields ErrorCode::kBadInput with a message that
// names the 0-based byte offset of the fault ("at byte 17: …") and, where
// one helps, a hint; callers prefix the file and line.
//
// Thread-safe: each thread uses its own simdjson parser and buffer.
#pragma once

#include <cstddef>
#include <string_view>

#include "json/value.h"
#include "util/error.h"

namespace dbsync::json {

// The deepest nesting parse() supports; a larger ParseLimits::max_depth is
// treated as this (building, writing and destroying a Value recurse once per
// level, so depth must stay bounded).
inline constexpr size_t kMaxSupportedDepth = 1000;

struct ParseLimits {
  size_t max_depth = 128;               // arrays/objects nested inside each other
  size_t max_bytes = size_t{64} << 20;  // one document's text
};

Result<Value> parse(std::string_view text, const ParseLimits& limits = {});

}  // namespace dbsync::json
