// The root hash (DESIGN §2): a Merkle hash over collections and shards of
// the records' content hashes `h`. Revs are left out on purpose: the digest
// says whether two replicas hold the same data, and a database (which has no
// revs) yields the same digest as a snapshot of the same records.
//
// Inside a shard the record hashes are combined by 128-bit addition with a
// count (a multiset hash), so records can be fed in any order: a store can
// stream rows as the database returns them. Above that, shard and collection
// digests are hashed in order (docs/FORMAT.md gives the exact bytes).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/hash.h"

namespace dbsync {

class ContentDigest {
 public:
  // A shard's part of the digest: its record count and the sum of their
  // hashes mod 2^128 (docs/FORMAT.md §8).
  struct ShardSum {
    uint64_t count = 0;
    uint64_t hi = 0, lo = 0;
    // "<count>:<32 hex digits of sum>", as matched.json keeps it.
    std::string to_string() const;
    static std::optional<ShardSum> parse(std::string_view text);
    bool operator==(const ShardSum&) const = default;
  };

  void add(const std::string& collection, uint32_t shard, const Digest128& record_hash);
  // Adds a whole shard's records at once (a shard carried over unread).
  void add_sum(const std::string& collection, uint32_t shard, const ShardSum& sum);
  // The shard's sum so far (zero when nothing was added).
  ShardSum shard_sum(const std::string& collection, uint32_t shard) const;
  // Adds every record another digest holds (e.g. one built by another
  // thread over other shards); the result is as if all were added here.
  void merge(const ContentDigest& other);
  // Makes an empty collection appear in the result.
  void touch(const std::string& collection) { collections_[collection]; }

  uint64_t record_count(const std::string& collection) const;
  Digest128 collection_digest(const std::string& collection) const;
  Digest128 root() const;
  const auto& collections() const { return collections_; }

 private:
  std::map<std::string, std::map<uint32_t, ShardSum>> collections_;
};

}  // namespace dbsync
