// The dbsync form of Extended JSON (store/mongo/bson_json.h): one text per
// BSON value, read back as the same value, and the URL helpers.
#include <gtest/gtest.h>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/mongo/bson_json.h"
#include "store/mongo/mongo_url.h"

namespace dbsync {
namespace {

std::string round_trip(const std::string& text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  auto b = value_to_bson(*v);
  if (!b) return "error: " + b.error().message;
  auto out = bson_to_canonical(**b);
  return out ? *out : "error: " + out.error().message;
}

bson_type_t type_of(const std::string& text, const char* field) {
  auto b = value_to_bson(*json::parse(text));
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, b->get(), field));
  return bson_iter_type(&it);
}

TEST(MongoBsonJson, SnapshotTextsAreFixedPoints) {
  for (const char* text : {
           R"({"a":1})",
           R"({"a":2147483648})",
           R"({"a":{"$numberLong":"1"}})",
           R"({"a":{"$numberLong":"-2147483648"}})",
           R"({"a":-9223372036854775808})",
           R"({"a":1.0})",
           R"({"a":-0.0})",
           R"({"a":1e+21})",
           R"({"a":5e-324})",
           R"({"a":{"$numberDouble":"NaN"}})",
           R"({"a":{"$numberDouble":"-Infinity"}})",
           R"({"a":{"$date":"2026-01-15T10:30:45.123Z"}})",
           R"({"a":{"$date":"1970-01-01T00:00:00Z"}})",
           R"({"a":{"$date":{"$numberLong":"-1"}}})",
           R"({"a":{"$date":{"$numberLong":"253402300800000"}}})",
           R"({"_id":{"$oid":"5f1d7a0e0000000000000000"}})",
           R"({"a":{"$numberDecimal":"1.50"}})",
           R"({"a":{"$binary":{"base64":"AAEC/f7/","subType":"00"}}})",
           R"({"a":{"$binary":{"base64":"","subType":"80"}}})",
           R"({"a":{"$timestamp":{"i":2,"t":1}}})",
           R"({"a":{"$regularExpression":{"options":"im","pattern":"^a.*"}}})",
           R"({"a":{"$minKey":1},"b":{"$maxKey":1}})",
           R"x({"a":{"$code":"f()"},"b":{"$code":"g()","$scope":{"x":1}}})x",
           R"({"a":{"$symbol":"s"},"b":{"$undefined":true}})",
           R"({"a":{"$dbPointer":{"$id":{"$oid":"5f1d7a0e0000000000000000"},"$ref":"c"}}})",
           R"({"a":{"$id":1,"$ref":"c"}})",
           R"({"a":[1,"x",null,true,{"b":[]}]})",
           R"({"a":"nul\u0000inside"})",
       }) {
    EXPECT_EQ(round_trip(text), text);
  }
}

TEST(MongoBsonJson, IntegersKeepTheirBsonType) {
  EXPECT_EQ(type_of(R"({"a":1})", "a"), BSON_TYPE_INT32);
  EXPECT_EQ(type_of(R"({"a":2147483648})", "a"), BSON_TYPE_INT64);
  EXPECT_EQ(type_of(R"({"a":{"$numberLong":"1"}})", "a"), BSON_TYPE_INT64);
  EXPECT_EQ(type_of(R"({"a":1.0})", "a"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(type_of(R"({"a":{"$date":"2026-01-15T10:30:45.123Z"}})", "a"), BSON_TYPE_DATE_TIME);
}

TEST(MongoBsonJson, IdGoesFirstAsTheServerStoresIt) {
  auto b = value_to_bson(*json::parse(R"({"_id":3,"a":1,"Z":2})"));
  ASSERT_TRUE(b.has_value());
  bson_iter_t it;
  bson_iter_init(&it, b->get());
  ASSERT_TRUE(bson_iter_next(&it));
  EXPECT_STREQ(bson_iter_key(&it), "_id");
}

TEST(MongoBsonJson, MalformedWrappersAreRejected) {
  for (const char* text :
       {R"({"a":{"$oid":42}})", R"({"a":{"$numberLong":"1","x":1}})", R"({"a":{"$date":42}})",
        R"({"a":{"$binary":{"base64":"AA=="}}})", R"({"a":{"$timestamp":{"t":-1,"i":0}}})",
        R"({"a\u0000b":1})", R"({"a":{"$minKey":0}})", R"({"a":{"$numberLong":"x"}})"}) {
    auto v = json::parse(text);
    ASSERT_TRUE(v.has_value()) << text;
    auto b = value_to_bson(*v);
    EXPECT_FALSE(b.has_value()) << text;
    if (!b) {
      EXPECT_EQ(b.error().code, ErrorCode::kBadInput) << text;
    }
  }
}

TEST(MongoBsonJson, EmbeddedDocumentsThatLookLikeWrappersAreNotExported) {
  // {"$oid": 42} can be stored by an application but has no snapshot text.
  bson_t* doc = BCON_NEW("a", "{", "$oid", BCON_INT32(42), "}");
  auto text = bson_to_canonical(*doc);
  bson_destroy(doc);
  ASSERT_FALSE(text.has_value());
  EXPECT_NE(text.error().message.find("field 'a'"), std::string::npos) << text.error().message;
}

TEST(MongoBsonJson, DuplicateFieldNamesAreRejected) {
  bson_t* doc = BCON_NEW("a", BCON_INT32(1), "a", BCON_INT32(2));
  auto text = bson_to_canonical(*doc);
  bson_destroy(doc);
  EXPECT_FALSE(text.has_value());
}

TEST(MongoUrl, DisplayFormHidesThePassword) {
  EXPECT_EQ(mongo_display_url("mongodb://u:s3cret@h:1/db"), "mongodb://u:***@h:1/db");
  EXPECT_EQ(mongo_display_url("mongodb+srv://u:p@ss@c.example.net/db"),
            "mongodb+srv://u:***@c.example.net/db");
  EXPECT_EQ(mongo_display_url("mongodb://h/db?password=x&a=b"), "mongodb://h/db?password=***&a=b");
  EXPECT_EQ(mongo_display_url("mongodb://h:27017/db"), "mongodb://h:27017/db");
}

TEST(MongoUrl, NeedsADatabase) {
  auto u = parse_mongo_url("mongodb://u:s3cret@127.0.0.1:1/");
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::kUsage);
  EXPECT_EQ(u.error().message.find("s3cret"), std::string::npos);
  auto ok = parse_mongo_url("mongodb://u:s3cret@127.0.0.1:1/app?authSource=admin");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->database, "app");
  EXPECT_EQ(ok->password, "s3cret");
  auto bad = parse_mongo_url("mongodb://u:s3cret@/app");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message.find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace dbsync
