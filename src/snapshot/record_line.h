// One line of a shard file (DESIGN §2): the canonical JSON of
// {"d": <document>, "h": <XXH3-128 of the document's bytes>, "r": <rev>}.
// Because the envelope keys sort as d < h < r, a line is always
//   {"d":<doc>,"h":"<32 hex>","r":"<rev>"}
// and can be split without parsing the document. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "json/parse.h"
#include "json/value.h"
#include "util/error.h"

namespace dbsync {

// The largest line accepted: a 16 MiB BSON document grows by about a third
// as Extended JSON, plus the envelope.
inline constexpr size_t kMaxLineBytes = size_t{32} << 20;
inline constexpr size_t kMaxNestingDepth = 100;  // MongoDB's own limit

// Views into one line (without its '\n').
struct RecordLine {
  std::string_view doc;
  std::string_view hash;
  std::string_view rev;
};

// Splits the envelope; checks shape, hex digits and rev syntax, not the
// document. Errors are kBadInput without a location prefix.
Result<RecordLine> split_record_line(std::string_view line);

// Full check of one line: envelope, the document is a JSON object written
// canonically, `h` matches its bytes. Returns the parsed document.
Result<json::Value> validate_record_line(const RecordLine& line);

// Builds a line from a document and a rev; appends it with its '\n'.
void append_record_line(std::string& out, const json::Value& doc, std::string_view rev);
// Same, from a document already in canonical form. REQUIRES: canonical_doc
// is to_canonical() of an object.
void append_record_line_canonical(std::string& out, std::string_view canonical_doc, std::string_view rev);

// Recognises a line git writes for an unresolved conflict.
bool is_conflict_marker(std::string_view line);

}  // namespace dbsync
