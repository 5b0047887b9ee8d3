#include "json/diagnose.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <set>
#include <vector>

#include "json/canonical.h"

namespace dbsync::json {
namespace {

constexpr std::string_view kNumberHint = "store it as {\"$numberDecimal\": \"…\"} or as a string";

std::string hex_byte(uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
}

std::string code_point_name(uint32_t cp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "U+";
  int digits = cp > 0xFFFF ? (cp > 0xFFFFF ? 6 : 5) : 4;
  for (int i = digits - 1; i >= 0; --i) out += kHex[(cp >> (4 * i)) & 15];
  return out;
}

// A short, printable quotation of some input for a message.
std::string quote(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex_byte(c).substr(2);
    }
  }
  if (s.size() > kMax) out += "…";
  return "'" + out + "'";
}

struct Utf8 {
  size_t len = 0;  // 0: invalid
  uint32_t cp = 0;
  std::string error;
};

// Decodes the UTF-8 sequence at s[i] (s[i] >= 0x80).
Utf8 decode_utf8(std::string_view s, size_t i) {
  auto b = static_cast<uint8_t>(s[i]);
  Utf8 r;
  size_t len;
  uint32_t min;
  if (b >= 0x80 && b <= 0xBF) {
    r.error = "invalid UTF-8: continuation byte " + hex_byte(b) + " without a lead byte";
    return r;
  } else if (b >= 0xC0 && b <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    r.error = "invalid UTF-8: byte " + hex_byte(b) + " never occurs in UTF-8";
    if (b >= 0xF5 && b <= 0xF7) r.error = "invalid UTF-8: code point above U+10FFFF";
    return r;
  }
  uint32_t cp = b & (0x7Fu >> len);
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size() || (static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) {
      r.error = "invalid UTF-8: sequence starting with " + hex_byte(b) + " is cut short";
      return r;
    }
    cp = cp << 6 | (static_cast<uint8_t>(s[i + k]) & 0x3Fu);
  }
  if (cp < min) {
    r.error = "invalid UTF-8: overlong encoding of " + code_point_name(cp);
  } else if (cp > 0x10FFFF) {
    r.error = "invalid UTF-8: code point above U+10FFFF";
  } else if (cp >= 0xD800 && cp <= 0xDFFF) {
    r.error = "invalid UTF-8: encodes the surrogate " + code_point_name(cp) + ", which is not a character";
  } else {
    r.len = len;
    r.cp = cp;
  }
  return r;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at s[i..i+4), or -1.
int32_t hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    int h = hex_value(s[i + k]);
    if (h < 0) return -1;
    v = v << 4 | h;
  }
  return v;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Decimal magnitude of a number literal that std::from_chars found out of
// range: > 0 means too large (overflow), <= 0 too small (underflow).
int64_t rough_exponent(std::string_view tok) {
  size_t i = tok.front() == '-' ? 1 : 0;
  int64_t lead = 0;
  bool found = false;
  int64_t int_digits = 0;
  for (; i < tok.size() && is_digit(tok[i]); ++i, ++int_digits) {
    if (!found && tok[i] != '0') {
      found = true;
      lead = 0;
    }
    if (found) ++lead;
  }
  int64_t magnitude = found ? lead : 0;
  if (i < tok.size() && tok[i] == '.') {
    int64_t k = 0;
    for (++i; i < tok.size() && is_digit(tok[i]); ++i) {
      ++k;
      if (!found && tok[i] != '0') {
        found = true;
        magnitude = -(k - 1);
      }
    }
  }
  int64_t exp = 0;
  if (i < tok.size() && (tok[i] == 'e' || tok[i] == 'E')) {
    ++i;
    bool neg = false;
    if (tok[i] == '+' || tok[i] == '-') neg = tok[i++] == '-';
    for (; i < tok.size(); ++i) {
      if (exp < 1'000'000'000) exp = exp * 10 + (tok[i] - '0');
    }
    if (neg) exp = -exp;
  }
  return magnitude + exp;
}

class Checker {
 public:
  Checker(std::string_view text, const ParseLimits& limits) : s_(text), limits_(limits) {}

  std::optional<Diagnosis> run();

 private:
  struct Frame {
    bool object;
    size_t open;                 // offset of '[' or '{'
    std::set<std::string> keys;  // objects only
  };

  std::optional<Diagnosis> fail(size_t at, std::string what, std::string hint = {}) {
    return Diagnosis{at, std::move(what), std::move(hint)};
  }
  void skip_ws() {
    while (p_ < s_.size() && is_ws(s_[p_])) ++p_;
  }
  bool at_end() const { return p_ >= s_.size(); }
  std::optional<Diagnosis> unexpected(std::string_view expected);
  std::optional<Diagnosis> value_start();
  std::optional<Diagnosis> string(std::string* decoded);
  std::optional<Diagnosis> number();
  std::optional<Diagnosis> literal();
  std::optional<Diagnosis> encoding_check();

  std::string_view s_;
  const ParseLimits& limits_;
  size_t p_ = 0;
  std::vector<Frame> stack_;
};

std::optional<Diagnosis> Checker::encoding_check() {
  auto b = [&](size_t i) { return i < s_.size() ? static_cast<uint8_t>(s_[i]) : 0x100; };
  if (b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF) {
    return fail(0, "the text starts with a byte order mark (U+FEFF), which JSON does not allow",
                "save the file as UTF-8 without a byte order mark");
  }
  bool bom16 = (b(0) == 0xFF && b(1) == 0xFE) || (b(0) == 0xFE && b(1) == 0xFF);
  bool le = s_.size() >= 4 && b(0) != 0 && b(1) == 0 && b(2) != 0 && b(3) == 0;
  bool be = s_.size() >= 4 && b(0) == 0 && b(1) != 0 && b(2) == 0 && b(3) != 0;
  if (bom16 || le || be) {
    return fail(0, "the text looks like UTF-16; dbsync reads JSON as UTF-8 only",
                "convert it first, e.g. iconv -f UTF-16 -t UTF-8");
  }
  return std::nullopt;
}

// Error for an unexpected byte at p_ (or the end of the text).
std::optional<Diagnosis> Checker::unexpected(std::string_view expected) {
  if (at_end()) {
    if (!stack_.empty()) {
      const Frame& f = stack_.back();
      return fail(s_.size(), "unexpected end of the text: " + std::string(f.object ? "'{'" : "'['") +
                                 " at byte " + std::to_string(f.open) + " is not closed");
    }
    return fail(s_.size(), "unexpected end of the text; expected " + std::string(expected));
  }
  auto c = static_cast<uint8_t>(s_[p_]);
  if (c >= 0x80) {
    Utf8 u = decode_utf8(s_, p_);
    if (u.len == 0) return fail(p_, u.error);
    std::string what = "unexpected character " + code_point_name(u.cp);
    if (u.cp == 0xFEFF || u.cp == 0x2060 || u.cp == 0xA0 || (u.cp >= 0x2000 && u.cp <= 0x200B) ||
        u.cp == 0x3000) {
      what += " (only space, tab, CR and LF are white space in JSON)";
    }
    return fail(p_, what + "; expected " + std::string(expected));
  }
  std::string shown =
      c < 0x20 || c == 0x7F ? code_point_name(c) : "'" + std::string(1, static_cast<char>(c)) + "'";
  return fail(p_, "unexpected " + shown + "; expected " + std::string(expected));
}

std::optional<Diagnosis> Checker::string(std::string* decoded) {
  size_t open = p_++;
  while (true) {
    if (at_end()) return fail(open, "string is not closed");
    auto c = static_cast<uint8_t>(s_[p_]);
    if (c == '"') {
      ++p_;
      return std::nullopt;
    }
    if (c == '\\') {
      size_t esc = p_;
      if (p_ + 1 >= s_.size()) return fail(open, "string is not closed");
      char e = s_[p_ + 1];
      p_ += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          if (decoded) *decoded += e;
          continue;
        case 'b':
          if (decoded) *decoded += '\b';
          continue;
        case 'f':
          if (decoded) *decoded += '\f';
          continue;
        case 'n':
          if (decoded) *decoded += '\n';
          continue;
        case 'r':
          if (decoded) *decoded += '\r';
          continue;
        case 't':
          if (decoded) *decoded += '\t';
          continue;
        case 'u': break;
        default: {
          auto ec = static_cast<uint8_t>(e);
          std::string shown = ec >= 0x20 && ec < 0x7F ? std::string(1, e) : hex_byte(ec);
          return fail(esc, "invalid escape '\\" + shown + "' in a string",
                      "JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX");
        }
      }
      int32_t unit = hex4(s_, p_);
      if (unit < 0) return fail(esc, "\\u escape needs four hex digits");
      p_ += 4;
      uint32_t cp = static_cast<uint32_t>(unit);
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(esc, "lone low surrogate \\u" + std::string(s_.substr(esc + 2, 4)) +
                             " (it must follow a high surrogate \\uD800-\\uDBFF)");
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        int32_t low = -1;
        if (p_ + 1 < s_.size() && s_[p_] == '\\' && s_[p_ + 1] == 'u') low = hex4(s_, p_ + 2);
        if (low < 0xDC00 || low > 0xDFFF) {
          return fail(esc, "lone high surrogate \\u" + std::string(s_.substr(esc + 2, 4)) +
                               " (it must be followed by a low surrogate \\uDC00-\\uDFFF)");
        }
        p_ += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
      }
      if (decoded) append_utf8(*decoded, cp);
      continue;
    }
    if (c < 0x20) {
      return fail(p_, "control character " + code_point_name(c) + " must be escaped in a string",
                  "write it as \\u00" + hex_byte(c).substr(2));
    }
    if (c >= 0x80) {
      Utf8 u = decode_utf8(s_, p_);
      if (u.len == 0) return fail(p_, u.error, "convert the text to UTF-8");
      if (decoded) decoded->append(s_.substr(p_, u.len));
      p_ += u.len;
      continue;
    }
    if (decoded) *decoded += static_cast<char>(c);
    ++p_;
  }
}

std::optional<Diagnosis> Checker::number() {
  size_t start = p_;
  auto bad = [&](std::string why) {
    size_t end = p_;
    while (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '.' ||
                               s_[end] == '+' || s_[end] == '-')) {
      ++end;
    }
    return fail(start, "invalid number " + quote(s_.substr(start, end - start)) + ": " + why);
  };
  if (s_[p_] == '-') ++p_;
  if (at_end() || !is_digit(s_[p_])) return bad("'-' must be followed by a digit");
  if (s_[p_] == '0') {
    ++p_;
    if (!at_end() && is_digit(s_[p_])) return bad("leading zeros are not allowed");
  } else {
    while (!at_end() && is_digit(s_[p_])) ++p_;
  }
  bool integer = true;
  if (!at_end() && s_[p_] == '.') {
    integer = false;
    ++p_;
    if (at_end() || !is_digit(s_[p_])) return bad("a digit must follow '.'");
    while (!at_end() && is_digit(s_[p_])) ++p_;
  }
  if (!at_end() && (s_[p_] == 'e' || s_[p_] == 'E')) {
    integer = false;
    ++p_;
    if (!at_end() && (s_[p_] == '+' || s_[p_] == '-')) ++p_;
    if (at_end() || !is_digit(s_[p_])) return bad("the exponent needs a digit");
    while (!at_end() && is_digit(s_[p_])) ++p_;
  }
  if (!at_end() &&
      (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '.' || s_[p_] == '+' || s_[p_] == '-')) {
    return bad("unexpected '" + std::string(1, s_[p_]) + "'");
  }
  std::string_view tok = s_.substr(start, p_ - start);
  if (integer) {
    int64_t v;
    auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (r.ec != std::errc()) {
      return fail(start, "integer " + quote(tok) + " is outside the int64 range", std::string(kNumberHint));
    }
    return std::nullopt;
  }
  double d;
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    if (rough_exponent(tok) > 0) {
      return fail(start, "number " + quote(tok) + " is too large for a double", std::string(kNumberHint));
    }
    return fail(start, "number " + quote(tok) + " is too small for a double and would become 0",
                std::string(kNumberHint));
  }
  if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) return bad("not a number");
  return std::nullopt;
}

std::optional<Diagnosis> Checker::literal() {
  for (std::string_view word : {"true", "false", "null"}) {
    if (s_[p_] == word[0]) {
      if (s_.substr(p_, word.size()) != word ||
          (p_ + word.size() < s_.size() && std::isalnum(static_cast<unsigned char>(s_[p_ + word.size()])))) {
        size_t end = p_;
        while (end < s_.size() && std::isalnum(static_cast<unsigned char>(s_[end]))) ++end;
        return fail(p_, "invalid literal " + quote(s_.substr(p_, std::max(end - p_, size_t{1}))) +
                            "; expected " + std::string(word));
      }
      p_ += word.size();
      return std::nullopt;
    }
  }
  return unexpected("a value");
}

std::optional<Diagnosis> Checker::value_start() {
  // The caller skipped white space. Containers push a frame; scalars are
  // consumed whole.
  if (at_end()) return unexpected("a value");
  char c = s_[p_];
  if (c == '{' || c == '[') {
    if (stack_.size() >= limits_.max_depth) {
      return fail(p_, "nesting deeper than the limit of " + std::to_string(limits_.max_depth));
    }
    stack_.push_back(Frame{c == '{', p_, {}});
    ++p_;
    return std::nullopt;
  }
  if (c == '"') return string(nullptr);
  if (c == '-' || is_digit(c)) return number();
  if (c == 't' || c == 'f' || c == 'n') return literal();
  return unexpected("a value");
}

std::optional<Diagnosis> Checker::run() {
  if (s_.size() > limits_.max_bytes) {
    return fail(limits_.max_bytes,
                "the text is larger than the limit of " + std::to_string(limits_.max_bytes) + " bytes");
  }
  if (auto d = encoding_check()) return d;
  // States of the grammar, driven by an explicit stack so that nesting costs
  // no native stack.
  enum class State { kValue, kAfterValue, kKey, kFirstKeyOrClose, kFirstValueOrClose };
  State state = State::kValue;
  skip_ws();
  if (at_end()) return fail(p_, "no JSON value (the text is empty or white space)");
  while (true) {
    skip_ws();
    switch (state) {
      case State::kValue: {
        size_t depth = stack_.size();
        if (auto d = value_start()) return d;
        if (stack_.size() > depth) {
          state = stack_.back().object ? State::kFirstKeyOrClose : State::kFirstValueOrClose;
        } else {
          state = State::kAfterValue;
        }
        break;
      }
      case State::kFirstValueOrClose:
        if (!at_end() && s_[p_] == ']') {
          ++p_;
          stack_.pop_back();
          state = State::kAfterValue;
        } else {
          state = State::kValue;
        }
        break;
      case State::kFirstKeyOrClose:
        if (!at_end() && s_[p_] == '}') {
          ++p_;
          stack_.pop_back();
          state = State::kAfterValue;
        } else {
          state = State::kKey;
        }
        break;
      case State::kKey: {
        if (at_end() || s_[p_] != '"') return unexpected("a string in double quotes as an object key");
        size_t at = p_;
        std::string key;
        if (auto d = string(&key)) return d;
        if (!stack_.back().keys.insert(key).second) {
          std::string shown;
          append_string_literal(shown, key);
          if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
          return fail(at, "duplicate object key " + shown, "each key may appear once in an object");
        }
        skip_ws();
        if (at_end() || s_[p_] != ':') return unexpected("':' after the object key");
        ++p_;
        state = State::kValue;
        break;
      }
      case State::kAfterValue: {
        if (stack_.empty()) {
          if (!at_end()) return unexpected("the end of the text after the JSON value");
          return std::nullopt;
        }
        Frame& f = stack_.back();
        char close = f.object ? '}' : ']';
        if (!at_end() && s_[p_] == ',') {
          size_t comma = p_++;
          skip_ws();
          if (!at_end() && s_[p_] == close) {
            return fail(comma, std::string("trailing comma before '") + close + "'");
          }
          state = f.object ? State::kKey : State::kValue;
        } else if (!at_end() && s_[p_] == close) {
          ++p_;
          stack_.pop_back();
        } else {
          return unexpected(f.object ? "',' or '}'" : "',' or ']'");
        }
        break;
      }
    }
  }
}

}  // namespace

std::optional<Diagnosis> diagnose(std::string_view text, const ParseLimits& requested) {
  ParseLimits limits = requested;
  limits.max_depth = std::min(limits.max_depth, kMaxSupportedDepth);
  return Checker(text, limits).run();
}

std::string_view NumberTokens::token(size_t index) {
  if (index + 1 == count_) return last_;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '"') {
      for (++pos_; pos_ < text_.size() && text_[pos_] != '"'; ++pos_) {
        if (text_[pos_] == '\\') ++pos_;
      }
      ++pos_;
      continue;
    }
    if (c == '-' || is_digit(c)) {
      size_t start = pos_;
      while (pos_ < text_.size() && (is_digit(text_[pos_]) || text_[pos_] == '-' || text_[pos_] == '+' ||
                                     text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
        ++pos_;
      }
      last_ = text_.substr(start, pos_ - start);
      if (count_++ == index) return last_;
      continue;
    }
    ++pos_;
  }
  return {};
}

bool literal_is_nonzero(std::string_view token) {
  for (char c : token) {
    if (c == 'e' || c == 'E') break;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

}  // namespace dbsync::json
