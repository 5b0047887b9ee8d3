#include "snapshot/record_line.h"

#include <cstring>

#include "json/canonical.h"
#include "snapshot/rev.h"
#include "util/hash.h"

namespace dbsync {
namespace {
constexpr std::string_view kPrefix = "{\"d\":";
constexpr std::string_view kHashTag = ",\"h\":\"";
constexpr std::string_view kRevTag = "\",\"r\":\"";
constexpr std::string_view kSuffix = "\"}";

// Lowercase hex digit -> value; anything else has bit 0x80 set. Checking 32
// digits by OR-ing table entries has no branch to mispredict (a loop of
// range tests mispredicted on about every other digit).
struct HexTable {
  uint8_t v[256];
  constexpr HexTable() : v() {
    for (int i = 0; i < 256; ++i) v[i] = 0x80;
    for (int i = 0; i < 10; ++i) v['0' + i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 6; ++i) v['a' + i] = static_cast<uint8_t>(10 + i);
  }
};
constexpr HexTable kHex;

bool is_lower_hex32(std::string_view s) {
  uint8_t acc = 0;
  for (size_t i = 0; i < 32; ++i) acc |= kHex.v[static_cast<uint8_t>(s[i])];
  return (acc & 0x80) == 0;
}
}  // namespace

bool is_conflict_marker(std::string_view line) {
  // Seven of '<', '=', '>' or '|' (the last for diff3-style bases).
  if (line.size() < 7) return false;
  char c = line[0];
  if (c != '<' && c != '=' && c != '>' && c != '|') return false;
  for (size_t i = 1; i < 7; ++i) {
    if (line[i] != c) return false;
  }
  return true;
}

Result<RecordLine> split_record_line(std::string_view line) {
  if (is_conflict_marker(line)) {
    return fail(
        ErrorCode::kBadInput, "leftover git conflict marker '" + std::string(line.substr(0, 7)) + "'",
        "resolve the merge with 'dbsync merge-driver' or 'git checkout --theirs', then 'dbsync verify'");
  }
  if (line.size() > kMaxLineBytes) {
    return fail(ErrorCode::kBadInput,
                "line is longer than the limit of " + std::to_string(kMaxLineBytes) + " bytes");
  }
  if (!line.empty() && line.back() == '\r') {
    return fail(ErrorCode::kBadInput, "line ends with a carriage return (CRLF line ending)",
                "keep shard files byte for byte: add 'dbsync/** -text' to .gitattributes and "
                "set core.autocrlf=false");
  }
  // Constant-size compares compile to a few instructions.
  if (line.size() < kPrefix.size() + kSuffix.size() || std::memcmp(line.data(), "{\"d\":", 5) != 0 ||
      std::memcmp(line.data() + line.size() - 2, "\"}", 2) != 0) {
    return fail(ErrorCode::kBadInput, "line is not a record {\"d\":…,\"h\":…,\"r\":…}");
  }
  // The rev holds no quote, so the last ","r":" is the envelope's.
  size_t rev_tag = line.rfind(kRevTag);
  if (rev_tag == std::string_view::npos || rev_tag < kPrefix.size() + 32 + kHashTag.size()) {
    return fail(ErrorCode::kBadInput, "field 'r': missing");
  }
  size_t hash_start = rev_tag - 32;
  size_t hash_tag = hash_start - kHashTag.size();
  if (std::memcmp(line.data() + hash_tag, ",\"h\":\"", 6) != 0) {
    return fail(ErrorCode::kBadInput, "field 'h': missing or not 32 hex digits");
  }
  RecordLine out;
  out.doc = line.substr(kPrefix.size(), hash_tag - kPrefix.size());
  out.hash = line.substr(hash_start, 32);
  size_t rev_start = rev_tag + kRevTag.size();
  out.rev = line.substr(rev_start, line.size() - kSuffix.size() - rev_start);
  if (!is_lower_hex32(out.hash)) {
    return fail(ErrorCode::kBadInput, "field 'h': not 32 lowercase hex digits");
  }
  // All records of one export share a rev, so consecutive lines usually
  // carry the same one: remember the last rev that passed. The cache starts
  // empty, and an empty rev is never valid, so it must not match the cache.
  thread_local std::string last_valid_rev;
  if (out.rev.empty() || out.rev != last_valid_rev) {
    if (!is_valid_rev(out.rev)) {
      auto rev = parse_rev(out.rev);  // for the message
      return std::unexpected(std::move(rev.error()).context("field 'r'"));
    }
    last_valid_rev.assign(out.rev);
  }
  return out;
}

Status check_record_line(const RecordLine& line, std::vector<DocMember>* members, Digest128* digest_out) {
  if (auto st = check_canonical_document(line.doc, kMaxNestingDepth, kPrefix.size(), members); !st) {
    return st;
  }
  Digest128 digest = xxh3_128(line.doc);
  // Decode `h` and compare without branches; a non-hex digit sets 0x80.
  unsigned diff = 1;
  if (line.hash.size() == 32) {
    diff = 0;
    for (size_t i = 0; i < 16; ++i) {
      unsigned hi = kHex.v[static_cast<uint8_t>(line.hash[2 * i])];
      unsigned lo = kHex.v[static_cast<uint8_t>(line.hash[2 * i + 1])];
      diff |= ((hi << 4 | lo) ^ digest[i]) | ((hi | lo) & 0x80);
    }
  }
  if (diff != 0) {
    return fail(ErrorCode::kBadInput, "field 'h': hash does not match the document",
                "the line was edited by hand or damaged; restore it from git history");
  }
  if (digest_out != nullptr) *digest_out = digest;
  return {};
}

Result<json::Value> parse_record_doc(std::string_view canonical_doc) {
  json::ParseLimits limits;
  limits.max_depth = kMaxNestingDepth;
  limits.max_bytes = kMaxLineBytes;
  auto doc = json::parse(canonical_doc, limits);
  if (!doc) return std::unexpected(std::move(doc.error()).context("field 'd'"));
  return doc;
}

Result<json::Value> validate_record_line(const RecordLine& line) {
  if (auto st = check_record_line(line); !st) return std::unexpected(std::move(st.error()));
  return parse_record_doc(line.doc);
}

void append_record_line_canonical(std::string& out, std::string_view canonical_doc, std::string_view rev) {
  out += kPrefix;
  out += canonical_doc;
  out += kHashTag;
  out += to_hex(xxh3_128(canonical_doc));
  out += kRevTag;
  out += rev;
  out += kSuffix;
  out += '\n';
}

void append_record_line(std::string& out, const json::Value& doc, std::string_view rev) {
  append_record_line_canonical(out, json::to_canonical(doc), rev);
}

}  // namespace dbsync
