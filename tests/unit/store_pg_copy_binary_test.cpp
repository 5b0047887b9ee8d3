// COPY binary fields from canonical JSON text (store/postgres/pg_copy_binary.h):
// the exact bytes PostgreSQL's receive functions expect, and a refusal
// (so the row goes as COPY text) for every value whose binary form is not
// certain; and back: rows split from COPY binary messages, and dates and
// times printed as PostgreSQL prints them. Expected dates and times were computed with Python's datetime,
// not with the code under test. The server-side checks, rows written and
// read binary equal to rows written and read as text, are in
// tests/contract/postgres_store_test.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/postgres/pg_copy_binary.h"

namespace dbsync {
namespace {

std::string hex(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The field's bytes (length prefix included) in hex, or "refused".
std::string field(PgBinaryType type, const std::string& json) {
  std::string out = "kept";
  if (!append_copy_binary_of_json_text(out, type, json))
    return out == "kept" ? "refused" : "refused, changed";
  EXPECT_EQ(out.substr(0, 4), "kept");
  return hex(out.substr(4));
}

PgColumn column_of(const std::string& type) {
  PgColumn c;
  c.type = type;
  return c;
}

// On a server with integer timestamps (every one since PostgreSQL 10).
PgBinaryType binary_type_of(const std::string& type) { return pg_binary_type(column_of(type), true); }

TEST(PgCopyBinary, ColumnTypesWithABinaryForm) {
  EXPECT_EQ(binary_type_of("smallint"), PgBinaryType::kInt2);
  EXPECT_EQ(binary_type_of("integer"), PgBinaryType::kInt4);
  EXPECT_EQ(binary_type_of("bigint"), PgBinaryType::kInt8);
  EXPECT_EQ(binary_type_of("double precision"), PgBinaryType::kFloat8);
  EXPECT_EQ(binary_type_of("boolean"), PgBinaryType::kBool);
  EXPECT_EQ(binary_type_of("text"), PgBinaryType::kText);
  EXPECT_EQ(binary_type_of("character varying(20)"), PgBinaryType::kText);
  EXPECT_EQ(binary_type_of("date"), PgBinaryType::kDate);
  EXPECT_EQ(binary_type_of("timestamp without time zone"), PgBinaryType::kTimestamp);
  EXPECT_EQ(binary_type_of("timestamp with time zone"), PgBinaryType::kTimestamptz);
  // Their binary forms differ from these columns' JSON, or need rounding
  // or padding only the server does.
  for (const char* other :
       {"real", "numeric", "numeric(10,2)", "character(3)", "bytea", "uuid", "json", "jsonb", "integer[]",
        "text[]", "timestamp(3) with time zone", "time without time zone", "interval", "oid", "money"}) {
    EXPECT_EQ(binary_type_of(other), PgBinaryType::kNone) << other;
  }
  // A server that keeps timestamps as floats (a build option before
  // PostgreSQL 10) sends them in another form: text for those.
  EXPECT_EQ(pg_binary_type(column_of("timestamp with time zone"), false), PgBinaryType::kNone);
  EXPECT_EQ(pg_binary_type(column_of("timestamp without time zone"), false), PgBinaryType::kNone);
  EXPECT_EQ(pg_binary_type(column_of("date"), false), PgBinaryType::kDate);
}

TEST(PgCopyBinary, HeaderAndTrailerAreTheFormatsOwn) {
  std::string header;
  append_copy_binary_header(header);
  EXPECT_EQ(hex(header),
            "5047434f50590aff0d0a00"
            "00000000"
            "00000000");
  EXPECT_EQ(hex(std::string(kCopyBinaryTrailer)), "ffff");
  std::string row;
  append_copy_binary_field_count(row, 8);
  append_copy_binary_null(row);
  EXPECT_EQ(hex(row),
            "0008"
            "ffffffff");
}

TEST(PgCopyBinary, IntegersInTheirColumnsWidth) {
  EXPECT_EQ(field(PgBinaryType::kInt2, "-32768"),
            "00000002"
            "8000");
  EXPECT_EQ(field(PgBinaryType::kInt4, "1"),
            "00000004"
            "00000001");
  EXPECT_EQ(field(PgBinaryType::kInt4, "-2"),
            "00000004"
            "fffffffe");
  EXPECT_EQ(field(PgBinaryType::kInt8, "123456789012345678"),
            "00000008"
            "01b69b4ba630f34e");
  EXPECT_EQ(field(PgBinaryType::kInt8, "null"), "ffffffff");
  EXPECT_EQ(field(PgBinaryType::kInt8, "9223372036854775807"),
            "00000008"
            "7fffffffffffffff");
  EXPECT_EQ(field(PgBinaryType::kInt8, "-9223372036854775808"),
            "00000008"
            "8000000000000000");
  EXPECT_EQ(field(PgBinaryType::kInt8, "9223372036854775808"), "refused");
  EXPECT_EQ(field(PgBinaryType::kInt8, "12345678901234567890"), "refused");
  // Out of the column's range, not an integer's text:
  // the server's text input decides (and refuses or converts).
  for (const char* json :
       {"32768", "-32769", "1.5", "1e3", "\"7\"", "true", "", "-", "9223372036854775807"}) {
    EXPECT_EQ(field(PgBinaryType::kInt2, json), "refused") << json;
  }
  EXPECT_EQ(field(PgBinaryType::kInt4, "2147483648"), "refused");
  EXPECT_EQ(field(PgBinaryType::kInt4, "-2147483648"),
            "00000004"
            "80000000");
}

TEST(PgCopyBinary, DoublesBitForBit) {
  EXPECT_EQ(field(PgBinaryType::kFloat8, "0.1"),
            "00000008"
            "3fb999999999999a");
  EXPECT_EQ(field(PgBinaryType::kFloat8, "1e+300"),
            "00000008"
            "7e37e43c8800759c");
  EXPECT_EQ(field(PgBinaryType::kFloat8, "-2.5e-310"),
            "00000008"
            "80002e055c9a3f6c");  // subnormal
  EXPECT_EQ(field(PgBinaryType::kFloat8, "5"),
            "00000008"
            "4014000000000000");
  for (const char* json : {"1e400", "-1e400", "1e-400", "\"0.1\"", "{\"$numberDouble\":\"NaN\"}", "-inf",
                           "-nan", "0x10", "+1", "true"}) {
    EXPECT_EQ(field(PgBinaryType::kFloat8, json), "refused") << json;
  }
}

TEST(PgCopyBinary, BooleansAsTheTextPathTakesThem) {
  EXPECT_EQ(field(PgBinaryType::kBool, "true"),
            "00000001"
            "01");
  EXPECT_EQ(field(PgBinaryType::kBool, "false"),
            "00000001"
            "00");
  EXPECT_EQ(field(PgBinaryType::kBool, "1"),
            "00000001"
            "01");
  EXPECT_EQ(field(PgBinaryType::kBool, "0"),
            "00000001"
            "00");
  EXPECT_EQ(field(PgBinaryType::kBool, "2"), "refused");
  EXPECT_EQ(field(PgBinaryType::kBool, "\"t\""), "refused");
}

TEST(PgCopyBinary, StringsUnescaped) {
  EXPECT_EQ(field(PgBinaryType::kText, "\"ab\""),
            "00000002"
            "6162");
  EXPECT_EQ(field(PgBinaryType::kText, "\"\""), "00000000");
  EXPECT_EQ(field(PgBinaryType::kText, "\"t\\tq\\\"\""),
            "00000004"
            "7409"
            "7122");
  EXPECT_EQ(field(PgBinaryType::kText, "\"é\""),
            "00000002"
            "c3a9");
  // NUL, which text columns cannot hold, gets the text path's own error;
  // so do numbers and objects, which the text path writes as their text.
  for (const char* json : {"\"a\\u0000b\"", "12", "{\"a\":1}", "\"unterminated", "\"bad \\q escape\""}) {
    EXPECT_EQ(field(PgBinaryType::kText, json), "refused") << json;
  }
}

TEST(PgCopyBinary, DatesAndTimesCountFrom2000) {
  EXPECT_EQ(field(PgBinaryType::kDate, "\"2000-01-01\""),
            "00000004"
            "00000000");
  EXPECT_EQ(field(PgBinaryType::kDate, "\"1999-12-31\""),
            "00000004"
            "ffffffff");
  EXPECT_EQ(field(PgBinaryType::kDate, "\"2024-02-29\""),
            "00000004"
            "00002279");  // 8825
  EXPECT_EQ(field(PgBinaryType::kDate, "\"0001-01-01\""),
            "00000004"
            "fff4dbf9");  // -730119
  EXPECT_EQ(field(PgBinaryType::kDate, "\"9999-12-31\""),
            "00000004"
            "002c95d3");  // 2921939
  EXPECT_EQ(field(PgBinaryType::kDate, "\"1900-03-01\""),
            "00000004"
            "ffff718f");  // -36465
  EXPECT_EQ(field(PgBinaryType::kTimestamptz, "\"2026-01-15T10:30:45.123456Z\""),
            "00000008"
            "0002eb697c6e6180");  // 821788245123456
  EXPECT_EQ(field(PgBinaryType::kTimestamptz, "\"1970-01-01T00:00:00Z\""),
            "00000008"
            "fffca2fec4c82000");
  EXPECT_EQ(field(PgBinaryType::kTimestamptz, "\"0001-01-01T00:00:00Z\""),
            "00000008"
            "ff1fe2ffc59c6000");
  EXPECT_EQ(field(PgBinaryType::kTimestamp, "\"9999-12-31T23:59:59.999999\""),
            "00000008"
            "0380e70b913b7fff");
  EXPECT_EQ(field(PgBinaryType::kTimestamp, "\"1999-12-31T23:59:59.5\""),
            "00000008"
            "fffffffffff85ee0");
  EXPECT_EQ(field(PgBinaryType::kTimestamp, "\"2024-02-29T12:00:00\""),
            "00000008"
            "0002b582c4781000");
  // Anything but the export's own form goes to the server's parser: other
  // separators and offsets, a missing or extra Z, 24:00, a leap second,
  // more than microseconds, impossible days, year 0 and 5-digit years.
  for (const char* json :
       {"\"2026-01-15 10:30:45Z\"", "\"2026-01-15T10:30:45+02\"", "\"2026-01-15T10:30:45\"",
        "\"2026-01-15T24:00:00Z\"", "\"2026-12-31T23:59:60Z\"", "\"2026-01-15T10:30:45.1234567Z\"",
        "\"2026-01-15T10:30:45.Z\"", "\"2023-02-29T00:00:00Z\"", "\"0000-01-01T00:00:00Z\"",
        "\"2026-13-01T00:00:00Z\"", "\"2026-04-31T00:00:00Z\"", "\"12026-01-01T00:00:00Z\"", "\"today\"",
        "\"infinity\"", "1700000000", "\"2026-01-15\""}) {
    EXPECT_EQ(field(PgBinaryType::kTimestamptz, json), "refused") << json;
  }
  EXPECT_EQ(field(PgBinaryType::kTimestamp, "\"2026-01-15T10:30:45Z\""), "refused");
  EXPECT_EQ(field(PgBinaryType::kDate, "\"2026-01-15T00:00:00\""), "refused");
  EXPECT_EQ(field(PgBinaryType::kDate, "\"2026-02-30\""), "refused");
}

TEST(PgCopyBinary, NoBinaryFormRefusesEverythingButNull) {
  EXPECT_EQ(field(PgBinaryType::kNone, "1"), "refused");
  EXPECT_EQ(field(PgBinaryType::kNone, "null"), "ffffffff");
}

std::string bytes_of_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

TEST(PgCopyBinary, RowsSplitFromMessages) {
  CopyBinaryRowReader reader;
  std::vector<std::optional<std::string_view>> values;
  std::string header;
  append_copy_binary_header(header);
  // The first message starts with the header; a header extension is skipped.
  std::string first = header.substr(0, 15) +
                      bytes_of_hex(
                          "00000002"
                          "abcd") +
                      bytes_of_hex(
                          "0002"
                          "00000001"
                          "01"
                          "ffffffff");
  auto row = reader.split(first, 2, values);
  ASSERT_TRUE(row.has_value()) << row.error().message;
  ASSERT_TRUE(*row);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], std::optional<std::string_view>("\x01"));
  EXPECT_FALSE(values[1].has_value());
  row = reader.split(bytes_of_hex("0002"
                                  "00000000"
                                  "00000002"
                                  "6869"),
                     2, values);
  ASSERT_TRUE(row.has_value() && *row);
  EXPECT_EQ(values[0], std::optional<std::string_view>(""));
  EXPECT_EQ(values[1], std::optional<std::string_view>("hi"));
  row = reader.split(bytes_of_hex("ffff"), 2, values);
  ASSERT_TRUE(row.has_value());
  EXPECT_FALSE(*row);

  // The header alone is no row.
  CopyBinaryRowReader empty;
  row = empty.split(header, 2, values);
  ASSERT_TRUE(row.has_value());
  EXPECT_FALSE(*row);

  // Malformed: another signature, a field running past the message, bytes
  // after the last field, another field count, half a field count.
  for (const std::string& bad : {std::string("PGCOPY\nXX\r\n\0", 11) + std::string(8, '\0') +
                                     bytes_of_hex("0001"
                                                  "ffffffff"),
                                 header + bytes_of_hex("0001"
                                                       "00000005"
                                                       "6869"),
                                 header + bytes_of_hex("0001"
                                                       "00000002"
                                                       "686900"),
                                 header + bytes_of_hex("0002"
                                                       "ffffffff"
                                                       "ffffffff"),
                                 header + bytes_of_hex("00")}) {
    CopyBinaryRowReader r;
    auto got = r.split(bad, 1, values);
    ASSERT_FALSE(got.has_value()) << hex(bad);
    EXPECT_EQ(got.error().code, ErrorCode::kInternal);
  }
}

TEST(PgCopyBinary, DatesAndTimesPrintAsPostgresPrintsThem) {
  EXPECT_EQ(pg_date_text(0), "2000-01-01");
  EXPECT_EQ(pg_date_text(-730119), "0001-01-01");
  EXPECT_EQ(pg_date_text(-730120), "0001-12-31 BC");
  EXPECT_EQ(pg_date_text(2921940), "10000-01-01");
  EXPECT_EQ(pg_date_text(INT32_MAX), "infinity");
  EXPECT_EQ(pg_date_text(INT32_MIN), "-infinity");
  EXPECT_EQ(pg_timestamp_text(821788245123456, true), "2026-01-15 10:30:45.123456+00");
  EXPECT_EQ(pg_timestamp_text(-500000, false), "1999-12-31 23:59:59.5");
  EXPECT_EQ(pg_timestamp_text(10000, false), "2000-01-01 00:00:00.01");
  EXPECT_EQ(pg_timestamp_text(0, true), "2000-01-01 00:00:00+00");
  EXPECT_EQ(pg_timestamp_text(-63082281600000000 - 1, false), "0001-12-31 23:59:59.999999 BC");
  EXPECT_EQ(pg_timestamp_text(INT64_MAX, true), "infinity");
  EXPECT_EQ(pg_timestamp_text(INT64_MIN, false), "-infinity");
}

TEST(PgCopyBinary, FieldsReadBackAsTheirJson) {
  auto json_of = [](PgBinaryType type, PgKind kind, const std::string& hex_bytes) {
    std::string out;
    auto st = append_pg_value_of_binary(out, type, PgType{kind, false}, bytes_of_hex(hex_bytes));
    return st ? out : "error: " + st.error().message;
  };
  EXPECT_EQ(json_of(PgBinaryType::kInt2, PgKind::kInt, "8000"), "-32768");
  EXPECT_EQ(json_of(PgBinaryType::kInt8, PgKind::kInt, "01b69b4ba630f34e"), "123456789012345678");
  EXPECT_EQ(json_of(PgBinaryType::kFloat8, PgKind::kFloat, "3fb999999999999a"), "0.1");
  EXPECT_EQ(json_of(PgBinaryType::kFloat8, PgKind::kFloat, "8000000000000000"), "-0.0");
  EXPECT_EQ(json_of(PgBinaryType::kFloat8, PgKind::kFloat, "7ff8000000000000"), R"({"$numberDouble":"NaN"})");
  EXPECT_EQ(json_of(PgBinaryType::kFloat8, PgKind::kFloat, "fff0000000000000"),
            R"({"$numberDouble":"-Infinity"})");
  EXPECT_EQ(json_of(PgBinaryType::kBool, PgKind::kBool, "01"), "true");
  EXPECT_EQ(json_of(PgBinaryType::kText, PgKind::kText, "6122"), R"("a\"")");
  EXPECT_EQ(json_of(PgBinaryType::kDate, PgKind::kText, "00002279"), R"("2024-02-29")");
  EXPECT_EQ(json_of(PgBinaryType::kTimestamptz, PgKind::kTimestamptz, "0002eb697c6e6180"),
            R"("2026-01-15T10:30:45.123456Z")");
  EXPECT_EQ(json_of(PgBinaryType::kTimestamp, PgKind::kTimestamp, "fffffffffff85ee0"),
            R"("1999-12-31T23:59:59.5")");
  // A field of the wrong size or value is the server's or the wire's fault.
  for (auto [type, hex_bytes] :
       {std::pair{PgBinaryType::kInt4, "0001"}, std::pair{PgBinaryType::kBool, "02"},
        std::pair{PgBinaryType::kFloat8, "00"}, std::pair{PgBinaryType::kNone, "00"}}) {
    EXPECT_EQ(json_of(type, PgKind::kInt, hex_bytes).substr(0, 6), "error:") << hex_bytes;
  }
}

}  // namespace
}  // namespace dbsync
