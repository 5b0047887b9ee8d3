#include "json/parse.h"
#include "store/store.h"

namespace dbsync {

const CollectionInfo* Catalog::find(std::string_view name) const {
  for (const auto& c : collections) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<KeyRef> parse_key(std::string_view encoding, size_t arity) {
  auto v = json::parse(encoding);
  if (!v) return std::unexpected(std::move(v.error()).context("key " + std::string(encoding.substr(0, 200))));
  if (!v->is_array() || v->as_array().size() != arity) {
    return fail(ErrorCode::kBadInput, "key " + std::string(encoding.substr(0, 200)) + " is not an array of " +
                                          std::to_string(arity) + " values");
  }
  KeyRef out;
  out.encoding = std::string(encoding);
  out.values = std::move(v->as_array());
  return out;
}

}  // namespace dbsync
