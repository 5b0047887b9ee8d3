#include "store/postgres/pg_value.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/base64.h"

namespace dbsync {
namespace {

constexpr uint32_t kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kOidOid = 26,
                   kJsonOid = 114, kFloat4Oid = 700, kFloat8Oid = 701, kTimestampOid = 1114,
                   kTimestamptzOid = 1184, kNumericOid = 1700, kJsonbOid = 3802;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal as (negative, significant digits, exponent of the last digit),
// without leading or trailing zeros; zero has no digits.
struct Decimal {
  bool negative = false;
  std::string digits;
  long exponent = 0;
  bool operator==(const Decimal&) const = default;
};

std::optional<Decimal> decimal_of(std::string_view s) {
  Decimal d;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) d.negative = s[i++] == '-';
  bool dot = false, any = false;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      if (dot) return std::nullopt;
      dot = true;
      continue;
    }
    if (!is_digit(s[i])) return std::nullopt;
    any = true;
    if (!(d.digits.empty() && s[i] == '0')) d.digits += s[i];
    if (dot) --d.exponent;
  }
  if (!any) return std::nullopt;
  if (i < s.size()) {
    if (i + 1 >= s.size()) return std::nullopt;
    long e = 0;
    auto r = std::from_chars(s.data() + i + 1 + (s[i + 1] == '+' ? 1 : 0), s.data() + s.size(), e);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    d.exponent += e;
  }
  while (!d.digits.empty() && d.digits.back() == '0') {
    d.digits.pop_back();
    ++d.exponent;
  }
  if (d.digits.empty()) d = Decimal{};
  return d;
}

void append_wrapper(std::string& out, const char* name, std::string_view text) {
  out += "{\"";
  out += name;
  out += "\":";
  json::append_string_literal(out, text);
  out += '}';
}

void append_numeric(std::string& out, std::string_view text) {
  if (text == "NaN" || text == "Infinity" || text == "-Infinity")
    return append_wrapper(out, "$numberDecimal", text);
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  bool zero_fraction =
      dot == std::string_view::npos || text.find_first_not_of('0', dot + 1) == std::string_view::npos;
  if (zero_fraction) {
    int64_t v = 0;
    auto r = std::from_chars(whole.data(), whole.data() + whole.size(), v);
    if (r.ec == std::errc() && r.ptr == whole.data() + whole.size()) {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
      return;
    }
  }
  double d = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), d);
  if (r.ec == std::errc() && r.ptr == text.data() + text.size() && std::isfinite(d)) {
    std::string shortest;
    json::append_double(shortest, d, json::NumberProfile::kDbsync);
    if (decimal_of(shortest) == decimal_of(text)) {
      out += shortest;
      return;
    }
  }
  append_wrapper(out, "$numberDecimal", text);
}

void append_bytea(std::string& out, std::string_view text) {
  std::string bytes;
  if (text.substr(0, 2) == "\\x") {
    bytes.reserve((text.size() - 2) / 2);
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 2; i + 1 < text.size(); i += 2)
      bytes += static_cast<char>((nibble(text[i]) << 4) | nibble(text[i + 1]));
  } else {
    bytes = text;
  }
  out += "{\"$binary\":{\"base64\":\"";
  append_base64(out, bytes);
  out += "\",\"subType\":\"00\"}}";
}

// "2026-01-15 10:30:45.123" (ISO DateStyle): a 4-digit year, no era.
bool iso_date_time(std::string_view t) {
  return t.size() >= 19 && is_digit(t[0]) && is_digit(t[3]) && t[4] == '-' && t[7] == '-' && t[10] == ' ' &&
         t[13] == ':' && t[16] == ':';
}

void append_timestamp(std::string& out, std::string_view text, bool tz) {
  std::string s(text);
  if (iso_date_time(text) && (!tz || (text.size() >= 22 && text.substr(text.size() - 3) == "+00"))) {
    s[10] = 'T';
    if (tz) s.replace(s.size() - 3, 3, "Z");
  }
  json::append_string_literal(out, s);
}

void append_text(std::string& out, std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) {
    json::append_string_literal(out, text);
  } else {
    // A SQL_ASCII database can hold bytes that are not UTF-8: kept as they are.
    out += "{\"$binary\":{\"base64\":\"";
    append_base64(out, text);
    out += "\",\"subType\":\"80\"}}";
  }
}

Status append_scalar(std::string& out, PgKind kind, std::string_view text) {
  switch (kind) {
    case PgKind::kInt: out += text; return {};
    case PgKind::kFloat: {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        append_wrapper(out, "$numberDouble", text);
        return {};
      }
      double d = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      if (r.ec != std::errc())
        return fail(ErrorCode::kBadInput, "unreadable float '" + std::string(text) + "'");
      json::append_double(out, d, json::NumberProfile::kDbsync);
      return {};
    }
    case PgKind::kNumeric: append_numeric(out, text); return {};
    case PgKind::kBool: out += text == "t" ? "true" : "false"; return {};
    case PgKind::kBytea: append_bytea(out, text); return {};
    case PgKind::kTimestamp: append_timestamp(out, text, false); return {};
    case PgKind::kTimestamptz: append_timestamp(out, text, true); return {};
    case PgKind::kJson: {
      auto v = json::parse(text);
      if (!v) return std::unexpected(v.error());
      json::append_canonical(out, *v);
      return {};
    }
    case PgKind::kText: append_text(out, text); return {};
  }
  return {};
}

// Parses an array literal ("{1,2,NULL}", "{{\"a b\",c}}") from `pos`.
Status append_array(std::string& out, PgKind kind, std::string_view t, size_t& pos) {
  auto bad = [&] {
    return fail(ErrorCode::kBadInput, "unreadable array '" + std::string(t.substr(0, 200)) + "'");
  };
  if (pos >= t.size() || t[pos] != '{') return bad();
  ++pos;
  out += '[';
  if (pos < t.size() && t[pos] == '}') {
    ++pos;
    out += ']';
    return {};
  }
  std::string elem;
  for (bool first = true;; first = false) {
    if (!first) out += ',';
    if (pos >= t.size()) return bad();
    if (t[pos] == '{') {
      if (auto st = append_array(out, kind, t, pos); !st) return st;
    } else if (t[pos] == '"') {
      elem.clear();
      for (++pos; pos < t.size() && t[pos] != '"'; ++pos) {
        if (t[pos] == '\\' && pos + 1 < t.size()) ++pos;
        elem += t[pos];
      }
      if (pos >= t.size()) return bad();
      ++pos;
      if (auto st = append_scalar(out, kind, elem); !st) return st;
    } else {
      size_t end = t.find_first_of(",}", pos);
      if (end == std::string_view::npos) return bad();
      std::string_view raw = t.substr(pos, end - pos);
      pos = end;
      if (raw == "NULL") {
        out += "null";
      } else if (auto st = append_scalar(out, kind, raw); !st) {
        return st;
      }
    }
    if (pos >= t.size()) return bad();
    if (t[pos] == '}') {
      ++pos;
      out += ']';
      return {};
    }
    if (t[pos] != ',') return bad();
    ++pos;
  }
}

// --- JSON -> text input --------------------------------------------------

const json::Member* wrapper(const json::Value& v) {
  if (!v.is_object() || v.as_object().size() != 1) return nullptr;
  const json::Member& m = v.as_object().front();
  return !m.first.empty() && m.first[0] == '$' ? &m : nullptr;
}

std::string double_text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::string out;
  json::append_double(out, d, json::NumberProfile::kDbsync);
  return out;
}

Result<std::string> binary_bytes(const json::Value& inner, std::string_view field) {
  const json::Value* b64 = inner.find("base64");
  const json::Value* sub = inner.find("subType");
  if (!inner.is_object() || inner.as_object().size() != 2 || b64 == nullptr || !b64->is_string() ||
      sub == nullptr || !sub->is_string()) {
    return fail(ErrorCode::kBadInput,
                "field '" + std::string(field) + "': $binary needs exactly 'base64' and 'subType' strings");
  }
  auto bytes = decode_base64(b64->as_string());
  if (!bytes)
    return fail(ErrorCode::kBadInput, "field '" + std::string(field) + "': $binary base64 is malformed");
  return *bytes;
}

std::string date_of_millis(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int64_t frac = ms - secs * 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf;
}

Result<std::string> scalar_text(PgKind kind, const json::Value& v, std::string_view field) {
  const json::Member* w = wrapper(v);
  switch (kind) {
    case PgKind::kInt:
      if (v.is_double() && std::isfinite(v.as_double()) && std::trunc(v.as_double()) == v.as_double() &&
          std::fabs(v.as_double()) < 9.2e18)
        return std::to_string(static_cast<int64_t>(v.as_double()));
      if (v.is_bool()) return std::string(v.as_bool() ? "1" : "0");
      if (w && (w->first == "$numberLong" || w->first == "$numberInt") && w->second.is_string())
        return w->second.as_string();
      break;
    case PgKind::kFloat:
    case PgKind::kNumeric:
      if (v.is_double()) return double_text(v.as_double());
      if (w &&
          (w->first == "$numberDouble" || w->first == "$numberDecimal" || w->first == "$numberLong" ||
           w->first == "$numberInt") &&
          w->second.is_string())
        return w->second.as_string();
      break;
    case PgKind::kBool:
      if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
      if (v.is_int() && (v.as_int() == 0 || v.as_int() == 1))
        return std::string(v.as_int() ? "true" : "false");
      break;
    case PgKind::kBytea: {
      std::string bytes;
      if (w && w->first == "$binary") {
        auto b = binary_bytes(w->second, field);
        if (!b) return std::unexpected(b.error());
        bytes = std::move(*b);
      } else if (v.is_string()) {
        bytes = v.as_string();
      } else {
        break;
      }
      static const char* kHex = "0123456789abcdef";
      std::string out = "\\x";
      out.reserve(2 + bytes.size() * 2);
      for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out;
    }
    case PgKind::kTimestamp:
    case PgKind::kTimestamptz:
      if (w && w->first == "$date") {
        if (w->second.is_string()) return w->second.as_string();
        if (w->second.is_int()) return date_of_millis(w->second.as_int());
        if (const json::Value* ms = w->second.find("$numberLong"); ms && ms->is_string())
          return date_of_millis(std::stoll(ms->as_string()));
      }
      break;
    case PgKind::kJson: return json::to_canonical(v);
    case PgKind::kText:
      if (w && w->first == "$binary") {
        if (const json::Value* sub = w->second.find("subType");
            sub && sub->is_string() && sub->as_string() == "80")
          return binary_bytes(w->second, field);
      }
      break;
  }
  if (v.is_string()) return v.as_string();
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_double()) return double_text(v.as_double());
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  return json::to_canonical(v);
}

Status append_array_literal(std::string& out, PgKind kind, const json::Array& items, std::string_view field) {
  out += '{';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    const json::Value& item = items[i];
    if (item.is_null() && kind != PgKind::kJson) {
      out += "NULL";
    } else if (item.is_array() && kind != PgKind::kJson) {
      if (auto st = append_array_literal(out, kind, item.as_array(), field); !st) return st;
    } else {
      auto text = scalar_text(kind, item, field);
      if (!text) return std::unexpected(text.error());
      out += '"';
      for (char c : *text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    }
  }
  out += '}';
  return {};
}

}  // namespace

PgKind pg_kind_of_oid(uint32_t oid) {
  switch (oid) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: return PgKind::kInt;
    case kFloat4Oid:
    case kFloat8Oid: return PgKind::kFloat;
    case kNumericOid: return PgKind::kNumeric;
    case kBoolOid: return PgKind::kBool;
    case kByteaOid: return PgKind::kBytea;
    case kTimestampOid: return PgKind::kTimestamp;
    case kTimestamptzOid: return PgKind::kTimestamptz;
    case kJsonOid:
    case kJsonbOid: return PgKind::kJson;
    default: return PgKind::kText;
  }
}

Status append_pg_value(std::string& out, const PgType& type, std::string_view text) {
  if (!type.array) return append_scalar(out, type.kind, text);
  if (text.empty() || text[0] != '{') {
    // Bounds other than 1 ("[0:1]={…}") are shown as PostgreSQL writes them.
    json::append_string_literal(out, text);
    return {};
  }
  size_t pos = 0;
  return append_array(out, type.kind, text, pos);
}

Result<std::optional<std::string>> pg_text_of(const PgType& type, const json::Value& value,
                                              std::string_view field) {
  if (value.is_null()) return std::optional<std::string>();
  std::string text;
  if (type.array && value.is_array()) {
    if (auto st = append_array_literal(text, type.kind, value.as_array(), field); !st)
      return std::unexpected(st.error());
  } else {
    auto t = scalar_text(type.array ? PgKind::kText : type.kind, value, field);
    if (!t) return std::unexpected(t.error());
    text = std::move(*t);
  }
  if (text.find('\0') != std::string::npos) {
    return fail(ErrorCode::kBadInput,
                "field '" + std::string(field) + "': PostgreSQL cannot store a NUL character in this column",
                "store the value in a json or bytea column, or remove the NUL");
  }
  return std::optional<std::string>(std::move(text));
}

}  // namespace dbsync
