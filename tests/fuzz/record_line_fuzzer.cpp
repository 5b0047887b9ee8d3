// libFuzzer target over one shard line (src/snapshot/record_line.h,
// docs/JSON.md §5). A line that split_record_line() + validate_record_line()
// accept must be byte for byte what append_record_line() writes for the
// parsed document and rev. The fast validator (check_record_line, no Value
// built) must agree with the slow definition: parse the document, it is an
// object, to_canonical() of it is the document, and `h` is its XXH3-128;
// the members it reports must be the parsed object's members.
//
// Random bytes almost never carry a matching hash, so each input is checked
// three ways: as a line; with its `h` recomputed (when the envelope splits);
// and as a document wrapped into a line with the right hash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/record_line.h"
#include "util/hash.h"

namespace {

constexpr std::string_view kRev = "2026-01-15T10:30:45.123Z-002a-fuzz";

std::string make_line(std::string_view doc, std::string_view hash, std::string_view rev) {
  std::string line = "{\"d\":";
  line += doc;
  line += ",\"h\":\"";
  line += hash;
  line += "\",\"r\":\"";
  line += rev;
  line += "\"}";
  return line;
}

// The definition the validators must agree with.
bool slow_valid(const dbsync::RecordLine& split) {
  dbsync::json::ParseLimits limits{.max_depth = dbsync::kMaxNestingDepth, .max_bytes = dbsync::kMaxLineBytes};
  auto doc = dbsync::json::parse(split.doc, limits);
  return doc && doc->is_object() && dbsync::json::to_canonical(*doc) == split.doc &&
         dbsync::to_hex(dbsync::xxh3_128(split.doc)) == split.hash;
}

void check_line(std::string_view line) {
  auto split = dbsync::split_record_line(line);
  if (!split) return;
  auto doc = dbsync::validate_record_line(*split);
  std::vector<dbsync::DocMember> members;
  auto fast = dbsync::check_record_line(*split, &members);
  bool slow = slow_valid(*split);
  FUZZ_CHECK(fast.has_value() == slow, "check_record_line() disagrees with parse + to_canonical + hash",
             fast ? std::string(line) : fast.error().message + "  line: " + std::string(line));
  FUZZ_CHECK(doc.has_value() == slow, "validate_record_line() disagrees with parse + to_canonical + hash",
             doc ? std::string(line) : doc.error().message + "  line: " + std::string(line));
  if (!doc) {
    FUZZ_CHECK(doc.error().code == dbsync::ErrorCode::kBadInput, "rejection is not kBadInput",
               doc.error().message);
    return;
  }
  std::string rewritten;
  dbsync::append_record_line(rewritten, *doc, split->rev);
  FUZZ_CHECK(rewritten == std::string(line) + "\n", "accepted line differs from append_record_line()",
             rewritten);

  const auto& object = doc->as_object();
  FUZZ_CHECK(members.size() == object.size(), "check_record_line() members differ in number", line);
  for (size_t i = 0; i < members.size(); ++i) {
    std::string key = members[i].key_escaped ? dbsync::unescape_canonical_string(members[i].key)
                                             : std::string(members[i].key);
    FUZZ_CHECK(key == object[i].first, "member key differs", key);
    FUZZ_CHECK(members[i].has_name(object[i].first), "DocMember::has_name() misses its own name", key);
    FUZZ_CHECK(members[i].value == dbsync::json::to_canonical(object[i].second), "member value differs",
               members[i].value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_line(input);
  if (auto split = dbsync::split_record_line(input)) {
    check_line(make_line(split->doc, dbsync::to_hex(dbsync::xxh3_128(split->doc)), split->rev));
  }
  check_line(make_line(input, dbsync::to_hex(dbsync::xxh3_128(input)), kRev));
  return 0;
}
