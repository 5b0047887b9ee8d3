// The SQLite store's fast paths (store/sqlite/sqlite_value.h) against the
// general writers and readers: wherever a fast path answers, its bytes
// (or bits) must be the general path's, or a snapshot would change with
// the code that wrote it.
#include "store/sqlite/sqlite_value.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "json/canonical.h"
#include "json/number_format.h"

namespace dbsync {
namespace {

std::string general_string(std::string_view s) {
  std::string out;
  json::append_string_literal(out, s);
  return out;
}

std::string general_double(double d) { return json::to_canonical(json::Value(d)); }

// Checks one string: the fast path answers exactly for printable ASCII
// without '"' or '\', and then with the general path's bytes.
void check_string(std::string_view s) {
  bool plain = true;
  for (unsigned char c : s) plain = plain && c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  std::string out = "x";
  bool fast = append_plain_string(out, s);
  EXPECT_EQ(fast, plain) << general_string(s);
  if (fast) {
    EXPECT_EQ(out, "x" + general_string(s));
  } else {
    EXPECT_EQ(out, "x") << "a declined fast path appended something";
  }
}

TEST(SqliteValueFastPath, PlainStringsAreTheirOwnLiteralsAndOthersAreDeclined) {
  check_string("");
  check_string("trader_42");
  check_string("trade 1 closed by strategy momentum-v1 and then some more words");
  check_string("say \"hi\"");
  check_string("back\\slash");
  check_string("tab\there");
  check_string("line\nbreak");
  check_string(std::string("nul\0inside", 10));
  check_string("del\x7f");
  check_string("caf\xc3\xa9");
  check_string("\xe2\x82\xac 5");
  check_string("\xf0\x9f\x98\x80");
  check_string("\xff\xfe not utf-8");
  // Every byte value at every position of strings of 0..19 bytes: the
  // 8-byte words, the padded tail and their border.
  for (size_t len = 1; len < 20; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(b);
        check_string(s);
      }
    }
  }
}

// Whether the fast path answered.
bool check_double(double d) {
  std::string out = "x";
  if (append_short_double(out, d)) {
    EXPECT_EQ(out, "x" + general_double(d)) << std::bit_cast<uint64_t>(d);
    return true;
  }
  EXPECT_EQ(out, "x") << "a declined fast path appended something";
  return false;
}

TEST(SqliteValueFastPath, ShortDoublesPrintAsTheGeneralWriterPrintsThem) {
  // The values such data holds take the fast path.
  for (double d : {-598.63, 1.0, -1.0, 0.1, 0.3, 2.5, 100.0, 1234.5678, -4.9863, 1e-6, 0.000123,
                   999999999999999.0, 123456789012345.0, 12345678901234.5}) {
    std::string out;
    EXPECT_TRUE(append_short_double(out, d)) << general_double(d);
    EXPECT_EQ(out, general_double(d));
  }
  // Limits and values it must leave to the general path, or print alike.
  for (double d : {0.0,
                   -0.0,
                   1e300,
                   -1e300,
                   5e-324,
                   2.2250738585072014e-308,
                   1e15,
                   1e16,
                   9.999999999999999e14,
                   9.99e-7,
                   1e-7,
                   1.0 / 3,
                   2.0 / 3,
                   0.1 + 0.2,
                   9007199254740992.0,
                   9007199254740993.0,
                   1e21,
                   1e22,
                   123456789012345.67,
                   0.30000000000000004,
                   1.7976931348623157e308,
                   std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN()}) {
    if (!std::isfinite(d)) {
      std::string out;
      EXPECT_FALSE(append_short_double(out, d));
      continue;
    }
    check_double(d);
  }
  std::mt19937_64 rng(20261125);
  // Decimals with few digits, as prices and amounts are (most of which the
  // fast path must take, or this would test little).
  int taken = 0;
  for (int i = 0; i < 400000; ++i) {
    int k = static_cast<int>(rng() % 13);
    int64_t m = static_cast<int64_t>(rng() % 10000000000000000ULL) >> (rng() % 50);
    double d = static_cast<double>(m) / std::pow(10.0, k);
    if (rng() & 1) d = -d;
    taken += check_double(d);
    check_double(std::nextafter(d, 0.0));
    check_double(std::nextafter(d, 1e300));
  }
  EXPECT_GT(taken, 200000);
  // Any bit pattern.
  for (int i = 0; i < 400000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (std::isfinite(d)) check_double(d);
  }
  // Uniform in the fast path's range.
  std::uniform_real_distribution<double> mag(-6.0, 15.0);
  for (int i = 0; i < 400000; ++i) check_double(std::pow(10.0, mag(rng)));
}

bool check_parse(std::string_view text) {
  double fast = 0;
  if (!parse_short_double(text, fast)) return false;
  double general = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), general);
  EXPECT_EQ(r.ec, std::errc()) << text;
  EXPECT_EQ(std::bit_cast<uint64_t>(fast), std::bit_cast<uint64_t>(general)) << text;
  return true;
}

TEST(SqliteValueFastPath, ShortDecimalsReadAsFromCharsReadsThem) {
  for (std::string_view t : {"-598.63", "1.0", "0.1", "0.000001", "123456789012345.6", "9007199254740.992"}) {
    double d;
    EXPECT_TRUE(parse_short_double(t, d)) << t;
    check_parse(t);
  }
  // Zero keeps its sign through the general path; integers, exponents and
  // malformed text are not this path's.
  for (std::string_view t : {"0.0", "-0.0", "0.000", "1", "-5", "1e300", "1.5e-7", "5e-324", "", "-", ".5",
                             "1.", "01.5", "1..5", "1.5x", "12345678901234567.8", "90071992547409.93"}) {
    double d;
    EXPECT_FALSE(parse_short_double(t, d)) << t;
  }
  std::mt19937_64 rng(112526);
  int taken = 0;
  for (int i = 0; i < 400000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    check_parse(general_double(d));
    int k = static_cast<int>(rng() % 23);
    uint64_t m = rng() % ((uint64_t{1} << 53) + 1);
    std::string digits = std::to_string(m);
    if (digits.size() <= static_cast<size_t>(k))
      digits.insert(0, static_cast<size_t>(k) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(k), k == 0 ? "" : ".");
    taken += check_parse(digits);
    check_parse("-" + digits);
  }
  EXPECT_GT(taken, 200000);
}

}  // namespace
}  // namespace dbsync
