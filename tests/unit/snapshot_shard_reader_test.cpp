// Shard files: each error names the file and line (DESIGN §10).
#include <gtest/gtest.h>

#include "snapshot/key.h"
#include "snapshot/shard_reader.h"
#include "unit/snapshot_test_util.h"

namespace dbsync {
namespace {

using testing::make_line;

constexpr const char* kLabel = "dbsync/pnl/00.jsonl";

std::string rec(int64_t id, std::string_view extra = R"("note":"x")") {
  return make_line("{\"id\":" + std::to_string(id) + "," + std::string(extra) + "}") + "\n";
}

ShardSpec spec(uint32_t shard = 0, uint32_t count = 1, bool parse_docs = true) {
  return ShardSpec{{"id"}, shard, count, parse_docs};
}

// Reads to the end; returns the keys read, or the error message.
std::string read_all(std::string bytes, ShardSpec s = spec()) {
  ShardReader r = ShardReader::from_bytes(std::move(bytes), kLabel, s);
  std::string keys;
  for (;;) {
    auto more = r.next();
    if (!more) return "error: " + more.error().message;
    if (!*more) return keys;
    keys += r.current().key;
  }
}

TEST(ShardReader, ReadsSortedRecordsWithLineNumbers) {
  // Keys sort by bytes: "[10]" < "[1]" < "[2]" (']' is above '0').
  std::string bytes = rec(10) + rec(1) + rec(2);
  ShardReader r = ShardReader::from_bytes(bytes, kLabel, spec());
  std::vector<std::string> keys;
  for (size_t line = 1;; ++line) {
    auto more = r.next();
    ASSERT_TRUE(more.has_value()) << more.error().message;
    if (!*more) break;
    const ShardRecord& c = r.current();
    EXPECT_EQ(c.line_no, line);
    ASSERT_TRUE(c.doc.is_object());
    EXPECT_EQ(std::string(c.line) + "\n", rec(c.doc.find("id")->as_int()));
    EXPECT_EQ(c.key, "[" + std::to_string(c.doc.find("id")->as_int()) + "]");
    EXPECT_EQ(to_hex(c.hash), c.parts.hash);
    keys.push_back(c.key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"[10]", "[1]", "[2]"}));
}

TEST(ShardReader, WithoutParsingDocsStillValidatesAndGivesKeys) {
  EXPECT_EQ(read_all(rec(1) + rec(2), spec(0, 1, false)), "[1][2]");
  ShardReader r = ShardReader::from_bytes(rec(5), kLabel, spec(0, 1, false));
  ASSERT_TRUE(*r.next());
  EXPECT_TRUE(r.current().doc.is_null());
  std::string bad = rec(1) + rec(2);
  bad[bad.find("\"h\":\"") + 5] ^= 1;
  EXPECT_EQ(read_all(bad, spec(0, 1, false)),
            "error: 'dbsync/pnl/00.jsonl' line 1: field 'h': hash does not match the document");
}

TEST(ShardReader, EmptyAndMissingFilesAreEmptyShards) {
  EXPECT_EQ(read_all(""), "");
  testing::ScratchDir dir;
  auto r = ShardReader::open(dir.path() / "nope.jsonl", kLabel, spec());
  ASSERT_TRUE(r.has_value());
  auto more = r->next();
  ASSERT_TRUE(more.has_value());
  EXPECT_FALSE(*more);
}

TEST(ShardReader, OpensAFile) {
  testing::ScratchDir dir;
  testing::spit(dir.path() / "00.jsonl", rec(1) + rec(3));
  auto r = ShardReader::open(dir.path() / "00.jsonl", kLabel, spec());
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(*r->next());
  EXPECT_EQ(r->current().key, "[1]");
  ASSERT_TRUE(*r->next());
  EXPECT_EQ(r->current().key, "[3]");
  EXPECT_FALSE(*r->next());
}

TEST(ShardReader, RejectsUnsortedKeys) {
  EXPECT_EQ(read_all(rec(1) + rec(3) + rec(2)),
            "error: 'dbsync/pnl/00.jsonl' line 3: key [2] is out of order");
  EXPECT_EQ(read_all(rec(2) + rec(10)), "error: 'dbsync/pnl/00.jsonl' line 2: key [10] is out of order");
}

TEST(ShardReader, RejectsDuplicateKeys) {
  EXPECT_EQ(read_all(rec(1) + rec(2) + rec(2, R"("note":"other")")),
            "error: 'dbsync/pnl/00.jsonl' line 3: duplicate key [2]");
}

TEST(ShardReader, RejectsARecordInTheWrongShard) {
  // Find ids for shard 0 and shard 1 of 2.
  int64_t in0 = -1, in1 = -1;
  for (int64_t id = 1; in0 < 0 || in1 < 0; ++id) {
    (testing::shard_by_hand("[" + std::to_string(id) + "]", 2) == 0 ? in0 : in1) = id;
  }
  EXPECT_EQ(read_all(rec(in0), spec(0, 2)), "[" + std::to_string(in0) + "]");
  EXPECT_EQ(read_all(rec(in1), spec(0, 2)), "error: 'dbsync/pnl/00.jsonl' line 1: key [" +
                                                std::to_string(in1) +
                                                "] belongs in shard 01.jsonl, not in 00.jsonl");
}

TEST(ShardReader, RejectsATruncatedLastLine) {
  std::string bytes = rec(1) + rec(2);
  bytes.pop_back();
  EXPECT_EQ(read_all(bytes),
            "error: 'dbsync/pnl/00.jsonl' line 2: truncated last line (no newline at the end)");
  // Cut in the middle of the line.
  bytes = rec(1) + rec(2).substr(0, 40);
  EXPECT_EQ(read_all(bytes),
            "error: 'dbsync/pnl/00.jsonl' line 2: truncated last line (no newline at the end)");
}

TEST(ShardReader, NamesTheLineOfAnyBadRecord) {
  std::string conflict = rec(1) + "<<<<<<< ours\n" + rec(2) + "=======\n" + rec(3) + ">>>>>>> theirs\n";
  EXPECT_EQ(read_all(conflict).substr(0, 62),
            "error: 'dbsync/pnl/00.jsonl' line 2: leftover git conflict mar");
  EXPECT_EQ(read_all(rec(1) + "\n" + rec(2)),
            "error: 'dbsync/pnl/00.jsonl' line 2: line is not a record {\"d\":…,\"h\":…,\"r\":…}");
  std::string bad_rev = rec(1) + make_line(R"({"id":2})", "2026-01-15T10:30:45.123Z-0000-") + "\n";
  EXPECT_NE(read_all(bad_rev).find("'dbsync/pnl/00.jsonl' line 2: field 'r': malformed rev"),
            std::string::npos);
  EXPECT_EQ(read_all(rec(1) + make_line(R"({"note":"x"})") + "\n"),
            "error: 'dbsync/pnl/00.jsonl' line 2: field 'id': key field is missing from the record");
  EXPECT_EQ(read_all(rec(1) + make_line("{\"id\":2,\"note\":\"\xff\"}") + "\n"),
            "error: 'dbsync/pnl/00.jsonl' line 2: field 'd.note': at byte 21: invalid UTF-8");
}

}  // namespace
}  // namespace dbsync
