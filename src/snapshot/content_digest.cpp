#include "snapshot/content_digest.h"

namespace dbsync {
namespace {
void put_be64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
uint64_t be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}
}  // namespace

void ContentDigest::add(const std::string& collection, uint32_t shard, const Digest128& h) {
  ShardSum& s = collections_[collection][shard];
  uint64_t hi = be64(h.data()), lo = be64(h.data() + 8);
  uint64_t new_lo = s.lo + lo;
  s.hi += hi + (new_lo < s.lo ? 1 : 0);
  s.lo = new_lo;
  ++s.count;
}

void ContentDigest::merge(const ContentDigest& other) {
  for (const auto& [name, shards] : other.collections_) {
    auto& mine = collections_[name];
    for (const auto& [shard, sum] : shards) {
      ShardSum& s = mine[shard];
      uint64_t new_lo = s.lo + sum.lo;
      s.hi += sum.hi + (new_lo < s.lo ? 1 : 0);
      s.lo = new_lo;
      s.count += sum.count;
    }
  }
}

uint64_t ContentDigest::record_count(const std::string& collection) const {
  auto it = collections_.find(collection);
  if (it == collections_.end()) return 0;
  uint64_t n = 0;
  for (const auto& [shard, sum] : it->second) n += sum.count;
  return n;
}

Digest128 ContentDigest::collection_digest(const std::string& collection) const {
  Hasher128 h;
  auto it = collections_.find(collection);
  if (it == collections_.end()) return h.finish();
  for (const auto& [shard, sum] : it->second) {
    std::string part;
    put_be64(part, shard);
    put_be64(part, sum.count);
    put_be64(part, sum.hi);
    put_be64(part, sum.lo);
    Digest128 shard_digest = xxh3_128(part);
    h.update(shard_digest);
  }
  return h.finish();
}

Digest128 ContentDigest::root() const {
  Hasher128 h;
  for (const auto& [name, shards] : collections_) {
    h.update(name);
    h.update(std::string_view("\0", 1));
    h.update(collection_digest(name));
  }
  return h.finish();
}

}  // namespace dbsync
