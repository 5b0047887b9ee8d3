#include "store/mongo/extjson_check.h"

#include <set>

#include "store/mongo/bson_json.h"

namespace dbsync {
namespace {

Error bad(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kBadInput,
               (path.empty() ? std::string("document") : "field '" + path + "'") + ": " + what);
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

// The object's member names, exactly.
bool names_are(const json::Object& o, std::set<std::string> names) {
  if (o.size() != names.size()) return false;
  for (const auto& [k, v] : o) {
    if (!names.count(k)) return false;
  }
  return true;
}

bool is_string_member(const json::Value& o, const char* name) {
  const json::Value* v = o.find(name);
  return v && v->is_string();
}

bool is_uint32(const json::Value* v) {
  return v && v->is_int() && v->as_int() >= 0 && v->as_int() <= 0xffffffffLL;
}

Status check(const json::Value& v, const std::string& path, int depth);

Status check_wrapper(const json::Value& v, const std::string& path, int depth) {
  const json::Object& o = v.as_object();
  auto shape = [&](const char* what) { return std::unexpected(bad(path, "malformed " + std::string(what))); };
  auto single_string = [&](const char* name) -> Status {
    if (!names_are(o, {name}) || !is_string_member(v, name)) return shape(name);
    return {};
  };
  for (const char* name :
       {"$oid", "$symbol", "$numberInt", "$numberLong", "$numberDouble", "$numberDecimal", "$uuid"}) {
    if (v.find(name)) return single_string(name);
  }
  if (const json::Value* b = v.find("$binary")) {
    if (b->is_object()) {
      if (o.size() != 1 || !names_are(b->as_object(), {"base64", "subType"}) ||
          !is_string_member(*b, "base64") || !is_string_member(*b, "subType"))
        return shape("$binary");
      return {};
    }
    // The legacy form {"$binary": "…", "$type": "…"}.
    if (!names_are(o, {"$binary", "$type"}) || !b->is_string() || !is_string_member(v, "$type"))
      return shape("$binary");
    return {};
  }
  if (const json::Value* c = v.find("$code")) {
    if (!c->is_string()) return shape("$code");
    if (has_nul(c->as_string()))
      return std::unexpected(
          bad(path, "JavaScript code containing NUL cannot be stored (libbson's reader cuts it)"));
    if (names_are(o, {"$code"})) return {};
    const json::Value* scope = v.find("$scope");
    if (!names_are(o, {"$code", "$scope"}) || !scope->is_object()) return shape("$code");
    return check(*scope, path + ".$scope", depth + 1);
  }
  if (const json::Value* t = v.find("$timestamp")) {
    if (!names_are(o, {"$timestamp"}) || !t->is_object() || !names_are(t->as_object(), {"t", "i"}) ||
        !is_uint32(t->find("t")) || !is_uint32(t->find("i")))
      return shape("$timestamp");
    return {};
  }
  if (const json::Value* r = v.find("$regularExpression")) {
    if (!names_are(o, {"$regularExpression"}) || !r->is_object() ||
        !names_are(r->as_object(), {"pattern", "options"}) || !is_string_member(*r, "pattern") ||
        !is_string_member(*r, "options"))
      return shape("$regularExpression");
    if (has_nul(r->find("pattern")->as_string()) || has_nul(r->find("options")->as_string()))
      return std::unexpected(bad(path, "a regular expression cannot contain NUL"));
    return {};
  }
  if (v.find("$regex")) {
    if (!names_are(o, {"$regex", "$options"}) || !is_string_member(v, "$options")) return shape("$regex");
    if (has_nul(v.find("$regex")->as_string()) || has_nul(v.find("$options")->as_string()))
      return std::unexpected(bad(path, "a regular expression cannot contain NUL"));
    return {};
  }
  if (const json::Value* p = v.find("$dbPointer")) {
    if (!names_are(o, {"$dbPointer"}) || !p->is_object() || !names_are(p->as_object(), {"$ref", "$id"}) ||
        !is_string_member(*p, "$ref"))
      return shape("$dbPointer");
    const json::Value* id = p->find("$id");
    if (!id->is_object() || !names_are(id->as_object(), {"$oid"}) || !is_string_member(*id, "$oid"))
      return shape("$dbPointer");
    return {};
  }
  if (const json::Value* d = v.find("$date")) {
    if (!names_are(o, {"$date"})) return shape("$date");
    if (d->is_string()) return {};
    if (d->is_object() && names_are(d->as_object(), {"$numberLong"}) && is_string_member(*d, "$numberLong"))
      return {};
    return shape("$date");
  }
  for (const char* name : {"$minKey", "$maxKey"}) {
    if (const json::Value* m = v.find(name)) {
      if (!names_are(o, {name}) || !m->is_int() || m->as_int() != 1) return shape(name);
      return {};
    }
  }
  if (const json::Value* u = v.find("$undefined")) {
    if (!names_are(o, {"$undefined"}) || !u->is_bool() || !u->as_bool()) return shape("$undefined");
    return {};
  }
  return {};
}

Status check(const json::Value& v, const std::string& path, int depth) {
  if (depth > 200) return std::unexpected(bad(path, "nested deeper than the limit of 200"));
  if (v.is_array()) {
    const json::Array& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (auto st = check(a[i], path + "[" + std::to_string(i) + "]", depth + 1); !st) return st;
    }
    return {};
  }
  if (!v.is_object()) return {};
  const json::Object& o = v.as_object();
  bool wrapper = looks_like_wrapper(o);
  for (const auto& [name, unused] : o) {
    if (has_nul(name)) return std::unexpected(bad(path, "a field name cannot contain NUL"));
  }
  if (wrapper) return check_wrapper(v, path, depth);
  for (const auto& [name, member] : o) {
    if (auto st = check(member, path.empty() ? name : path + "." + name, depth + 1); !st) return st;
  }
  return {};
}

}  // namespace

Status check_extjson(const json::Value& value) { return check(value, "", 1); }

}  // namespace dbsync
