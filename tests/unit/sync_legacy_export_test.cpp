// Reading the original tool's exports and mongoexport output for
// `dbsync merge FILE`: forms recognised, documents kept exactly, and every
// fault reported with the line it is on.
#include <gtest/gtest.h>

#include "json/canonical.h"
#include "sync/legacy_export.h"

namespace dbsync {
namespace {

ExportFile parse_ok(std::string_view text, ExportFormat format = ExportFormat::kAuto) {
  auto r = parse_export_file(text, "old.json", format, "pnl");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : ExportFile{};
}

std::string parse_error(std::string_view text, ExportFormat format = ExportFormat::kAuto) {
  auto r = parse_export_file(text, "old.json", format, "pnl");
  EXPECT_FALSE(r.has_value());
  if (r) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kBadInput);
  return r.error().message;
}

std::string canonical(const ExportedDocument& d) { return json::to_canonical(d.doc); }

TEST(LegacyExport, AnArrayIsOneCollectionNamedByTheCaller) {
  ExportFile f = parse_ok("[\n  {\"id\": 1, \"note\": \"a\"},\n  {\"id\": 2, \"note\": \"]\\\"}[\"}\n]\n");
  EXPECT_EQ(f.format, ExportFormat::kArray);
  ASSERT_EQ(f.collections.size(), 1u);
  EXPECT_EQ(f.collections[0].name, "pnl");
  ASSERT_EQ(f.collections[0].docs.size(), 2u);
  EXPECT_EQ(canonical(f.collections[0].docs[0]), R"({"id":1,"note":"a"})");
  EXPECT_EQ(canonical(f.collections[0].docs[1]), R"({"id":2,"note":"]\"}["})");
  EXPECT_EQ(f.collections[0].docs[0].line, 2u);
  EXPECT_EQ(f.collections[0].docs[1].line, 3u);
}

TEST(LegacyExport, AnEmptyArrayHasNoDocuments) {
  ExportFile f = parse_ok(" [ ] ");
  ASSERT_EQ(f.collections.size(), 1u);
  EXPECT_TRUE(f.collections[0].docs.empty());
}

TEST(LegacyExport, AnObjectOfArraysIsOneCollectionPerMemberInFileOrder) {
  ExportFile f =
      parse_ok(R"({"trades": [{"id": 1}], "pnl_data": [{"id": 7, "x": [1, {"y": 2}]}, {"id": 8}]})");
  EXPECT_EQ(f.format, ExportFormat::kCollections);
  ASSERT_EQ(f.collections.size(), 2u);
  EXPECT_EQ(f.collections[0].name, "trades");
  EXPECT_EQ(f.collections[1].name, "pnl_data");
  ASSERT_EQ(f.collections[1].docs.size(), 2u);
  EXPECT_EQ(canonical(f.collections[1].docs[0]), R"({"id":7,"x":[1,{"y":2}]})");
}

TEST(LegacyExport, MongoexportLinesAreNdjsonWithExtendedJsonKept) {
  ExportFile f = parse_ok(
      "{\"_id\":{\"$oid\":\"5f1a2b3c4d5e6f7081920a1b\"},\"n\":{\"$numberLong\":\"9007199254740993\"}}\r\n"
      "\n"
      "{\"_id\":{\"$oid\":\"5f1a2b3c4d5e6f7081920a1c\"},\"tags\":[\"a\"]}\n");
  EXPECT_EQ(f.format, ExportFormat::kNdjson);
  ASSERT_EQ(f.collections[0].docs.size(), 2u);
  EXPECT_EQ(canonical(f.collections[0].docs[0]),
            R"({"_id":{"$oid":"5f1a2b3c4d5e6f7081920a1b"},"n":{"$numberLong":"9007199254740993"}})");
  EXPECT_EQ(f.collections[0].docs[1].line, 3u);
}

TEST(LegacyExport, ASingleDocumentWhoseFieldsAreNotAllArraysIsNdjson) {
  ExportFile f = parse_ok(R"({"id": 1, "tags": ["a"]})");
  EXPECT_EQ(f.format, ExportFormat::kNdjson);
  ASSERT_EQ(f.collections[0].docs.size(), 1u);
}

TEST(LegacyExport, AFormatCanBeForced) {
  ExportFile f = parse_ok(R"({"tags": ["a"]})", ExportFormat::kNdjson);
  EXPECT_EQ(f.format, ExportFormat::kNdjson);
  EXPECT_EQ(f.collections[0].name, "pnl");
  EXPECT_EQ(parse_export_format("collections").value(), ExportFormat::kCollections);
  EXPECT_EQ(parse_export_format("csv").error().code, ErrorCode::kUsage);
}

TEST(LegacyExport, AFaultInsideAPrettyPrintedDocumentNamesItsOwnLine) {
  std::string msg = parse_error("[\n  {\n    \"id\": 1,\n    \"note\": \"a\" \"b\"\n  }\n]\n");
  EXPECT_NE(msg.find("'old.json' line 4"), std::string::npos) << msg;
}

TEST(LegacyExport, DuplicateMembersAndInexactNumbersAreRejected) {
  EXPECT_NE(parse_error("[{\"id\": 1, \"id\": 2}]").find("line 1"), std::string::npos);
  EXPECT_NE(parse_error("[\n{\"id\": 99999999999999999999}]").find("line 2"), std::string::npos);
}

TEST(LegacyExport, ADocumentMustBeAnObject) {
  std::string msg = parse_error("[\n{\"id\": 1},\n42\n]");
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("object"), std::string::npos) << msg;
}

TEST(LegacyExport, BrokenStructureIsReportedWhereItBreaks) {
  EXPECT_NE(parse_error("[\n{\"id\": 1}\n{\"id\": 2}]").find("line 3"), std::string::npos);  // missing ','
  EXPECT_NE(parse_error("[{\"id\": 1}").find("expected"), std::string::npos);                // unclosed
  EXPECT_NE(parse_error("[{\"id\": \"x}]").find("not closed"), std::string::npos);  // unclosed string
  EXPECT_NE(parse_error("[{\"id\": 1}]\n[]").find("line 2"), std::string::npos);    // trailing data
  EXPECT_NE(parse_error("[{\"id\": [1}]").find("brackets"), std::string::npos);
  EXPECT_NE(parse_error("   ").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("id,note\n1,a\n").find("neither"), std::string::npos);  // a CSV file
}

TEST(LegacyExport, ACollectionNamedTwiceIsRejected) {
  std::string msg = parse_error("{\"pnl\": [],\n \"pnl\": []}", ExportFormat::kCollections);
  EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("twice"), std::string::npos) << msg;
}

TEST(LegacyExport, ABadNdjsonLineIsNamed) {
  std::string msg = parse_error("{\"id\": 1}\n{\"id\": 2}\n{\"id\": }\n");
  EXPECT_NE(msg.find("'old.json' line 3"), std::string::npos) << msg;
}

TEST(LegacyExport, InvalidUtf8IsRejected) {
  std::string text = "[{\"note\": \"a\xff\"}]";
  EXPECT_NE(parse_error(text).find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace dbsync
