#include "store/sqlite/sqlite_schema.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "store/sql_ident.h"

namespace dbsync {
namespace {

std::string column_text(sqlite3_stmt* stmt, int col) {
  const unsigned char* p = sqlite3_column_text(stmt, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt, col)))
           : std::string();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

json::Value string_array(const std::vector<std::string>& items) {
  json::Array a;
  for (const auto& s : items) a.emplace_back(s);
  return json::Value(std::move(a));
}

Status bind_text(SqliteStmt& stmt, int index, const std::string& text) {
  if (sqlite3_bind_text(stmt.handle(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    return fail(ErrorCode::kInternal, "cannot bind a table name");
  }
  return {};
}

Status read_columns(SqliteDb& db, SqliteTable& t) {
  auto stmt = db.prepare(
      "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1, 'main') ORDER BY "
      "cid");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto st = bind_text(*stmt, 1, t.name); !st) return st;
  std::map<int, std::string> pk;
  for (;;) {
    auto more = stmt->step();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    SqliteColumn c;
    c.name = column_text(stmt->handle(), 0);
    c.type = column_text(stmt->handle(), 1);
    c.notnull = sqlite3_column_int(stmt->handle(), 2) != 0;
    if (sqlite3_column_type(stmt->handle(), 3) != SQLITE_NULL) c.default_sql = column_text(stmt->handle(), 3);
    c.pk = sqlite3_column_int(stmt->handle(), 4);
    c.hidden = sqlite3_column_int(stmt->handle(), 5);
    if (c.pk > 0) pk[c.pk] = c.name;
    t.columns.push_back(std::move(c));
  }
  for (auto& [pos, name] : pk) t.primary_key.push_back(name);
  if (!t.without_rowid && t.primary_key.size() == 1) {
    const SqliteColumn* c = t.column(t.primary_key[0]);
    if (c != nullptr && upper(c->type) == "INTEGER") t.rowid_alias = c->name;
  }
  return {};
}

Status read_foreign_keys(SqliteDb& db, SqliteTable& t) {
  auto stmt = db.prepare(
      "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1, 'main') "
      "ORDER BY id, seq");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto st = bind_text(*stmt, 1, t.name); !st) return st;
  int current = -1;
  bool any_to = false;
  for (;;) {
    auto more = stmt->step();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    int id = sqlite3_column_int(stmt->handle(), 0);
    if (id != current) {
      if (current >= 0 && !any_to) t.foreign_keys.back().references.clear();
      current = id;
      any_to = false;
      SqliteForeignKey fk;
      fk.table = column_text(stmt->handle(), 1);
      fk.on_update = column_text(stmt->handle(), 4);
      fk.on_delete = column_text(stmt->handle(), 5);
      t.foreign_keys.push_back(std::move(fk));
    }
    SqliteForeignKey& fk = t.foreign_keys.back();
    fk.columns.push_back(column_text(stmt->handle(), 2));
    bool has_to = sqlite3_column_type(stmt->handle(), 3) != SQLITE_NULL;
    any_to = any_to || has_to;
    fk.references.push_back(has_to ? column_text(stmt->handle(), 3) : std::string());
  }
  if (current >= 0 && !any_to) t.foreign_keys.back().references.clear();
  // SQLite numbers foreign keys in reverse order of declaration; a canonical
  // order keeps schema.json identical on a replica built from it.
  std::sort(t.foreign_keys.begin(), t.foreign_keys.end(),
            [](const SqliteForeignKey& a, const SqliteForeignKey& b) {
              return std::tie(a.table, a.columns, a.references) < std::tie(b.table, b.columns, b.references);
            });
  return {};
}

Status read_indexes(SqliteDb& db, SqliteTable& t) {
  auto list = db.prepare("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1, 'main')");
  if (!list) return std::unexpected(list.error());
  if (auto st = bind_text(*list, 1, t.name); !st) return st;
  struct Entry {
    std::string name;
    bool unique;
    std::string origin;
  };
  std::vector<Entry> entries;
  for (;;) {
    auto more = list->step();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    if (sqlite3_column_int(list->handle(), 3) != 0) continue;  // partial index: has a WHERE clause
    std::string origin = column_text(list->handle(), 2);
    if (origin == "pk") continue;
    entries.push_back({column_text(list->handle(), 0), sqlite3_column_int(list->handle(), 1) != 0, origin});
  }
  auto cols = db.prepare("SELECT cid, name FROM pragma_index_xinfo(?1, 'main') WHERE key = 1 ORDER BY seqno");
  if (!cols) return std::unexpected(cols.error());
  for (const auto& e : entries) {
    if (auto st = bind_text(*cols, 1, e.name); !st) return st;
    SqliteIndex index;
    index.name = e.origin == "c" ? e.name : std::string();
    index.unique = e.unique;
    bool plain = true;
    for (;;) {
      auto more = cols->step();
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      if (sqlite3_column_int(cols->handle(), 0) < 0) plain = false;  // expression or rowid
      index.columns.push_back(column_text(cols->handle(), 1));
    }
    cols->reset();
    if (plain && !index.columns.empty()) t.indexes.push_back(std::move(index));
  }
  std::sort(t.indexes.begin(), t.indexes.end(), [](const SqliteIndex& a, const SqliteIndex& b) {
    return std::tie(a.name, a.columns) < std::tie(b.name, b.columns);
  });
  return {};
}

// --- schema.json -> DDL -------------------------------------------------

struct Reader {
  const std::string& label;
  Error bad(const std::string& field, const std::string& what) const {
    return Error(ErrorCode::kBadInput, "'" + label + "' field '" + field + "': " + what,
                 "schema.json is written by dbsync export; restore it from git history");
  }
  Result<std::string> str(const json::Value& obj, const char* name, const std::string& path) const {
    const json::Value* v = obj.find(name);
    if (v == nullptr || !v->is_string()) return std::unexpected(bad(path + "." + name, "expected a string"));
    return v->as_string();
  }
  Result<std::vector<std::string>> names(const json::Value& obj, const char* name,
                                         const std::string& path) const {
    const json::Value* v = obj.find(name);
    if (v == nullptr || !v->is_array())
      return std::unexpected(bad(path + "." + name, "expected a list of names"));
    std::vector<std::string> out;
    for (const auto& item : v->as_array()) {
      if (!item.is_string()) return std::unexpected(bad(path + "." + name, "expected a list of names"));
      if (auto st = check_sql_ident(item.as_string(), "column"); !st)
        return std::unexpected(bad(path + "." + name, st.error().message));
      out.push_back(item.as_string());
    }
    return out;
  }
};

void append_name_list(std::string& out, const std::vector<std::string>& names) {
  out += '(';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    append_quoted_ident(out, names[i]);
  }
  out += ')';
}

bool is_fk_action(const std::string& a) {
  return a == "NO ACTION" || a == "RESTRICT" || a == "SET NULL" || a == "SET DEFAULT" || a == "CASCADE";
}

}  // namespace

const SqliteColumn* SqliteTable::column(std::string_view name) const {
  for (const auto& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<std::vector<SqliteTableEntry>> list_sqlite_tables(SqliteDb& db) {
  auto stmt = db.prepare(
      "SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite\\_%' ESCAPE "
      "'\\' ORDER BY name");
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<SqliteTableEntry> out;
  for (;;) {
    auto more = stmt->step();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    out.push_back({column_text(stmt->handle(), 0), column_text(stmt->handle(), 1)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<std::optional<SqliteTable>> read_sqlite_table(SqliteDb& db, const std::string& name) {
  auto stmt = db.prepare("SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto st = bind_text(*stmt, 1, name); !st) return std::unexpected(st.error());
  auto found = stmt->step();
  if (!found) return std::unexpected(found.error());
  if (!*found || column_text(stmt->handle(), 0) != "table") return std::optional<SqliteTable>();
  SqliteTable t;
  t.name = name;
  t.without_rowid = sqlite3_column_int(stmt->handle(), 1) != 0;
  stmt->reset();
  if (auto st = read_columns(db, t); !st) return std::unexpected(st.error());
  if (auto st = read_foreign_keys(db, t); !st) return std::unexpected(st.error());
  if (auto st = read_indexes(db, t); !st) return std::unexpected(st.error());
  return std::optional<SqliteTable>(std::move(t));
}

json::Value sqlite_schema_detail(const SqliteTable& table, const std::vector<std::string>& local) {
  json::Array columns;
  for (const auto& c : table.columns) {
    if (!c.readable()) continue;
    columns.push_back(
        json::make_object({{"name", c.name},
                           {"type", c.type},
                           {"notnull", c.notnull},
                           {"default", c.default_sql ? json::Value(*c.default_sql) : json::Value()},
                           {"pk", json::Value(c.pk)}}));
  }
  json::Array fks;
  for (const auto& fk : table.foreign_keys) {
    fks.push_back(json::make_object({{"columns", string_array(fk.columns)},
                                     {"table", fk.table},
                                     {"references", string_array(fk.references)},
                                     {"on_update", fk.on_update},
                                     {"on_delete", fk.on_delete}}));
  }
  json::Array indexes;
  for (const auto& ix : table.indexes) {
    indexes.push_back(
        json::make_object({{"name", ix.name}, {"unique", ix.unique}, {"columns", string_array(ix.columns)}}));
  }
  std::vector<json::Member> members = {{"columns", json::Value(std::move(columns))},
                                       {"foreign_keys", json::Value(std::move(fks))},
                                       {"indexes", json::Value(std::move(indexes))},
                                       {"without_rowid", table.without_rowid}};
  if (!local.empty()) members.emplace_back("local", string_array(local));
  return json::make_object(std::move(members));
}

bool is_safe_sql_type(std::string_view type) {
  size_t open = type.find('(');
  std::string_view name = type.substr(0, open);
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' ')) return false;
  }
  // Words that would start a column constraint instead of naming a type.
  std::string words = " " + upper(name) + " ";
  for (const char* kw : {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
                         "REFERENCES", "GENERATED", "AS", "KEY", "ON", "CONFLICT"}) {
    if (words.find(" " + std::string(kw) + " ") != std::string::npos) return false;
  }
  if (open == std::string_view::npos) return true;
  std::string_view args = type.substr(open);
  if (args.size() < 2 || args.back() != ')') return false;
  for (char c : args.substr(1, args.size() - 2)) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == ' ' || c == '+' || c == '-'))
      return false;
  }
  return true;
}

bool is_literal_default(std::string_view sql) {
  while (sql.size() >= 2 && sql.front() == '(' && sql.back() == ')') sql = sql.substr(1, sql.size() - 2);
  if (sql.empty()) return false;
  std::string u = upper(sql);
  if (u == "NULL" || u == "TRUE" || u == "FALSE" || u == "CURRENT_TIME" || u == "CURRENT_DATE" ||
      u == "CURRENT_TIMESTAMP") {
    return true;
  }
  if (sql.front() == '\'' || ((u[0] == 'X') && sql.size() >= 3 && sql[1] == '\'')) {
    size_t start = sql.front() == '\'' ? 1 : 2;
    if (sql.back() != '\'' || sql.size() < start + 1) return false;
    std::string_view body = sql.substr(start, sql.size() - start - 1);
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\'') {
        if (i + 1 >= body.size() || body[i + 1] != '\'') return false;
        ++i;
      } else if (start == 2 && !std::isxdigit(static_cast<unsigned char>(body[i]))) {
        return false;
      }
    }
    return true;
  }
  size_t i = (sql[0] == '-' || sql[0] == '+') ? 1 : 0;
  auto digits = [&](bool hex) {
    size_t start = i;
    while (i < sql.size() && (hex ? std::isxdigit(static_cast<unsigned char>(sql[i]))
                                  : std::isdigit(static_cast<unsigned char>(sql[i])))) {
      ++i;
    }
    return i > start;
  };
  if (sql.substr(i, 2) == "0x" || sql.substr(i, 2) == "0X") {
    i += 2;
    return digits(true) && i == sql.size();
  }
  bool whole = digits(false);
  bool frac = false;
  if (i < sql.size() && sql[i] == '.') {
    ++i;
    frac = digits(false);
  }
  if (!whole && !frac) return false;
  if (i < sql.size() && (sql[i] == 'e' || sql[i] == 'E')) {
    ++i;
    if (i < sql.size() && (sql[i] == '+' || sql[i] == '-')) ++i;
    if (!digits(false)) return false;
  }
  return i == sql.size();
}

Result<std::vector<std::string>> sqlite_create_statements(const std::string& table, const json::Value& detail,
                                                          const std::vector<std::string>& key,
                                                          const std::vector<std::string>& fields,
                                                          const std::string& label,
                                                          std::vector<std::string>& warnings) {
  if (auto st = check_sql_ident(table, "table"); !st) return std::unexpected(st.error());
  for (const auto& k : key) {
    if (auto st = check_sql_ident(k, "key column"); !st)
      return std::unexpected(std::move(st.error()).context("'" + label + "'"));
  }
  Reader r{label};
  std::string ddl = "CREATE TABLE ";
  append_quoted_ident(ddl, table);
  ddl += " (";
  std::vector<std::string> statements;
  std::set<std::string> declared;
  std::vector<std::string> primary_key;
  std::string constraints;
  bool without_rowid = false;
  bool first = true;
  const json::Value* sqlite = detail.find("sqlite");

  if (sqlite != nullptr) {
    if (!sqlite->is_object()) return std::unexpected(r.bad("sqlite", "expected an object"));
    const json::Value* columns = sqlite->find("columns");
    if (columns == nullptr || !columns->is_array())
      return std::unexpected(r.bad("sqlite.columns", "expected a list of columns"));
    std::map<int64_t, std::string> pk;
    for (size_t i = 0; i < columns->as_array().size(); ++i) {
      const json::Value& c = columns->as_array()[i];
      std::string path = "sqlite.columns[" + std::to_string(i) + "]";
      if (!c.is_object()) return std::unexpected(r.bad(path, "expected an object"));
      auto name = r.str(c, "name", path);
      if (!name) return std::unexpected(name.error());
      if (auto st = check_sql_ident(*name, "column"); !st)
        return std::unexpected(r.bad(path + ".name", st.error().message));
      auto type = r.str(c, "type", path);
      if (!type) return std::unexpected(type.error());
      if (!is_safe_sql_type(*type))
        return std::unexpected(r.bad(path + ".type", "'" + *type + "' is not a plain SQL type name"));
      if (!declared.insert(*name).second) return std::unexpected(r.bad(path + ".name", "duplicate column"));
      const json::Value* notnull = c.find("notnull");
      const json::Value* dflt = c.find("default");
      const json::Value* pkv = c.find("pk");
      if (!first) ddl += ", ";
      first = false;
      append_quoted_ident(ddl, *name);
      if (!type->empty()) ddl += " " + *type;
      if (notnull != nullptr && notnull->is_bool() && notnull->as_bool()) ddl += " NOT NULL";
      if (dflt != nullptr && dflt->is_string()) {
        if (is_literal_default(dflt->as_string())) {
          ddl += " DEFAULT " + dflt->as_string();
        } else {
          warnings.push_back("table '" + table + "' column '" + *name + "': default '" +
                             dflt->as_string().substr(0, 80) + "' is not a literal and was not recreated");
        }
      }
      if (pkv != nullptr && pkv->is_int() && pkv->as_int() > 0) pk[pkv->as_int()] = *name;
    }
    for (auto& [pos, name] : pk) primary_key.push_back(name);
    if (const json::Value* wr = sqlite->find("without_rowid"); wr != nullptr && wr->is_bool())
      without_rowid = wr->as_bool();
    if (const json::Value* idx = sqlite->find("indexes"); idx != nullptr && idx->is_array()) {
      for (size_t i = 0; i < idx->as_array().size(); ++i) {
        const json::Value& ix = idx->as_array()[i];
        std::string path = "sqlite.indexes[" + std::to_string(i) + "]";
        if (!ix.is_object()) return std::unexpected(r.bad(path, "expected an object"));
        auto name = r.str(ix, "name", path);
        if (!name) return std::unexpected(name.error());
        auto cols = r.names(ix, "columns", path);
        if (!cols) return std::unexpected(cols.error());
        const json::Value* unique = ix.find("unique");
        bool is_unique = unique != nullptr && unique->is_bool() && unique->as_bool();
        if (name->empty()) {
          if (!is_unique) continue;
          constraints += ", UNIQUE ";
          append_name_list(constraints, *cols);
        } else {
          if (auto st = check_sql_ident(*name, "index"); !st)
            return std::unexpected(r.bad(path + ".name", st.error().message));
          std::string s = is_unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
          append_quoted_ident(s, *name);
          s += " ON ";
          append_quoted_ident(s, table);
          s += " ";
          append_name_list(s, *cols);
          statements.push_back(std::move(s));
        }
      }
    }
    if (const json::Value* fks = sqlite->find("foreign_keys"); fks != nullptr && fks->is_array()) {
      for (size_t i = 0; i < fks->as_array().size(); ++i) {
        const json::Value& fk = fks->as_array()[i];
        std::string path = "sqlite.foreign_keys[" + std::to_string(i) + "]";
        if (!fk.is_object()) return std::unexpected(r.bad(path, "expected an object"));
        auto cols = r.names(fk, "columns", path);
        if (!cols) return std::unexpected(cols.error());
        auto parent = r.str(fk, "table", path);
        if (!parent) return std::unexpected(parent.error());
        if (auto st = check_sql_ident(*parent, "table"); !st)
          return std::unexpected(r.bad(path + ".table", st.error().message));
        auto refs = r.names(fk, "references", path);
        if (!refs) return std::unexpected(refs.error());
        constraints += ", FOREIGN KEY ";
        append_name_list(constraints, *cols);
        constraints += " REFERENCES ";
        append_quoted_ident(constraints, *parent);
        if (!refs->empty()) append_name_list(constraints, *refs);
        for (const char* action : {"on_update", "on_delete"}) {
          auto a = r.str(fk, action, path);
          if (!a) return std::unexpected(a.error());
          if (!is_fk_action(*a))
            return std::unexpected(r.bad(path + "." + action, "'" + *a + "' is not a foreign key action"));
          if (*a != "NO ACTION")
            constraints += std::string(action) == "on_update" ? " ON UPDATE " : " ON DELETE ";
          if (*a != "NO ACTION") constraints += *a;
        }
      }
    }
  } else {
    primary_key = key;
    for (const auto& k : key) {
      if (!first) ddl += ", ";
      first = false;
      append_quoted_ident(ddl, k);
      declared.insert(k);
    }
  }
  for (const auto& f : fields) {
    if (declared.count(f)) continue;
    if (auto st = check_sql_ident(f, "column"); !st) return std::unexpected(st.error());
    if (!first) ddl += ", ";
    first = false;
    append_quoted_ident(ddl, f);
    declared.insert(f);
  }
  if (first) return std::unexpected(r.bad("sqlite.columns", "a table needs at least one column"));
  if (!primary_key.empty()) {
    ddl += ", PRIMARY KEY ";
    append_name_list(ddl, primary_key);
  } else if (without_rowid) {
    return std::unexpected(r.bad("sqlite.without_rowid", "a WITHOUT ROWID table needs a primary key"));
  }
  ddl += constraints;
  ddl += ")";
  if (without_rowid) ddl += " WITHOUT ROWID";
  statements.insert(statements.begin(), std::move(ddl));
  return statements;
}

}  // namespace dbsync
