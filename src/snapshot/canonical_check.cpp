#include "snapshot/canonical_check.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json/number_format.h"
#include "json/value.h"

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
    std::string_view prev;
    bool prev_escaped = false;
    std::string prev_unescaped;
    for (bool first = true;; first = false) {
      if (p_ >= end_ || *p_ != '"') return unexpected("a member name");
      const char* name_at = p_;
      bool escaped;
      if (!string(&escaped)) return false;
      std::string_view key(name_at + 1, static_cast<size_t>(p_ - name_at - 2));
      std::string unescaped;
      if (escaped) unescaped = unescape_canonical_string(key);
      if (!first) {
        int c = (escaped || prev_escaped)
                    ? json::jcs_key_compare(prev_escaped ? std::string_view(prev_unescaped) : prev,
                                            escaped ? std::string_view(unescaped) : key)
                    : json::jcs_key_compare(prev, key);
        if (c >= 0) {
          std::string name = shown(escaped ? unescaped : std::string(key));
          std::string before = shown(prev_escaped ? prev_unescaped : std::string(prev));
          return fail(name_at, c == 0 ? "duplicate member name '" + name + "'"
                                      : "member names are not in canonical (RFC 8785) order: '" + name +
                                            "' comes after '" + before + "'");
        }
      }
      prev = key;
      prev_escaped = escaped;
      if (escaped) prev_unescaped = std::move(unescaped);
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
    if (*p == '-') ++p;
    if (p < end_ && *p == '0') {
      ++p;
      if (p < end_ && digit(*p))
        return fail(start, "number " + shown(std::string_view(start, static_cast<size_t>(p + 1 - start))) +
                               "... has a leading zero");
    } else if (p < end_ && *p >= '1' && *p <= '9') {
      while (p < end_ && digit(*p)) ++p;
    } else {
      p_ = p;
      return unexpected("a digit");
    }
    bool integer = true;
    if (p < end_ && *p == '.') {
      integer = false;
      ++p;
      if (p >= end_ || !digit(*p)) {
        p_ = p;
        return unexpected("a digit after '.'");
      }
      while (p < end_ && digit(*p)) ++p;
    }
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
      if (text == "-0")
        return fail(start, "number '-0' is not canonical; write 0 (an integer) or -0.0 (a double)");
      int64_t v;
      auto r = std::from_chars(start, p, v);
      if (r.ec != std::errc() || r.ptr != p) {
        return fail(start, "integer " + shown(text) + " is outside the int64 range");
      }
      p_ = p;
      return true;
    }
    double d;
    auto r = std::from_chars(start, p, d);
    if (r.ec != std::errc() || r.ptr != p) {
      return fail(start, "number " + shown(text) + " does not fit a double");
    }
    thread_local std::string canonical;
    canonical.clear();
    json::append_double(canonical, d, json::NumberProfile::kDbsync);
    if (canonical != text) {
      return fail(start, "number " + shown(text) + " is not canonical (expected " + canonical + ")");
    }
    p_ = p;
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
