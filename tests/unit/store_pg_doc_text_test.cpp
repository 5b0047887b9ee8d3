// COPY values straight from canonical JSON text (store/postgres/pg_doc_text.h)
// must be what the parsed value gives through pg_text_of, byte for byte, for
// every column kind: the import writes documents through the text path and
// verifies them against what the value path would have written.
#include <gtest/gtest.h>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/postgres/pg_copy_text.h"
#include "store/postgres/pg_doc_text.h"

namespace dbsync {
namespace {

// The COPY value through the value path, or "error: <code>".
std::string by_value(const PgType& type, const std::string& json) {
  auto v = json::parse(json);
  EXPECT_TRUE(v.has_value()) << json;
  auto text = pg_text_of(type, *v, "f");
  if (!text) return "error: " + std::to_string(static_cast<int>(text.error().code));
  std::string out;
  append_copy_value(out, *text);
  return out;
}

std::string by_text(const PgType& type, const std::string& json) {
  std::string out;
  auto st = append_copy_of_json_text(out, type, json, "f");
  if (!st) return "error: " + std::to_string(static_cast<int>(st.error().code));
  return out;
}

TEST(PgDocText, EveryKindMatchesTheValuePath) {
  const std::vector<std::string> values = {"null",
                                           "true",
                                           "false",
                                           "0",
                                           "1",
                                           "-1",
                                           "42",
                                           "9223372036854775807",
                                           "-9223372036854775808",
                                           "123456789012345678",
                                           "1.0",
                                           "-0.0",
                                           "0.1",
                                           "3.0",
                                           "1e+21",
                                           "1.5e-07",
                                           "2.5",
                                           R"("")",
                                           R"("abc")",
                                           R"("a b\tc")",
                                           R"("quote \" and \\ backslash")",
                                           R"("line\nbreak")",
                                           R"("\u0000")",
                                           R"("é ü 中")",
                                           R"("2026-01-15T10:30:45.123Z")",
                                           R"("t")",
                                           R"("1")",
                                           R"([])",
                                           R"([1,2,null])",
                                           R"([[1,2],[3,4]])",
                                           R"(["a","b\"c"])",
                                           R"({})",
                                           R"({"a":1})",
                                           R"({"$numberLong":"5"})",
                                           R"({"$numberDouble":"NaN"})",
                                           R"({"$numberDecimal":"1.50"})",
                                           R"({"$binary":{"base64":"AAEC","subType":"00"}})",
                                           R"({"$binary":{"base64":"!!","subType":"00"}})",
                                           R"({"$date":"2026-01-15T10:30:45Z"})",
                                           R"({"$date":1700000000000})"};
  const std::vector<PgKind> kinds = {PgKind::kInt,         PgKind::kFloat, PgKind::kNumeric,
                                     PgKind::kBool,        PgKind::kBytea, PgKind::kTimestamp,
                                     PgKind::kTimestamptz, PgKind::kJson,  PgKind::kText};
  for (PgKind kind : kinds) {
    for (bool array : {false, true}) {
      PgType type{kind, array};
      for (const auto& v : values) {
        // Canonical input only, as the import passes it.
        auto parsed = json::parse(v);
        ASSERT_TRUE(parsed.has_value()) << v;
        std::string canonical = json::to_canonical(*parsed);
        EXPECT_EQ(by_text(type, canonical), by_value(type, canonical))
            << "kind " << static_cast<int>(kind) << (array ? "[]" : "") << " value " << canonical;
      }
    }
  }
}

TEST(PgDocText, MemberCursorWalksTopLevelMembers) {
  MemberCursor c(R"({"a":1,"b\"q":{"x":[1,"}"]},"c":"s,t"})");
  std::string_view name, value;
  bool escaped = false;
  ASSERT_TRUE(c.next(name, escaped, value));
  EXPECT_EQ(name, "a");
  EXPECT_EQ(value, "1");
  EXPECT_FALSE(escaped);
  ASSERT_TRUE(c.next(name, escaped, value));
  EXPECT_EQ(name, R"(b\"q)");
  EXPECT_TRUE(escaped);
  EXPECT_EQ(value, R"({"x":[1,"}"]})");
  ASSERT_TRUE(c.next(name, escaped, value));
  EXPECT_EQ(name, "c");
  EXPECT_EQ(value, R"("s,t")");
  EXPECT_FALSE(c.next(name, escaped, value));
  EXPECT_TRUE(c.ok());

  MemberCursor empty("{}");
  EXPECT_FALSE(empty.next(name, escaped, value));
  EXPECT_TRUE(empty.ok());
  for (const char* bad : {"", "[]", "{", R"({"a")", R"({"a":1)", R"({"a":1}x)", "{}x"}) {
    MemberCursor b(bad);
    while (b.next(name, escaped, value)) {
    }
    EXPECT_FALSE(b.ok()) << bad;
  }
}

}  // namespace
}  // namespace dbsync
