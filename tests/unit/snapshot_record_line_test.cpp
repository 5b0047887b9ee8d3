// Record lines (DESIGN §2, docs/FORMAT.md): what is accepted, and that every
// rejection names the field at fault.
#include <gtest/gtest.h>

#include "json/canonical.h"
#include "snapshot/record_line.h"
#include "unit/snapshot_test_util.h"

namespace dbsync {
namespace {

using testing::kTestRev;
using testing::make_line;
using testing::xxh128_hex;

// The whole check as a shard reader applies it; returns the error message
// ("" when accepted).
std::string check(std::string_view line) {
  auto parts = split_record_line(line);
  if (!parts) return parts.error().message;
  auto doc = validate_record_line(*parts);
  if (!doc) return doc.error().message;
  auto fast = check_record_line(*parts);
  EXPECT_TRUE(fast.has_value()) << "validate accepted but check rejected: " << line;
  return "";
}

void expect_rejected(std::string_view line, std::string_view needle) {
  std::string msg = check(line);
  EXPECT_NE(msg, "") << "accepted: " << line;
  EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg << "\nline: " << line;
}

const std::string kDoc =
    "{\"id\":7,\"note\":\"caf\xc3\xa9 \\\"q\\\" \\n\",\"profit_sol\":0.812345678,\"profit_usd\":-12.5,"
    "\"ticker\":\"SOL\",\"user_id\":3}";

TEST(RecordLine, AcceptsAWellFormedLineAndSplitsIt) {
  std::string doc = R"({"id":7,"profit_usd":1.0,"tags":["a",{"b":null}],"ok":true})";
  // Members must be sorted; build the canonical text through the library's
  // writer to be sure the fixture itself is canonical.
  auto v = json::parse(doc);
  ASSERT_TRUE(v.has_value());
  std::string canonical = json::to_canonical(*v);
  std::string line = make_line(canonical);
  auto parts = split_record_line(line);
  ASSERT_TRUE(parts.has_value()) << parts.error().message;
  EXPECT_EQ(parts->doc, canonical);
  EXPECT_EQ(parts->hash, xxh128_hex(canonical));
  EXPECT_EQ(parts->rev, kTestRev);
  auto parsed = validate_record_line(*parts);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->find("id")->as_int(), 7);
  EXPECT_TRUE(parsed->find("profit_usd")->is_double());
}

TEST(RecordLine, AcceptsEscapesUtf8AndEveryValueKind) {
  for (std::string_view doc :
       {std::string_view("{}"), std::string_view(R"({"a":"\u0000\u001f\b\f\n\r\t\"\\/"})"),
        std::string_view("{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80 \x7f\"}"),
        std::string_view(R"({"a":[],"b":{},"c":[[[]]],"d":null,"e":false,"f":true})"),
        std::string_view(R"({"i":-9223372036854775808,"j":9223372036854775807,"k":0,"l":-1})"),
        std::string_view(R"({"a":1.0,"b":-0.0,"c":0.0,"d":1e+21,"e":1e-7,"f":0.000001,"g":5e-324})"),
        std::string_view(R"({"a":1.7976931348623157e+308,"b":123456789012345680000.0,"c":0.1})"),
        std::string_view(kDoc)}) {
    EXPECT_EQ(check(make_line(doc)), "") << doc;
  }
}

TEST(RecordLine, IntegersAndDoublesAreDifferentValues) {
  // 1 and 1.0 are both canonical, but are different values with different
  // hashes: a double written as an integer is caught by the hash.
  std::string as_double = make_line(R"({"x":1.0})");
  std::string as_int = make_line(R"({"x":1})");
  EXPECT_EQ(check(as_double), "");
  EXPECT_EQ(check(as_int), "");
  EXPECT_NE(xxh128_hex(R"({"x":1.0})"), xxh128_hex(R"({"x":1})"));
  std::string edited = as_double;
  edited.replace(edited.find("1.0"), 3, "1");
  expect_rejected(edited, "field 'h': hash does not match");

  auto parts = split_record_line(as_int);
  ASSERT_TRUE(parts.has_value());
  auto doc = validate_record_line(*parts);
  ASSERT_TRUE(doc.has_value());
  EXPECT_TRUE(doc->find("x")->is_int());
}

TEST(RecordLine, RejectsAWrongHash) {
  std::string line = make_line(kDoc);
  size_t h = line.find("\"h\":\"") + 5;
  line[h] = line[h] == '0' ? '1' : '0';
  expect_rejected(line, "field 'h': hash does not match the document");
}

TEST(RecordLine, RejectsAHashOfAnotherShape) {
  std::string line = make_line(kDoc);
  size_t h = line.find("\"h\":\"") + 5;
  std::string upper = line;
  for (size_t i = h; i < h + 32; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  ASSERT_NE(upper, line) << "fixture hash has no letters";
  expect_rejected(upper, "field 'h': not 32 lowercase hex digits");
  std::string short_hash = line;
  short_hash.erase(h, 1);
  expect_rejected(short_hash, "field 'h'");
  std::string no_hash = "{\"d\":{},\"r\":\"" + std::string(kTestRev) + "\"}";
  expect_rejected(no_hash, "field '");
}

TEST(RecordLine, RejectsAMalformedRev) {
  for (std::string_view rev :
       {"2026-01-15T10:30:45.123Z-0000-", "2026-01-15T10:30:45.123Z-00A0-asset1",
        "2026-01-15T10:30:45Z-0000-a1", "2026-13-15T10:30:45.123Z-0000-a1",
        "2026-02-30T10:30:45.123Z-0000-a1", "2026-01-15T24:00:00.000Z-0000-a1",
        "2026-01-15 10:30:45.123Z-0000-a1", "2026-01-15T10:30:45.123Z-0000-a b", "", "x"}) {
    expect_rejected(make_line(R"({"a":1})", rev), "field 'r'");
  }
  expect_rejected(R"({"d":{"a":1},"h":")" + xxh128_hex(R"({"a":1})") + "\"}", "field 'r'");
}

TEST(RecordLine, RejectsWhiteSpaceOutsideStrings) {
  expect_rejected(make_line(R"({"a": 1})"), "field 'd.a': at byte 10: white space outside strings");
  expect_rejected(make_line(R"({ "a":1})"), "white space");
  expect_rejected(make_line(R"({"a":1 })"), "white space");
  expect_rejected(make_line("{\"a\":[1,\t2]}"), "field 'd.a[1]': at byte 13");
  // Inside strings white space is data.
  EXPECT_EQ(check(make_line(R"({"a":" x "})")), "");
}

TEST(RecordLine, RejectsUnsortedAndDuplicateMembers) {
  expect_rejected(make_line(R"({"b":1,"a":2})"), "field 'd': at byte 12: member names are not in canonical");
  expect_rejected(make_line(R"({"a":{"y":1,"x":2}})"), "field 'd.a'");
  expect_rejected(make_line(R"({"a":1,"a":1})"), "duplicate member name 'a'");
  // RFC 8785 orders by UTF-16 code units: U+1F680 (surrogates D83D DE80)
  // sorts before U+FF21, although its UTF-8 bytes sort after.
  std::string emoji = "\xf0\x9f\x9a\x80", fullwidth_a = "\xef\xbc\xa1";
  EXPECT_EQ(check(make_line("{\"" + emoji + "\":1,\"" + fullwidth_a + "\":2}")), "");
  expect_rejected(make_line("{\"" + fullwidth_a + "\":2,\"" + emoji + "\":1}"), "not in canonical");
  // Escaped names compare by their characters: "\n" (0x0a) sorts before "a".
  EXPECT_EQ(check(make_line(R"({"\n":1,"a":2})")), "");
  expect_rejected(make_line(R"({"a":2,"\n":1})"), "not in canonical");
}

TEST(RecordLine, RejectsNumbersNotInCanonicalForm) {
  struct Case {
    const char* doc;
    const char* needle;
  };
  for (const Case& c : {Case{R"({"x":1.50})", "number 1.50 is not canonical (expected 1.5)"},
                        Case{R"({"x":1.00})", "expected 1.0"}, Case{R"({"x":1E5})", "expected 100000.0"},
                        Case{R"({"x":1e5})", "expected 100000.0"}, Case{R"({"x":1e+21})", ""},
                        Case{R"({"x":1E+21})", "expected 1e+21"}, Case{R"({"x":0.10})", "expected 0.1"},
                        Case{R"({"x":-0})", "number '-0'"}, Case{R"({"x":01})", "leading zero"},
                        Case{R"({"x":+1})", "expected a value"}, Case{R"({"x":.5})", "expected a value"},
                        Case{R"({"x":1.})", "a digit after '.'"}, Case{R"({"x":0.0000001})", "expected 1e-7"},
                        Case{R"({"x":9223372036854775808})", "outside the int64 range"},
                        Case{R"({"x":1e400})", "does not fit a double"},
                        Case{R"({"x":0.30000000000000000001})", "expected 0.3"}}) {
    std::string line = make_line(c.doc);
    if (std::string_view(c.needle).empty()) {
      EXPECT_EQ(check(line), "") << c.doc;
    } else {
      expect_rejected(line, "field 'd.x'");
      expect_rejected(line, c.needle);
    }
  }
}

TEST(RecordLine, RejectsStringsNotInCanonicalForm) {
  expect_rejected(make_line(R"({"s":"\u0041"})"),
                  "field 'd.s': at byte 11: escape '\\u0041' is not canonical");
  expect_rejected(make_line(R"({"s":"\u000a"})"), "write '\\n'");
  expect_rejected(make_line(R"({"s":"\u001F"})"), "hex digits are lowercase");
  expect_rejected(make_line(R"({"s":"\/"})"), "escape '\\/' is not canonical");
  expect_rejected(make_line(R"({"s":"\ud83d\ude80"})"), "not canonical");
  expect_rejected(make_line(R"({"s":"\x"})"), "invalid escape");
  expect_rejected(make_line("{\"s\":\"a\tb\"}"), "control character in a string must be written '\\t'");
  expect_rejected(make_line("{\"s\":\"a\x01\"}"), "'\\u0001'");
}

TEST(RecordLine, RejectsADocumentThatIsNotAnObject) {
  for (std::string_view doc : {"[1,2]", "\"s\"", "1", "null", "true"}) {
    expect_rejected(make_line(doc), "field 'd': at byte 5: document is not a JSON object");
  }
  expect_rejected(R"({"d":,"h":")" + xxh128_hex("") + "\",\"r\":\"" + std::string(kTestRev) + "\"}",
                  "field 'd'");
  expect_rejected(make_line(R"({"a":1}{"b":2})"), "field 'd'");
}

TEST(RecordLine, RejectsGitConflictMarkers) {
  for (std::string_view marker : {"<<<<<<< HEAD", "=======", ">>>>>>> theirs", "||||||| base"}) {
    expect_rejected(marker, "leftover git conflict marker '" + std::string(marker.substr(0, 7)) + "'");
  }
}

TEST(RecordLine, RejectsALineOverTheLimit) {
  std::string big = "{\"a\":\"" + std::string(kMaxLineBytes, 'x') + "\"}";
  expect_rejected(make_line(big), "line is longer than the limit of 33554432 bytes");
  // Just under the limit is accepted.
  std::string fits_doc = "{\"a\":\"\"}";
  size_t envelope = make_line(fits_doc).size();
  std::string fits = "{\"a\":\"" + std::string(kMaxLineBytes - envelope, 'x') + "\"}";
  std::string line = make_line(fits);
  ASSERT_EQ(line.size(), kMaxLineBytes);
  auto parts = split_record_line(line);
  ASSERT_TRUE(parts.has_value()) << parts.error().message;
  EXPECT_TRUE(check_record_line(*parts).has_value());
}

TEST(RecordLine, RejectsNestingOverTheLimit) {
  // The document object counts as one level; kMaxNestingDepth levels are fine.
  auto nested = [](size_t levels) {
    std::string doc = "{\"a\":";
    for (size_t i = 1; i < levels; ++i) doc += "[";
    doc += "1";
    for (size_t i = 1; i < levels; ++i) doc += "]";
    return doc + "}";
  };
  EXPECT_EQ(check(make_line(nested(kMaxNestingDepth))), "");
  expect_rejected(make_line(nested(kMaxNestingDepth + 1)), "nesting deeper than the limit of 100");
  expect_rejected(make_line(nested(kMaxNestingDepth + 1)), "field 'd.a[0]");
}

TEST(RecordLine, RejectsInvalidUtf8NamingTheMember) {
  for (std::string_view bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\x80"}) {
    std::string doc = "{\"note\":\"ok " + std::string(bad) + " end\"}";
    expect_rejected(make_line(doc), "field 'd.note': at byte 17: invalid UTF-8");
  }
  expect_rejected(make_line("{\"n\xff\":1}"), "invalid UTF-8");
}

TEST(RecordLine, RejectsCrlfAndOtherEnvelopes) {
  expect_rejected(make_line(kDoc) + "\r", "carriage return");
  expect_rejected("", "line is not a record");
  expect_rejected("{}", "line is not a record");
  expect_rejected(" " + make_line(kDoc), "line is not a record");
  std::string extra = make_line(R"({"a":1})");
  extra.insert(extra.find(",\"h\""), ",\"x\":1");
  expect_rejected(extra, "field 'd'");
}

TEST(RecordLine, CheckReportsTheTopLevelMembersAndTheHash) {
  std::string line = make_line(kDoc);
  auto parts = split_record_line(line);
  ASSERT_TRUE(parts.has_value());
  std::vector<DocMember> members;
  Digest128 digest{};
  ASSERT_TRUE(check_record_line(*parts, &members, &digest).has_value());
  ASSERT_EQ(members.size(), 6u);
  EXPECT_EQ(members[0].key, "id");
  EXPECT_EQ(members[0].value, "7");
  EXPECT_EQ(members[1].value, "\"caf\xc3\xa9 \\\"q\\\" \\n\"");
  EXPECT_EQ(members[3].value, "-12.5");
  EXPECT_EQ(to_hex(digest), xxh128_hex(kDoc));
}

TEST(RecordLine, AppendBuildsTheLineThatIsAccepted) {
  auto doc = json::parse(R"({"b":[1,2.5,"x"],"a":{"z":null,"y":-0.0}})");
  ASSERT_TRUE(doc.has_value());
  std::string out;
  append_record_line(out, *doc, kTestRev);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  out.pop_back();
  EXPECT_EQ(out, make_line(R"({"a":{"y":-0.0,"z":null},"b":[1,2.5,"x"]})"));
  EXPECT_EQ(check(out), "");
}

}  // namespace
}  // namespace dbsync
