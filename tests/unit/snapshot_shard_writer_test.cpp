// Shard writer: sorted output, atomic replacement, empty shard removes the file.
#include <gtest/gtest.h>

#include "json/parse.h"
#include "snapshot/shard_reader.h"
#include "snapshot/shard_writer.h"
#include "unit/snapshot_test_util.h"
#include "util/fault.h"

namespace dbsync {
namespace {

using testing::make_line;

std::string line_of(int id) { return make_line("{\"id\":" + std::to_string(id) + "}") + "\n"; }

bool has_temp_files(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

TEST(ShardWriter, RendersLinesSortedByKeyBytes) {
  ShardWriter w;
  for (int id : {3, 10, 1, 2}) w.add_line("[" + std::to_string(id) + "]", line_of(id));
  EXPECT_EQ(w.size(), 4u);
  auto bytes = w.render();
  ASSERT_TRUE(bytes.has_value());
  // By the bytes of the key encoding: "[10]" < "[1]" (']' is above '0').
  EXPECT_EQ(*bytes, line_of(10) + line_of(1) + line_of(2) + line_of(3));
}

TEST(ShardWriter, AddsTheNewlineWhenMissing) {
  ShardWriter w;
  std::string l = line_of(1);
  l.pop_back();
  w.add_line("[1]", l);
  EXPECT_EQ(*w.render(), line_of(1));
}

TEST(ShardWriter, AddBuildsTheCanonicalLineWithItsHash) {
  ShardWriter w;
  auto doc = json::parse(R"({"z":1.5,"id":7,"a":"x"})");
  ASSERT_TRUE(doc.has_value());
  w.add("[7]", *doc, testing::kTestRev);
  EXPECT_EQ(*w.render(), make_line(R"({"a":"x","id":7,"z":1.5})") + "\n");
}

TEST(ShardWriter, DuplicateKeyIsAnInternalError) {
  ShardWriter w;
  w.add_line("[1]", line_of(1));
  w.add_line("[1]", line_of(1));
  auto bytes = w.render();
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code, ErrorCode::kInternal);
  EXPECT_NE(bytes.error().message.find("[1]"), std::string::npos);
}

TEST(ShardWriter, WrittenFileReadsBackThroughTheReader) {
  testing::ScratchDir dir;
  auto path = dir.path() / "dbsync" / "pnl" / "00.jsonl";
  ShardWriter w;
  for (int id = 100; id > 0; --id) w.add_line("[" + std::to_string(id) + "]", line_of(id));
  ASSERT_TRUE(w.write(path).has_value());  // creates the folders
  auto r = ShardReader::open(path, "dbsync/pnl/00.jsonl", ShardSpec{{"id"}, 0, 1});
  ASSERT_TRUE(r.has_value());
  int n = 0;
  for (;;) {
    auto more = r->next();
    ASSERT_TRUE(more.has_value()) << more.error().message;
    if (!*more) break;
    ++n;
  }
  EXPECT_EQ(n, 100);
  EXPECT_FALSE(has_temp_files(path.parent_path()));
}

TEST(ShardWriter, EmptyShardRemovesTheFile) {
  testing::ScratchDir dir;
  auto path = dir.path() / "00.jsonl";
  testing::spit(path, line_of(1));
  ShardWriter empty;
  ASSERT_TRUE(empty.write(path).has_value());
  EXPECT_FALSE(std::filesystem::exists(path));
  // Removing a file that is not there is fine too.
  ASSERT_TRUE(empty.write(path).has_value());
}

TEST(ShardWriter, AFailureAtAnyStepLeavesTheOldFileOrTheNewOne) {
  testing::ScratchDir dir;
  auto path = dir.path() / "00.jsonl";
  const std::string old_bytes = line_of(1);
  ShardWriter w;
  w.add_line("[2]", line_of(2));
  w.add_line("[1]", line_of(1));
  const std::string new_bytes = *w.render();

  // Learn how many durable steps a write takes, then fail each in turn.
  testing::spit(path, old_bytes);
  fault::arm(0);
  ASSERT_TRUE(w.write(path).has_value());
  long steps = fault::steps_seen();
  ASSERT_GE(steps, 3);  // write, fsync, rename (then the folder's fsync)
  EXPECT_EQ(testing::slurp(path), new_bytes);

  bool saw_old = false, saw_new = false;
  for (long k = 1; k <= steps; ++k) {
    testing::spit(path, old_bytes);
    fault::arm(k);
    auto st = w.write(path);
    fault::arm(0);
    EXPECT_FALSE(st.has_value()) << "step " << k;
    std::string now = testing::slurp(path);
    EXPECT_TRUE(now == old_bytes || now == new_bytes) << "step " << k << ": partial file";
    (now == old_bytes ? saw_old : saw_new) = true;
    EXPECT_FALSE(has_temp_files(dir.path())) << "step " << k;
  }
  EXPECT_TRUE(saw_old);  // failing before the rename keeps the old file
}

}  // namespace
}  // namespace dbsync
