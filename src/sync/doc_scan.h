// Reads the key encoding straight out of a canonical document's text,
// without building a json::Value: in canonical JSON a member's value text is
// already its canonical encoding, so the key [v1,v2] is the top-level values
// of the key fields joined by commas. Used on the hot paths of export and
// import, for lines already known to be canonical (the matched snapshot, or
// lines validated first). On anything unexpected it returns false rather
// than reading out of bounds. Value type; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dbsync {

class KeyScanner {
 public:
  explicit KeyScanner(const std::vector<std::string>& key_fields);
  // Writes the key encoding of canonical document `doc` into `out`; false
  // when a key field is missing or the text is malformed.
  bool scan(std::string_view doc, std::string& out) const;

 private:
  std::vector<std::string> literals_;  // each field as a JSON string literal
};

// Adds the top-level member names of canonical document `doc` (unescaped)
// to `out`; false when the text is malformed.
bool top_level_fields(std::string_view doc, std::vector<std::string>& out);

}  // namespace dbsync
