// The root hash (docs/FORMAT.md "Content digest and root hash").
#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <random>

#include "snapshot/content_digest.h"
#include "unit/snapshot_test_util.h"

namespace dbsync {
namespace {

Digest128 h(std::string_view doc) {
  Digest128 d;
  EXPECT_TRUE(from_hex(testing::xxh128_hex(doc), d));
  return d;
}

struct Rec {
  std::string collection;
  uint32_t shard;
  std::string doc;
};

std::vector<Rec> sample() {
  std::vector<Rec> out;
  for (int i = 0; i < 200; ++i) {
    out.push_back({i % 3 == 0 ? "users" : "pnl_data", static_cast<uint32_t>(i % 8),
                   "{\"id\":" + std::to_string(i) + ",\"profit_usd\":" + std::to_string(i) + ".5}"});
  }
  return out;
}

ContentDigest digest_of(const std::vector<Rec>& recs) {
  ContentDigest d;
  for (const auto& r : recs) d.add(r.collection, r.shard, h(r.doc));
  return d;
}

// The documented algorithm, written out with XXH3 directly.
std::string put_be64(uint64_t v) {
  std::string out;
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}
std::string xxh128_bytes(std::string_view b) {
  XXH128_hash_t x = XXH3_128bits(b.data(), b.size());
  return put_be64(x.high64) + put_be64(x.low64);
}
std::string documented_root(const std::vector<Rec>& recs) {
  std::map<std::string, std::map<uint32_t, std::pair<uint64_t, unsigned __int128>>> sums;
  for (const auto& r : recs) {
    Digest128 d = h(r.doc);
    unsigned __int128 v = 0;
    for (uint8_t byte : d) v = v << 8 | byte;
    auto& s = sums[r.collection][r.shard];
    s.first += 1;
    s.second += v;  // mod 2^128
  }
  std::string root_input;
  for (const auto& [name, shards] : sums) {
    std::string collection_input;
    for (const auto& [shard, s] : shards) {
      collection_input +=
          xxh128_bytes(put_be64(shard) + put_be64(s.first) + put_be64(static_cast<uint64_t>(s.second >> 64)) +
                       put_be64(static_cast<uint64_t>(s.second)));
    }
    root_input += name + std::string(1, '\0') + xxh128_bytes(collection_input);
  }
  return xxh128_bytes(root_input);
}

TEST(ContentDigest, RootIsComputedAsDocumented) {
  auto recs = sample();
  Digest128 root = digest_of(recs).root();
  EXPECT_EQ(std::string(root.begin(), root.end()), documented_root(recs));
}

TEST(ContentDigest, InsertionOrderDoesNotMatter) {
  auto recs = sample();
  Digest128 a = digest_of(recs).root();
  std::mt19937 rng(7);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(recs.begin(), recs.end(), rng);
    EXPECT_EQ(digest_of(recs).root(), a);
  }
}

TEST(ContentDigest, OneChangedFieldChangesTheRoot) {
  auto recs = sample();
  ContentDigest before = digest_of(recs);
  recs[17].doc = "{\"id\":17,\"profit_usd\":17.25}";
  ContentDigest after = digest_of(recs);
  EXPECT_NE(after.root(), before.root());
  EXPECT_NE(after.collection_digest("pnl_data"), before.collection_digest("pnl_data"));
  // The other collection is untouched.
  EXPECT_EQ(after.collection_digest("users"), before.collection_digest("users"));
}

TEST(ContentDigest, MovingOrDroppingARecordChangesTheRoot) {
  auto recs = sample();
  Digest128 base = digest_of(recs).root();
  auto moved = recs;
  moved[1].collection = "users";
  EXPECT_NE(digest_of(moved).root(), base);
  auto dropped = recs;
  dropped.pop_back();
  EXPECT_NE(digest_of(dropped).root(), base);
  auto doubled = recs;
  doubled.push_back(recs[0]);
  EXPECT_NE(digest_of(doubled).root(), base);
}

TEST(ContentDigest, CountsRecordsPerCollection) {
  ContentDigest d = digest_of(sample());
  EXPECT_EQ(d.record_count("users"), 67u);
  EXPECT_EQ(d.record_count("pnl_data"), 133u);
  EXPECT_EQ(d.record_count("absent"), 0u);
}

TEST(ContentDigest, MergingPartsEqualsAddingAll) {
  auto recs = sample();
  ContentDigest a, b;
  for (size_t i = 0; i < recs.size(); ++i)
    (i % 2 ? a : b).add(recs[i].collection, recs[i].shard, h(recs[i].doc));
  a.merge(b);
  EXPECT_EQ(a.root(), digest_of(recs).root());
  EXPECT_EQ(a.record_count("pnl_data"), 133u);
}

TEST(ContentDigest, AnEmptyCollectionIsPartOfTheRoot) {
  ContentDigest a = digest_of(sample());
  ContentDigest b = digest_of(sample());
  b.touch("empty");
  EXPECT_NE(a.root(), b.root());
  EXPECT_EQ(b.record_count("empty"), 0u);
  EXPECT_EQ(b.collections().count("empty"), 1u);
}

}  // namespace
}  // namespace dbsync
