#include "json/member_cursor.h"

#include "json/parse.h"

namespace dbsync {

size_t skip_json_string(std::string_view t, size_t pos, bool* escaped) {
  for (size_t i = pos + 1; i < t.size(); ++i) {
    if (t[i] == '\\') {
      if (escaped) *escaped = true;
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

size_t skip_json_value(std::string_view t, size_t pos) {
  if (pos >= t.size()) return std::string_view::npos;
  char c = t[pos];
  if (c == '"') return skip_json_string(t, pos);
  if (c == '{' || c == '[') {
    int depth = 0;
    for (size_t i = pos; i < t.size(); ++i) {
      char d = t[i];
      if (d == '"') {
        size_t e = skip_json_string(t, i);
        if (e == std::string_view::npos) return e;
        i = e - 1;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  size_t i = pos;
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']') ++i;
  return i > pos ? i : std::string_view::npos;
}

MemberCursor::MemberCursor(std::string_view doc) : doc_(doc) {
  if (doc_.size() < 2 || doc_[0] != '{') {
    ok_ = false;
    done_ = true;
    return;
  }
  pos_ = 1;
  if (doc_[1] == '}') {
    done_ = true;
    ok_ = doc_.size() == 2;
  }
}

bool MemberCursor::next(std::string_view& name, bool& escaped, std::string_view& value) {
  if (done_) return false;
  auto stop = [&] {
    ok_ = false;
    done_ = true;
    return false;
  };
  if (pos_ >= doc_.size() || doc_[pos_] != '"') return stop();
  escaped = false;
  size_t name_end = skip_json_string(doc_, pos_, &escaped);
  if (name_end == std::string_view::npos || name_end >= doc_.size() || doc_[name_end] != ':') return stop();
  name = doc_.substr(pos_ + 1, name_end - pos_ - 2);
  size_t vend = skip_json_value(doc_, name_end + 1);
  if (vend == std::string_view::npos || vend >= doc_.size()) return stop();
  value = doc_.substr(name_end + 1, vend - name_end - 1);
  if (doc_[vend] == '}') {
    if (vend + 1 != doc_.size()) return stop();
    done_ = true;
  } else if (doc_[vend] == ',') {
    pos_ = vend + 1;
  } else {
    return stop();
  }
  return true;
}

bool member_name(std::string_view raw, bool escaped, std::string& storage, std::string_view& name) {
  if (!escaped) {
    name = raw;
    return true;
  }
  auto v = json::parse("\"" + std::string(raw) + "\"");
  if (!v || !v->is_string()) return false;
  storage = v->as_string();
  name = storage;
  return true;
}

}  // namespace dbsync
