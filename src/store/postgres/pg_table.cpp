#include "store/postgres/pg_table.h"

#include <algorithm>

#include "json/canonical.h"
#include "store/sql_ident.h"

namespace dbsync {

Result<PgTableState> PgTableState::make(PgTable table, const std::vector<std::string>& key,
                                        bool integer_datetimes) {
  PgTableState s;
  s.table_ = std::move(table);
  s.key_ = key;
  std::string local;
  const PgTable& t = s.table_;
  if (key != t.primary_key && t.primary_key.size() == 1 &&
      std::find(key.begin(), key.end(), t.primary_key[0]) == key.end()) {
    const PgColumn* c = t.column(t.primary_key[0]);
    if (c && (!c->identity.empty() || (c->default_sql && c->default_sql->rfind("nextval(", 0) == 0)))
      local = c->name;
  }
  for (const auto& c : t.columns) {
    if (c.name != local) s.doc_.push_back(&c);
  }
  std::sort(s.doc_.begin(), s.doc_.end(),
            [](const PgColumn* a, const PgColumn* b) { return json::jcs_key_compare(a->name, b->name) < 0; });
  for (const PgColumn* c : s.doc_) {
    if (!c->generated) s.write_.push_back(c);
    if (c->identity == "always") s.overriding_ = true;
  }
  for (const auto& k : key) {
    auto it = std::find_if(s.doc_.begin(), s.doc_.end(), [&](const PgColumn* c) { return c->name == k; });
    if (it == s.doc_.end()) {
      return fail(ErrorCode::kUsage, "key field '" + k + "' is not a column of table '" + t.name + "'",
                  "fix `key` under [collections." + t.name + "] in dbsync.toml");
    }
    s.key_pos_.push_back(static_cast<size_t>(it - s.doc_.begin()));
    s.key_cols_.push_back(*it);
  }
  for (size_t i = 0; i < s.doc_.size(); ++i) {
    std::string p = i == 0 ? "{" : ",";
    json::append_string_literal(p, s.doc_[i]->name);
    p += ':';
    s.prefixes_.push_back(std::move(p));
  }
  s.spans_.resize(s.doc_.size());
  for (const PgColumn* c : s.doc_) s.binary_.push_back(pg_binary_type(*c, integer_datetimes));
  for (const PgColumn* c : s.write_) s.write_binary_.push_back(pg_binary_type(*c, integer_datetimes));
  auto all_binary = [](const std::vector<PgBinaryType>& types) {
    return !types.empty() &&
           std::none_of(types.begin(), types.end(), [](PgBinaryType t) { return t == PgBinaryType::kNone; });
  };
  s.binary_readable_ = all_binary(s.binary_);
  s.binary_writable_ = all_binary(s.write_binary_);
  return s;
}

std::string PgTableState::select_list(std::string_view alias) const {
  std::string out;
  for (size_t i = 0; i < doc_.size(); ++i) {
    if (i) out += ", ";
    out += alias;
    append_quoted_ident(out, doc_[i]->name);
  }
  return out.empty() ? "NULL" : out;
}

Status PgTableState::encode(const std::vector<std::optional<std::string_view>>& values, std::string& doc,
                            std::string* key, bool binary) {
  doc.clear();
  if (prefixes_.empty()) doc += '{';
  for (size_t j = 0; j < prefixes_.size(); ++j) {
    doc += prefixes_[j];
    size_t start = doc.size();
    if (!values[j]) {
      doc += "null";
    } else if (auto st = binary ? append_pg_value_of_binary(doc, binary_[j], doc_[j]->value, *values[j])
                                : append_pg_value(doc, doc_[j]->value, *values[j]);
               !st) {
      return std::unexpected(
          std::move(st.error()).context("table '" + table_.name + "' column '" + doc_[j]->name + "'"));
    }
    spans_[j] = {start, doc.size()};
  }
  doc += '}';
  if (key == nullptr) return {};
  key->assign(1, '[');
  for (size_t i = 0; i < key_pos_.size(); ++i) {
    if (i) *key += ',';
    auto [s, e] = spans_[key_pos_[i]];
    key->append(doc, s, e - s);
  }
  *key += ']';
  return {};
}

}  // namespace dbsync
