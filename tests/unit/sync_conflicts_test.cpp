// The untrusted inputs of `dbsync resolve` (sync/conflicts.h): the key as
// typed, and a FILE holding the decided record. Errors name file, line and
// field, as a user needs to find the fault.
#include <gtest/gtest.h>

#include "json/canonical.h"
#include "sync/conflicts.h"

namespace dbsync {
namespace {

using Keys = std::vector<std::string>;

TEST(SyncConflictsKey, AnEncodingIsTakenAsItIsInCanonicalForm) {
  EXPECT_EQ(key_candidates("[\"k1\"]"), Keys{"[\"k1\"]"});
  EXPECT_EQ(key_candidates("[ \"u1\" , 42 ]"), Keys{"[\"u1\",42]"});
  EXPECT_EQ(key_candidates("[1.0]"), Keys{"[1.0]"});
}

TEST(SyncConflictsKey, APlainValueMayBeTextOrTheNumberItSpells) {
  EXPECT_EQ(key_candidates("k1"), Keys{"[\"k1\"]"});
  EXPECT_EQ(key_candidates("42"), (Keys{"[\"42\"]", "[42]"}));
  EXPECT_EQ(key_candidates("\"k1\""), (Keys{"[\"\\\"k1\\\"\"]", "[\"k1\"]"}));
  EXPECT_EQ(key_candidates("trader 1"), Keys{"[\"trader 1\"]"});
}

TEST(SyncConflictsKey, AMalformedOrEmptyEncodingMatchesNothing) {
  EXPECT_TRUE(key_candidates("[\"k1\"").empty());
  EXPECT_TRUE(key_candidates("[]").empty());
}

struct BadFile {
  const char* text;
  const char* want;  // part of the message
};

TEST(SyncConflictsFile, BadRecordsNameTheFileLineAndField) {
  const std::vector<std::string> key{"id"};
  const BadFile cases[] = {
      {"{\n\"id\": \"k1\",\n\"v\": 1,,\n}", "'f.json' line 3, column 8: "},
      {"{\"id\": \"k1\", \"id\": \"k1\"}", "'f.json' line 1, column "},
      {"\n\n[1]", "'f.json' line 3: the record must be a JSON object, not array"},
      {"{\n \"v\": 1\n}", "'f.json' line 1, field 'id': missing"},
      {"{\n \"v\": 1,\n \"id\": \"k2\"\n}", "'f.json' line 3, field 'id': \"k2\" is not"},
      {"{\"id\": \"k1\", \"v\": \"\xff\"}", "'f.json' line 1, column "},
      {"", "'f.json'"},
  };
  for (const auto& c : cases) {
    auto r = parse_record_file(c.text, "f.json", key, "[\"k1\"]");
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().code, ErrorCode::kBadInput) << c.text;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos) << r.error().message;
  }
}

TEST(SyncConflictsFile, NestingDeeperThanARecordMayHoldIsRejected) {
  std::string deep = "{\"id\":\"k1\",\"v\":" + std::string(120, '[') + std::string(120, ']') + "}";
  auto r = parse_record_file(deep, "f.json", {"id"}, "[\"k1\"]");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadInput);
}

TEST(SyncConflictsFile, AGoodRecordIsReturnedWithEveryField) {
  auto r = parse_record_file("{\"v\": 1.0, \"id\": \"k1\", \"n\": null, \"x\": {\"y\": [1]}}", "f.json",
                             {"id"}, "[\"k1\"]");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(json::to_canonical(*r), "{\"id\":\"k1\",\"n\":null,\"v\":1.0,\"x\":{\"y\":[1]}}");
  auto two = parse_record_file("{\"u\": \"a\", \"t\": 7}", "f.json", {"u", "t"}, "[\"a\",7]");
  EXPECT_TRUE(two.has_value());
}

}  // namespace
}  // namespace dbsync
