#include "json/parse.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "json/diagnose.h"

namespace dbsync::json {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The parser is sized once for the deepest nesting any caller may ask for;
// each call's own limit is enforced while building (so callers with
// different limits do not make it reallocate). simdjson counts the document
// itself as one level.
constexpr size_t kParserDepth = kMaxSupportedDepth + 1;
constexpr size_t kKeepBuffersUpTo = size_t{1} << 20;

class Builder {
 public:
  Builder(std::string_view text, size_t max_depth) : numbers_(text), max_depth_(max_depth) {}

  // Returns false when the text breaks a rule simdjson does not enforce
  // (int64 range, underflow, duplicate keys, the caller's depth).
  bool build(element e, size_t depth, Value& out) {
    switch (e.type()) {
      case element_type::NULL_VALUE: out = Value(nullptr); return true;
      case element_type::BOOL: out = Value(bool(e.get_bool())); return true;
      case element_type::INT64:
        ++number_index_;
        out = Value(int64_t(e.get_int64()));
        return true;
      case element_type::UINT64:
        // 2^63 .. 2^64-1: simdjson takes them, dbsync's int64 cannot.
        return reject("integer outside the int64 range");
      case element_type::DOUBLE: {
        double d = e.get_double();
        if (d == 0 && literal_is_nonzero(numbers_.token(number_index_))) {
          return reject("number underflows to zero");
        }
        ++number_index_;
        out = Value(d);
        return true;
      }
      case element_type::STRING: out = Value(std::string(std::string_view(e.get_string()))); return true;
      case element_type::ARRAY: {
        if (depth >= max_depth_) return reject("nesting too deep");
        simdjson::dom::array a = e.get_array();
        Array items;
        items.reserve(a.size());
        for (element item : a) {
          if (!build(item, depth + 1, items.emplace_back())) return false;
        }
        out = Value(std::move(items));
        return true;
      }
      case element_type::OBJECT: {
        if (depth >= max_depth_) return reject("nesting too deep");
        simdjson::dom::object o = e.get_object();
        std::vector<Member> members;
        members.reserve(o.size());
        for (auto field : o) {
          auto& m = members.emplace_back(std::string(field.key), Value());
          if (!build(field.value, depth + 1, m.second)) return false;
        }
        std::stable_sort(members.begin(), members.end(), [](const Member& a, const Member& b) {
          return jcs_key_compare(a.first, b.first) < 0;
        });
        for (size_t i = 1; i < members.size(); ++i) {
          if (members[i].first == members[i - 1].first) return reject("duplicate object key");
        }
        out = Value(Object(std::make_move_iterator(members.begin()), std::make_move_iterator(members.end())));
        return true;
      }
    }
    return reject("unknown simdjson element type");
  }

  // Why the build gave up; the message the user sees comes from diagnose().
  const std::string& why() const { return why_; }

 private:
  bool reject(std::string why) {
    why_ = std::move(why);
    return false;
  }

  NumberTokens numbers_;
  size_t number_index_ = 0;  // numbers built so far, in document order
  size_t max_depth_;
  std::string why_;
};

Error explain(std::string_view text, const ParseLimits& limits, const std::string& fallback) {
  if (auto d = diagnose(text, limits)) {
    return Error(ErrorCode::kBadInput, "at byte " + std::to_string(d->offset) + ": " + d->what,
                 std::move(d->hint));
  }
  // simdjson and diagnose() disagree: a bug in one of them (the fuzzer looks
  // for these). Still reject, saying what simdjson said.
  return Error(ErrorCode::kBadInput, "at byte 0: " + fallback);
}

}  // namespace

Result<Value> parse(std::string_view text, const ParseLimits& requested) {
  ParseLimits limits = requested;
  limits.max_depth = std::min(limits.max_depth, kMaxSupportedDepth);
  if (text.size() > limits.max_bytes) {
    return fail(ErrorCode::kBadInput, "at byte " + std::to_string(limits.max_bytes) +
                                          ": the text is larger than the limit of " +
                                          std::to_string(limits.max_bytes) + " bytes");
  }
  thread_local simdjson::dom::parser parser;
  thread_local bool allocated = false;
  if (!allocated) {
    if (parser.allocate(4096, kParserDepth) != simdjson::SUCCESS) {
      return fail(ErrorCode::kUnavailable, "cannot allocate the JSON parser");
    }
    allocated = true;
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the end.
  thread_local std::string padded;
  padded.assign(text);
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  // A thread keeps its buffers for the next document, unless this one was
  // large: then they are given back, so that one 32 MiB record does not pin
  // some 200 MiB in every thread that ever parsed it.
  struct Release {
    size_t size;
    ~Release() {
      if (size > kKeepBuffersUpTo) {
        padded = std::string();
        allocated = parser.allocate(4096, kParserDepth) == simdjson::SUCCESS;
      }
    }
  } release{text.size()};
  element root;
  if (auto err = parser.parse(padded.data(), text.size(), false).get(root)) {
    std::string what = simdjson::error_message(err);
    if (err == simdjson::MEMALLOC) return fail(ErrorCode::kUnavailable, "out of memory parsing JSON");
    return std::unexpected(explain(text, limits, what));
  }
  Builder builder(text, limits.max_depth);
  Value out;
  if (!builder.build(root, 0, out)) return std::unexpected(explain(text, limits, builder.why()));
  return out;
}

}  // namespace dbsync::json
