#include "store/postgres/pg_copy_text.h"

#include <cctype>
#include <cstring>

namespace dbsync {
namespace {

void unescape(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\' || i + 1 >= in.size()) {
      out += c;
      continue;
    }
    char n = in[++i];
    switch (n) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        int v = 0, k = 0;
        for (; k < 2 && i + 1 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])); ++k) {
          char h = in[++i];
          v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        out += static_cast<char>(v);
        break;
      }
      default:
        if (n >= '0' && n <= '7') {
          int v = n - '0';
          for (int k = 0; k < 2 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7'; ++k)
            v = v * 8 + (in[++i] - '0');
          out += static_cast<char>(v);
        } else {
          out += n;
        }
    }
  }
}

}  // namespace

Status CopyRowReader::split(std::string_view line, size_t columns,
                            std::vector<std::optional<std::string_view>>& out) {
  out.clear();
  if (scratch_.size() < columns) scratch_.resize(columns);
  size_t pos = 0;
  for (size_t j = 0; j < columns; ++j) {
    const char* tab = static_cast<const char*>(std::memchr(line.data() + pos, '\t', line.size() - pos));
    size_t end = tab ? static_cast<size_t>(tab - line.data()) : line.size();
    if ((tab == nullptr) != (j + 1 == columns))
      return fail(ErrorCode::kInternal, "COPY row has an unexpected number of columns");
    std::string_view field = line.substr(pos, end - pos);
    if (field == "\\N") {
      out.emplace_back();
    } else if (field.find('\\') == std::string_view::npos) {
      out.emplace_back(field);
    } else {
      unescape(field, scratch_[j]);
      out.emplace_back(scratch_[j]);
    }
    pos = end + 1;
  }
  return {};
}

void append_copy_value(std::string& out, const std::optional<std::string>& value) {
  if (!value) {
    out += "\\N";
    return;
  }
  for (char c : *value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
}

void append_array_element(std::string& out, const std::optional<std::string>& value) {
  if (!value) {
    out += "NULL";
    return;
  }
  out += '"';
  for (char c : *value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace dbsync
