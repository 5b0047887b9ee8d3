// One line of a shard file (DESIGN §2): the canonical JSON of
// {"d": <document>, "h": <XXH3-128 of the document's bytes>, "r": <rev>}.
// Because the envelope keys sort as d < h < r, a line is always
//   {"d":<doc>,"h":"<32 hex>","r":"<rev>"}
// and can be split without parsing the document. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "json/parse.h"
#include "json/value.h"
#include "snapshot/canonical_check.h"
#include "util/error.h"
#include "util/hash.h"

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

// Full check of one split line without building the document: it is a JSON
// object written canonically (snapshot/canonical_check.h) within the limits,
// and `h` matches its bytes. Fills `members` (if given) with the document's
// top-level members, from which a key encoding can be taken without parsing,
// and `digest` (if given) with `h` as bytes. This is the hot path of verify
// and merge (well under 1 us for a 280-byte line).
Status check_record_line(const RecordLine& line, std::vector<DocMember>* members = nullptr,
                         Digest128* digest = nullptr);

// The same check, then parses the document. Returns the parsed document.
Result<json::Value> validate_record_line(const RecordLine& line);

// Parses a document that check_record_line() accepted.
Result<json::Value> parse_record_doc(std::string_view canonical_doc);

// Builds a line from a document and a rev; appends it with its '\n'.
void append_record_line(std::string& out, const json::Value& doc, std::string_view rev);
// Same, from a document already in canonical form. REQUIRES: canonical_doc
// is to_canonical() of an object.
void append_record_line_canonical(std::string& out, std::string_view canonical_doc, std::string_view rev);

// Recognises a line git writes for an unresolved conflict.
bool is_conflict_marker(std::string_view line);

}  // namespace dbsync
