// A one-pass check that a record's document is a JSON object written exactly
// as json::to_canonical() writes it (DESIGN §2, docs/FORMAT.md), without
// building a json::Value. This is what makes validation of a shard cheap
// enough for the merge hot path: about one pass over the bytes, no
// allocation.
//
// Accepts exactly the texts t for which json::parse(t) succeeds (with the
// record limits), yields an object, and to_canonical() of it equals t; the
// unit tests check the two paths agree. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace dbsync {

// A top-level member of a checked document, as raw canonical bytes: `key`
// without its quotes (escaped as written), `value` the member's canonical JSON.
struct DocMember {
  std::string_view key;
  std::string_view value;
  bool key_escaped = false;  // `key` holds a backslash escape

  // Whether this member's (unescaped) name is `name`.
  bool has_name(std::string_view name) const;
};

// Checks `doc`. On success, fills `members` (if given) with the top-level
// members in order. On failure returns kBadInput naming the member path and
// the byte offset, counted from `base_offset` (the document's offset in its
// line): "field 'd.profit_usd': at byte 57: number '1.50' is not canonical
// (expected '1.5')".
Status check_canonical_document(std::string_view doc, size_t max_depth, size_t base_offset,
                                std::vector<DocMember>* members);

// The unescaped text of a canonical string's contents (`raw` as in DocMember::key).
// REQUIRES: `raw` passed check_canonical_document.
std::string unescape_canonical_string(std::string_view raw);

// The canonical text of a double as the check computes it for numbers of
// more than 15 significant digits (Dragonbox when fmt provides it). It must
// equal json::append_double()'s; exposed for the tests.
std::string format_double_for_check(double d);

}  // namespace dbsync
