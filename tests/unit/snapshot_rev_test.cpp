// The fast rev check must agree with the full parser (is_valid_rev is what
// every line goes through).
#include <gtest/gtest.h>

#include <random>

#include "snapshot/rev.h"

namespace dbsync {
namespace {

TEST(RevCheck, FastCheckAgreesWithTheParser) {
  const std::string valid[] = {"2026-01-15T10:30:45.123Z-0000-asset1", "2024-02-29T23:59:59.999Z-ffff-a",
                               "1970-01-01T00:00:00.000Z-0001-R_1.x-y"};
  const char kBytes[] = "0123456789abcdefABCDEF-:.TZ_ /\x01\xff";
  std::mt19937 rng(11);
  int valid_seen = 0, invalid_seen = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string s = valid[rng() % 3];
    int edits = static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[at] = kBytes[rng() % (sizeof kBytes - 1)]; break;
        case 1: s.erase(at, 1); break;
        default: s.insert(at, 1, kBytes[rng() % (sizeof kBytes - 1)]);
      }
    }
    bool parsed = parse_rev(s).has_value();
    ASSERT_EQ(is_valid_rev(s), parsed) << s;
    (parsed ? valid_seen : invalid_seen)++;
  }
  EXPECT_GT(valid_seen, 1000);
  EXPECT_GT(invalid_seen, 10000);
}

TEST(RevCheck, CalendarRules) {
  EXPECT_TRUE(is_valid_rev("2024-02-29T00:00:00.000Z-0000-a"));   // leap year
  EXPECT_FALSE(is_valid_rev("2023-02-29T00:00:00.000Z-0000-a"));  // not a leap year
  EXPECT_FALSE(is_valid_rev("2100-02-29T00:00:00.000Z-0000-a"));  // century rule
  EXPECT_TRUE(is_valid_rev("2000-02-29T00:00:00.000Z-0000-a"));
  EXPECT_FALSE(is_valid_rev("2026-04-31T00:00:00.000Z-0000-a"));
  EXPECT_FALSE(is_valid_rev("2026-01-01T00:60:00.000Z-0000-a"));
  EXPECT_FALSE(is_valid_rev("2026-01-01T00:00:60.000Z-0000-a"));
  EXPECT_FALSE(is_valid_rev("2026-01-01T00:00:00.000Z-0000-" + std::string(65, 'a')));
  EXPECT_TRUE(is_valid_rev("2026-01-01T00:00:00.000Z-0000-" + std::string(64, 'a')));
}

TEST(RevCheck, ErrorSaysWhichPartIsWrong) {
  EXPECT_NE(parse_rev("2026-01-01T00:00:00.000Z-00G0-a").error().message.find("counter"), std::string::npos);
  EXPECT_NE(parse_rev("2026-01-01T00:00:00.000Z-0000-a/b").error().message.find("replica id"),
            std::string::npos);
  EXPECT_NE(parse_rev("2026-13-01T00:00:00.000Z-0000-a").error().message.find("out of range"),
            std::string::npos);
}

}  // namespace
}  // namespace dbsync
