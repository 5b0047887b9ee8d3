#include "merge/conflict_json.h"

#include "json/canonical.h"
#include "json/parse.h"

namespace dbsync {
namespace {

using json::Value;

constexpr Rule kRules[] = {Rule::kNewer,    Rule::kTimestamp, Rule::kTieBytes,     Rule::kMoreComplete,
                           Rule::kPreserve, Rule::kManual,    Rule::kKeepOnDelete, Rule::kDeleteOnDelete};

}  // namespace

json::Value key_to_json(std::string_view key_encoding) {
  auto v = json::parse(key_encoding);
  return v ? std::move(*v) : Value(key_encoding);
}

json::Value record_line_to_json(std::string_view line) {
  if (line.empty()) return Value(nullptr);
  auto v = json::parse(line);
  return v ? std::move(*v) : Value(line);
}

json::Value conflict_to_json(const Conflict& c) {
  json::Array path;
  for (const auto& p : c.path) path.emplace_back(p);
  std::vector<json::Member> m = {{"key", key_to_json(c.key)},
                                 {"field", Value(c.field_label())},
                                 {"path", Value(std::move(path))},
                                 {"rule", Value(rule_name(c.rule))},
                                 {"resolved", Value(c.resolved())}};
  if (c.base) m.emplace_back("base", *c.base);
  if (c.ours) m.emplace_back("ours", *c.ours);
  if (c.theirs) m.emplace_back("theirs", *c.theirs);
  if (c.chosen) m.emplace_back("chosen", *c.chosen);
  return json::make_object(std::move(m));
}

Result<Conflict> conflict_from_json(const json::Value& v) {
  auto bad = [](const std::string& what) { return fail(ErrorCode::kBadInput, "conflict: " + what); };
  if (!v.is_object()) return bad("not an object");
  Conflict c;
  const Value* key = v.find("key");
  if (key == nullptr || !key->is_array()) return bad("'key' is not an array");
  c.key = json::to_canonical(*key);
  if (const Value* path = v.find("path"); path != nullptr && path->is_array()) {
    for (const Value& p : path->as_array()) {
      if (!p.is_string()) return bad("'path' holds a non-string");
      c.path.push_back(p.as_string());
    }
  }
  const Value* rule = v.find("rule");
  if (rule == nullptr || !rule->is_string()) return bad("'rule' is missing");
  bool known = false;
  for (Rule r : kRules) {
    if (rule->as_string() == rule_name(r)) {
      c.rule = r;
      known = true;
    }
  }
  if (!known) return bad("unknown rule '" + rule->as_string() + "'");
  if (const Value* x = v.find("base")) c.base = *x;
  if (const Value* x = v.find("ours")) c.ours = *x;
  if (const Value* x = v.find("theirs")) c.theirs = *x;
  if (const Value* x = v.find("chosen")) c.chosen = *x;
  return c;
}

}  // namespace dbsync
