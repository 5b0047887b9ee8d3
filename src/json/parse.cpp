#include "json/parse.h"

#include <simdjson.h>

#include <algorithm>
#include <string>

namespace dbsync::json {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Offset of the first byte that is not valid UTF-8, or npos.
size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
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
    } else
      return i;
    if (i + len > s.size()) return i;
    uint32_t cp = b & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return i;
      cp = cp << 6 | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

// simdjson's DOM API reports what is wrong but not where. On the error path
// only, walk the text with the On Demand API, which keeps a position, to name
// the byte offset.
size_t locate_error(const simdjson::padded_string& text) {
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(text).get(doc) != simdjson::SUCCESS) return 0;
  struct Walker {
    static simdjson::error_code walk(simdjson::ondemand::value v) {
      simdjson::ondemand::json_type t;
      if (auto e = v.type().get(t)) return e;
      switch (t) {
        case simdjson::ondemand::json_type::array: {
          simdjson::ondemand::array a;
          if (auto e = v.get_array().get(a)) return e;
          for (auto item : a) {
            simdjson::ondemand::value iv;
            if (auto e = item.get(iv)) return e;
            if (auto e = walk(iv)) return e;
          }
          return simdjson::SUCCESS;
        }
        case simdjson::ondemand::json_type::object: {
          simdjson::ondemand::object o;
          if (auto e = v.get_object().get(o)) return e;
          for (auto field : o) {
            std::string_view k;
            if (auto e = field.unescaped_key().get(k)) return e;
            simdjson::ondemand::value fv;
            if (auto e = field.value().get(fv)) return e;
            if (auto e = walk(fv)) return e;
          }
          return simdjson::SUCCESS;
        }
        case simdjson::ondemand::json_type::number: {
          double d;
          return v.get_double().get(d);
        }
        case simdjson::ondemand::json_type::string: {
          std::string_view s;
          return v.get_string().get(s);
        }
        case simdjson::ondemand::json_type::boolean: {
          bool b;
          return v.get_bool().get(b);
        }
        case simdjson::ondemand::json_type::null: {
          bool n;
          return v.is_null().get(n);
        }
      }
      return simdjson::SUCCESS;
    }
  };
  simdjson::ondemand::value root;
  simdjson::error_code err = doc.get_value().get(root);
  if (!err) err = Walker::walk(root);
  const char* where = nullptr;
  if (doc.current_location().get(where) == simdjson::SUCCESS && where != nullptr) {
    return static_cast<size_t>(where - text.data());
  }
  return err ? 0 : text.size();
}

class Builder {
 public:
  explicit Builder(std::string_view text) : text_(text) {}

  Result<Value> build(element e) {
    switch (e.type()) {
      case element_type::NULL_VALUE: return Value(nullptr);
      case element_type::BOOL: return Value(bool(e.get_bool()));
      case element_type::INT64: return Value(int64_t(e.get_int64()));
      case element_type::UINT64:
        return fail(ErrorCode::kBadInput,
                    "integer " + std::to_string(uint64_t(e.get_uint64())) + " is outside the int64 range",
                    "store it as {\"$numberDecimal\": \"…\"} or as a string");
      case element_type::DOUBLE: return Value(double(e.get_double()));
      case element_type::STRING: return Value(std::string(std::string_view(e.get_string())));
      case element_type::ARRAY: {
        Array out;
        for (element item : e.get_array()) {
          auto v = build(item);
          if (!v) return v;
          out.push_back(std::move(*v));
        }
        return Value(std::move(out));
      }
      case element_type::OBJECT: {
        std::vector<Member> members;
        for (auto field : e.get_object()) {
          auto v = build(field.value);
          if (!v) return v;
          members.emplace_back(std::string(field.key), std::move(*v));
        }
        std::stable_sort(members.begin(), members.end(), [](const Member& a, const Member& b) {
          return jcs_key_compare(a.first, b.first) < 0;
        });
        for (size_t i = 1; i < members.size(); ++i) {
          if (members[i].first == members[i - 1].first) {
            return fail(ErrorCode::kBadInput, "at byte " + std::to_string(key_offset(members[i].first)) +
                                                  ": duplicate object key '" + members[i].first + "'");
          }
        }
        return Value(
            Object(std::make_move_iterator(members.begin()), std::make_move_iterator(members.end())));
      }
    }
    return fail(ErrorCode::kInternal, "unknown simdjson element type");
  }

 private:
  // Best effort: where the key's second spelling starts, for the message.
  size_t key_offset(const std::string& key) const {
    std::string quoted = "\"" + key + "\"";
    size_t first = text_.find(quoted);
    if (first == std::string_view::npos) return 0;
    size_t second = text_.find(quoted, first + 1);
    return second == std::string_view::npos ? first : second;
  }
  std::string_view text_;
};

}  // namespace

Result<Value> parse(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(ErrorCode::kBadInput, "at byte " + std::to_string(limits.max_bytes) +
                                          ": document is larger than the limit of " +
                                          std::to_string(limits.max_bytes) + " bytes");
  }
  thread_local simdjson::dom::parser parser;
  thread_local size_t parser_depth = 0;
  if (parser_depth != limits.max_depth) {
    // simdjson counts the document itself as one level.
    if (parser.allocate(std::max<size_t>(text.size(), 4096), limits.max_depth + 1) != simdjson::SUCCESS) {
      return fail(ErrorCode::kUnavailable, "cannot allocate the JSON parser");
    }
    parser_depth = limits.max_depth;
  }
  thread_local simdjson::padded_string padded;
  if (padded.size() < text.size()) padded = simdjson::padded_string(text.size() * 2);
  std::memcpy(padded.data(), text.data(), text.size());
  element root;
  auto err = parser.parse(padded.data(), text.size(), false).get(root);
  if (err) {
    size_t offset;
    std::string what = simdjson::error_message(err);
    if (err == simdjson::UTF8_ERROR) {
      offset = first_invalid_utf8(text);
      what = "invalid UTF-8";
    } else if (err == simdjson::DEPTH_ERROR) {
      offset = 0;
      what = "nesting deeper than the limit of " + std::to_string(limits.max_depth);
    } else {
      simdjson::padded_string copy(text);
      offset = std::min(locate_error(copy), text.size());
      if (err == simdjson::NUMBER_ERROR) {
        what = "number is not valid or does not fit int64/double";
      }
    }
    // simdjson messages end with a full stop and are capitalised; keep ours
    // in git's style.
    if (!what.empty() && what.back() == '.') what.pop_back();
    if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
    return fail(ErrorCode::kBadInput, "at byte " + std::to_string(offset) + ": " + what);
  }
  return Builder(text).build(root);
}

}  // namespace dbsync::json
