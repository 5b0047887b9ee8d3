// `dbsync report --html`: the same figures as the text, and every value
// from a snapshot (untrusted) escaped, so a hostile record cannot inject
// markup or script into a page someone opens in a browser.
#include <gtest/gtest.h>

#include "report/report.h"

namespace dbsync {
namespace {

using json::Value;

Report hostile() {
  Report r;
  r.timestamp = "2026-01-15 10:30:45";
  r.replica = "asset2";
  r.database = "sqlite:bot.db";
  CollectionReport c;
  c.name = "pnl_data";
  c.counts.local_only = 3;
  c.counts.remote_only = 5;
  c.counts.common = 190;
  c.counts.conflicts_resolved = 1;
  c.counts.total = 198;
  Conflict k;
  k.key = R"(["<script>alert(1)</script>"])";
  k.path = {"note\"><img src=x onerror=alert(2)>"};
  k.base = Value("a & b");
  k.ours = Value("<b>ours</b>");
  k.theirs = Value("it's theirs");
  k.chosen = k.theirs;
  k.rule = Rule::kNewer;
  c.conflicts.push_back(k);
  DuplicateRemoval d;
  d.removed_key = "[\"<i>dup</i>\"]";
  d.survivor_key = "[1]";
  d.before_line = R"({"d":{"x":"</td></table><script>"}})";
  c.duplicates.push_back(d);
  r.add(c);
  return r;
}

TEST(ReportHtml, IsOneSelfContainedPageWithTheSummaryFigures) {
  std::string html = render_html(hostile());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(html.find("total records after merge 198"), std::string::npos) << html;
  EXPECT_NE(html.find("conflicts resolved 1"), std::string::npos);
  EXPECT_NE(html.find("<td>pnl_data</td><td class=n>3</td><td class=n>5</td><td class=n>190</td>"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "no external resources";
}

TEST(ReportHtml, EscapesEveryValueFromTheSnapshot) {
  std::string html = render_html(hostile());
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>ours"), std::string::npos) << html;
  EXPECT_EQ(html.find("<i>dup"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << html;
  EXPECT_NE(html.find("a &amp; b"), std::string::npos) << html;
  EXPECT_NE(html.find("it&#39;s theirs"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;/td&gt;&lt;/table&gt;"), std::string::npos) << html;
}

}  // namespace
}  // namespace dbsync
