#include "store/postgres/pg_schema.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/sql_ident.h"
#include "store/sqlite/sqlite_schema.h"
#include "util/hash.h"

namespace dbsync {
namespace {

constexpr std::string_view kCommentPrefix = "dbsync:";

std::string value_at(PGresult* r, int row, int col) {
  return PQgetisnull(r, row, col) ? std::string() : std::string(PQgetvalue(r, row, col));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Built-in types DDL may name, after removing "(n[,m])" and "[]".
bool is_builtin_type_name(const std::string& base) {
  static const std::set<std::string> kNames = {"smallint",
                                               "integer",
                                               "bigint",
                                               "numeric",
                                               "real",
                                               "double precision",
                                               "text",
                                               "character varying",
                                               "character",
                                               "\"char\"",
                                               "name",
                                               "boolean",
                                               "bytea",
                                               "date",
                                               "timestamp without time zone",
                                               "timestamp with time zone",
                                               "time without time zone",
                                               "time with time zone",
                                               "interval",
                                               "uuid",
                                               "json",
                                               "jsonb",
                                               "inet",
                                               "cidr",
                                               "macaddr",
                                               "macaddr8",
                                               "money",
                                               "oid",
                                               "bit",
                                               "bit varying",
                                               "xml",
                                               "tsvector",
                                               "point",
                                               "line",
                                               "lseg",
                                               "box",
                                               "path",
                                               "polygon",
                                               "circle",
                                               "int4range",
                                               "int8range",
                                               "numrange",
                                               "tsrange",
                                               "tstzrange",
                                               "daterange"};
  return kNames.count(base) > 0;
}

}  // namespace

// A type name from schema.json that is safe in DDL: a built-in type with at
// most one "(digits[,digits])" modifier and any number of "[]".
std::optional<std::string> safe_pg_type(std::string_view type) {
  std::string t = lower(type);
  std::string dims;
  while (t.size() >= 2 && t.substr(t.size() - 2) == "[]") {
    t.resize(t.size() - 2);
    dims += "[]";
  }
  std::string base, modifier;
  size_t open = t.find('(');
  if (open != std::string::npos) {
    size_t close = t.find(')', open);
    if (close == std::string::npos) return std::nullopt;
    modifier = t.substr(open, close - open + 1);
    for (char c : modifier.substr(1, modifier.size() - 2)) {
      if (!(std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == ' ')) return std::nullopt;
    }
    base = t.substr(0, open) + t.substr(close + 1);
    while (base.find("  ") != std::string::npos) base.replace(base.find("  "), 2, " ");
    while (!base.empty() && base.back() == ' ') base.pop_back();
  } else {
    base = t;
  }
  if (!is_builtin_type_name(base)) return std::nullopt;
  return t + dims;
}

namespace {

std::string sqlite_affinity_type(const std::string& declared) {
  std::string u = lower(declared);
  if (u.find("int") != std::string::npos) return "bigint";
  if (u.find("char") != std::string::npos || u.find("clob") != std::string::npos ||
      u.find("text") != std::string::npos)
    return "text";
  if (u == "blob") return "bytea";
  if (u.find("real") != std::string::npos || u.find("floa") != std::string::npos ||
      u.find("doub") != std::string::npos)
    return "double precision";
  return "json";
}

// A default that is a literal, possibly with a cast to a safe type
// ("'abc'::text", "0", "true").
bool is_pg_literal_default(const std::string& sql) {
  if (is_literal_default(sql)) return true;
  size_t cast = sql.rfind("::");
  if (cast == std::string::npos) return false;
  return is_literal_default(sql.substr(0, cast)) && safe_pg_type(sql.substr(cast + 2)).has_value();
}

struct Reader {
  const std::string& label;
  Error bad(const std::string& field, const std::string& what) const {
    return Error(ErrorCode::kBadInput, "'" + label + "' field '" + field + "': " + what,
                 "schema.json is written by dbsync export; restore it from git history");
  }
};

json::Value columns_detail(const PgTable& table) {
  json::Array columns;
  for (const auto& c : table.columns) {
    columns.push_back(
        json::make_object({{"name", c.name},
                           {"type", c.type},
                           {"notnull", c.notnull},
                           {"default", c.default_sql ? json::Value(*c.default_sql) : json::Value()},
                           {"identity", c.identity},
                           {"generated", c.generated},
                           {"pk", json::Value(c.pk)}}));
  }
  return json::make_object({{"columns", json::Value(std::move(columns))}});
}

// Of the columns only: constraints and indexes dbsync adds after creating a
// table (foreign keys, at commit) or that are added by hand later do not
// make a replica give up the schema.json it was created from, and tables
// created before constraints were recorded keep their fingerprint.
std::string fingerprint(const PgTable& t) {
  return to_hex(xxh3_128(json::to_canonical(columns_detail(t)) + "\n" + t.name));
}

const char* fk_action(std::string_view code) {
  if (code == "a") return "no action";
  if (code == "r") return "restrict";
  if (code == "c") return "cascade";
  if (code == "n") return "set null";
  if (code == "d") return "set default";
  return nullptr;
}

json::Value parsed_or_empty(const std::string& text) {
  auto v = json::parse(text);
  return v && v->is_array() ? *v : json::Value(json::Array{});
}

// Reads the constraints (but the primary key and NOT NULL) and the indexes
// that back no constraint, as schema.json records them.
Status read_constraints_and_indexes(PgConn& conn, const std::string& oid, PgTable& t) {
  static const std::string kNames =
      "COALESCE((SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(%s) WITH ORDINALITY AS k(n, o) "
      "JOIN pg_catalog.pg_attribute a ON a.attrelid = %s AND a.attnum = k.n), '[]')::text";
  auto names = [](const std::string& keys, const std::string& rel) {
    std::string out = kNames;
    out.replace(out.find("%s"), 2, keys);
    out.replace(out.find("%s"), 2, rel);
    return out;
  };
  auto cons = conn.query(
      "SELECT c.conname, c.contype::text, pg_catalog.pg_get_constraintdef(c.oid), " +
          names("c.conkey", "c.conrelid") + ", f.relname, (f.relnamespace = c.connamespace)::text, " +
          names("c.confkey", "c.confrelid") +
          ", c.confdeltype::text, c.confupdtype::text, c.condeferrable::text, c.condeferred::text, "
          "c.confmatchtype::text "
          "FROM pg_catalog.pg_constraint c LEFT JOIN pg_catalog.pg_class f ON f.oid = c.confrelid "
          "WHERE c.conrelid = $1::oid AND c.contype IN ('c', 'f', 'u') ORDER BY c.conname",
      {oid});
  if (!cons) return std::unexpected(cons.error());
  PGresult* r = cons->get();
  for (int i = 0; i < PQntuples(r); ++i) {
    std::string name = value_at(r, i, 0), type = value_at(r, i, 1), def = value_at(r, i, 2);
    json::Value columns = parsed_or_empty(value_at(r, i, 3));
    bool deferrable = value_at(r, i, 9) == "true", deferred = value_at(r, i, 10) == "true";
    const char* on_delete = fk_action(value_at(r, i, 7));
    const char* on_update = fk_action(value_at(r, i, 8));
    if (type == "u" && !deferrable) {
      t.constraints.push_back(json::make_object({{"name", name}, {"type", "unique"}, {"columns", columns}}));
    } else if (type == "f" && value_at(r, i, 5) == "true" && value_at(r, i, 11) == "s" && on_delete &&
               on_update) {
      json::Value refs =
          json::make_object({{"table", value_at(r, i, 4)}, {"columns", parsed_or_empty(value_at(r, i, 6))}});
      t.constraints.push_back(json::make_object({{"name", name},
                                                 {"type", "foreign key"},
                                                 {"columns", columns},
                                                 {"references", refs},
                                                 {"on_delete", on_delete},
                                                 {"on_update", on_update},
                                                 {"deferrable", deferrable},
                                                 {"deferred", deferred}}));
    } else {
      // A CHECK, or a key this store does not rebuild from structure
      // (another schema, MATCH FULL, deferrable UNIQUE): definition only.
      const char* kind = type == "c" ? "check" : type == "f" ? "foreign key" : "unique";
      t.constraints.push_back(json::make_object({{"name", name}, {"type", kind}, {"definition", def}}));
    }
  }
  auto idx = conn.query(
      "SELECT i.relname, ix.indisunique::text, (ix.indexprs IS NULL AND ix.indpred IS NULL AND "
      "ix.indnatts = ix.indnkeyatts AND am.amname = 'btree' AND NOT EXISTS (SELECT 1 FROM "
      "unnest(ix.indoption::int2[]) AS o(v) WHERE o.v <> 0))::text, " +
          names("ix.indkey::int2[]", "ix.indrelid") +
          ", pg_catalog.pg_get_indexdef(ix.indexrelid) "
          "FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid "
          "JOIN pg_catalog.pg_am am ON am.oid = i.relam "
          "WHERE ix.indrelid = $1::oid AND NOT ix.indisprimary AND NOT EXISTS (SELECT 1 FROM "
          "pg_catalog.pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x')) "
          "ORDER BY i.relname",
      {oid});
  if (!idx) return std::unexpected(idx.error());
  r = idx->get();
  for (int i = 0; i < PQntuples(r); ++i) {
    std::string name = value_at(r, i, 0);
    if (value_at(r, i, 2) == "true") {
      t.indexes.push_back(json::make_object({{"name", name},
                                             {"columns", parsed_or_empty(value_at(r, i, 3))},
                                             {"unique", value_at(r, i, 1) == "true"}}));
    } else {
      t.indexes.push_back(json::make_object({{"name", name}, {"definition", value_at(r, i, 4)}}));
    }
  }
  return {};
}

}  // namespace

Status check_pg_ident(std::string_view name, std::string_view what) {
  if (auto st = check_sql_ident(name, what); !st) return st;
  if (name.size() > kPgMaxIdentBytes) {
    return fail(
        ErrorCode::kBadInput,
        std::string(what) + " name '" + std::string(name.substr(0, 80)) + "…' is longer than 63 bytes",
        "PostgreSQL would cut it short; rename the field");
  }
  return {};
}

const PgColumn* PgTable::column(std::string_view name) const {
  for (const auto& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<std::vector<std::string>> list_pg_tables(PgConn& conn) {
  auto r = conn.query(
      "SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relnamespace = "
      "(SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = current_schema()) "
      "AND c.relkind IN ('r', 'p') AND NOT c.relispartition");
  if (!r) return std::unexpected(r.error());
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(value_at(r->get(), i, 0));
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::optional<PgTable>> read_pg_table(PgConn& conn, const std::string& name) {
  auto rel = conn.query(
      "SELECT c.oid::text, pg_catalog.obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c "
      "WHERE c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = "
      "current_schema()) "
      "AND c.relname = $1 AND c.relkind IN ('r', 'p')",
      {name});
  if (!rel) return std::unexpected(rel.error());
  if (PQntuples(rel->get()) == 0) return std::optional<PgTable>();
  PgTable t;
  t.name = name;
  std::string oid = value_at(rel->get(), 0, 0);
  t.comment = value_at(rel->get(), 0, 1);
  auto cols = conn.query(
      "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
      "(CASE WHEN bt.typcategory = 'A' THEN bt.typelem ELSE bt.oid END)::text, "
      "(bt.typcategory = 'A')::text, a.attnotnull::text, pg_catalog.pg_get_expr(d.adbin, d.adrelid), "
      "a.attidentity::text, a.attgenerated::text, "
      "COALESCE(array_position(i.indkey::int2[], a.attnum) + 1 - array_lower(i.indkey::int2[], 1), 0)::text, "
      "pg_catalog.format_type(a.atttypid, NULL) "
      "FROM pg_catalog.pg_attribute a "
      "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "JOIN pg_catalog.pg_type bt ON bt.oid = (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END) "
      "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
      "LEFT JOIN pg_catalog.pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
      "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {oid});
  if (!cols) return std::unexpected(cols.error());
  std::map<int, std::string> pk;
  for (int i = 0; i < PQntuples(cols->get()); ++i) {
    PGresult* r = cols->get();
    PgColumn c;
    c.name = value_at(r, i, 0);
    c.type = value_at(r, i, 1);
    c.value.kind = pg_kind_of_oid(static_cast<uint32_t>(std::stoul(value_at(r, i, 2))));
    c.value.array = value_at(r, i, 3) == "true";
    c.notnull = value_at(r, i, 4) == "true";
    std::string identity = value_at(r, i, 6), generated = value_at(r, i, 7);
    c.identity = identity == "a" ? "always" : identity == "d" ? "by default" : "";
    c.generated = generated == "s";
    if (!PQgetisnull(r, i, 5) && !c.generated) c.default_sql = value_at(r, i, 5);
    c.pk = std::stoi(value_at(r, i, 8));
    c.cast_type = value_at(r, i, 9);
    if (c.pk > 0) pk[c.pk] = c.name;
    t.columns.push_back(std::move(c));
  }
  for (auto& [pos, col] : pk) t.primary_key.push_back(col);
  if (auto st = read_constraints_and_indexes(conn, oid, t); !st) return std::unexpected(st.error());
  return std::optional<PgTable>(std::move(t));
}

json::Value pg_schema_detail(const PgTable& table) {
  json::Value detail = columns_detail(table);
  if (!table.constraints.empty()) detail.set("constraints", json::Value(table.constraints));
  if (!table.indexes.empty()) detail.set("indexes", json::Value(table.indexes));
  return detail;
}

json::Value pg_collection_detail(const PgTable& table, const std::vector<std::string>& key) {
  json::Array k;
  for (const auto& f : key) k.emplace_back(f);
  json::Value own = json::make_object({{"key", json::Value(k)}, {"postgresql", pg_schema_detail(table)}});
  if (table.comment.substr(0, kCommentPrefix.size()) != kCommentPrefix) return own;
  auto recorded = json::parse(std::string_view(table.comment).substr(kCommentPrefix.size()));
  if (!recorded || !recorded->is_object()) return own;
  const json::Value* fp = recorded->find("fingerprint");
  const json::Value* schema = recorded->find("schema");
  if (fp == nullptr || !fp->is_string() || fp->as_string() != fingerprint(table) || schema == nullptr ||
      !schema->is_object())
    return own;
  const json::Value* recorded_key = schema->find("key");
  if (recorded_key == nullptr || !(*recorded_key == json::Value(k))) return own;
  return *schema;
}

std::string pg_creation_comment(const PgTable& created, const json::Value& detail) {
  return std::string(kCommentPrefix) +
         json::to_canonical(json::make_object({{"fingerprint", fingerprint(created)}, {"schema", detail}}));
}

std::string pg_column_type_for(const json::Value& detail, const std::string& field) {
  if (const json::Value* pg = detail.find("postgresql")) {
    if (const json::Value* cols = pg->find("columns"); cols && cols->is_array()) {
      for (const auto& c : cols->as_array()) {
        const json::Value* n = c.find("name");
        const json::Value* t = c.find("type");
        if (n && n->is_string() && n->as_string() == field && t && t->is_string()) {
          if (auto safe = safe_pg_type(t->as_string())) return *safe;
        }
      }
    }
  }
  if (const json::Value* sqlite = detail.find("sqlite")) {
    if (const json::Value* cols = sqlite->find("columns"); cols && cols->is_array()) {
      for (const auto& c : cols->as_array()) {
        const json::Value* n = c.find("name");
        const json::Value* t = c.find("type");
        if (n && n->is_string() && n->as_string() == field && t && t->is_string())
          return sqlite_affinity_type(t->as_string());
      }
    }
  }
  return "json";
}

Result<std::string> pg_create_statement(const std::string& table, const json::Value& detail,
                                        const std::vector<std::string>& key,
                                        const std::vector<std::string>& fields, const std::string& label,
                                        std::vector<std::string>& warnings) {
  if (auto st = check_pg_ident(table, "table"); !st) return std::unexpected(st.error());
  Reader r{label};
  struct Col {
    std::string name, type;
    bool notnull = false;
    std::string extra;  // DEFAULT … or GENERATED … AS IDENTITY
  };
  std::vector<Col> cols;
  std::map<int64_t, std::string> pk;
  const json::Value* pg = detail.find("postgresql");
  const json::Value* sqlite = detail.find("sqlite");
  const json::Value* source = pg ? pg : sqlite;
  if (source != nullptr) {
    const char* member = pg ? "postgresql" : "sqlite";
    if (!source->is_object()) return std::unexpected(r.bad(member, "expected an object"));
    const json::Value* columns = source->find("columns");
    if (columns == nullptr || !columns->is_array())
      return std::unexpected(r.bad(std::string(member) + ".columns", "expected a list of columns"));
    for (size_t i = 0; i < columns->as_array().size(); ++i) {
      const json::Value& c = columns->as_array()[i];
      std::string path = std::string(member) + ".columns[" + std::to_string(i) + "]";
      const json::Value* name = c.find("name");
      const json::Value* type = c.find("type");
      if (name == nullptr || !name->is_string())
        return std::unexpected(r.bad(path + ".name", "expected a string"));
      if (type == nullptr || !type->is_string())
        return std::unexpected(r.bad(path + ".type", "expected a string"));
      if (auto st = check_pg_ident(name->as_string(), "column"); !st)
        return std::unexpected(r.bad(path + ".name", st.error().message));
      Col col;
      col.name = name->as_string();
      if (pg) {
        auto safe = safe_pg_type(type->as_string());
        if (!safe) {
          warnings.push_back("table '" + table + "' column '" + col.name + "': type '" +
                             type->as_string().substr(0, 80) + "' is not a built-in type; created as json");
        }
        col.type = safe ? *safe : "json";
      } else {
        col.type = sqlite_affinity_type(type->as_string());
      }
      const json::Value* notnull = c.find("notnull");
      col.notnull = notnull && notnull->is_bool() && notnull->as_bool();
      const json::Value* identity = c.find("identity");
      const json::Value* dflt = c.find("default");
      const json::Value* generated = c.find("generated");
      if (pg && identity && identity->is_string() && !identity->as_string().empty()) {
        // BY DEFAULT even for ALWAYS: dbsync writes the values the snapshot holds.
        col.extra = " GENERATED BY DEFAULT AS IDENTITY";
      } else if (dflt && dflt->is_string() && pg) {
        if (is_pg_literal_default(dflt->as_string())) {
          col.extra = " DEFAULT " + dflt->as_string();
        } else {
          warnings.push_back("table '" + table + "' column '" + col.name + "': default '" +
                             dflt->as_string().substr(0, 80) + "' is not a literal and was not recreated");
        }
      }
      if (generated && generated->is_bool() && generated->as_bool())
        warnings.push_back("table '" + table + "' column '" + col.name +
                           "': a generated column, created as a plain column holding the snapshot's values");
      const json::Value* pkv = c.find("pk");
      if (pkv && pkv->is_int() && pkv->as_int() > 0) pk[pkv->as_int()] = col.name;
      for (const auto& existing : cols) {
        if (existing.name == col.name) return std::unexpected(r.bad(path + ".name", "duplicate column"));
      }
      cols.push_back(std::move(col));
    }
  }
  // SQLite's rowid alias left out of the documents (a natural key): each
  // database assigns it, so here the database numbers it.
  if (sqlite != nullptr && pg == nullptr) {
    if (const json::Value* local = sqlite->find("local"); local && local->is_array()) {
      for (const auto& l : local->as_array()) {
        for (auto& c : cols) {
          if (l.is_string() && c.name == l.as_string() && c.type == "bigint")
            c.extra = " GENERATED BY DEFAULT AS IDENTITY";
        }
      }
    }
  }
  std::vector<std::string> primary_key;
  for (auto& [pos, name] : pk) primary_key.push_back(name);
  if (primary_key.empty()) primary_key = key;
  auto has = [&](const std::string& n) {
    return std::any_of(cols.begin(), cols.end(), [&](const Col& c) { return c.name == n; });
  };
  for (const auto& k : key) {
    if (auto st = check_pg_ident(k, "key column"); !st)
      return std::unexpected(std::move(st.error()).context("'" + label + "'"));
    if (!has(k)) cols.push_back({k, "jsonb", false, ""});
  }
  for (const auto& f : fields) {
    if (has(f)) continue;
    if (auto st = check_pg_ident(f, "column"); !st) return std::unexpected(st.error());
    cols.push_back({f, "json", false, ""});
  }
  // json has no equality, so it cannot be part of a primary key: jsonb can.
  for (auto& c : cols) {
    if (c.type == "json" && std::find(primary_key.begin(), primary_key.end(), c.name) != primary_key.end())
      c.type = "jsonb";
  }
  if (cols.empty()) return std::unexpected(r.bad("columns", "a table needs at least one column"));
  std::string ddl = "CREATE TABLE " + quote_ident(table) + " (";
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) ddl += ", ";
    append_quoted_ident(ddl, cols[i].name);
    ddl += " " + cols[i].type;
    if (cols[i].notnull) ddl += " NOT NULL";
    ddl += cols[i].extra;
  }
  if (!primary_key.empty()) {
    ddl += ", PRIMARY KEY (";
    for (size_t i = 0; i < primary_key.size(); ++i) {
      if (i) ddl += ", ";
      if (!has(primary_key[i]))
        return std::unexpected(r.bad("key", "key column '" + primary_key[i] + "' is not a column"));
      append_quoted_ident(ddl, primary_key[i]);
    }
    ddl += ")";
  }
  std::string indexes;
  if (pg != nullptr) {
    auto list = [&](const json::Value& owner, const std::string& path) -> Result<std::string> {
      const json::Value* names = owner.find("columns");
      if (names == nullptr || !names->is_array() || names->as_array().empty())
        return std::unexpected(r.bad(path + ".columns", "expected a list of column names"));
      std::string out;
      for (const auto& n : names->as_array()) {
        if (!n.is_string() || !has(n.as_string()))
          return std::unexpected(r.bad(path + ".columns", "expected names of the table's columns"));
        if (!out.empty()) out += ", ";
        append_quoted_ident(out, n.as_string());
      }
      return out;
    };
    auto named = [&](const json::Value& entry, const std::string& path) -> Result<std::string> {
      const json::Value* name = entry.find("name");
      if (name == nullptr || !name->is_string())
        return std::unexpected(r.bad(path + ".name", "expected a string"));
      if (auto st = check_pg_ident(name->as_string(), "constraint or index"); !st)
        return std::unexpected(r.bad(path + ".name", st.error().message));
      return name->as_string();
    };
    auto not_recreated = [&](const std::string& what, const json::Value& entry) {
      const json::Value* def = entry.find("definition");
      warnings.push_back("table '" + table + "': " + what +
                         (def && def->is_string() ? " (" + def->as_string().substr(0, 120) + ")" : "") +
                         " was not recreated: dbsync does not run SQL text from a snapshot");
    };
    if (const json::Value* cons = pg->find("constraints")) {
      if (!cons->is_array()) return std::unexpected(r.bad("postgresql.constraints", "expected a list"));
      for (size_t i = 0; i < cons->as_array().size(); ++i) {
        const json::Value& c = cons->as_array()[i];
        std::string path = "postgresql.constraints[" + std::to_string(i) + "]";
        auto name = named(c, path);
        if (!name) return std::unexpected(name.error());
        const json::Value* type = c.find("type");
        if (type == nullptr || !type->is_string())
          return std::unexpected(r.bad(path + ".type", "expected a string"));
        if (type->as_string() == "foreign key" && c.find("columns"))
          continue;  // pg_foreign_keys(), at commit
        if (type->as_string() != "unique" || !c.find("columns")) {
          not_recreated(type->as_string() + " constraint '" + *name + "'", c);
          continue;
        }
        auto cols_sql = list(c, path);
        if (!cols_sql) return std::unexpected(cols_sql.error());
        ddl += ", CONSTRAINT " + quote_ident(*name) + " UNIQUE (" + *cols_sql + ")";
      }
    }
    if (const json::Value* idx = pg->find("indexes")) {
      if (!idx->is_array()) return std::unexpected(r.bad("postgresql.indexes", "expected a list"));
      for (size_t i = 0; i < idx->as_array().size(); ++i) {
        const json::Value& x = idx->as_array()[i];
        std::string path = "postgresql.indexes[" + std::to_string(i) + "]";
        auto name = named(x, path);
        if (!name) return std::unexpected(name.error());
        if (!x.find("columns")) {
          not_recreated("index '" + *name + "'", x);
          continue;
        }
        auto cols_sql = list(x, path);
        if (!cols_sql) return std::unexpected(cols_sql.error());
        const json::Value* unique = x.find("unique");
        // IF NOT EXISTS: index names are per schema; an existing relation of
        // that name leaves this one out rather than failing the import.
        indexes += std::string("; CREATE ") +
                   (unique && unique->is_bool() && unique->as_bool() ? "UNIQUE " : "") +
                   "INDEX IF NOT EXISTS " + quote_ident(*name) + " ON " + quote_ident(table) + " (" +
                   *cols_sql + ")";
      }
    }
  }
  ddl += ")";
  return ddl + indexes;
}

Result<std::vector<PgForeignKey>> pg_foreign_keys(const std::string& table, const json::Value& detail,
                                                  const std::string& label) {
  std::vector<PgForeignKey> out;
  const json::Value* pg = detail.find("postgresql");
  const json::Value* cons = pg ? pg->find("constraints") : nullptr;
  if (cons == nullptr || !cons->is_array()) return out;
  Reader r{label};
  auto names = [&](const json::Value* list, const std::string& path) -> Result<std::string> {
    if (list == nullptr || !list->is_array() || list->as_array().empty())
      return std::unexpected(r.bad(path, "expected a list of column names"));
    std::string sql;
    for (const auto& n : list->as_array()) {
      if (!n.is_string()) return std::unexpected(r.bad(path, "expected a list of column names"));
      if (auto st = check_pg_ident(n.as_string(), "column"); !st)
        return std::unexpected(r.bad(path, st.error().message));
      if (!sql.empty()) sql += ", ";
      append_quoted_ident(sql, n.as_string());
    }
    return sql;
  };
  static const std::set<std::string> kActions = {"no action", "restrict", "cascade", "set null",
                                                 "set default"};
  for (size_t i = 0; i < cons->as_array().size(); ++i) {
    const json::Value& c = cons->as_array()[i];
    std::string path = "postgresql.constraints[" + std::to_string(i) + "]";
    const json::Value* type = c.find("type");
    if (!type || !type->is_string() || type->as_string() != "foreign key" || !c.find("columns")) continue;
    const json::Value* name = c.find("name");
    const json::Value* refs = c.find("references");
    const json::Value* ref_table = refs ? refs->find("table") : nullptr;
    if (name == nullptr || !name->is_string())
      return std::unexpected(r.bad(path + ".name", "expected a string"));
    if (auto st = check_pg_ident(name->as_string(), "constraint"); !st)
      return std::unexpected(r.bad(path + ".name", st.error().message));
    if (ref_table == nullptr || !ref_table->is_string())
      return std::unexpected(r.bad(path + ".references.table", "expected a string"));
    if (auto st = check_pg_ident(ref_table->as_string(), "table"); !st)
      return std::unexpected(r.bad(path + ".references.table", st.error().message));
    auto cols = names(c.find("columns"), path + ".columns");
    if (!cols) return std::unexpected(cols.error());
    auto ref_cols = names(refs->find("columns"), path + ".references.columns");
    if (!ref_cols) return std::unexpected(ref_cols.error());
    std::string actions;
    for (const char* which : {"on_delete", "on_update"}) {
      const json::Value* a = c.find(which);
      if (a == nullptr || !a->is_string() || !kActions.count(a->as_string()))
        return std::unexpected(r.bad(path + "." + which,
                                     "expected one of no action, restrict, cascade, set null, "
                                     "set default"));
      actions += std::string(which[3] == 'd' ? " ON DELETE " : " ON UPDATE ") + a->as_string();
    }
    const json::Value* deferrable = c.find("deferrable");
    const json::Value* deferred = c.find("deferred");
    if (deferrable && deferrable->is_bool() && deferrable->as_bool()) {
      actions += " DEFERRABLE";
      if (deferred && deferred->is_bool() && deferred->as_bool()) actions += " INITIALLY DEFERRED";
    }
    std::string qt = quote_ident(table), qn = quote_ident(name->as_string());
    out.push_back({"foreign key '" + name->as_string() + "' of table '" + table + "'",
                   "ALTER TABLE " + qt + " ADD CONSTRAINT " + qn + " FOREIGN KEY (" + *cols +
                       ") REFERENCES " + quote_ident(ref_table->as_string()) + " (" + *ref_cols + ")" +
                       actions + " NOT VALID",
                   "ALTER TABLE " + qt + " VALIDATE CONSTRAINT " + qn});
  }
  return out;
}

}  // namespace dbsync
