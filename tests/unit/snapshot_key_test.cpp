// Key encoding and shard placement (DESIGN §2, docs/FORMAT.md).
#include <gtest/gtest.h>

#include <set>

#include "json/parse.h"
#include "snapshot/key.h"
#include "unit/snapshot_test_util.h"

namespace dbsync {
namespace {

json::Value doc(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : json::Value();
}

TEST(Key, EncodingIsTheCanonicalArrayOfKeyValues) {
  EXPECT_EQ(*key_encoding(doc(R"({"id":42,"x":1})"), {"id"}), "[42]");
  EXPECT_EQ(*key_encoding(doc(R"({"user":"trader1","ts":"2026-01-15T10:30:45Z","p":1.5})"), {"user", "ts"}),
            R"(["trader1","2026-01-15T10:30:45Z"])");
  // Order of the key fields, not of the document, decides.
  EXPECT_EQ(*key_encoding(doc(R"({"a":1,"b":2})"), {"b", "a"}), "[2,1]");
  // Values are written canonically, whatever their kind.
  EXPECT_EQ(*key_encoding(doc(R"({"k":{"$oid":"5f1d7a0e0000000000000000"}})"), {"k"}),
            R"([{"$oid":"5f1d7a0e0000000000000000"}])");
  EXPECT_EQ(*key_encoding(doc(R"({"k":1.0})"), {"k"}), "[1.0]");
  EXPECT_EQ(*key_encoding(doc(R"({"k":"a\"b"})"), {"k"}), R"(["a\"b"])");
}

TEST(Key, MissingKeyFieldIsAnErrorNamingIt) {
  auto r = key_encoding(doc(R"({"id":1})"), {"id", "ts"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadInput);
  EXPECT_EQ(r.error().message, "field 'ts': key field is missing from the record");
}

TEST(Key, ShardCountsArePowersOfTwoUpTo4096) {
  for (uint32_t n = 1; n <= kMaxShards; n *= 2) EXPECT_TRUE(is_valid_shard_count(n)) << n;
  for (uint32_t n : {0u, 3u, 5u, 6u, 12u, 255u, 257u, 8192u, 4097u})
    EXPECT_FALSE(is_valid_shard_count(n)) << n;
}

TEST(Key, ShardIsTheLowBitsOfXxh3OfTheEncoding) {
  for (uint32_t count : {1u, 2u, 16u, 256u, 4096u}) {
    std::set<uint32_t> seen;
    for (int i = 0; i < 5000; ++i) {
      std::string key = "[" + std::to_string(i) + "]";
      uint32_t s = shard_of(key, count);
      EXPECT_EQ(s, testing::shard_by_hand(key, count));
      EXPECT_LT(s, count);
      seen.insert(s);
    }
    // 5000 keys reach every shard of a small count.
    if (count <= 256) {
      EXPECT_EQ(seen.size(), count);
    }
  }
}

TEST(Key, ShardFileNames) {
  EXPECT_EQ(shard_file_name(0, 1), "00.jsonl");
  EXPECT_EQ(shard_file_name(10, 16), "0a.jsonl");
  EXPECT_EQ(shard_file_name(255, 256), "ff.jsonl");
  EXPECT_EQ(shard_file_name(0, 512), "000.jsonl");
  EXPECT_EQ(shard_file_name(511, 512), "1ff.jsonl");
  EXPECT_EQ(shard_file_name(4095, 4096), "fff.jsonl");
}

TEST(Key, ParsesShardFileNamesBack) {
  for (uint32_t count : {1u, 2u, 256u, 512u, 4096u}) {
    for (uint32_t s = 0; s < count; s += (count > 16 ? 7 : 1)) {
      uint32_t back = 9999;
      ASSERT_TRUE(parse_shard_file_name(shard_file_name(s, count), count, back)) << s << "/" << count;
      EXPECT_EQ(back, s);
    }
  }
  uint32_t s;
  EXPECT_FALSE(parse_shard_file_name("0A.jsonl", 256, s));   // uppercase
  EXPECT_FALSE(parse_shard_file_name("000.jsonl", 256, s));  // 3 digits below 512 shards
  EXPECT_FALSE(parse_shard_file_name("00.jsonl", 512, s));   // 2 digits above 256 shards
  EXPECT_FALSE(parse_shard_file_name("80.jsonl", 128, s));   // out of range
  EXPECT_FALSE(parse_shard_file_name("01.jsonl", 1, s));
  EXPECT_FALSE(parse_shard_file_name("00.json", 1, s));
  EXPECT_FALSE(parse_shard_file_name("00.jsonl.orig", 1, s));
  EXPECT_FALSE(parse_shard_file_name("schema.json", 1, s));
}

}  // namespace
}  // namespace dbsync
