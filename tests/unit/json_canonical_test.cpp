// Canonical JSON writing (DESIGN §2, docs/JSON.md §2): member order, string
// escaping, integers and doubles, non-finite doubles.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "json/canonical.h"
#include "json/parse.h"
#include "json/value.h"

namespace dbsync::json {
namespace {

// UTF-8 of one code point, for building test strings.
std::string u8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string canon_of(std::string_view text) {
  auto v = parse(text);
  if (!v) return "ERROR " + v.error().message;
  return to_canonical(*v);
}

// ---- member order ----

TEST(JsonKeyOrder, SupplementaryCharactersSortBeforeUpperBmpAsUtf16Does) {
  // By UTF-8 bytes or code points U+1F600 > U+FB33 > U+E000; by UTF-16 code
  // units it is D83D, which sorts before E000 and FB33.
  Value v =
      make_object({{u8(0xFB33), 1}, {u8(0xE000), 2}, {u8(0x1F600), 3}, {"a", 4}, {"", 5}, {u8(0xD7FF), 6}});
  EXPECT_EQ(to_canonical(v), "{\"\":5,\"a\":4,\"" + u8(0xD7FF) + "\":6,\"" + u8(0x1F600) + "\":3,\"" +
                                 u8(0xE000) + "\":2,\"" + u8(0xFB33) + "\":1}");
}

TEST(JsonKeyOrder, CompareFollowsUtf16CodeUnits) {
  EXPECT_LT(jcs_key_compare(u8(0x10000), u8(0xFFFF)), 0);
  EXPECT_GT(jcs_key_compare(u8(0xFFFF), u8(0x10000)), 0);
  EXPECT_LT(jcs_key_compare(u8(0x10FFFF), u8(0xE000)), 0);
  EXPECT_LT(jcs_key_compare(u8(0xD7FF), u8(0x10000)), 0);  // D7FF < D800
  EXPECT_LT(jcs_key_compare(u8(0x10000), u8(0x10FFFF)), 0);
  // The difference after a shared prefix.
  EXPECT_LT(jcs_key_compare("x" + u8(0x1F602), "x" + u8(0xE000)), 0);
  EXPECT_GT(jcs_key_compare("x" + u8(0xEFFF), "x" + u8(0x1F602) + "z"), 0);
  // Same first code unit: then code point order (both supplementary).
  EXPECT_LT(jcs_key_compare(u8(0x1F600), u8(0x1F601)), 0);
  // Prefixes and equality.
  EXPECT_LT(jcs_key_compare("a", "ab"), 0);
  EXPECT_GT(jcs_key_compare("ab", "a"), 0);
  EXPECT_EQ(jcs_key_compare(u8(0x1F600), u8(0x1F600)), 0);
  EXPECT_LT(jcs_key_compare("", "a"), 0);
  // Not locale order: upper case before lower case, no accent folding.
  EXPECT_LT(jcs_key_compare("Z", "a"), 0);
  EXPECT_LT(jcs_key_compare("peach", "p" + u8(0xE9) + "ch" + u8(0xE9)), 0);
  EXPECT_LT(jcs_key_compare("p" + u8(0xE9) + "ch" + u8(0xE9), "p" + u8(0xEA) + "che"), 0);
}

TEST(JsonKeyOrder, ParsedObjectsAreSortedAndFindable) {
  auto v = parse("{\"" + u8(0xE000) + "\":1,\"b\":2,\"" + u8(0x1F600) + "\":3,\"a\":4}");
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(to_canonical(*v), "{\"a\":4,\"b\":2,\"" + u8(0x1F600) + "\":3,\"" + u8(0xE000) + "\":1}");
  ASSERT_NE(v->find(u8(0xE000)), nullptr);
  EXPECT_EQ(*v->find(u8(0xE000)), Value(1));
  EXPECT_EQ(*v->find(u8(0x1F600)), Value(3));
  EXPECT_EQ(v->find("c"), nullptr);
  v->set("c", "x");
  v->set(u8(0x10000), true);
  EXPECT_EQ(to_canonical(*v), "{\"a\":4,\"b\":2,\"c\":\"x\",\"" + u8(0x10000) + "\":true,\"" + u8(0x1F600) +
                                  "\":3,\"" + u8(0xE000) + "\":1}");
  EXPECT_TRUE(v->erase("b"));
  EXPECT_FALSE(v->erase("b"));
  EXPECT_EQ(v->as_object().size(), 5u);
}

TEST(JsonKeyOrder, NestedObjectsAreSortedToo) {
  EXPECT_EQ(canon_of(R"({"b":[{"z":1,"y":{"d":0,"c":0}}],"a":{"B":1,"A":2}})"),
            R"({"a":{"A":2,"B":1},"b":[{"y":{"c":0,"d":0},"z":1}]})");
}

// ---- string escaping ----

TEST(JsonEscaping, ControlCharactersUseShortFormsOrLowercaseU00xx) {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all += static_cast<char>(c);
  std::string out;
  append_string_literal(out, all);
  EXPECT_EQ(out,
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
            "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c"
            "\\u001d\\u001e\\u001f\"");
}

TEST(JsonEscaping, QuoteAndBackslashEscapedEverythingElseLiteral) {
  std::string s = "\"\\/" + std::string("\x7f") + u8(0x2028) + u8(0x2029) + u8(0xE9) + u8(0x1F600) + "<>&'";
  std::string out;
  append_string_literal(out, s);
  EXPECT_EQ(out, "\"\\\"\\\\/\x7f" + u8(0x2028) + u8(0x2029) + u8(0xE9) + u8(0x1F600) + "<>&'\"");
}

TEST(JsonEscaping, NulInsideStringsAndKeysSurvives) {
  std::string with_nul("a\0b", 3);
  Value v = make_object({{with_nul, with_nul}});
  EXPECT_EQ(to_canonical(v), "{\"a\\u0000b\":\"a\\u0000b\"}");
  auto back = parse(to_canonical(v));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, v);
  EXPECT_EQ(back->as_object()[0].first.size(), 3u);
}

TEST(JsonEscaping, InputEscapesAreDecodedAndWrittenMinimally) {
  EXPECT_EQ(canon_of(R"(["\u00e9\u00E9","\/","\u0041","\ud83d\ude00","\u2028","\u007f","\u001F","\uFEFF"])"),
            "[\"" + u8(0xE9) + u8(0xE9) + "\",\"/\",\"A\",\"" + u8(0x1F600) + "\",\"" + u8(0x2028) +
                "\",\"\x7f\"," + "\"\\u001f\",\"" + u8(0xFEFF) + "\"]");
}

// ---- integers ----

TEST(JsonIntegers, Int64ExtremesAreExact) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(to_canonical(Value(kMin)), "-9223372036854775808");
  EXPECT_EQ(to_canonical(Value(kMax)), "9223372036854775807");
  EXPECT_EQ(to_canonical(Value(int64_t{9007199254740993})), "9007199254740993");
  auto v = parse("[-9223372036854775808,9223372036854775807,9007199254740993,0,-1]");
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(v->as_array()[0], Value(kMin));
  EXPECT_EQ(v->as_array()[1], Value(kMax));
  EXPECT_EQ(v->as_array()[2], Value(int64_t{9007199254740993}));
  EXPECT_TRUE(v->as_array()[3].is_int());
  EXPECT_EQ(to_canonical(*v), "[-9223372036854775808,9223372036854775807,9007199254740993,0,-1]");
}

TEST(JsonIntegers, JcsProfileRoundsBeyond2To53LikeRfc8785) {
  EXPECT_EQ(to_canonical(Value(int64_t{9007199254740992}), NumberProfile::kJcs), "9007199254740992");
  EXPECT_EQ(to_canonical(Value(int64_t{9007199254740993}), NumberProfile::kJcs), "9007199254740992");
  EXPECT_EQ(to_canonical(Value(int64_t{-9007199254740993}), NumberProfile::kJcs), "-9007199254740992");
  EXPECT_EQ(to_canonical(Value(std::numeric_limits<int64_t>::max()), NumberProfile::kJcs),
            "9223372036854776000");
  EXPECT_EQ(to_canonical(Value(42), NumberProfile::kJcs), "42");
}

TEST(JsonIntegers, IntegerAndDoubleStayDistinct) {
  auto v = parse("[1,1.0,1e0,-0,-0.0,0]");
  ASSERT_TRUE(v.has_value()) << v.error().message;
  const Array& a = v->as_array();
  EXPECT_TRUE(a[0].is_int());
  EXPECT_TRUE(a[1].is_double());
  EXPECT_TRUE(a[2].is_double());
  EXPECT_TRUE(a[3].is_int());  // -0 is the integer 0
  EXPECT_TRUE(a[4].is_double());
  EXPECT_TRUE(std::signbit(a[4].as_double()));
  EXPECT_NE(a[0], a[1]);
  EXPECT_NE(a[4], Value(0.0));  // equality is bitwise
  EXPECT_EQ(to_canonical(*v), "[1,1.0,1.0,0,-0.0,0]");
}

// ---- doubles ----

struct DoubleCase {
  double value;
  const char* dbsync;
  const char* jcs;
};

TEST(JsonDoubles, ShortestRoundTripWithDotOrExponent) {
  const DoubleCase cases[] = {
      {1.0, "1.0", "1"},
      {-0.0, "-0.0", "0"},
      {0.0, "0.0", "0"},
      {1e21, "1e+21", "1e+21"},
      {1e-7, "1e-7", "1e-7"},
      {1e-6, "0.000001", "0.000001"},
      {0.1, "0.1", "0.1"},
      {0.3, "0.3", "0.3"},
      {0.1 + 0.2, "0.30000000000000004", "0.30000000000000004"},
      {5e-324, "5e-324", "5e-324"},
      {-5e-324, "-5e-324", "-5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308", "1.7976931348623157e+308"},
      {2.2250738585072014e-308, "2.2250738585072014e-308", "2.2250738585072014e-308"},
      {123456789012345680000.0, "123456789012345680000.0", "123456789012345680000"},
      {9.999999999999999e20, "999999999999999900000.0", "999999999999999900000"},
      {1e20, "100000000000000000000.0", "100000000000000000000"},
      {56.0, "56.0", "56"},
      {-1.5, "-1.5", "-1.5"},
      {4.5, "4.5", "4.5"},
      {333333333.3333333, "333333333.3333333", "333333333.3333333"},
      {1e30, "1e+30", "1e+30"},
      {1.5e-7, "1.5e-7", "1.5e-7"},
      {9007199254740993.0, "9007199254740992.0", "9007199254740992"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_canonical(Value(c.value)), c.dbsync) << c.dbsync;
    EXPECT_EQ(to_canonical(Value(c.value), NumberProfile::kJcs), c.jcs) << c.jcs;
    // What is written reads back as the same double, bit for bit.
    auto back = parse(c.dbsync);
    ASSERT_TRUE(back.has_value()) << c.dbsync << ": " << back.error().message;
    ASSERT_TRUE(back->is_double()) << c.dbsync;
    EXPECT_EQ(*back, Value(c.value)) << c.dbsync;
  }
}

TEST(JsonDoubles, NonFiniteBecomeExtendedJsonWrappers) {
  EXPECT_EQ(to_canonical(Value(std::numeric_limits<double>::quiet_NaN())), R"({"$numberDouble":"NaN"})");
  EXPECT_EQ(to_canonical(Value(std::numeric_limits<double>::infinity())), R"({"$numberDouble":"Infinity"})");
  EXPECT_EQ(to_canonical(Value(-std::numeric_limits<double>::infinity())),
            R"({"$numberDouble":"-Infinity"})");
  EXPECT_EQ(to_canonical(Value(-std::numeric_limits<double>::quiet_NaN())), R"({"$numberDouble":"NaN"})");
  // Inside structures and under either profile.
  Value v = make_object({{"x", Array{Value(std::numeric_limits<double>::infinity()), Value(1.5)}}});
  EXPECT_EQ(to_canonical(v, NumberProfile::kJcs), R"({"x":[{"$numberDouble":"Infinity"},1.5]})");
  // Reading the text back gives the wrapper object, whose text is the same.
  auto back = parse(to_canonical(v));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  const Value& wrapper = back->find("x")->as_array()[0];
  ASSERT_TRUE(wrapper.is_object());
  EXPECT_EQ(*wrapper.find("$numberDouble"), Value("Infinity"));
  EXPECT_EQ(to_canonical(*back), to_canonical(v));
}

// ---- whole documents ----

TEST(JsonCanonical, AppendsWithoutClearing) {
  std::string out = "prefix:";
  append_canonical(out, Value(Array{Value(nullptr), Value(true), Value(false)}));
  EXPECT_EQ(out, "prefix:[null,true,false]");
}

TEST(JsonCanonical, RecordLikeDocumentRoundTrips) {
  const char* text = R"({
    "user" : "trader1", "ts": "2026-01-15T10:30:45Z",
    "pnl": -12.50, "qty": 100, "fee": 0.0, "tags": ["a", "b"], "note": null,
    "_id": {"$oid": "65a4f0c2e4b0a1b2c3d4e5f6"}, "big": {"$numberLong": "9223372036854775807"}
  })";
  auto v = parse(text);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  std::string c = to_canonical(*v);
  EXPECT_EQ(c, R"({"_id":{"$oid":"65a4f0c2e4b0a1b2c3d4e5f6"},"big":{"$numberLong":"9223372036854775807"},)"
               R"("fee":0.0,"note":null,"pnl":-12.5,"qty":100,"tags":["a","b"],"ts":"2026-01-15T10:30:45Z",)"
               R"("user":"trader1"})");
  auto again = parse(c);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *v);
  EXPECT_EQ(to_canonical(*again), c);
}

TEST(JsonCanonical, EmptyContainersAndScalarsAtTopLevel) {
  EXPECT_EQ(canon_of(" { } "), "{}");
  EXPECT_EQ(canon_of("[ ]"), "[]");
  EXPECT_EQ(canon_of("[[],{},[{}]]"), "[[],{},[{}]]");
  EXPECT_EQ(canon_of("\"x\""), "\"x\"");
  EXPECT_EQ(canon_of("null"), "null");
  EXPECT_EQ(canon_of(" -12 "), "-12");
  EXPECT_EQ(canon_of("2.50E+2"), "250.0");
}

}  // namespace
}  // namespace dbsync::json
