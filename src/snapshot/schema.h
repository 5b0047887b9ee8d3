// dbsync/<collection>/schema.json: the collection's key and, for SQL stores,
// enough of the table definition to create it on an empty replica. The file
// is canonical JSON: {"key": [...], ...store-specific members}. Stores own
// the members other than "key". Value type.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "json/value.h"
#include "util/error.h"

namespace dbsync {

struct CollectionSchema {
  std::vector<std::string> key;
  json::Value detail = json::Value(json::Object{});  // the whole object, "key" included

  std::string to_json() const;  // canonical, with a trailing '\n'
};

// Parses schema.json text; `label` names the file in errors.
Result<CollectionSchema> parse_schema(std::string_view text, const std::string& label);
// Reads schema.json; a missing file gives key ["_id"] (a MongoDB default).
Result<CollectionSchema> load_schema(const std::filesystem::path& path, const std::string& label);

}  // namespace dbsync
