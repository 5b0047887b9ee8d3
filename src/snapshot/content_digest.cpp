#include "snapshot/content_digest.h"

#include <charconv>
#include <cstdio>

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

void ContentDigest::add_sum(const std::string& collection, uint32_t shard, const ShardSum& sum) {
  ShardSum& s = collections_[collection][shard];
  uint64_t new_lo = s.lo + sum.lo;
  s.hi += sum.hi + (new_lo < s.lo ? 1 : 0);
  s.lo = new_lo;
  s.count += sum.count;
}

ContentDigest::ShardSum ContentDigest::shard_sum(const std::string& collection, uint32_t shard) const {
  auto c = collections_.find(collection);
  if (c == collections_.end()) return {};
  auto s = c->second.find(shard);
  return s == c->second.end() ? ShardSum{} : s->second;
}

std::string ContentDigest::ShardSum::to_string() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llu:%016llx%016llx", static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(hi), static_cast<unsigned long long>(lo));
  return buf;
}

std::optional<ContentDigest::ShardSum> ContentDigest::ShardSum::parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 20 || text.size() != colon + 33)
    return std::nullopt;
  ShardSum s;
  auto digits = [](std::string_view t, int base, uint64_t& out) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out, base);
    return ec == std::errc() && end == t.data() + t.size() &&
           t.find_first_not_of(base == 10 ? "0123456789" : "0123456789abcdef") == std::string_view::npos;
  };
  if (!digits(text.substr(0, colon), 10, s.count) || !digits(text.substr(colon + 1, 16), 16, s.hi) ||
      !digits(text.substr(colon + 17, 16), 16, s.lo))
    return std::nullopt;
  return s;
}

void ContentDigest::merge(const ContentDigest& other) {
  for (const auto& [name, shards] : other.collections_) {
    for (const auto& [shard, sum] : shards) add_sum(name, shard, sum);
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
