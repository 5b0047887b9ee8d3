#include <gtest/gtest.h>

#include <chrono>

#include "json/canonical.h"
#include "report/report.h"

namespace dbsync {
namespace {

using json::Value;

// The figures of DESIGN §7's example, plus two listed conflicts.
Report example() {
  Report r;
  r.timestamp = "2026-01-15 10:30:45";
  r.replica = "asset2";
  r.database = "sqlite:bot.db";
  CollectionReport c;
  c.name = "pnl_data";
  c.counts.local_only = 3;
  c.counts.remote_only = 5;
  c.counts.common = 190;
  c.counts.conflicts_resolved = 2;
  c.counts.total = 198;
  c.counts.records_changed = 7;
  c.counts.fields_changed = 9;
  Conflict k;
  k.key = R"(["trader1","2026-01-15T10:30:45Z"])";
  k.path = {"profit_usd"};
  k.base = Value(10.0);
  k.ours = Value(12.0);
  k.theirs = Value(15.0);
  k.chosen = Value(15.0);
  k.rule = Rule::kNewer;
  c.conflicts.push_back(k);
  Conflict d;
  d.key = "[7]";
  d.base = json::make_object({{"id", Value(7)}});
  d.theirs = json::make_object({{"id", Value(7)}, {"note", Value("x")}});
  d.chosen = d.theirs;
  d.rule = Rule::kKeepOnDelete;
  c.conflicts.push_back(d);
  r.add(c);
  return r;
}

TEST(ReportText, FollowsTheLayoutOfDesignSection7) {
  EXPECT_EQ(
      render_text(example()),
      "DATABASE SYNCHRONIZATION REPORT\n"
      "Timestamp: 2026-01-15 10:30:45   Replica: asset2   Database: sqlite:bot.db\n"
      "Collection: pnl_data\n"
      "  Local only records: 3   Remote only records: 5   Common records: 190\n"
      "  Conflicts resolved: 2   Duplicates removed: 0   Deleted: 0\n"
      "  Total merged: 198\n"
      "  Records changed: 7   Fields changed: 9\n"
      "  Conflict: key [\"trader1\",\"2026-01-15T10:30:45Z\"] field profit_usd: base 10.0, ours 12.0, "
      "theirs 15.0 -> 15.0 (newer)\n"
      "  Conflict: key [7] field (record): base {\"id\":7}, ours (missing), theirs {\"id\":7,\"note\":\"x\"} "
      "-> {\"id\":7,\"note\":\"x\"} (keep-on-delete)\n"
      "SUMMARY: Total records after merge: 198   Conflicts resolved: 2   Status: SUCCESS\n");
}

TEST(ReportText, ShowsUnresolvedConflictsDuplicatesAndFailures) {
  Report r = example();
  CollectionReport extra;
  extra.name = "pnl_data";
  extra.result = MergeResult::kConflict;
  extra.counts.conflicts_unresolved = 1;
  DuplicateRemoval dup;
  dup.removed_key = "[20]";
  dup.survivor_key = "[10]";
  dup.before_line = R"({"d":{"id":20},"h":"0","r":"x"})";
  extra.duplicates.push_back(dup);
  r.add(extra);
  std::string text = render_text(r);
  EXPECT_NE(text.find("  Unresolved conflicts: 1 (run 'dbsync conflicts')\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  Duplicate removed: key [20] (kept [10]), before: {\"d\":{\"id\":20},"),
            std::string::npos);
  EXPECT_NE(text.find("Status: CONFLICTS\n"), std::string::npos);
  r.result = MergeResult::kError;
  r.error = "cannot read 'x'";
  text = render_text(r);
  EXPECT_NE(text.find("Error: cannot read 'x'\nSUMMARY:"), std::string::npos) << text;
  EXPECT_NE(text.find("Status: FAILED\n"), std::string::npos);
}

TEST(ReportText, LongValuesAreShortenedAtACharacterBoundary) {
  Report r = example();
  r.collections[0].conflicts[0].ours = Value(std::string(300, 'x') + "é");
  r.collections[0].conflicts[0].theirs = Value("\"" + std::string(197, 'y') + "ééé");
  std::string text = render_text(r);
  EXPECT_NE(text.find("xxx…"), std::string::npos);
  EXPECT_EQ(text.find(std::string(250, 'x')), std::string::npos);
  // Never a broken UTF-8 sequence before the ellipsis.
  auto at = text.find("yyy");
  ASSERT_NE(at, std::string::npos);
  size_t ell = text.find("…", at);
  ASSERT_NE(ell, std::string::npos);
  EXPECT_NE(static_cast<unsigned char>(text[ell - 1]), 0xC3);
}

TEST(ReportJson, CarriesTheSameNumbersAndReadsBack) {
  Report r = example();
  Value j = report_to_json(r);
  const Value& c = j.find("collections")->as_array().at(0);
  EXPECT_EQ(*c.find("local_only"), Value(3));
  EXPECT_EQ(*c.find("remote_only"), Value(5));
  EXPECT_EQ(*c.find("common"), Value(190));
  EXPECT_EQ(*c.find("conflicts_resolved"), Value(2));
  EXPECT_EQ(*c.find("total"), Value(198));
  EXPECT_EQ(*j.find("summary")->find("total_records"), Value(198));
  EXPECT_EQ(*j.find("status"), Value("SUCCESS"));
  const Value& k = c.find("conflicts")->as_array().at(0);
  EXPECT_EQ(json::to_canonical(k),
            R"({"base":10.0,"chosen":15.0,"field":"profit_usd","key":["trader1","2026-01-15T10:30:45Z"],)"
            R"("ours":12.0,"path":["profit_usd"],"resolved":true,"rule":"newer","theirs":15.0})");
  // Missing values are absent members, not null.
  const Value& d = c.find("conflicts")->as_array().at(1);
  EXPECT_EQ(d.find("ours"), nullptr);
  auto back = report_from_json(j);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(json::to_canonical(report_to_json(*back)), json::to_canonical(j));
  EXPECT_EQ(render_text(*back), render_text(r));
}

TEST(ReportJson, RejectsWhatIsNotAReport) {
  EXPECT_FALSE(report_from_json(Value(1)).has_value());
  EXPECT_FALSE(report_from_json(json::make_object({{"version", Value(2)}})).has_value());
  Value j = report_to_json(example());
  j.find("collections")->as_array()[0].set("total", Value(-1));
  auto r = report_from_json(j);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("'total' is not a count"), std::string::npos) << r.error().message;
}

TEST(Report, AddSumsCollectionsOfTheSameName) {
  Report r;
  CollectionReport a, b, z;
  a.name = "pnl";
  a.counts.total = 2;
  a.counts.local_only = 1;
  b.name = "pnl";
  b.counts.total = 3;
  b.result = MergeResult::kConflict;
  z.name = "aaa";
  r.add(a);
  r.add(b);
  r.add(z);
  ASSERT_EQ(r.collections.size(), 2u);
  EXPECT_EQ(r.collections[0].name, "aaa");
  EXPECT_EQ(r.collections[1].counts.total, 5u);
  EXPECT_EQ(r.collections[1].counts.local_only, 1u);
  EXPECT_EQ(r.result, MergeResult::kConflict);
  EXPECT_EQ(r.total_records(), 5u);
}

TEST(Report, RedactsCredentials) {
  EXPECT_EQ(redact_url("postgresql://alice:s3cret@db.example.com:5432/app"),
            "postgresql://***@db.example.com:5432/app");
  EXPECT_EQ(redact_url("mongodb://u:p@h1,h2/db?replicaSet=rs"), "mongodb://***@h1,h2/db?replicaSet=rs");
  EXPECT_EQ(redact_url("postgresql://h/db?user=a&password=s3cret&x=1"),
            "postgresql://h/db?user=a&password=***&x=1");
  EXPECT_EQ(redact_url("host=h password=s3cret dbname=x"), "host=h password=*** dbname=x");
  EXPECT_EQ(redact_url("sqlite:bot.db"), "sqlite:bot.db");
  EXPECT_EQ(redact_url("sqlite:/data/a@b.db"), "sqlite:/data/a@b.db");
}

TEST(Report, TimeIsUtcInTheLayoutOfDesign) {
  auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1768473045));
  EXPECT_EQ(format_report_time(t), "2026-01-15 10:30:45");
}

}  // namespace
}  // namespace dbsync
