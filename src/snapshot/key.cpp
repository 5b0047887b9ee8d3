#include "snapshot/key.h"

#include <cstdio>

#include "json/canonical.h"
#include "util/hash.h"

namespace dbsync {

Result<std::string> key_encoding(const json::Value& doc, const std::vector<std::string>& key_fields) {
  std::string out = "[";
  for (size_t i = 0; i < key_fields.size(); ++i) {
    const json::Value* v = doc.find(key_fields[i]);
    if (v == nullptr) {
      return fail(ErrorCode::kBadInput,
                  "field '" + key_fields[i] + "': key field is missing from the record");
    }
    if (i > 0) out += ',';
    json::append_canonical(out, *v);
  }
  out += ']';
  return out;
}

Status key_encoding_from_members(std::string& out, const std::vector<DocMember>& members,
                                 const std::vector<std::string>& key_fields) {
  out.assign(1, '[');
  for (size_t i = 0; i < key_fields.size(); ++i) {
    const DocMember* found = nullptr;
    for (const DocMember& m : members) {
      if (m.has_name(key_fields[i])) {
        found = &m;
        break;
      }
    }
    if (found == nullptr) {
      return fail(ErrorCode::kBadInput,
                  "field '" + key_fields[i] + "': key field is missing from the record");
    }
    if (i > 0) out += ',';
    out += found->value;
  }
  out += ']';
  return {};
}

bool is_valid_shard_count(uint32_t n) { return n >= 1 && n <= kMaxShards && (n & (n - 1)) == 0; }

uint32_t shard_of(std::string_view key_encoding, uint32_t shard_count) {
  return static_cast<uint32_t>(xxh3_64(key_encoding) & (shard_count - 1));
}

static int shard_digits(uint32_t shard_count) { return shard_count > 256 ? 3 : 2; }

std::string shard_file_name(uint32_t shard, uint32_t shard_count) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*x.jsonl", shard_digits(shard_count), shard);
  return buf;
}

bool parse_shard_file_name(std::string_view name, uint32_t shard_count, uint32_t& shard) {
  int digits = shard_digits(shard_count);
  if (name.size() != static_cast<size_t>(digits) + 6 ||
      name.substr(static_cast<size_t>(digits)) != ".jsonl") {
    return false;
  }
  uint32_t v = 0;
  for (int i = 0; i < digits; ++i) {
    char c = name[static_cast<size_t>(i)];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint32_t>(d);
  }
  if (v >= shard_count) return false;
  shard = v;
  return true;
}

}  // namespace dbsync
