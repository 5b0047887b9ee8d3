#include <gtest/gtest.h>

#include "property/merge_test_util.h"
#include "report/driver_log.h"

namespace dbsync {
namespace {

Report shard_report(const std::string& collection, uint64_t total, uint64_t local_only) {
  Report r;
  CollectionReport c;
  c.name = collection;
  c.counts.total = total;
  c.counts.local_only = local_only;
  Conflict k;
  k.key = "[1]";
  k.path = {"p"};
  k.ours = json::Value(1);
  k.theirs = json::Value(2);
  k.chosen = json::Value(2);
  c.conflicts.push_back(k);
  c.counts.conflicts_resolved = 1;
  r.add(c);
  return r;
}

TEST(DriverLog, CountsRunsWhoseResultTheWorkingTreeHolds) {
  testing::TempDir tmp;
  testing::write(tmp.path() / "dbsync/pnl/00.jsonl", "A\n");
  testing::write(tmp.path() / "dbsync/pnl/01.jsonl", "B\n");
  ASSERT_TRUE(write_driver_record(tmp.path(), "dbsync/pnl/00.jsonl", 0, "A\n", shard_report("pnl", 3, 1)));
  ASSERT_TRUE(write_driver_record(tmp.path(), "dbsync/pnl/01.jsonl", 1, "B\n", shard_report("pnl", 4, 2)));
  // A virtual-base run whose result the working tree does not hold.
  ASSERT_TRUE(
      write_driver_record(tmp.path(), "dbsync/pnl/00.jsonl", 0, "virtual\n", shard_report("pnl", 100, 100)));
  auto r = collect_driver_records(tmp.path());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->files.size(), 3u);
  EXPECT_EQ(r->stale, 1u);
  ASSERT_EQ(r->report.collections.size(), 1u);
  EXPECT_EQ(r->report.collections[0].counts.total, 7u);
  EXPECT_EQ(r->report.collections[0].counts.local_only, 3u);
  EXPECT_EQ(r->report.collections[0].conflicts.size(), 2u);
}

TEST(DriverLog, AnEmptiedShardMatchesAMissingFile) {
  testing::TempDir tmp;
  ASSERT_TRUE(write_driver_record(tmp.path(), "dbsync/pnl/00.jsonl", 0, "", shard_report("pnl", 0, 0)));
  auto r = collect_driver_records(tmp.path());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stale, 0u);
  EXPECT_EQ(r->report.collections.size(), 1u);
}

TEST(DriverLog, RejectsARecordPointingOutsideTheRepository) {
  testing::TempDir tmp;
  ASSERT_TRUE(write_driver_record(tmp.path(), "../../etc/passwd", 0, "x", shard_report("pnl", 0, 0)));
  auto r = collect_driver_records(tmp.path());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("bad 'path'"), std::string::npos) << r.error().message;
}

TEST(DriverLog, NothingRecordedIsNothingToReport) {
  testing::TempDir tmp;
  auto r = collect_driver_records(tmp.path());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->files.empty());
  EXPECT_TRUE(r->report.collections.empty());
}

}  // namespace
}  // namespace dbsync
