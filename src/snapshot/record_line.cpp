#include "snapshot/record_line.h"

#include "json/canonical.h"
#include "snapshot/rev.h"
#include "util/hash.h"

namespace dbsync {
namespace {
constexpr std::string_view kPrefix = "{\"d\":";
constexpr std::string_view kHashTag = ",\"h\":\"";
constexpr std::string_view kRevTag = "\",\"r\":\"";
constexpr std::string_view kSuffix = "\"}";
}  // namespace

bool is_conflict_marker(std::string_view line) {
  for (std::string_view m : {"<<<<<<<", "=======", ">>>>>>>", "|||||||"}) {
    if (line.substr(0, 7) == m) return true;
  }
  return false;
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
  if (line.substr(0, kPrefix.size()) != kPrefix || line.size() < kPrefix.size() + kSuffix.size() ||
      line.substr(line.size() - kSuffix.size()) != kSuffix) {
    return fail(ErrorCode::kBadInput, "line is not a record {\"d\":…,\"h\":…,\"r\":…}");
  }
  size_t rev_tag = line.rfind(kRevTag);
  if (rev_tag == std::string_view::npos || rev_tag < kPrefix.size() + 32 + kHashTag.size()) {
    return fail(ErrorCode::kBadInput, "field 'r': missing");
  }
  size_t hash_start = rev_tag - 32;
  size_t hash_tag = hash_start - kHashTag.size();
  if (line.substr(hash_tag, kHashTag.size()) != kHashTag) {
    return fail(ErrorCode::kBadInput, "field 'h': missing or not 32 hex digits");
  }
  RecordLine out;
  out.doc = line.substr(kPrefix.size(), hash_tag - kPrefix.size());
  out.hash = line.substr(hash_start, 32);
  size_t rev_start = rev_tag + kRevTag.size();
  out.rev = line.substr(rev_start, line.size() - kSuffix.size() - rev_start);
  for (char c : out.hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return fail(ErrorCode::kBadInput, "field 'h': not 32 lowercase hex digits");
    }
  }
  if (auto rev = parse_rev(out.rev); !rev) {
    return std::unexpected(std::move(rev.error()).context("field 'r'"));
  }
  return out;
}

Result<json::Value> validate_record_line(const RecordLine& line) {
  json::ParseLimits limits;
  limits.max_depth = kMaxNestingDepth;
  limits.max_bytes = kMaxLineBytes;
  auto doc = json::parse(line.doc, limits);
  if (!doc) return std::unexpected(std::move(doc.error()).context("field 'd'"));
  if (!doc->is_object()) return fail(ErrorCode::kBadInput, "field 'd': document is not a JSON object");
  std::string canonical = json::to_canonical(*doc);
  if (canonical != line.doc) {
    return fail(ErrorCode::kBadInput, "field 'd': document is not in canonical form",
                "rewrite the file with dbsync, or check that no editor reformatted it");
  }
  if (to_hex(xxh3_128(line.doc)) != line.hash) {
    return fail(ErrorCode::kBadInput, "field 'h': hash does not match the document",
                "the line was edited by hand or damaged; restore it from git history");
  }
  return doc;
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
