// Record keys and shard placement (DESIGN §2). A record's key encoding is
// the canonical JSON of the array of its key values, e.g. [42] or
// ["trader1","2026-01-15T10:30:45Z"]. Shards are chosen by XXH3-64 of that
// encoding; records sort inside a shard by the encoding's bytes.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json/value.h"
#include "snapshot/canonical_check.h"
#include "util/error.h"

namespace dbsync {

inline constexpr uint32_t kMaxShards = 4096;

// Fails (kBadInput) when a key field is missing from the document.
Result<std::string> key_encoding(const json::Value& doc, const std::vector<std::string>& key_fields);

// The same from the top-level members of a checked canonical document
// (snapshot/record_line.h check_record_line), without parsing it: replaces
// `out` with the encoding. Gives the same bytes as key_encoding().
Status key_encoding_from_members(std::string& out, const std::vector<DocMember>& members,
                                 const std::vector<std::string>& key_fields);

// REQUIRES: is_valid_shard_count(shard_count).
uint32_t shard_of(std::string_view key_encoding, uint32_t shard_count);

// Shard counts are powers of two from 1 to kMaxShards, so a shard is the
// low bits of the hash.
bool is_valid_shard_count(uint32_t shard_count);

// "00.jsonl" … "ff.jsonl" (2 hex digits up to 256 shards, 3 above).
std::string shard_file_name(uint32_t shard, uint32_t shard_count);

// Inverse of shard_file_name; false if `name` is not a shard file of that count.
bool parse_shard_file_name(std::string_view name, uint32_t shard_count, uint32_t& shard);

}  // namespace dbsync
