#include "store/sql_ident.h"

namespace dbsync {

void append_quoted_ident(std::string& out, std::string_view name) {
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string quote_ident(std::string_view name) {
  std::string out;
  append_quoted_ident(out, name);
  return out;
}

Status check_sql_ident(std::string_view name, std::string_view what) {
  if (name.empty()) return fail(ErrorCode::kBadInput, "empty " + std::string(what) + " name");
  if (name.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::kBadInput, std::string(what) + " name '" +
                                          std::string(name.substr(0, name.find('\0'))) +
                                          "\\0…' holds a NUL byte, which SQL names cannot");
  }
  return {};
}

}  // namespace dbsync
