#include "snapshot/canonical_check.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json/number_format.h"
#include "json/value.h"

// Dragonbox (shortest round-trip digits) from fmt, about three times faster
// than std::to_chars. It lives in fmt::detail but is exported by libfmt
// (fmt uses it for every double it prints); without it the check falls back
// to json::append_double().
#if __has_include(<fmt/format.h>)
#include <fmt/format.h>
#if defined(FMT_VERSION) && FMT_VERSION >= 80000 && FMT_VERSION < 120000
#define DBSYNC_HAVE_DRAGONBOX 1
#endif
#endif

namespace dbsync {
namespace {

int lower_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_plain_string_byte(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

// The canonical escape of a control character (what append_string_literal
// writes), for error hints.
std::string canonical_escape(unsigned v) {
  switch (v) {
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\u00";
  out += kHex[v >> 4];
  out += kHex[v & 15];
  return out;
}

// Lays out the decimal 0.d1...dk x 10^n (k >= 1, d1 != 0, dk != 0) as
// json::append_double() with NumberProfile::kDbsync does: ECMAScript
// Number.prototype.toString, plus ".0" for integral values in plain
// notation. `buf` holds at least 48 bytes. Returns the length.
size_t layout_decimal(bool negative, const char* digits, int k, int n, char* buf) {
  char* out = buf;
  if (negative) *out++ = '-';
  auto put = [&](const char* p, int len) {
    std::memcpy(out, p, static_cast<size_t>(len));
    out += len;
  };
  if (k <= n && n <= 21) {
    put(digits, k);
    std::memset(out, '0', static_cast<size_t>(n - k));
    out += n - k;
    put(".0", 2);
  } else if (0 < n && n <= 21) {
    put(digits, n);
    *out++ = '.';
    put(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    put("0.", 2);
    std::memset(out, '0', static_cast<size_t>(-n));
    out += -n;
    put(digits, k);
  } else {
    *out++ = digits[0];
    if (k > 1) {
      *out++ = '.';
      put(digits + 1, k - 1);
    }
    int e = n - 1;
    *out++ = 'e';
    *out++ = e < 0 ? '-' : '+';
    auto er = std::to_chars(out, buf + 48, e < 0 ? -e : e);
    out = er.ptr;
  }
  return static_cast<size_t>(out - buf);
}

// Recursive descent over canonical JSON. Returns false on the first fault
// and records where; the member path is assembled while the recursion
// unwinds, so the success path pays nothing for it.
class Scanner {
 public:
  Scanner(std::string_view doc, size_t max_depth)
      : begin_(doc.data()), p_(doc.data()), end_(doc.data() + doc.size()), max_depth_(max_depth) {}

  bool document(std::vector<DocMember>* members) {
    if (p_ == end_ || *p_ != '{') return fail(p_, "document is not a JSON object");
    if (max_depth_ < 1) return nesting();
    if (!object(1, members)) return false;
    if (p_ != end_) return unexpected("the end of the document");
    return true;
  }

  size_t error_offset() const { return static_cast<size_t>(err_at_ - begin_); }
  const std::string& error_message() const { return err_msg_; }
  const std::string& error_path() const { return path_; }

 private:
  bool fail(const char* at, std::string msg) {
    err_at_ = at;
    err_msg_ = std::move(msg);
    return false;
  }

  bool unexpected(const char* expected) {
    if (p_ >= end_) return fail(p_, std::string("document ends early; expected ") + expected);
    char c = *p_;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      return fail(p_, "white space outside strings is not canonical");
    return fail(p_, "unexpected '" + shown(std::string_view(p_, 1)) + "'; expected " + expected);
  }

  bool nesting() { return fail(p_, "nesting deeper than the limit of " + std::to_string(max_depth_)); }

  void prepend_key(std::string_view raw, bool escaped) {
    std::string name = escaped ? unescape_canonical_string(raw) : std::string(raw);
    path_ = "." + shown(name) + path_;
  }
  void prepend_index(size_t i) { path_ = "[" + std::to_string(i) + "]" + path_; }

  bool value(size_t depth) {
    if (p_ >= end_) return unexpected("a value");
    switch (*p_) {
      case '{':
        if (depth + 1 > max_depth_) return nesting();
        return object(depth + 1, nullptr);
      case '[':
        if (depth + 1 > max_depth_) return nesting();
        return array(depth + 1);
      case '"': {
        bool escaped;
        return string(&escaped);
      }
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return number();
        return unexpected("a value");
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
      return fail(p_, "invalid literal; expected '" + std::string(word) + "'");
    }
    p_ += word.size();
    return true;
  }

  bool object(size_t depth, std::vector<DocMember>* members) {
    ++p_;  // '{'
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    // The previous member name, unescaped when it had escapes (then held in
    // prev_buf). Names are compared as RFC 8785 orders them.
    std::string_view prev;
    std::string prev_buf, cur_buf;
    for (bool first = true;; first = false) {
      if (p_ >= end_ || *p_ != '"') return unexpected("a member name");
      const char* name_at = p_;
      bool escaped;
      if (!string(&escaped)) return false;
      std::string_view key(name_at + 1, static_cast<size_t>(p_ - name_at - 2));
      std::string_view name = key;
      if (escaped) {
        cur_buf = unescape_canonical_string(key);
        name = cur_buf;
      }
      if (!first) {
        int c = compare_names(prev, name);
        if (c >= 0) {
          return fail(name_at, c == 0 ? "duplicate member name '" + shown(name) + "'"
                                      : "member names are not in canonical (RFC 8785) order: '" +
                                            shown(name) + "' comes after '" + shown(prev) + "'");
        }
      }
      if (escaped) {
        prev_buf.swap(cur_buf);
        prev = prev_buf;
      } else {
        prev = key;
      }
      if (p_ >= end_ || *p_ != ':') return unexpected("':'");
      ++p_;
      const char* value_at = p_;
      if (!value(depth)) {
        prepend_key(key, escaped);
        return false;
      }
      if (members != nullptr) {
        members->push_back({key, std::string_view(value_at, static_cast<size_t>(p_ - value_at)), escaped});
      }
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        return true;
      }
      return unexpected("',' or '}'");
    }
  }

  // RFC 8785 member order. Byte order agrees with it unless the first
  // differing bytes are both UTF-8 lead bytes of U+E000 or above
  // (json::jcs_key_compare handles that case).
  static int compare_names(std::string_view a, std::string_view b) {
    size_t n = a.size() < b.size() ? a.size() : b.size();
    for (size_t i = 0; i < n; ++i) {
      auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
      if (x == y) continue;
      if (x < 0xEE || y < 0xEE) return x < y ? -1 : 1;
      return json::jcs_key_compare(a, b);
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }

  bool array(size_t depth) {
    ++p_;  // '['
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (size_t i = 0;; ++i) {
      if (!value(depth)) {
        prepend_index(i);
        return false;
      }
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ < end_ && *p_ == ']') {
        ++p_;
        return true;
      }
      return unexpected("',' or ']'");
    }
  }

  // First byte at or after `p` that is not plain printable ASCII: a quote,
  // a backslash, a control character or a UTF-8 lead/continuation byte.
  const char* find_special(const char* p) const {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end_ - p >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches
      // them together with the control characters.
      __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                     _mm_cmplt_epi8(v, space));
      int mask = _mm_movemask_epi8(special);
      if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
      p += 16;
    }
#endif
    while (p < end_ && is_plain_string_byte(static_cast<unsigned char>(*p))) ++p;
    return p;
  }

  bool string(bool* escaped) {
    const char* p = p_ + 1;  // after the opening quote
    *escaped = false;
    for (;;) {
      p = find_special(p);
      if (p >= end_) return fail(p_, "string is not terminated");
      auto c = static_cast<unsigned char>(*p);
      if (c == '"') {
        p_ = p + 1;
        return true;
      }
      if (c == '\\') {
        if (!escape(p)) return false;
        *escaped = true;
        continue;
      }
      if (c < 0x20) {
        return fail(p, "control character in a string must be written '" + canonical_escape(c) + "'");
      }
      if (!utf8_sequence(p)) return false;
    }
  }

  // REQUIRES: *p == '\\'. Advances past one canonical escape.
  bool escape(const char*& p) {
    if (end_ - p < 2) return fail(p, "string is not terminated");
    switch (p[1]) {
      case '"':
      case '\\':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': p += 2; return true;
      case 'u': break;
      case '/': return fail(p, "escape '\\/' is not canonical; write '/'");
      default: return fail(p, "invalid escape '\\" + shown(std::string_view(p + 1, 1)) + "'");
    }
    // Canonical JSON uses \u only for control characters without a short
    // form, as \u00xx with lowercase hex.
    if (end_ - p < 6) return fail(p, "incomplete \\u escape");
    std::string_view esc(p, 6);
    unsigned v = 0;
    for (int i = 2; i < 6; ++i) {
      int h = lower_hex(p[i]);
      if (h < 0) {
        char ch = p[i];
        bool upper_hex = ch >= 'A' && ch <= 'F';
        return fail(p, "escape '" + shown(esc) + "' is not canonical" +
                           (upper_hex ? std::string("; hex digits are lowercase") : std::string()));
      }
      v = v << 4 | static_cast<unsigned>(h);
    }
    if (v >= 0x20) {
      return fail(p, "escape '" + std::string(esc) + "' is not canonical; write the character itself" +
                         (v >= 0xD800 && v <= 0xDFFF ? " (as UTF-8)" : ""));
    }
    std::string want = canonical_escape(v);
    if (want.size() == 2)
      return fail(p, "escape '" + std::string(esc) + "' is not canonical; write '" + want + "'");
    p += 6;
    return true;
  }

  // REQUIRES: *p >= 0x80. Advances past one valid UTF-8 sequence.
  bool utf8_sequence(const char*& p) {
    auto b = static_cast<unsigned char>(*p);
    size_t len;
    uint32_t min;
    if ((b & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    } else {
      return fail(p, "invalid UTF-8");
    }
    if (static_cast<size_t>(end_ - p) < len) return fail(p, "invalid UTF-8");
    uint32_t cp = b & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(p[k]);
      if ((c & 0xC0) != 0x80) return fail(p, "invalid UTF-8");
      cp = cp << 6 | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return fail(p, "invalid UTF-8");
    p += len;
    return true;
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool number() {
    const char* start = p_;
    const char* p = p_;
    bool negative = *p == '-';
    if (negative) ++p;
    const char* int_begin = p;
    if (p < end_ && *p == '0') {
      ++p;
      if (p < end_ && digit(*p)) {
        return fail(start, "number " + shown(std::string_view(start, static_cast<size_t>(p + 1 - start))) +
                               "... has a leading zero");
      }
    } else if (p < end_ && *p >= '1' && *p <= '9') {
      while (p < end_ && digit(*p)) ++p;
    } else {
      p_ = p;
      return unexpected("a digit");
    }
    const char* int_end = p;
    const char* frac_begin = p;
    const char* frac_end = p;
    bool integer = true;
    if (p < end_ && *p == '.') {
      integer = false;
      ++p;
      if (p >= end_ || !digit(*p)) {
        p_ = p;
        return unexpected("a digit after '.'");
      }
      frac_begin = p;
      while (p < end_ && digit(*p)) ++p;
      frac_end = p;
    }
    const char* exp_begin = p;
    if (p < end_ && (*p == 'e' || *p == 'E')) {
      integer = false;
      ++p;
      if (p < end_ && (*p == '+' || *p == '-')) ++p;
      if (p >= end_ || !digit(*p)) {
        p_ = p;
        return unexpected("a digit in the exponent");
      }
      while (p < end_ && digit(*p)) ++p;
    }
    std::string_view text(start, static_cast<size_t>(p - start));
    if (integer) {
      if (text == "-0") {
        return fail(start, "number '-0' is not canonical; write 0 (an integer) or -0.0 (a double)");
      }
      // 18 digits always fit int64; longer ones are checked.
      if (int_end - int_begin > 18) {
        int64_t v;
        auto r = std::from_chars(start, p, v);
        if (r.ec != std::errc() || r.ptr != p) {
          return fail(start, "integer " + shown(text) + " is outside the int64 range");
        }
      }
      p_ = p;
      return true;
    }
    if (!double_is_canonical(start, negative, int_begin, int_end, frac_begin, frac_end, exp_begin, p)) {
      return false;
    }
    p_ = p;
    return true;
  }

  // A double's text is canonical when it is what json::append_double writes
  // for the double it denotes.
  //
  // Fast path, no conversion: a decimal with at most 15 significant digits
  // (DBL_DIG) in the normal range is the only decimal of at most 15 digits
  // that reads as its double, so it is that double's shortest round-trip
  // form; the text is then canonical exactly when it is laid out as the
  // writer lays out those digits. Longer or extreme numbers are converted
  // and formatted.
  bool double_is_canonical(const char* start, bool negative, const char* int_begin, const char* int_end,
                           const char* frac_begin, const char* frac_end, const char* exp_begin,
                           const char* end) {
    std::string_view text(start, static_cast<size_t>(end - start));
    char digits[16];
    int k = 0, leading = 0, zeros = 0;  // zeros: pending zeros after the last non-zero digit
    bool long_digits = false;
    auto take = [&](const char* b, const char* e) {
      for (const char* q = b; q < e; ++q) {
        if (*q == '0') {
          if (k == 0) {
            ++leading;
          } else {
            ++zeros;
          }
          continue;
        }
        if (k + zeros + 1 > 15) {
          long_digits = true;
          return;
        }
        for (; zeros > 0; --zeros) digits[k++] = '0';
        digits[k++] = *q;
      }
    };
    take(int_begin, int_end);
    if (!long_digits) take(frac_begin, frac_end);
    int exp10 = 0;
    bool long_exp = false;
    if (exp_begin < end) {
      const char* q = exp_begin + 1;
      bool exp_negative = *q == '-';
      if (*q == '+' || *q == '-') ++q;
      if (end - q > 4) {
        long_exp = true;
      } else {
        for (; q < end; ++q) exp10 = exp10 * 10 + (*q - '0');
        if (exp_negative) exp10 = -exp10;
      }
    }
    int n = static_cast<int>(int_end - int_begin) - leading + exp10;  // value = 0.digits x 10^n
    if (!long_digits && !long_exp && k > 0 && n > -300 && n < 300) {
      char buf[48];
      size_t len = layout_decimal(negative, digits, k, n, buf);
      if (len != text.size() || std::memcmp(buf, text.data(), len) != 0) {
        return fail(start,
                    "number " + shown(text) + " is not canonical (expected " + std::string(buf, len) + ")");
      }
      return true;
    }
    double d;
    auto r = std::from_chars(start, end, d);
    if (r.ec != std::errc() || r.ptr != end) {
      return fail(start, "number " + shown(text) + " does not fit a double");
    }
    std::string canonical = format_double_for_check(d);
    if (canonical != text) {
      return fail(start, "number " + shown(text) + " is not canonical (expected " + canonical + ")");
    }
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  size_t max_depth_;
  const char* err_at_ = nullptr;
  std::string err_msg_;
  std::string path_;
};

}  // namespace

std::string format_double_for_check(double d) {
#if defined(DBSYNC_HAVE_DRAGONBOX)
  if (d != 0 && std::isfinite(d)) {
    auto dec = fmt::detail::dragonbox::to_decimal(std::fabs(d));
    char digits[24];
    auto r = std::to_chars(digits, digits + sizeof digits, dec.significand);
    int k = static_cast<int>(r.ptr - digits);
    char buf[48];
    return std::string(buf, layout_decimal(std::signbit(d), digits, k, dec.exponent + k, buf));
  }
#endif
  std::string out;
  json::append_double(out, d, json::NumberProfile::kDbsync);
  return out;
}

bool DocMember::has_name(std::string_view name) const {
  if (!key_escaped) return key == name;
  return unescape_canonical_string(key) == name;
}

std::string unescape_canonical_string(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u':
        if (i + 4 < raw.size()) {  // \u00xx
          int hi = lower_hex(raw[i + 3]), lo = lower_hex(raw[i + 4]);
          out += static_cast<char>((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
          i += 4;
        }
        break;
      default: out += e;  // '"' and '\\'
    }
  }
  return out;
}

Status check_canonical_document(std::string_view doc, size_t max_depth, size_t base_offset,
                                std::vector<DocMember>* members) {
  if (members != nullptr) members->clear();
  Scanner scanner(doc, max_depth);
  if (scanner.document(members)) return {};
  if (members != nullptr) members->clear();
  return fail(ErrorCode::kBadInput, "field 'd" + scanner.error_path() + "': at byte " +
                                        std::to_string(base_offset + scanner.error_offset()) + ": " +
                                        scanner.error_message());
}

}  // namespace dbsync
