// Collection names are untrusted (they come from remote snapshots): only
// plain names make paths.
#include <gtest/gtest.h>

#include "snapshot/layout.h"
#include "snapshot/schema.h"
#include "unit/snapshot_test_util.h"

namespace dbsync {
namespace {

TEST(Layout, PlainCollectionNames) {
  using namespace std::string_view_literals;
  for (std::string_view ok : {"pnl_data"sv, "a"sv, "Users.v2"sv, "x-1"sv, "_"sv}) {
    EXPECT_TRUE(is_plain_collection_name(ok)) << ok;
  }
  for (std::string_view bad : {""sv, ".."sv, "."sv, ".hidden"sv, "-rf"sv, "a/b"sv, "../x"sv, "a\\b"sv,
                               "a'b"sv, "a\"b"sv, "a b"sv, "a;b"sv, "caf\xc3\xa9"sv, "a\0b"sv}) {
    EXPECT_FALSE(is_plain_collection_name(bad)) << bad;
  }
  EXPECT_TRUE(is_plain_collection_name(std::string(128, 'a')));
  EXPECT_FALSE(is_plain_collection_name(std::string(129, 'a')));
}

TEST(Layout, CheckNamesTheBadNameWithoutControlBytes) {
  auto st = check_collection_name(std::string_view("a\nb", 3));
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kBadInput);
  EXPECT_EQ(st.error().message.find('\n'), std::string::npos);
  EXPECT_NE(st.error().message.find("is not a plain name"), std::string::npos);
}

TEST(Layout, Paths) {
  SnapshotLayout l("/repo");
  EXPECT_EQ(l.schema_path("pnl").string(), "/repo/dbsync/pnl/schema.json");
  EXPECT_EQ(l.shard_path("pnl", 255, 256).string(), "/repo/dbsync/pnl/ff.jsonl");
  EXPECT_EQ(l.shard_label("pnl", 3, 512), "dbsync/pnl/003.jsonl");
}

TEST(Layout, ListsCollectionsSortedAndRejectsOddFolders) {
  testing::ScratchDir dir;
  SnapshotLayout l(dir.path());
  EXPECT_TRUE(l.list_collections()->empty());  // no dbsync/ folder yet
  for (const char* n : {"zeta", "Alpha", "mid"})
    std::filesystem::create_directories(dir.path() / "dbsync" / n);
  testing::spit(dir.path() / "dbsync" / "README", "files beside collections are not collections");
  EXPECT_EQ(*l.list_collections(), (std::vector<std::string>{"Alpha", "mid", "zeta"}));
  std::filesystem::create_directories(dir.path() / "dbsync" / ".git-ish");
  auto r = l.list_collections();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("'.git-ish' is not a plain name"), std::string::npos) << r.error().message;
}

TEST(Schema, ParsesKeyAndKeepsOtherMembers) {
  auto s = parse_schema("{\"columns\":[\"id\",\"x\"],\"key\":[\"id\"]}\n", "dbsync/pnl/schema.json");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->key, std::vector<std::string>{"id"});
  EXPECT_EQ(s->to_json(), "{\"columns\":[\"id\",\"x\"],\"key\":[\"id\"]}\n");
}

TEST(Schema, WritesCanonicalJson) {
  CollectionSchema s;
  s.key = {"user_id", "timestamp"};
  EXPECT_EQ(s.to_json(), "{\"key\":[\"user_id\",\"timestamp\"]}\n");
}

TEST(Schema, RejectsBadSchemasNamingTheFile) {
  for (const char* text : {"{}", "{\"key\":[]}", "{\"key\":\"id\"}", "{\"key\":[1]}", "{\"key\":[\"\"]}",
                           "[1]", "{\"key\":[\"id\"]", "not json"}) {
    auto s = parse_schema(text, "dbsync/pnl/schema.json");
    ASSERT_FALSE(s.has_value()) << text;
    EXPECT_NE(s.error().message.find("'dbsync/pnl/schema.json'"), std::string::npos) << s.error().message;
  }
}

TEST(Schema, MissingFileMeansKeyId) {
  testing::ScratchDir dir;
  auto s = load_schema(dir.path() / "schema.json", "schema.json");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->key, std::vector<std::string>{"_id"});
}

}  // namespace
}  // namespace dbsync
