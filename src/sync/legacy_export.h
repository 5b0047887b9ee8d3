// Export files written by other tools, read for `dbsync merge FILE`
// (DESIGN §6): the original Python tool's exports — a JSON array of
// documents, or an object {collection: [documents], …} — and mongoexport's
// output (NDJSON, one Extended JSON document per line, or --jsonArray).
//
// The file is untrusted input. Each document is parsed on its own with the
// strict parser (json/parse.h: UTF-8, no duplicate keys, int64 exact, depth
// bounded as for records), so a fault is reported as
// "'FILE' line N: …" with the line of the fault itself, even inside a
// pretty-printed document; the structure around the documents is checked
// by a small scanner here. Extended JSON wrappers ({"$oid": …}) are kept as
// they are: they are how the snapshot holds such values anyway.
// Thread-compatible.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "json/value.h"
#include "util/error.h"

namespace dbsync {

enum class ExportFormat {
  kAuto,         // decided from the text (below)
  kArray,        // [doc, doc, …]
  kCollections,  // {"name": [doc, …], …}
  kNdjson,       // one document per line (mongoexport's default)
};

// "auto" | "array" | "collections" | "ndjson"; kUsage otherwise.
Result<ExportFormat> parse_export_format(std::string_view name);
const char* export_format_name(ExportFormat format);

struct ExportedDocument {
  json::Value doc;  // an object
  size_t line = 0;  // 1-based line where the document starts
};

struct ExportedCollection {
  std::string name;
  std::vector<ExportedDocument> docs;  // in file order
};

struct ExportFile {
  ExportFormat format = ExportFormat::kAuto;  // the format it was read as
  std::vector<ExportedCollection> collections;
};

// Parses `text` (the bytes of `label`). Auto-detection: '[' first is an
// array; '{' first is the collections form when the whole text is one
// object whose every member is an array, else NDJSON. `collection` names
// the collection of an array or NDJSON file; it must be given for those
// forms (callers default it to the file's stem). Collection names are not
// checked here (the caller knows its layout rules). Every document must be
// a JSON object. kBadInput with file and line on any fault.
Result<ExportFile> parse_export_file(std::string_view text, const std::string& label, ExportFormat format,
                                     const std::string& collection);

}  // namespace dbsync
