#include "snapshot/rev.h"

#include <gtest/gtest.h>

namespace dbsync {
namespace {

TEST(Rev, FormatsAndParsesRoundTrip) {
  Rev rev{1768473045123, 0x2a, "asset1"};
  EXPECT_EQ(rev.to_string(), "2026-01-15T10:30:45.123Z-002a-asset1");
  auto back = parse_rev(rev.to_string());
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, rev);
}

TEST(Rev, StringOrderIsClockOrder) {
  Rev a{1000, 5, "b"}, b{1000, 6, "a"}, c{1001, 0, "a"};
  EXPECT_LT(a.to_string(), b.to_string());
  EXPECT_LT(b.to_string(), c.to_string());
}

TEST(Rev, RejectsMalformed) {
  for (const char* bad : {"", "2026-01-15T10:30:45.123Z-002a-", "2026-01-15T10:30:45.123Z-002A-x",
                          "2026-13-15T10:30:45.123Z-0000-x", "2026-01-15 10:30:45.123Z-0000-x",
                          "2026-01-15T10:30:45.123Z-0000-a/b", "2026-02-30T10:30:45.123Z-0000-x"}) {
    EXPECT_FALSE(parse_rev(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace dbsync
