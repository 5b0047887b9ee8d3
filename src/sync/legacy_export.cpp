#include "sync/legacy_export.h"

#include <charconv>
#include <set>

#include "json/parse.h"
#include "snapshot/record_line.h"
#include "util/lines.h"

namespace dbsync {
namespace {

// The same bounds a record line has, so whatever is read here can be
// written to a snapshot.
constexpr json::ParseLimits kDocumentLimits{kMaxNestingDepth, size_t{32} << 20};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t line_at(std::string_view text, size_t offset) {
  return 1 + count_newlines(text.substr(0, offset));  // substr stops at the text's end
}

Error bad(const std::string& label, std::string_view text, size_t offset, const std::string& what,
          std::string hint = {}) {
  return Error(ErrorCode::kBadInput,
               "'" + label + "' line " + std::to_string(line_at(text, offset)) + ": " + what,
               std::move(hint));
}

// Re-anchors a parse error ("at byte K: …", K counted from the start of the
// document) to the line of the file where the fault is.
Error reanchor(Error e, const std::string& label, std::string_view text, size_t start) {
  constexpr std::string_view kAt = "at byte ";
  size_t offset = start;
  std::string rest = e.message;
  if (rest.rfind(kAt, 0) == 0) {
    size_t k = 0;
    const char* first = rest.data() + kAt.size();
    auto [end, ec] = std::from_chars(first, rest.data() + rest.size(), k);
    if (ec == std::errc()) {
      offset = start + k;
      rest = std::string(end);
      if (rest.rfind(": ", 0) == 0) rest = rest.substr(2);
    }
  }
  e.message = "'" + label + "' line " + std::to_string(line_at(text, offset)) + ": " + rest;
  return e;
}

// Walks the structure around the documents; documents themselves are only
// delimited here (brackets matched, strings skipped) and then parsed
// strictly one by one.
class Scanner {
 public:
  Scanner(std::string_view text, const std::string& label) : text_(text), label_(label) {}

  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && is_space(text_[pos_])) ++pos_;
  }
  Status expect(char c, const char* what) {
    skip_space();
    if (peek() != c) return std::unexpected(error(std::string("expected ") + what));
    ++pos_;
    return {};
  }
  Error error(const std::string& what) const {
    std::string found = at_end() ? std::string("the end of the file") : "'" + std::string(1, peek()) + "'";
    return bad(label_, text_, pos_, what + ", found " + found);
  }

  // Skips one JSON value; returns where it starts. Strings are skipped with
  // their escapes, containers by matching brackets; the value's own syntax
  // is checked by the parser afterwards.
  Result<size_t> skip_value() {
    skip_space();
    size_t start = pos_;
    if (at_end()) return std::unexpected(error("expected a value"));
    char c = text_[pos_];
    if (c == '"') {
      if (auto st = skip_string(); !st) return std::unexpected(st.error());
      return start;
    }
    if (c == '[' || c == '{') {
      std::string open;
      while (!at_end()) {
        c = text_[pos_];
        if (c == '"') {
          if (auto st = skip_string(); !st) return std::unexpected(st.error());
          continue;
        }
        if (c == '[' || c == '{') {
          open.push_back(c);
        } else if (c == ']' || c == '}') {
          if ((c == ']') != (open.back() == '[')) return std::unexpected(error("brackets do not match"));
          open.pop_back();
          if (open.empty()) {
            ++pos_;
            return start;
          }
        }
        ++pos_;
      }
      return std::unexpected(
          bad(label_, text_, start, "this value is not closed before the end of the file"));
    }
    while (!at_end() && !is_space(c = text_[pos_]) && c != ',' && c != ']' && c != '}') ++pos_;
    if (pos_ == start) return std::unexpected(error("expected a value"));
    return start;
  }

 private:
  Status skip_string() {
    size_t start = pos_++;
    while (!at_end()) {
      char c = text_[pos_++];
      if (c == '\\') {
        ++pos_;
      } else if (c == '"') {
        return {};
      }
    }
    return std::unexpected(bad(label_, text_, start, "this string is not closed before the end"));
  }

  std::string_view text_;
  const std::string& label_;
  size_t pos_ = 0;
};

Result<ExportedDocument> parse_document(std::string_view text, size_t start, size_t end,
                                        const std::string& label) {
  auto doc = json::parse(text.substr(start, end - start), kDocumentLimits);
  if (!doc) return std::unexpected(reanchor(doc.error(), label, text, start));
  if (!doc->is_object()) {
    return std::unexpected(bad(label, text, start, "a document must be a JSON object",
                               "each record is one {\"field\": value, …}"));
  }
  return ExportedDocument{std::move(*doc), line_at(text, start)};
}

// "[doc, doc, …]" from the scanner's position.
Status read_array(Scanner& s, std::string_view text, const std::string& label,
                  std::vector<ExportedDocument>& out) {
  if (auto st = s.expect('[', "'[' (an array of documents)"); !st) return st;
  s.skip_space();
  if (s.peek() == ']') {
    (void)s.expect(']', "']'");
    return {};
  }
  for (;;) {
    auto start = s.skip_value();
    if (!start) return std::unexpected(start.error());
    auto doc = parse_document(text, *start, s.pos(), label);
    if (!doc) return std::unexpected(doc.error());
    out.push_back(std::move(*doc));
    s.skip_space();
    if (s.peek() == ',') {
      (void)s.expect(',', "','");
      continue;
    }
    return s.expect(']', "',' or ']' after a document");
  }
}

Status expect_end(Scanner& s) {
  s.skip_space();
  if (!s.at_end()) return std::unexpected(s.error("expected the end of the file after the export"));
  return {};
}

Result<ExportFile> read_array_file(std::string_view text, const std::string& label,
                                   const std::string& collection) {
  ExportFile file{ExportFormat::kArray, {{collection, {}}}};
  Scanner s(text, label);
  if (auto st = read_array(s, text, label, file.collections[0].docs); !st) return std::unexpected(st.error());
  if (auto st = expect_end(s); !st) return std::unexpected(st.error());
  return file;
}

Result<ExportFile> read_collections_file(std::string_view text, const std::string& label) {
  ExportFile file{ExportFormat::kCollections, {}};
  Scanner s(text, label);
  if (auto st = s.expect('{', "'{'"); !st) return std::unexpected(st.error());
  std::set<std::string> seen;
  s.skip_space();
  if (s.peek() == '}') {
    (void)s.expect('}', "'}'");
  } else {
    for (;;) {
      s.skip_space();
      size_t name_start = s.pos();
      if (s.peek() != '"') return std::unexpected(s.error("expected a collection name in quotes"));
      auto end = s.skip_value();
      if (!end) return std::unexpected(end.error());
      auto name = json::parse(text.substr(name_start, s.pos() - name_start));
      if (!name) return std::unexpected(reanchor(name.error(), label, text, name_start));
      const std::string& n = name->as_string();
      if (!seen.insert(n).second) {
        return std::unexpected(bad(label, text, name_start, "collection '" + n + "' appears twice"));
      }
      if (auto st = s.expect(':', "':' after a collection name"); !st) return std::unexpected(st.error());
      ExportedCollection c{n, {}};
      if (auto st = read_array(s, text, label, c.docs); !st) {
        return std::unexpected(std::move(st.error()));
      }
      file.collections.push_back(std::move(c));
      s.skip_space();
      if (s.peek() == ',') {
        (void)s.expect(',', "','");
        continue;
      }
      if (auto st = s.expect('}', "',' or '}' after a collection's documents"); !st) {
        return std::unexpected(st.error());
      }
      break;
    }
  }
  if (auto st = expect_end(s); !st) return std::unexpected(st.error());
  return file;
}

Result<ExportFile> read_ndjson_file(std::string_view text, const std::string& label,
                                    const std::string& collection) {
  ExportFile file{ExportFormat::kNdjson, {{collection, {}}}};
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    size_t first = pos;
    while (first < end && is_space(text[first])) ++first;
    if (first < end) {
      size_t last = end;
      while (last > first && is_space(text[last - 1])) --last;
      auto doc = parse_document(text, first, last, label);
      if (!doc) return std::unexpected(doc.error());
      file.collections[0].docs.push_back(std::move(*doc));
    }
    pos = end + 1;
  }
  return file;
}

// Whether the text is one object whose members are all arrays (the
// original tool's {collection: [documents]}), judged from its structure.
bool looks_like_collections(std::string_view text, const std::string& label) {
  Scanner s(text, label);
  if (!s.expect('{', "'{'")) return false;
  s.skip_space();
  if (s.peek() == '}') return expect_end(s).has_value() ? true : false;
  for (;;) {
    s.skip_space();
    if (s.peek() != '"' || !s.skip_value()) return false;
    if (!s.expect(':', "':'")) return false;
    s.skip_space();
    if (s.peek() != '[' || !s.skip_value()) return false;
    s.skip_space();
    if (s.peek() == ',') {
      (void)s.expect(',', "','");
      continue;
    }
    return s.expect('}', "'}'").has_value() && expect_end(s).has_value();
  }
}

}  // namespace

Result<ExportFormat> parse_export_format(std::string_view name) {
  for (ExportFormat f :
       {ExportFormat::kAuto, ExportFormat::kArray, ExportFormat::kCollections, ExportFormat::kNdjson}) {
    if (name == export_format_name(f)) return f;
  }
  return fail(ErrorCode::kUsage, "unknown export format '" + std::string(name) + "'",
              "use auto, array, collections or ndjson");
}

const char* export_format_name(ExportFormat format) {
  switch (format) {
    case ExportFormat::kAuto: return "auto";
    case ExportFormat::kArray: return "array";
    case ExportFormat::kCollections: return "collections";
    case ExportFormat::kNdjson: return "ndjson";
  }
  return "auto";
}

Result<ExportFile> parse_export_file(std::string_view text, const std::string& label, ExportFormat format,
                                     const std::string& collection) {
  if (format == ExportFormat::kAuto) {
    size_t first = 0;
    while (first < text.size() && is_space(text[first])) ++first;
    if (first == text.size()) {
      return fail(ErrorCode::kBadInput, "'" + label + "' is empty", "an export holds a JSON array or object");
    }
    if (text[first] == '[') {
      format = ExportFormat::kArray;
    } else if (text[first] == '{') {
      format = looks_like_collections(text, label) ? ExportFormat::kCollections : ExportFormat::kNdjson;
    } else {
      return std::unexpected(bad(label, text, first, "not an export: it starts with neither '[' nor '{'",
                                 "dbsync merge reads a JSON array, {collection: [documents]}, NDJSON or a "
                                 "snapshot folder"));
    }
  }
  switch (format) {
    case ExportFormat::kArray: return read_array_file(text, label, collection);
    case ExportFormat::kCollections: return read_collections_file(text, label);
    case ExportFormat::kNdjson:
    case ExportFormat::kAuto: break;
  }
  return read_ndjson_file(text, label, collection);
}

}  // namespace dbsync
