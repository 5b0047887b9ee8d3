#include "store/postgres/pg_copy_binary.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "json/number_format.h"
#include "json/parse.h"

namespace dbsync {
namespace {

template <typename T>
void append_big_endian(std::string& out, T value) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(value);
  char bytes[sizeof(U)];
  for (size_t i = 0; i < sizeof(U); ++i) bytes[i] = static_cast<char>(u >> (8 * (sizeof(U) - 1 - i)));
  out.append(bytes, sizeof(U));
}

void append_field(std::string& out, std::string_view bytes) {
  append_big_endian(out, static_cast<int32_t>(bytes.size()));
  out += bytes;
}

bool is_digits(std::string_view t, size_t from, size_t n) {
  if (from + n > t.size()) return false;
  for (size_t i = from; i < from + n; ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return true;
}

int number_at(std::string_view t, size_t from, size_t n) {
  int v = 0;
  for (size_t i = from; i < from + n; ++i) v = v * 10 + (t[i] - '0');
  return v;
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
// days_from_civil), as PostgreSQL's date2j counts them.
int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// PostgreSQL counts dates and times from 2000-01-01.
constexpr int64_t kPgEpochDays = 10957;  // days_from_civil(2000, 1, 1)
constexpr int64_t kMicrosPerDay = 86'400'000'000;

// "YYYY-MM-DD" at the start of `t`, years 0001-9999: days since 2000-01-01.
bool parse_date(std::string_view t, int64_t& days) {
  if (t.size() < 10 || !is_digits(t, 0, 4) || t[4] != '-' || !is_digits(t, 5, 2) || t[7] != '-' ||
      !is_digits(t, 8, 2))
    return false;
  int y = number_at(t, 0, 4), m = number_at(t, 5, 2), d = number_at(t, 8, 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  if (d > kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0)) return false;
  days = days_from_civil(y, m, d) - kPgEpochDays;
  return true;
}

// "YYYY-MM-DDTHH:MM:SS[.ffffff]" followed by "Z" exactly when `utc`:
// microseconds since 2000-01-01 00:00:00. Hours 00-23 and seconds 00-59
// only (PostgreSQL also takes 24:00:00 and a leap second, which roll over).
bool parse_timestamp(std::string_view t, bool utc, int64_t& micros) {
  if (utc) {
    if (t.empty() || t.back() != 'Z') return false;
    t.remove_suffix(1);
  }
  int64_t days = 0;
  if (t.size() < 19 || !parse_date(t, days) || t[10] != 'T' || !is_digits(t, 11, 2) || t[13] != ':' ||
      !is_digits(t, 14, 2) || t[16] != ':' || !is_digits(t, 17, 2))
    return false;
  int h = number_at(t, 11, 2), mi = number_at(t, 14, 2), s = number_at(t, 17, 2);
  if (h > 23 || mi > 59 || s > 59) return false;
  int64_t frac = 0;
  if (t.size() > 19) {
    size_t digits = t.size() - 20;
    if (t[19] != '.' || digits < 1 || digits > 6 || !is_digits(t, 20, digits)) return false;
    frac = number_at(t, 20, digits);
    for (size_t i = digits; i < 6; ++i) frac *= 10;
  }
  micros = days * kMicrosPerDay + ((h * 60 + mi) * 60 + s) * int64_t{1'000'000} + frac;
  return true;
}

// A canonical JSON integer within int64 (from_chars refuses one beyond),
// the value the text path's parse gives it (19-digit ids are common).
bool parse_integer(std::string_view t, int64_t& v) {
  size_t digits = t.size() - (t.empty() || t[0] != '-' ? 0 : 1);
  if (digits == 0 || digits > 19) return false;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  return ec == std::errc() && end == t.data() + t.size();
}

bool append_integer(std::string& out, PgBinaryType type, std::string_view json) {
  int64_t v = 0;
  if (!parse_integer(json, v)) return false;
  if (type == PgBinaryType::kInt2) {
    if (v < std::numeric_limits<int16_t>::min() || v > std::numeric_limits<int16_t>::max()) return false;
    append_big_endian(out, int32_t{2});
    append_big_endian(out, static_cast<int16_t>(v));
  } else if (type == PgBinaryType::kInt4) {
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) return false;
    append_big_endian(out, int32_t{4});
    append_big_endian(out, static_cast<int32_t>(v));
  } else {
    append_big_endian(out, int32_t{8});
    append_big_endian(out, v);
  }
  return true;
}

// A JSON number's text read as PostgreSQL's float8in reads it (both round
// correctly); NaN, infinities and out-of-range text are refused.
bool append_float8(std::string& out, std::string_view json) {
  if (json.empty() || (json[0] != '-' && (json[0] < '0' || json[0] > '9'))) return false;
  double d = 0;
  auto [end, ec] = std::from_chars(json.data(), json.data() + json.size(), d);
  if (ec != std::errc() || end != json.data() + json.size() || !std::isfinite(d)) return false;
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  append_big_endian(out, int32_t{8});
  append_big_endian(out, bits);
  return true;
}

bool append_text(std::string& out, std::string_view json) {
  if (json.size() < 2 || json.front() != '"' || json.back() != '"') return false;
  std::string_view inner = json.substr(1, json.size() - 2);
  if (inner.find('\\') == std::string_view::npos) {
    append_field(out, inner);
    return true;
  }
  auto v = json::parse(json);
  // A NUL is refused by the text path, with its own message.
  if (!v || !v->is_string() || v->as_string().find('\0') != std::string::npos) return false;
  append_field(out, v->as_string());
  return true;
}

bool append_date_or_time(std::string& out, PgBinaryType type, std::string_view json) {
  if (json.size() < 2 || json.front() != '"' || json.back() != '"') return false;
  std::string_view t = json.substr(1, json.size() - 2);
  if (type == PgBinaryType::kDate) {
    int64_t days = 0;
    if (t.size() != 10 || !parse_date(t, days)) return false;
    append_big_endian(out, int32_t{4});
    append_big_endian(out, static_cast<int32_t>(days));
    return true;
  }
  int64_t micros = 0;
  if (!parse_timestamp(t, type == PgBinaryType::kTimestamptz, micros)) return false;
  append_big_endian(out, int32_t{8});
  append_big_endian(out, micros);
  return true;
}

template <typename T>
T read_big_endian(std::string_view bytes) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (size_t i = 0; i < sizeof(U); ++i) u = static_cast<U>(u << 8 | static_cast<unsigned char>(bytes[i]));
  return static_cast<T>(u);
}

// The inverse of days_from_civil (H. Hinnant's civil_from_days): year
// (astronomical: 0 is 1 BC), month and day of a day count from 1970-01-01.
void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

void append_padded(std::string& out, int64_t v, int width) {
  std::string digits = std::to_string(v);
  if (static_cast<int>(digits.size()) < width) out.append(static_cast<size_t>(width) - digits.size(), '0');
  out += digits;
}

// PostgreSQL's EncodeDateOnly/EncodeDateTime year: at least 4 digits, and
// a year <= 0 printed as its BC number (" BC" goes at the very end).
void append_year_month_day(std::string& out, int64_t days_since_1970) {
  int64_t y = 0;
  int m = 0, d = 0;
  civil_from_days(days_since_1970, y, m, d);
  append_padded(out, y > 0 ? y : 1 - y, 4);
  out += '-';
  append_padded(out, m, 2);
  out += '-';
  append_padded(out, d, 2);
}

bool is_bc(int64_t days_since_1970) {
  int64_t y = 0;
  int m = 0, d = 0;
  civil_from_days(days_since_1970, y, m, d);
  return y <= 0;
}

Status malformed(std::string_view what) {
  return fail(ErrorCode::kInternal, "PostgreSQL sent a malformed binary " + std::string(what));
}

}  // namespace

std::string pg_date_text(int32_t days) {
  if (days == std::numeric_limits<int32_t>::min()) return "-infinity";
  if (days == std::numeric_limits<int32_t>::max()) return "infinity";
  std::string out;
  int64_t since_1970 = int64_t{days} + kPgEpochDays;
  append_year_month_day(out, since_1970);
  if (is_bc(since_1970)) out += " BC";
  return out;
}

std::string pg_timestamp_text(int64_t micros, bool utc) {
  if (micros == std::numeric_limits<int64_t>::min()) return "-infinity";
  if (micros == std::numeric_limits<int64_t>::max()) return "infinity";
  int64_t days = micros / kMicrosPerDay, rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  std::string out;
  int64_t since_1970 = days + kPgEpochDays;
  append_year_month_day(out, since_1970);
  int64_t secs = rest / 1'000'000, frac = rest % 1'000'000;
  out += ' ';
  append_padded(out, secs / 3600, 2);
  out += ':';
  append_padded(out, secs / 60 % 60, 2);
  out += ':';
  append_padded(out, secs % 60, 2);
  if (frac != 0) {
    // Microseconds with trailing zeros dropped, as AppendSeconds prints them.
    std::string f;
    append_padded(f, frac, 6);
    while (f.back() == '0') f.pop_back();
    out += '.';
    out += f;
  }
  if (utc) out += "+00";  // TimeZone is UTC (pg_conn.cpp)
  if (is_bc(since_1970)) out += " BC";
  return out;
}

Status append_pg_value_of_binary(std::string& out, PgBinaryType type, const PgType& column,
                                 std::string_view bytes) {
  auto sized = [&](size_t n) { return bytes.size() == n; };
  switch (type) {
    case PgBinaryType::kNone: break;
    case PgBinaryType::kInt2:
      if (!sized(2)) break;
      out += std::to_string(read_big_endian<int16_t>(bytes));
      return {};
    case PgBinaryType::kInt4:
      if (!sized(4)) break;
      out += std::to_string(read_big_endian<int32_t>(bytes));
      return {};
    case PgBinaryType::kInt8:
      if (!sized(8)) break;
      out += std::to_string(read_big_endian<int64_t>(bytes));
      return {};
    case PgBinaryType::kFloat8: {
      if (!sized(8)) break;
      uint64_t bits = read_big_endian<uint64_t>(bytes);
      double d = 0;
      std::memcpy(&d, &bits, sizeof d);
      // float8out's words for these, which the text path wraps.
      if (std::isnan(d)) return append_pg_value(out, column, "NaN");
      if (std::isinf(d)) return append_pg_value(out, column, d > 0 ? "Infinity" : "-Infinity");
      json::append_double(out, d, json::NumberProfile::kDbsync);
      return {};
    }
    case PgBinaryType::kBool:
      if (!sized(1) || static_cast<unsigned char>(bytes[0]) > 1) break;
      out += bytes[0] ? "true" : "false";
      return {};
    case PgBinaryType::kText: return append_pg_value(out, column, bytes);
    case PgBinaryType::kDate:
      if (!sized(4)) break;
      return append_pg_value(out, column, pg_date_text(read_big_endian<int32_t>(bytes)));
    case PgBinaryType::kTimestamp:
    case PgBinaryType::kTimestamptz:
      if (!sized(8)) break;
      return append_pg_value(
          out, column,
          pg_timestamp_text(read_big_endian<int64_t>(bytes), type == PgBinaryType::kTimestamptz));
  }
  return malformed("value");
}

Result<bool> CopyBinaryRowReader::split(std::string_view message, size_t columns,
                                        std::vector<std::optional<std::string_view>>& out) {
  if (!header_read_) {
    std::string header;
    append_copy_binary_header(header);
    // Signature and flags as written; a header extension is skipped.
    if (message.size() < 19 || message.substr(0, 15) != std::string_view(header).substr(0, 15))
      return std::unexpected(malformed("COPY header").error());
    uint32_t extension = read_big_endian<uint32_t>(message.substr(15));
    if (message.size() - 19 < extension) return std::unexpected(malformed("COPY header").error());
    message.remove_prefix(19 + extension);
    header_read_ = true;
    if (message.empty()) return false;
  }
  if (message.size() < 2) return std::unexpected(malformed("COPY row").error());
  int16_t fields = read_big_endian<int16_t>(message);
  if (fields == -1) return false;
  if (fields < 0 || static_cast<size_t>(fields) != columns)
    return fail(ErrorCode::kInternal,
                "a COPY row has " + std::to_string(fields) + " columns, expected " + std::to_string(columns));
  out.resize(columns);
  size_t pos = 2;
  for (size_t j = 0; j < columns; ++j) {
    if (message.size() - pos < 4) return std::unexpected(malformed("COPY row").error());
    int32_t len = read_big_endian<int32_t>(message.substr(pos));
    pos += 4;
    if (len == -1) {
      out[j].reset();
      continue;
    }
    if (len < 0 || message.size() - pos < static_cast<size_t>(len))
      return std::unexpected(malformed("COPY row").error());
    out[j] = message.substr(pos, static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
  }
  if (pos != message.size()) return std::unexpected(malformed("COPY row").error());
  return true;
}

PgBinaryType pg_binary_type(const PgColumn& column, bool integer_datetimes) {
  const std::string& t = column.type;
  if (t == "smallint") return PgBinaryType::kInt2;
  if (t == "integer") return PgBinaryType::kInt4;
  if (t == "bigint") return PgBinaryType::kInt8;
  if (t == "double precision") return PgBinaryType::kFloat8;
  if (t == "boolean") return PgBinaryType::kBool;
  // varchar(n) checks its length in binary input as in text input.
  if (t == "text" || t == "character varying" || t.starts_with("character varying("))
    return PgBinaryType::kText;
  if (t == "date") return PgBinaryType::kDate;
  if (t == "timestamp without time zone" && integer_datetimes) return PgBinaryType::kTimestamp;
  if (t == "timestamp with time zone" && integer_datetimes) return PgBinaryType::kTimestamptz;
  return PgBinaryType::kNone;
}

void append_copy_binary_header(std::string& out) {
  out.append("PGCOPY\n\xff\r\n\0", 11);
  append_big_endian(out, int32_t{0});  // flags: no OIDs
  append_big_endian(out, int32_t{0});  // no header extension
}

void append_copy_binary_field_count(std::string& out, uint16_t fields) { append_big_endian(out, fields); }

void append_copy_binary_null(std::string& out) { append_big_endian(out, int32_t{-1}); }

bool append_copy_binary_of_json_text(std::string& out, PgBinaryType type, std::string_view json) {
  if (json == "null") {
    append_copy_binary_null(out);
    return true;
  }
  switch (type) {
    case PgBinaryType::kNone: return false;
    case PgBinaryType::kInt2:
    case PgBinaryType::kInt4:
    case PgBinaryType::kInt8: return append_integer(out, type, json);
    case PgBinaryType::kFloat8: return append_float8(out, json);
    case PgBinaryType::kBool: {
      // 0 and 1 as the text path takes them (pg_doc_text.cpp).
      bool yes = json == "true" || json == "1";
      if (!yes && json != "false" && json != "0") return false;
      append_big_endian(out, int32_t{1});
      out += yes ? '\1' : '\0';
      return true;
    }
    case PgBinaryType::kText: return append_text(out, json);
    case PgBinaryType::kDate:
    case PgBinaryType::kTimestamp:
    case PgBinaryType::kTimestamptz: return append_date_or_time(out, type, json);
  }
  return false;
}

}  // namespace dbsync
