#include "store/postgres/pg_apply.h"

#include <algorithm>

#include "store/postgres/pg_copy_text.h"
#include "store/sql_ident.h"

namespace dbsync {
namespace {

std::string column_list(const std::vector<const PgColumn*>& cols, std::string_view alias = {}) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ", ";
    out += alias;
    append_quoted_ident(out, cols[i]->name);
  }
  return out;
}

bool contains(const std::vector<const PgColumn*>& cols, const PgColumn* c) {
  return std::find(cols.begin(), cols.end(), c) != cols.end();
}

}  // namespace

Status PgStage::ensure(PgConn& conn) {
  if (created_) return {};
  cols_ = state_.write_columns();
  for (const PgColumn* k : state_.key_columns()) {
    if (!contains(cols_, k)) cols_.push_back(k);
  }
  // No constraints: a delete stages only the key.
  std::string ddl = "CREATE TEMP TABLE " + quote_ident(name_) + " (";
  for (size_t i = 0; i < cols_.size(); ++i) {
    if (i) ddl += ", ";
    append_quoted_ident(ddl, cols_[i]->name);
    ddl += " " + cols_[i]->type;
  }
  ddl += ") ON COMMIT DROP";
  if (auto st = conn.command(ddl); !st) return st;
  created_ = true;
  return {};
}

std::string PgStage::key_join(std::string_view a, std::string_view b) const {
  std::string out;
  for (size_t i = 0; i < state_.key_columns().size(); ++i) {
    if (i) out += " AND ";
    std::string col = quote_ident(state_.key_columns()[i]->name);
    out += std::string(a) + "." + col + " = " + std::string(b) + "." + col;
  }
  return out;
}

Status PgStage::first_conflict(PgConn& conn, uint64_t expected, uint64_t done, Change::Op op) {
  const std::string& table = state_.table().name;
  std::string what =
      op == Change::Op::kInsert
          ? " rows to insert already exist (another session inserted them while dbsync was importing)"
          : " rows to change are no longer there (another session deleted them while dbsync was importing)";
  std::string key;
  if (op == Change::Op::kInsert) {
    // The rows this transaction did not write are the ones that were there.
    auto r = conn.query("SELECT " + column_list(state_.key_columns(), "s.") + " FROM " + quote_ident(name_) +
                        " AS s JOIN " + quote_ident(table) + " AS t ON " + key_join("t", "s") +
                        " WHERE t.xmin::text::bigint <> txid_current() % 4294967296 LIMIT 1");
    if (r && PQntuples(r->get()) == 1) {
      key = "[";
      for (size_t i = 0; i < state_.key_columns().size(); ++i) {
        if (i) key += ',';
        int col = static_cast<int>(i);
        if (PQgetisnull(r->get(), 0, col)) {
          key += "null";
        } else {
          (void)append_pg_value(key, state_.key_columns()[i]->value, PQgetvalue(r->get(), 0, col));
        }
      }
      key += "]";
    }
  }
  return fail(ErrorCode::kConflict,
              "table '" + table + "'" + (key.empty() ? "" : " key " + key) + ": " +
                  std::to_string(expected - done) + " of " + std::to_string(expected) + what +
                  "; nothing was written",
              "run 'dbsync sync' again: its export picks up the other session's rows first");
}

Status PgStage::apply(PgConn& conn, Change::Op op, std::span<const Change> changes) {
  if (changes.empty()) return {};
  if (auto st = ensure(conn); !st) return st;
  const std::string& table = state_.table().name;
  std::string data;
  const auto& keys = state_.key_columns();
  for (const Change& c : changes) {
    for (size_t j = 0; j < cols_.size(); ++j) {
      if (j) data += '\t';
      const PgColumn* col = cols_[j];
      auto kpos = std::find(keys.begin(), keys.end(), col);
      const json::Value* v = nullptr;
      static const json::Value kNull;
      if (kpos != keys.end()) {
        v = &c.key.values[static_cast<size_t>(kpos - keys.begin())];
      } else if (op != Change::Op::kDelete) {
        v = c.doc->find(col->name);
      }
      auto text = pg_text_of(col->value, v ? *v : kNull, col->name);
      if (!text) {
        return std::unexpected(
            std::move(text.error()).context("table '" + table + "' key " + c.key.encoding.substr(0, 200)));
      }
      append_copy_value(data, *text);
    }
    data += '\n';
  }
  if (auto st = conn.copy_in("COPY " + quote_ident(name_) + " (" + column_list(cols_) + ") FROM STDIN", data);
      !st)
    return std::unexpected(std::move(st.error()).context("table '" + table + "'"));
  data.clear();
  std::string qt = quote_ident(table), qs = quote_ident(name_);
  Result<uint64_t> done = 0;
  if (op == Change::Op::kInsert) {
    std::string cols = column_list(state_.write_columns());
    done = conn.command_count("INSERT INTO " + qt + " (" + cols + ")" +
                              (state_.overriding() ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " + cols +
                              " FROM " + qs + " ON CONFLICT DO NOTHING");
  } else if (op == Change::Op::kUpdate) {
    std::string set;
    for (const PgColumn* c : state_.write_columns()) {
      if (contains(keys, c)) continue;  // the key is what matched: left alone
      if (!set.empty()) set += ", ";
      set += quote_ident(c->name) + " = s." + quote_ident(c->name);
    }
    if (set.empty()) {
      auto r =
          conn.query("SELECT count(*) FROM " + qt + " AS t JOIN " + qs + " AS s ON " + key_join("t", "s"));
      if (!r) return std::unexpected(r.error());
      done = std::stoull(PQgetvalue(r->get(), 0, 0));
    } else {
      done = conn.command_count("UPDATE " + qt + " AS t SET " + set + " FROM " + qs + " AS s WHERE " +
                                key_join("t", "s"));
    }
  } else {
    done =
        conn.command_count("DELETE FROM " + qt + " AS t USING " + qs + " AS s WHERE " + key_join("t", "s"));
  }
  if (!done) return std::unexpected(std::move(done.error()).context("table '" + table + "'"));
  if (*done != changes.size()) return first_conflict(conn, changes.size(), *done, op);
  return conn.command("TRUNCATE " + qs);
}

}  // namespace dbsync
