#include "snapshot/schema.h"

#include "json/canonical.h"
#include "json/parse.h"
#include "util/file.h"

namespace dbsync {

std::string CollectionSchema::to_json() const {
  json::Value out = detail.is_object() ? detail : json::Value(json::Object{});
  json::Array keys;
  for (const auto& k : key) keys.emplace_back(k);
  out.set("key", json::Value(std::move(keys)));
  return json::to_canonical(out) + "\n";
}

Result<CollectionSchema> parse_schema(std::string_view text, const std::string& label) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  auto doc = json::parse(text);
  if (!doc) return std::unexpected(std::move(doc.error()).context("'" + label + "' line 1"));
  if (!doc->is_object()) return fail(ErrorCode::kBadInput, "'" + label + "': schema is not a JSON object");
  CollectionSchema schema;
  const json::Value* key = doc->find("key");
  if (key == nullptr || !key->is_array() || key->as_array().empty()) {
    return fail(ErrorCode::kBadInput,
                "'" + label + "' field 'key': expected a non-empty list of field names");
  }
  for (const auto& k : key->as_array()) {
    if (!k.is_string() || k.as_string().empty()) {
      return fail(ErrorCode::kBadInput, "'" + label + "' field 'key': expected field names");
    }
    schema.key.push_back(k.as_string());
  }
  schema.detail = std::move(*doc);
  return schema;
}

Result<CollectionSchema> load_schema(const std::filesystem::path& path, const std::string& label) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    CollectionSchema schema;
    schema.key = {"_id"};
    return schema;
  }
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_schema(*text, label);
}

}  // namespace dbsync
