#include "store/mongo/bson_json.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "json/canonical.h"
#include "json/number_format.h"
#include "json/parse.h"
#include "store/base64.h"
#include "store/mongo/extjson_check.h"

namespace dbsync {
namespace {

constexpr int kMaxDepth = 200;

std::string hex2(uint8_t v) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02x", v);
  return buf;
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

// Relaxed Extended JSON's date string; only for 1970-01-01 .. 9999-12-31.
std::string iso_date(int64_t ms) {
  int64_t days = ms / 86400000, rem = ms % 86400000;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[80];
  unsigned h = static_cast<unsigned>(rem / 3600000), mi = static_cast<unsigned>(rem / 60000 % 60),
           s = static_cast<unsigned>(rem / 1000 % 60), milli = static_cast<unsigned>(rem % 1000);
  if (milli == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02uZ", static_cast<int>(y), m, d, h, mi, s);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", static_cast<int>(y), m, d, h, mi, s,
                  milli);
  }
  return buf;
}

constexpr int64_t kYear10kMs = 253402300800000;  // 10000-01-01T00:00:00Z

json::Value wrap(const char* name, json::Value v) { return json::make_object({{name, std::move(v)}}); }

json::Value number_long(int64_t v) { return wrap("$numberLong", json::Value(std::to_string(v))); }

std::string double_text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::string s;
  json::append_double(s, d, json::NumberProfile::kDbsync);
  return s;
}

Error bad(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kBadInput,
               (path.empty() ? std::string("document") : "field '" + path + "'") + ": " + what);
}

// libbson 1.23's Extended JSON reader cuts a $code string at its first NUL,
// so such code could be exported but never imported intact.
Error code_nul(const std::string& path) {
  return bad(path,
             "JavaScript code containing NUL cannot be written back (libbson's reader cuts it at the NUL)");
}

class Converter {
 public:
  explicit Converter(ExtJsonMode mode) : mode_(mode) {}

  Result<json::Value> document(bson_iter_t& it, const std::string& path, int depth) {
    if (depth > kMaxDepth) return std::unexpected(bad(path, "nested deeper than the limit of 200"));
    std::vector<json::Member> members;
    while (bson_iter_next(&it)) {
      std::string key(bson_iter_key(&it), bson_iter_key_len(&it));
      std::string sub = path.empty() ? key : path + "." + key;
      // libbson reads {"$type": <number>} as half of a legacy $binary; the
      // canonical wrappers ({"$numberInt": …}) keep such a member a number.
      ExtJsonMode saved = mode_;
      if (key == "$type" && mode_ == ExtJsonMode::kDbsync) mode_ = ExtJsonMode::kCanonical;
      auto v = value(it, sub, depth);
      mode_ = saved;
      if (!v) return std::unexpected(v.error());
      members.emplace_back(std::move(key), std::move(*v));
    }
    size_t n = members.size();
    json::Value obj = json::make_object(std::move(members));
    if (obj.as_object().size() != n) {
      return std::unexpected(bad(path, "duplicate field name (a snapshot document cannot hold two)"));
    }
    if (mode_ == ExtJsonMode::kDbsync && looks_like_wrapper(obj.as_object())) {
      return std::unexpected(bad(path,
                                 "an embedded document whose field names Extended JSON reads as a type "
                                 "wrapper (e.g. \"$oid\") cannot be represented in a snapshot"));
    }
    return obj;
  }

  Result<json::Value> array(bson_iter_t& it, const std::string& path, int depth) {
    if (depth > kMaxDepth) return std::unexpected(bad(path, "nested deeper than the limit of 200"));
    json::Array out;
    size_t i = 0;
    while (bson_iter_next(&it)) {
      auto v = value(it, path + "[" + std::to_string(i++) + "]", depth);
      if (!v) return std::unexpected(v.error());
      out.push_back(std::move(*v));
    }
    return json::Value(std::move(out));
  }

  Result<json::Value> value(bson_iter_t& it, const std::string& path, int depth) {
    switch (bson_iter_type(&it)) {
      case BSON_TYPE_DOUBLE: {
        double d = bson_iter_double(&it);
        if (mode_ == ExtJsonMode::kCanonical || !std::isfinite(d))
          return wrap("$numberDouble", json::Value(double_text(d)));
        return json::Value(d);
      }
      case BSON_TYPE_UTF8: {
        uint32_t len;
        const char* s = bson_iter_utf8(&it, &len);
        if (!bson_utf8_validate(s, len, true)) return std::unexpected(bad(path, "string is not valid UTF-8"));
        return json::Value(std::string(s, len));
      }
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY: {
        bson_iter_t child;
        if (!bson_iter_recurse(&it, &child)) return std::unexpected(bad(path, "malformed embedded document"));
        return bson_iter_type(&it) == BSON_TYPE_ARRAY ? array(child, path, depth + 1)
                                                      : document(child, path, depth + 1);
      }
      case BSON_TYPE_BINARY: {
        bson_subtype_t sub;
        uint32_t len;
        const uint8_t* data;
        bson_iter_binary(&it, &sub, &len, &data);
        std::string b64;
        append_base64(b64, std::string_view(reinterpret_cast<const char*>(data), len));
        return wrap("$binary",
                    json::make_object({{"base64", json::Value(std::move(b64))},
                                       {"subType", json::Value(hex2(static_cast<uint8_t>(sub)))}}));
      }
      case BSON_TYPE_UNDEFINED: return wrap("$undefined", json::Value(true));
      case BSON_TYPE_OID: {
        char hex[25];
        bson_oid_to_string(bson_iter_oid(&it), hex);
        return wrap("$oid", json::Value(std::string(hex)));
      }
      case BSON_TYPE_BOOL: return json::Value(bson_iter_bool(&it));
      case BSON_TYPE_DATE_TIME: {
        int64_t ms = bson_iter_date_time(&it);
        if (mode_ != ExtJsonMode::kCanonical && ms >= 0 && ms < kYear10kMs)
          return wrap("$date", json::Value(iso_date(ms)));
        return wrap("$date", number_long(ms));
      }
      case BSON_TYPE_NULL: return json::Value(nullptr);
      case BSON_TYPE_REGEX: {
        const char* options;
        const char* pattern = bson_iter_regex(&it, &options);
        if (!bson_utf8_validate(pattern, strlen(pattern), false) ||
            !bson_utf8_validate(options, strlen(options), false))
          return std::unexpected(bad(path, "regular expression is not valid UTF-8"));
        // The specification orders regex options alphabetically.
        std::string opts(options);
        std::sort(opts.begin(), opts.end());
        return wrap("$regularExpression", json::make_object({{"pattern", json::Value(std::string(pattern))},
                                                             {"options", json::Value(std::move(opts))}}));
      }
      case BSON_TYPE_DBPOINTER: {
        uint32_t len;
        const char* coll;
        const bson_oid_t* oid;
        bson_iter_dbpointer(&it, &len, &coll, &oid);
        if (!bson_utf8_validate(coll, len, false))
          return std::unexpected(bad(path, "DBPointer collection is not valid UTF-8"));
        char hex[25];
        bson_oid_to_string(oid, hex);
        return wrap("$dbPointer", json::make_object({{"$ref", json::Value(std::string(coll, len))},
                                                     {"$id", wrap("$oid", json::Value(std::string(hex)))}}));
      }
      case BSON_TYPE_CODE:
      case BSON_TYPE_SYMBOL: {
        uint32_t len;
        bool code = bson_iter_type(&it) == BSON_TYPE_CODE;
        const char* s = code ? bson_iter_code(&it, &len) : bson_iter_symbol(&it, &len);
        if (!bson_utf8_validate(s, len, true)) return std::unexpected(bad(path, "string is not valid UTF-8"));
        if (code && mode_ == ExtJsonMode::kDbsync && std::memchr(s, 0, len))
          return std::unexpected(code_nul(path));
        return wrap(code ? "$code" : "$symbol", json::Value(std::string(s, len)));
      }
      case BSON_TYPE_CODEWSCOPE: {
        uint32_t len, scope_len;
        const uint8_t* scope_data;
        const char* code = bson_iter_codewscope(&it, &len, &scope_len, &scope_data);
        if (!bson_utf8_validate(code, len, true))
          return std::unexpected(bad(path, "code is not valid UTF-8"));
        if (mode_ == ExtJsonMode::kDbsync && std::memchr(code, 0, len))
          return std::unexpected(code_nul(path));
        bson_t scope;
        bson_iter_t child;
        if (!bson_init_static(&scope, scope_data, scope_len) || !bson_iter_init(&child, &scope))
          return std::unexpected(bad(path, "malformed code scope"));
        auto s = document(child, path + ".$scope", depth + 1);
        if (!s) return s;
        return json::make_object({{"$code", json::Value(std::string(code, len))}, {"$scope", std::move(*s)}});
      }
      case BSON_TYPE_INT32: {
        int64_t v = bson_iter_int32(&it);
        if (mode_ == ExtJsonMode::kCanonical) return wrap("$numberInt", json::Value(std::to_string(v)));
        return json::Value(v);
      }
      case BSON_TYPE_TIMESTAMP: {
        uint32_t t, i;
        bson_iter_timestamp(&it, &t, &i);
        return wrap("$timestamp", json::make_object({{"t", json::Value(static_cast<int64_t>(t))},
                                                     {"i", json::Value(static_cast<int64_t>(i))}}));
      }
      case BSON_TYPE_INT64: {
        int64_t v = bson_iter_int64(&it);
        bool fits32 = v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
        if (mode_ == ExtJsonMode::kCanonical || (mode_ == ExtJsonMode::kDbsync && fits32))
          return number_long(v);
        return json::Value(v);
      }
      case BSON_TYPE_DECIMAL128: {
        bson_decimal128_t dec;
        bson_iter_decimal128(&it, &dec);
        char text[BSON_DECIMAL128_STRING];
        bson_decimal128_to_string(&dec, text);
        return wrap("$numberDecimal", json::Value(std::string(text)));
      }
      case BSON_TYPE_MAXKEY: return wrap("$maxKey", json::Value(int64_t{1}));
      case BSON_TYPE_MINKEY: return wrap("$minKey", json::Value(int64_t{1}));
      default: break;
    }
    return std::unexpected(
        bad(path, "unknown BSON type 0x" + hex2(static_cast<uint8_t>(bson_iter_type(&it)))));
  }

 private:
  ExtJsonMode mode_;
};

// Validation libbson does before we walk a document; NUL is allowed inside
// strings (BSON strings carry their length; JSON escapes it).
Status validate(const bson_t& doc) {
  bson_error_t err;
  if (!bson_validate_with_error(
          &doc, static_cast<bson_validate_flags_t>(BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL),
          &err)) {
    return fail(ErrorCode::kBadInput, std::string("malformed BSON document: ") + err.message);
  }
  return {};
}

}  // namespace

bool looks_like_wrapper(const json::Object& object) {
  static const char* const kWrapperKeys[] = {
      "$oid",       "$symbol", "$numberInt", "$numberLong", "$numberDouble", "$numberDecimal",
      "$binary",    "$uuid",   "$code",      "$timestamp",  "$date",         "$regularExpression",
      "$dbPointer", "$minKey", "$maxKey",    "$undefined"};
  for (const auto& [name, value] : object) {
    if (name.empty() || name[0] != '$') continue;
    for (const char* k : kWrapperKeys) {
      if (name == k) return true;
    }
    if (name == "$regex" && value.is_string()) return true;
  }
  return false;
}

Result<json::Value> bson_to_value(const bson_t& doc, ExtJsonMode mode) {
  if (auto st = validate(doc); !st) return std::unexpected(st.error());
  bson_iter_t it;
  if (!bson_iter_init(&it, &doc)) return fail(ErrorCode::kBadInput, "malformed BSON document");
  Converter c(mode);
  auto v = c.document(it, "", 1);
  if (!v) return v;
  // A top-level document is not a value, so a wrapper-like field set there
  // is unambiguous only in the top-level position.
  return v;
}

Result<std::string> bson_to_canonical(const bson_t& doc) {
  auto v = bson_to_value(doc, ExtJsonMode::kDbsync);
  if (!v) return std::unexpected(v.error());
  return json::to_canonical(*v);
}

Result<BsonDoc> bson_from_bytes(const uint8_t* data, size_t size) {
  bson_t view;
  if (size < 5 || !bson_init_static(&view, data, size))
    return fail(ErrorCode::kBadInput, "malformed BSON document");
  if (auto st = validate(view); !st) return std::unexpected(st.error());
  // bson_validate stops at types it does not know only through iteration.
  Converter c(ExtJsonMode::kCanonical);
  bson_iter_t it;
  if (!bson_iter_init(&it, &view)) return fail(ErrorCode::kBadInput, "malformed BSON document");
  if (auto v = c.document(it, "", 1); !v) return std::unexpected(v.error());
  bson_iter_t end;
  bson_iter_init(&end, &view);
  while (bson_iter_next(&end)) {
  }
  if (end.err_off != 0) return fail(ErrorCode::kBadInput, "malformed BSON document (corrupt element)");
  return copy_bson(view);
}

Result<BsonDoc> bson_from_extjson(std::string_view text) {
  json::ParseLimits limits;
  limits.max_depth = kMaxDepth;
  auto v = json::parse(text, limits);
  if (!v) return std::unexpected(std::move(v.error()).context("Extended JSON"));
  if (!v->is_object()) return fail(ErrorCode::kBadInput, "Extended JSON: a document must be a JSON object");
  if (auto st = check_extjson(*v); !st) return std::unexpected(st.error());
  bson_error_t err;
  BsonDoc doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(text.data()),
                                 static_cast<ssize_t>(text.size()), &err));
  if (!doc) return fail(ErrorCode::kBadInput, std::string("Extended JSON: ") + err.message);
  return doc;
}

Result<BsonDoc> value_to_bson(const json::Value& doc) {
  if (auto st = check_extjson(doc); !st) return std::unexpected(st.error());
  std::string text = json::to_canonical(doc);
  bson_error_t err;
  BsonDoc parsed(bson_new_from_json(reinterpret_cast<const uint8_t*>(text.data()),
                                    static_cast<ssize_t>(text.size()), &err));
  if (!parsed)
    return fail(ErrorCode::kBadInput, std::string("document cannot be stored as BSON: ") + err.message);
  bson_iter_t it;
  if (!bson_iter_init_find(&it, parsed.get(), "_id")) return parsed;
  bson_iter_t first;
  bson_iter_init(&first, parsed.get());
  if (bson_iter_next(&first) && std::string_view(bson_iter_key(&first)) == "_id") return parsed;
  // The server moves _id first; doing it here keeps the document we write
  // byte-identical to what the server stores (conditional writes compare it).
  BsonDoc out = new_bson();
  bson_append_value(out.get(), "_id", 3, bson_iter_value(&it));
  bson_iter_init(&first, parsed.get());
  while (bson_iter_next(&first)) {
    if (std::string_view(bson_iter_key(&first)) == "_id") continue;
    bson_append_iter(out.get(), bson_iter_key(&first), static_cast<int>(bson_iter_key_len(&first)), &first);
  }
  return out;
}

Result<BsonDoc> values_to_bson_array(const json::Array& values) {
  json::Object members;
  std::vector<json::Member> m;
  for (size_t i = 0; i < values.size(); ++i) m.emplace_back(std::to_string(i), values[i]);
  json::Value obj = json::make_object(std::move(m));
  auto b = value_to_bson(obj);
  if (!b) return b;
  // make_object sorted "10" before "2"; rebuild in index order.
  BsonDoc out = new_bson();
  for (size_t i = 0; i < values.size(); ++i) {
    bson_iter_t it;
    std::string k = std::to_string(i);
    if (!bson_iter_init_find(&it, b->get(), k.c_str())) return fail(ErrorCode::kInternal, "key value lost");
    bson_append_iter(out.get(), k.c_str(), static_cast<int>(k.size()), &it);
  }
  return out;
}

}  // namespace dbsync
