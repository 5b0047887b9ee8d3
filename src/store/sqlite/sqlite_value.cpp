#include "store/sqlite/sqlite_value.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/base64.h"

namespace dbsync {
namespace {

void append_binary(std::string& out, std::string_view bytes, const char* subtype) {
  out += "{\"$binary\":{\"base64\":\"";
  append_base64(out, bytes);
  out += "\",\"subType\":\"";
  out += subtype;
  out += "\"}}";
}

// The single member of a one-member object whose key starts with '$'.
const json::Member* wrapper(const json::Value& v) {
  if (!v.is_object() || v.as_object().size() != 1) return nullptr;
  const json::Member& m = v.as_object().front();
  return !m.first.empty() && m.first[0] == '$' ? &m : nullptr;
}

Status bind_rc(sqlite3_stmt* stmt, int rc) {
  if (rc == SQLITE_OK) return {};
  return fail(ErrorCode::kInternal, std::string("cannot bind a value: ") + sqlite3_errstr(rc));
}

// Exact powers of ten: a quotient or product with one of them and an
// integer below 2^53 is rounded once, as parsing the decimal would round.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Whether any of the 8 bytes of `w` is below 0x20 or above 0x7e, or is '"'
// or '\\' (exact for "any", not for "which").
inline bool needs_care(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return ((w | (w + kOnes)) & kHigh) != 0 ||  // >= 0x7f: 0x7f wraps into the high bit
         below_space != 0 || has_zero(w ^ (kOnes * '"')) != 0 || has_zero(w ^ (kOnes * '\\')) != 0;
}

}  // namespace

bool append_plain_string(std::string& out, std::string_view text) {
  const char* p = text.data();
  size_t n = text.size(), i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (needs_care(w)) return false;
  }
  if (i < n) {
    uint64_t w = 0x2020202020202020ULL;  // spaces pad the tail: they need no care
    std::memcpy(&w, p + i, n - i);
    if (needs_care(w)) return false;
  }
  size_t at = out.size();
  out.resize(at + n + 2);
  char* buf = out.data() + at;
  buf[0] = '"';
  std::memcpy(buf + 1, p, n);
  buf[n + 1] = '"';
  return true;
}

bool append_short_double(std::string& out, double d) {
  double a = std::fabs(d);
  // Outside this range json::append_double writes an exponent.
  if (!(a >= 1e-6 && a < 1e15)) return false;
  // The fewest fraction digits k for which some m / 10^k reads back as `a`.
  // While m < 10^15, ulp(a) * 10^k < 1: at most one m reads back at k
  // digits (the one tried), and one at a finer scale needs 16 or more
  // digits. So m's digits are the shortest round trip, the ones
  // json::append_double prints.
  for (int k = 0; k <= 12; ++k) {
    double scaled = a * kPow10[k];
    if (scaled >= 1e15) return false;
    auto m = static_cast<int64_t>(scaled + 0.5);
    // The m that reads back is within scaled * 2.3e-16 of `scaled`: most
    // k are ruled out here without the division below (skipping the right
    // one would only lead to the trailing-zero exit below).
    if (std::fabs(scaled - static_cast<double>(m)) > scaled * 1e-15) continue;
    if (static_cast<double>(m) / kPow10[k] != a) continue;
    // A trailing zero means a shorter decimal reads back too, one that the
    // rounding of `scaled` above made us miss: leave it to the general path.
    if (k > 0 && m % 10 == 0) return false;
    char buf[24];
    char* e = std::to_chars(buf, buf + sizeof buf, m).ptr;
    auto len = static_cast<size_t>(e - buf);
    auto frac = static_cast<size_t>(k);
    if (d < 0) out += '-';
    if (frac == 0) {
      out.append(buf, len);
      out += ".0";
    } else if (len > frac) {
      out.append(buf, len - frac);
      out += '.';
      out.append(buf + len - frac, frac);
    } else {
      out += "0.";
      out.append(frac - len, '0');
      out.append(buf, len);
    }
    return true;
  }
  return false;
}

bool parse_short_double(std::string_view text, double& d) {
  const char* p = text.data();
  const char* e = p + text.size();
  bool negative = p < e && *p == '-';
  if (negative) ++p;
  if (p == e || *p < '0' || *p > '9' || (*p == '0' && p + 1 < e && p[1] != '.')) return false;
  uint64_t m = 0;
  int digits = 0, frac = -1;
  for (; p < e; ++p) {
    if (*p >= '0' && *p <= '9') {
      if (++digits > 17) return false;
      m = m * 10 + static_cast<uint64_t>(*p - '0');
      if (frac >= 0) ++frac;
    } else if (*p == '.' && frac < 0) {
      frac = 0;
    } else {
      return false;
    }
  }
  // Zero (with its sign) and integers are the general path's.
  if (frac <= 0 || m == 0 || m > (uint64_t{1} << 53) || frac > 22) return false;
  double v = static_cast<double>(m) / kPow10[frac];
  d = negative ? -v : v;
  return true;
}

void append_sqlite_column(std::string& out, sqlite3_stmt* stmt, int col) {
  // One column lookup per value: sqlite3_column_* each look the column up
  // again and check the connection's malloc state.
  sqlite3_value* v = sqlite3_column_value(stmt, col);
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(sqlite3_value_int64(v)));
      out.append(buf, r.ptr);
      return;
    }
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(v);
      if (!append_short_double(out, d)) json::append_canonical(out, json::Value(d));
      return;
    }
    case SQLITE_TEXT: {
      const char* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
      std::string_view text(p ? p : "", static_cast<size_t>(sqlite3_value_bytes(v)));
      if (append_plain_string(out, text)) return;
      if (simdjson::validate_utf8(text.data(), text.size())) {
        json::append_string_literal(out, text);
      } else {
        append_binary(out, text, kInvalidUtf8TextSubtype);
      }
      return;
    }
    case SQLITE_BLOB: {
      const char* p = static_cast<const char*>(sqlite3_value_blob(v));
      append_binary(out, std::string_view(p ? p : "", static_cast<size_t>(sqlite3_value_bytes(v))), "00");
      return;
    }
    default: out += "null"; return;
  }
}

Status bind_json_value(sqlite3_stmt* stmt, int index, const json::Value& value, std::string_view field) {
  switch (value.kind()) {
    case json::Kind::kNull: return bind_rc(stmt, sqlite3_bind_null(stmt, index));
    case json::Kind::kBool: return bind_rc(stmt, sqlite3_bind_int64(stmt, index, value.as_bool() ? 1 : 0));
    case json::Kind::kInt: return bind_rc(stmt, sqlite3_bind_int64(stmt, index, value.as_int()));
    case json::Kind::kDouble: return bind_rc(stmt, sqlite3_bind_double(stmt, index, value.as_double()));
    case json::Kind::kString: {
      const std::string& s = value.as_string();
      return bind_rc(stmt,
                     sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    case json::Kind::kArray: break;
    case json::Kind::kObject: {
      const json::Member* w = wrapper(value);
      if (w == nullptr) break;
      const json::Value& inner = w->second;
      if (w->first == "$binary") {
        const json::Value* b64 = inner.find("base64");
        const json::Value* sub = inner.find("subType");
        if (!inner.is_object() || inner.as_object().size() != 2 || b64 == nullptr || !b64->is_string() ||
            sub == nullptr || !sub->is_string()) {
          return fail(ErrorCode::kBadInput, "field '" + std::string(field) +
                                                "': $binary needs exactly 'base64' and 'subType' strings");
        }
        auto bytes = decode_base64(b64->as_string());
        if (!bytes) {
          return fail(ErrorCode::kBadInput,
                      "field '" + std::string(field) + "': $binary base64 is malformed");
        }
        if (sub->as_string() == kInvalidUtf8TextSubtype) {
          return bind_rc(stmt, sqlite3_bind_text64(stmt, index, bytes->data(), bytes->size(),
                                                   SQLITE_TRANSIENT, SQLITE_UTF8));
        }
        return bind_rc(stmt,
                       sqlite3_bind_blob64(stmt, index, bytes->data(), bytes->size(), SQLITE_TRANSIENT));
      }
      if (w->first == "$numberLong" || w->first == "$numberInt") {
        int64_t v = 0;
        if (inner.is_string()) {
          const std::string& s = inner.as_string();
          auto r = std::from_chars(s.data(), s.data() + s.size(), v);
          if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
            return bind_rc(stmt, sqlite3_bind_int64(stmt, index, v));
          }
        }
        break;
      }
      if (w->first == "$numberDouble" && inner.is_string()) {
        const std::string& s = inner.as_string();
        double d;
        if (s == "Infinity") {
          d = HUGE_VAL;
        } else if (s == "-Infinity") {
          d = -HUGE_VAL;
        } else if (s == "NaN") {
          return bind_rc(stmt, sqlite3_bind_null(stmt, index));
        } else {
          auto r = std::from_chars(s.data(), s.data() + s.size(), d);
          if (r.ec != std::errc() || r.ptr != s.data() + s.size()) break;
        }
        return bind_rc(stmt, sqlite3_bind_double(stmt, index, d));
      }
      break;
    }
  }
  std::string text = json::to_canonical(value);
  return bind_rc(stmt,
                 sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

namespace {

Status bind_parsed(sqlite3_stmt* stmt, int index, std::string_view text, std::string_view field) {
  auto v = json::parse(text);
  if (!v) return std::unexpected(std::move(v.error()).context("field '" + std::string(field) + "'"));
  return bind_json_value(stmt, index, *v, field);
}

}  // namespace

Status bind_json_text(sqlite3_stmt* stmt, int index, std::string_view text, std::string_view field) {
  if (text.empty()) return bind_parsed(stmt, index, text, field);
  switch (text[0]) {
    case 'n':
      if (text == "null") return bind_rc(stmt, sqlite3_bind_null(stmt, index));
      break;
    case 't':
      if (text == "true") return bind_rc(stmt, sqlite3_bind_int64(stmt, index, 1));
      break;
    case 'f':
      if (text == "false") return bind_rc(stmt, sqlite3_bind_int64(stmt, index, 0));
      break;
    case '"': {
      std::string_view inner = text.substr(1, text.size() - 2);
      if (text.size() >= 2 && text.back() == '"' && inner.find('\\') == std::string_view::npos &&
          inner.find('"') == std::string_view::npos) {
        return bind_rc(
            stmt, sqlite3_bind_text64(stmt, index, inner.data(), inner.size(), SQLITE_STATIC, SQLITE_UTF8));
      }
      break;
    }
    case '{':
    case '[': break;
    default: {
      const char* b = text.data();
      const char* e = b + text.size();
      if (text.find_first_of(".eE") == std::string_view::npos) {
        int64_t v;
        auto r = std::from_chars(b, e, v);
        if (r.ec == std::errc() && r.ptr == e) return bind_rc(stmt, sqlite3_bind_int64(stmt, index, v));
      } else {
        double d;
        if (parse_short_double(text, d)) return bind_rc(stmt, sqlite3_bind_double(stmt, index, d));
        auto r = std::from_chars(b, e, d);
        if (r.ec == std::errc() && r.ptr == e && std::isfinite(d) && d != 0) {
          return bind_rc(stmt, sqlite3_bind_double(stmt, index, d));
        }
      }
      break;
    }
  }
  // Escaped strings, objects and arrays ($binary, $numberLong, nested
  // values) and anything unusual: the full parser decides.
  return bind_parsed(stmt, index, text, field);
}

}  // namespace dbsync
