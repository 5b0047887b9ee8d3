#include "store/sqlite/sqlite_table.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/sql_ident.h"
#include "store/sqlite/sqlite_value.h"

namespace dbsync {
namespace {

std::string column_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    append_quoted_ident(out, names[i]);
  }
  return out;
}

std::string key_where(const std::vector<std::string>& key, int first) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i) out += " AND ";
    append_quoted_ident(out, key[i]);
    out += " IS ?" + std::to_string(first + static_cast<int>(i));
  }
  return out;
}

// The statement in `slot`, prepared from make_sql() on first use (the SQL
// text is not even built again: this runs once per written row).
template <typename MakeSql>
Result<SqliteStmt*> prepared(std::optional<SqliteStmt>& slot, SqliteDb& db, MakeSql&& make_sql) {
  if (!slot) {
    auto stmt = db.prepare(make_sql());
    if (!stmt) return std::unexpected(stmt.error());
    slot.emplace(std::move(*stmt));
  }
  return &*slot;
}

}  // namespace

RowEncoder::RowEncoder(const std::vector<std::string>& names, std::vector<size_t> key_pos)
    : key_pos_(std::move(key_pos)), spans_(names.size()) {
  for (size_t i = 0; i < names.size(); ++i) {
    std::string p = i == 0 ? "{" : ",";
    json::append_string_literal(p, names[i]);
    p += ':';
    prefixes_.push_back(std::move(p));
  }
}

void RowEncoder::encode(sqlite3_stmt* stmt, std::string& doc, std::string* key, int first) {
  doc.clear();
  if (prefixes_.empty()) doc += '{';
  for (size_t j = 0; j < prefixes_.size(); ++j) {
    doc += prefixes_[j];
    size_t start = doc.size();
    append_sqlite_column(doc, stmt, first + static_cast<int>(j));
    spans_[j] = {start, doc.size()};
  }
  doc += '}';
  if (key == nullptr) return;
  key->assign(1, '[');
  for (size_t i = 0; i < key_pos_.size(); ++i) {
    if (i) *key += ',';
    auto [s, e] = spans_[key_pos_[i]];
    key->append(doc, s, e - s);
  }
  *key += ']';
}

Result<SqliteTableState> SqliteTableState::make(SqliteTable table, const std::vector<std::string>& key) {
  SqliteTableState s;
  s.key_ = key;
  bool natural = key != table.primary_key;
  if (natural && !table.rowid_alias.empty() &&
      std::find(key.begin(), key.end(), table.rowid_alias) == key.end()) {
    s.local_.push_back(table.rowid_alias);
  }
  for (const auto& c : table.columns) {
    if (!c.readable() || std::find(s.local_.begin(), s.local_.end(), c.name) != s.local_.end()) continue;
    s.doc_columns_.push_back(c.name);
  }
  std::sort(s.doc_columns_.begin(), s.doc_columns_.end(),
            [](const std::string& a, const std::string& b) { return json::jcs_key_compare(a, b) < 0; });
  for (const auto& name : s.doc_columns_) {
    std::string token;
    json::append_string_literal(token, name);
    token += ':';
    s.member_tokens_.push_back(std::move(token));
    if (table.column(name)->writable()) {
      s.write_index_.push_back(static_cast<int>(s.write_columns_.size()));
      s.write_columns_.push_back(name);
    } else {
      s.write_index_.push_back(-1);
    }
  }
  std::vector<size_t> key_pos;
  for (const auto& k : key) {
    auto it = std::find(s.doc_columns_.begin(), s.doc_columns_.end(), k);
    if (it == s.doc_columns_.end()) {
      return fail(ErrorCode::kUsage, "key field '" + k + "' is not a column of table '" + table.name + "'",
                  "fix `key` for '" + table.name + "' in dbsync.toml");
    }
    key_pos.push_back(static_cast<size_t>(it - s.doc_columns_.begin()));
  }
  s.encoder_ = RowEncoder(s.doc_columns_, std::move(key_pos));
  s.table_ = std::move(table);
  return s;
}

Result<SqliteStmt*> SqliteTableState::select_all(SqliteDb& db) {
  return prepared(select_all_, db, [&] {
    return "SELECT " + column_list(doc_columns_) + " FROM main." + quote_ident(table_.name);
  });
}

Result<SqliteStmt*> SqliteTableState::lookup(SqliteDb& db) {
  return prepared(lookup_, db, [&] {
    return "SELECT " + column_list(doc_columns_) + " FROM main." + quote_ident(table_.name) + " WHERE " +
           key_where(key_, 1);
  });
}

Result<SqliteStmt*> SqliteTableState::insert(SqliteDb& db) {
  return prepared(insert_, db, [&] {
    std::string params;
    for (size_t i = 0; i < write_columns_.size(); ++i) params += i ? ", ?" : "?";
    return "INSERT INTO main." + quote_ident(table_.name) + " (" + column_list(write_columns_) +
           ") VALUES (" + params + ")";
  });
}

Result<SqliteStmt*> SqliteTableState::insert_many(SqliteDb& db) {
  if (insert_rows_ == 0) {
    // A statement per row costs as much in SQLite's per-statement work
    // (step, halt, reset, clearing bindings) as the row's own insert. 999
    // parameters are within every SQLite's limit.
    int limit = std::min(999, sqlite3_limit(db.handle(), SQLITE_LIMIT_VARIABLE_NUMBER, -1));
    size_t cols = std::max<size_t>(write_columns_.size(), 1);
    insert_rows_ = std::min<size_t>(64, static_cast<size_t>(limit) / cols);
    if (insert_rows_ < 2) insert_rows_ = 1;
  }
  if (insert_rows_ < 2 || write_columns_.empty()) return nullptr;
  return prepared(insert_many_, db, [&] {
    std::string row = "(";
    for (size_t i = 0; i < write_columns_.size(); ++i) row += i ? ", ?" : "?";
    row += ")";
    std::string sql = "INSERT INTO main." + quote_ident(table_.name) + " (" + column_list(write_columns_) +
                      ") VALUES " + row;
    for (size_t r = 1; r < insert_rows_; ++r) sql += ", " + row;
    return sql;
  });
}

Result<SqliteStmt*> SqliteTableState::update(SqliteDb& db) {
  return prepared(update_, db, [&] {
    // Key columns are left out of SET: they equal the WHERE values, and
    // setting a rowid alias would make SQLite delete and reinsert the row.
    std::string set;
    int n = 0;
    for (size_t i = 0; i < write_columns_.size(); ++i) {
      if (std::find(key_.begin(), key_.end(), write_columns_[i]) != key_.end()) continue;
      if (n++) set += ", ";
      append_quoted_ident(set, write_columns_[i]);
      set += " = ?" + std::to_string(i + 1);
    }
    if (n == 0) {  // every column is a key column: nothing to change
      append_quoted_ident(set, key_[0]);
      set += " = " + quote_ident(key_[0]);
    }
    return "UPDATE main." + quote_ident(table_.name) + " SET " + set + " WHERE " +
           key_where(key_, static_cast<int>(write_columns_.size()) + 1);
  });
}

Result<SqliteStmt*> SqliteTableState::remove(SqliteDb& db) {
  return prepared(remove_, db, [&] {
    return "DELETE FROM main." + quote_ident(table_.name) + " WHERE " + key_where(key_, 1);
  });
}

Status SqliteTableState::bind_key(SqliteStmt& stmt, const json::Array& values, int first) {
  for (size_t i = 0; i < values.size() && i < key_.size(); ++i) {
    if (auto st = bind_json_value(stmt.handle(), first + static_cast<int>(i), values[i], key_[i]); !st)
      return st;
  }
  return {};
}

Status SqliteTableState::bind_doc(SqliteStmt& stmt, const json::Value& doc, int first) {
  for (size_t i = 0; i < write_columns_.size(); ++i) {
    const json::Value* v = doc.find(write_columns_[i]);
    static const json::Value kNull;
    if (auto st =
            bind_json_value(stmt.handle(), first + static_cast<int>(i), v ? *v : kNull, write_columns_[i]);
        !st) {
      return st;
    }
  }
  return {};
}

bool SqliteTableState::bind_plain_doc_text(sqlite3_stmt* stmt, std::string_view doc, int first) {
  const char* p = doc.data();
  const char* end = p + doc.size();
  if (doc.size() < 2 || *p != '{' || end[-1] != '}') return false;
  ++p;
  size_t next_write = 0;  // write columns before this one are bound
  auto bind_null_until = [&](size_t w) {
    for (; next_write < w; ++next_write) sqlite3_bind_null(stmt, first + static_cast<int>(next_write));
  };
  size_t j = 0;  // members and document columns are both in RFC 8785 order
  if (*p == '}') {
    if (p + 1 != end) return false;
  } else {
    for (;;) {
      if (*p != '"') return false;
      // The column whose literal starts here: the next one unless the
      // document leaves some out.
      for (;; ++j) {
        if (j == member_tokens_.size()) return false;
        const std::string& t = member_tokens_[j];
        if (static_cast<size_t>(end - p) > t.size() && std::memcmp(p, t.data(), t.size()) == 0) break;
      }
      p += member_tokens_[j].size();
      const char* v = p;
      bool fraction = false, other = false;  // a number's '.'; an exponent or a literal
      if (*p == '"') {
        ++p;
        while (p < end && *p != '"' && *p != '\\') ++p;
        if (p == end || *p == '\\') return false;  // escapes: the general path unescapes
        ++p;
      } else if (*p == '{' || *p == '[') {
        return false;
      } else {
        other = *p != '-' && (*p < '0' || *p > '9');
        for (; p < end && *p != ',' && *p != '}'; ++p) {
          fraction |= *p == '.';
          other |= *p == 'e' || *p == 'E';
        }
      }
      if (p == end) return false;
      int w = write_index_[j];
      if (w >= 0) {
        bind_null_until(static_cast<size_t>(w));
        int index = first + w;
        std::string_view text(v, static_cast<size_t>(p - v));
        int64_t i = 0;
        double d = 0;
        int rc = SQLITE_OK;
        if (*v == '"') {
          rc = sqlite3_bind_text64(stmt, index, v + 1, text.size() - 2, SQLITE_STATIC, SQLITE_UTF8);
        } else if (!other && !fraction && std::from_chars(v, p, i).ptr == p) {
          rc = sqlite3_bind_int64(stmt, index, i);
        } else if (!other && fraction && parse_short_double(text, d)) {
          rc = sqlite3_bind_double(stmt, index, d);
        } else if (!bind_json_text(stmt, index, text, write_columns_[static_cast<size_t>(w)])) {
          return false;
        }
        if (rc != SQLITE_OK) return false;
        next_write = static_cast<size_t>(w) + 1;
      }
      ++j;
      if (*p == '}') {
        if (p + 1 != end) return false;
        break;
      }
      if (*p != ',') return false;
      ++p;
    }
  }
  bind_null_until(write_columns_.size());
  return true;
}

Result<bool> SqliteTableState::bind_doc_text(SqliteStmt& stmt, std::string_view doc, int first) {
  if (bind_plain_doc_text(stmt.handle(), doc, first)) return true;
  thread_local std::vector<char> bound;
  bound.assign(write_columns_.size(), 0);
  auto walked = for_each_member_column(
      doc, write_columns_.size(), [&](size_t j) -> std::string_view { return write_columns_[j]; },
      [&](size_t j, std::string_view value) -> Status {
        bound[j] = 1;
        return bind_json_text(stmt.handle(), first + static_cast<int>(j), value, write_columns_[j]);
      },
      // A generated or local column is not written; a field that is no
      // column at all needs ALTER TABLE first.
      [&](std::string_view name) { return table_.column(name) != nullptr; });
  if (!walked || !*walked) return walked;
  for (size_t j = 0; j < write_columns_.size(); ++j) {
    if (bound[j]) continue;
    int rc = sqlite3_bind_null(stmt.handle(), first + static_cast<int>(j));
    if (rc != SQLITE_OK)
      return fail(ErrorCode::kInternal, std::string("cannot bind a value: ") + sqlite3_errstr(rc));
  }
  return true;
}

}  // namespace dbsync
