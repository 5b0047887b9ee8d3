// json::parse policy and limits (docs/JSON.md §1 and §3): what is rejected,
// where the message says the fault is, and what is kept exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "json/canonical.h"
#include "json/diagnose.h"
#include "json/parse.h"

namespace dbsync::json {
namespace {

std::string error_of(std::string_view text, const ParseLimits& limits = {}) {
  auto v = parse(text, limits);
  if (v) return "accepted: " + to_canonical(*v);
  EXPECT_EQ(v.error().code, ErrorCode::kBadInput);
  return v.error().message;
}

std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

// ---- limits ----

TEST(JsonLimits, DepthLimitIsExactAndNamesTheBracket) {
  ParseLimits limits{.max_depth = 100, .max_bytes = 1 << 20};
  EXPECT_TRUE(parse(nested(100), limits).has_value());
  EXPECT_EQ(error_of(nested(101), limits), "at byte 100: nesting deeper than the limit of 100");
  std::string objects;
  for (int i = 0; i < 101; ++i) objects += "{\"k\":";
  objects += "1" + std::string(101, '}');
  EXPECT_EQ(error_of(objects, limits), "at byte 500: nesting deeper than the limit of 100");
  // Default limit.
  EXPECT_TRUE(parse(nested(128)).has_value());
  EXPECT_EQ(error_of(nested(129)), "at byte 128: nesting deeper than the limit of 128");
}

TEST(JsonLimits, DifferentLimitsOnOneThreadDoNotInterfere) {
  ParseLimits shallow{.max_depth = 2, .max_bytes = 1 << 20};
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(parse(nested(50)).has_value());
    EXPECT_FALSE(parse(nested(3), shallow).has_value());
    EXPECT_TRUE(parse(nested(2), shallow).has_value());
  }
}

TEST(JsonLimits, DepthBeyondTheSupportedMaximumIsClamped) {
  ParseLimits huge{.max_depth = 1'000'000, .max_bytes = size_t{64} << 20};
  EXPECT_TRUE(parse(nested(kMaxSupportedDepth), huge).has_value());
  EXPECT_EQ(error_of(nested(kMaxSupportedDepth + 1), huge),
            "at byte 1000: nesting deeper than the limit of 1000");
  // Deep input well past every limit is rejected, not a stack overflow.
  EXPECT_FALSE(parse(nested(200'000), huge).has_value());
  EXPECT_TRUE(diagnose(nested(200'000), huge).has_value());
}

TEST(JsonLimits, SizeLimitIsExact) {
  ParseLimits limits{.max_depth = 10, .max_bytes = 16};
  EXPECT_TRUE(parse("\"0123456789abcd\"", limits).has_value());  // 16 bytes
  EXPECT_EQ(error_of("\"0123456789abcde\"", limits),
            "at byte 16: the text is larger than the limit of 16 bytes");
}

TEST(JsonLimits, LargeDocumentThenSmallOnesReuseTheParser) {
  std::string big = "[";
  for (int i = 0; i < 200'000; ++i) big += std::to_string(i) + ",";
  big += "0]";
  auto v = parse(big);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(v->as_array().size(), 200'001u);
  auto small = parse("{\"a\":1}");
  ASSERT_TRUE(small.has_value()) << small.error().message;
  EXPECT_EQ(to_canonical(*small), "{\"a\":1}");
}

// ---- numbers ----

TEST(JsonNumbers, Int64RangeIsEnforcedWithAHint) {
  EXPECT_TRUE(parse("9223372036854775807").has_value());
  EXPECT_TRUE(parse("-9223372036854775808").has_value());
  auto over = parse("[1, 9223372036854775808]");
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().message, "at byte 4: integer '9223372036854775808' is outside the int64 range");
  EXPECT_NE(over.error().hint.find("$numberDecimal"), std::string::npos);
  EXPECT_EQ(error_of("{\"a\":-9223372036854775809}"),
            "at byte 5: integer '-9223372036854775809' is outside the int64 range");
  EXPECT_EQ(error_of("18446744073709551616"),
            "at byte 0: integer '18446744073709551616' is outside the int64 range");
}

TEST(JsonNumbers, OverflowRejectedLargestDoubleAccepted) {
  auto max = parse("[1.7976931348623157e308, 1.7976931348623158e308, -1.7976931348623157E+308]");
  ASSERT_TRUE(max.has_value()) << max.error().message;
  EXPECT_EQ(to_canonical(*max), "[1.7976931348623157e+308,1.7976931348623157e+308,-1.7976931348623157e+308]");
  EXPECT_EQ(error_of("[1.7976931348623159e308]"),
            "at byte 1: number '1.7976931348623159e308' is too large for a double");
  EXPECT_EQ(error_of("-1e309"), "at byte 0: number '-1e309' is too large for a double");
  // 400 digits without an exponent overflow as well.
  EXPECT_NE(error_of("1" + std::string(400, '0') + ".0").find("too large for a double"), std::string::npos);
}

TEST(JsonNumbers, UnderflowToZeroRejectedSubnormalsAccepted) {
  EXPECT_EQ(error_of("[1e-400]"), "at byte 1: number '1e-400' is too small for a double and would become 0");
  EXPECT_EQ(error_of("2.4e-324"),
            "at byte 0: number '2.4e-324' is too small for a double and would become 0");
  EXPECT_NE(error_of("0." + std::string(400, '0') + "1").find("would become 0"), std::string::npos);
  auto tiny = parse("[2.5e-324, 5e-324, 4.9406564584124654e-324, 2.2250738585072011e-308]");
  ASSERT_TRUE(tiny.has_value()) << tiny.error().message;
  EXPECT_EQ(to_canonical(*tiny), "[5e-324,5e-324,5e-324,2.225073858507201e-308]");
  // Zero however written is zero, not an underflow.
  auto zeros = parse("[0.0, -0.0, 0e-999, 0.000e+5, 0E0, -0e-400]");
  ASSERT_TRUE(zeros.has_value()) << zeros.error().message;
  EXPECT_EQ(to_canonical(*zeros), "[0.0,-0.0,0.0,0.0,0.0,-0.0]");
}

TEST(JsonNumbers, UnderflowIsFoundAmongOtherNumbersAndDigitsInStrings) {
  // The check looks at the spelling of each zero double; digits, '-' and
  // escaped quotes inside strings must not confuse which literal is which.
  std::string ok = R"({"s":"-1e-999 \"0.5\" 12","a":[1,-2.5,0.0,"1e-400",3,0e0,{"k-1":0.0}],"z":0.0})";
  auto v = parse(ok);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  std::string bad = R"({"s":"-1e-999 \"0.5\" 12","a":[1,-2.5,0.0,"1e-400",3,0e0,{"k-1":1e-999}],"z":0.0})";
  EXPECT_EQ(error_of(bad), "at byte 64: number '1e-999' is too small for a double and would become 0");
}

TEST(JsonNumbers, DecimalsRoundToTheNearestDouble) {
  auto v = parse("[1.000000000000000005, 0.1, 1E2, 2.50, 100e-2]");
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(to_canonical(*v), "[1.0,0.1,100.0,2.5,1.0]");
}

// ---- strings and keys ----

TEST(JsonStrings, DuplicateKeysRejectedAfterUnescaping) {
  EXPECT_EQ(error_of(R"({"a":1,"b":2,"a":3})"), "at byte 13: duplicate object key \"a\"");
  EXPECT_EQ(error_of(R"({"a":1,"\u0061":2})"), "at byte 7: duplicate object key \"a\"");
  EXPECT_EQ(error_of(R"({"x":{"k":1},"y":[{"k":1,"k":1}]})"), "at byte 25: duplicate object key \"k\"");
  // The same key in different objects is fine; so are NFC and NFD spellings.
  EXPECT_TRUE(parse(R"({"k":{"k":{"k":1}},"a":[{"k":1},{"k":2}]})").has_value());
  EXPECT_TRUE(parse("{\"\xc3\xa9\":1,\"e\xcc\x81\":2}").has_value());
}

TEST(JsonStrings, EncodingFaultsNameTheByte) {
  EXPECT_EQ(error_of("[\"ab\xff\"]"), "at byte 4: invalid UTF-8: byte 0xff never occurs in UTF-8");
  EXPECT_EQ(error_of("[\"\xed\xa0\x80\"]"),
            "at byte 2: invalid UTF-8: encodes the surrogate U+D800, which is not a character");
  EXPECT_EQ(error_of("\"\xc0\xaf\""), "at byte 1: invalid UTF-8: overlong encoding of U+002F");
  EXPECT_EQ(error_of("\"\xe2\x82\""), "at byte 1: invalid UTF-8: sequence starting with 0xe2 is cut short");
  EXPECT_EQ(
      error_of(R"(["ok","\uD800x"])"),
      "at byte 7: lone high surrogate \\uD800 (it must be followed by a low surrogate \\uDC00-\\uDFFF)");
  EXPECT_EQ(error_of(R"({"\uDC00":1})"),
            "at byte 2: lone low surrogate \\uDC00 (it must follow a high surrogate \\uD800-\\uDBFF)");
  EXPECT_EQ(error_of("\xef\xbb\xbf{}"),
            "at byte 0: the text starts with a byte order mark (U+FEFF), which JSON does not allow");
  EXPECT_EQ(error_of(std::string("{\0}\0", 4)),
            "at byte 0: the text looks like UTF-16; dbsync reads JSON as UTF-8 only");
  EXPECT_EQ(error_of("[\"a\tb\"]"), "at byte 3: control character U+0009 must be escaped in a string");
}

TEST(JsonStrings, EverythingValidIsKeptByteForByte) {
  std::string text = "[\"\\u0000\x7f\xef\xbf\xbf\xf4\x8f\xbf\xbf\xe2\x80\xa8\\ud83d\\ude00\"]";
  auto v = parse(text);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(v->as_array()[0].as_string(),
            std::string("\0\x7f\xef\xbf\xbf\xf4\x8f\xbf\xbf\xe2\x80\xa8\xf0\x9f\x98\x80", 16));
}

// ---- structure ----

TEST(JsonStructure, MessagesNameTheFirstFault) {
  EXPECT_EQ(error_of(""), "at byte 0: no JSON value (the text is empty or white space)");
  EXPECT_EQ(error_of("[1,2,]"), "at byte 4: trailing comma before ']'");
  EXPECT_EQ(error_of("{\"a\":1,}"), "at byte 6: trailing comma before '}'");
  EXPECT_EQ(error_of("{\"a\":[1,2"), "at byte 9: unexpected end of the text: '[' at byte 5 is not closed");
  EXPECT_EQ(error_of("{\"a\" 1}"), "at byte 5: unexpected '1'; expected ':' after the object key");
  EXPECT_EQ(error_of("{} {}"),
            "at byte 3: unexpected '{'; expected the end of the text after the JSON value");
  EXPECT_EQ(error_of("[NaN]"), "at byte 1: unexpected 'N'; expected a value");
  EXPECT_EQ(error_of("[01]"), "at byte 1: invalid number '01': leading zeros are not allowed");
  EXPECT_EQ(error_of("[tru]"), "at byte 1: invalid literal 'tru'; expected true");
  EXPECT_EQ(error_of("\"abc"), "at byte 0: string is not closed");
  EXPECT_EQ(error_of("[\"\\x\"]"), "at byte 2: invalid escape '\\x' in a string");
  EXPECT_EQ(error_of("[1]\f"),
            "at byte 3: unexpected U+000C; expected the end of the text after the JSON value");
}

TEST(JsonStructure, JsonWhiteSpaceOnly) {
  EXPECT_TRUE(parse(" \t\r\n[ 1 ,\t2 ]\r\n ").has_value());
  EXPECT_NE(error_of("[1,\xc2\xa0"
                     "2]")
                .find("unexpected character U+00A0"),
            std::string::npos);
}

// ---- threads ----

TEST(JsonThreads, ConcurrentParsesWithDifferentLimitsAgree) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      ParseLimits limits{.max_depth = static_cast<size_t>(10 + t), .max_bytes = 1 << 20};
      for (int i = 0; i < 2000; ++i) {
        std::string doc =
            "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + ",\"d\":" + nested(10) + "}";
        auto v = parse(doc, limits);
        if (t == 0) {  // depth 11 > 10
          if (v.has_value()) ++failures[t];
          continue;
        }
        if (!v || to_canonical(*v) != "{\"d\":" + nested(10) + ",\"i\":" + std::to_string(i) +
                                          ",\"t\":" + std::to_string(t) + "}") {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace dbsync::json
