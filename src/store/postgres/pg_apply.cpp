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

Status PgStage::vanished(uint64_t expected, uint64_t done) {
  return fail(ErrorCode::kConflict,
              "table '" + state_.table().name + "': " + std::to_string(expected - done) + " of " +
                  std::to_string(expected) +
                  " rows to change are no longer there (another session deleted them while dbsync was "
                  "importing); nothing was written",
              "run 'dbsync sync' again: its export picks up the other session's changes first");
}

Status PgStage::copy_data(Change::Op op, std::span<const Change> changes,
                          const std::vector<const PgColumn*>& cols, std::string& data) const {
  const auto& keys = state_.key_columns();
  for (const Change& c : changes) {
    for (size_t j = 0; j < cols.size(); ++j) {
      if (j) data += '\t';
      const PgColumn* col = cols[j];
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
            std::move(text.error())
                .context("table '" + state_.table().name + "' key " + c.key.encoding.substr(0, 200)));
      }
      append_copy_value(data, *text);
    }
    data += '\n';
  }
  return {};
}

Status PgStage::apply(PgConn& conn, Change::Op op, std::span<const Change> changes) {
  if (changes.empty()) return {};
  const std::string& table = state_.table().name;
  std::string qt = quote_ident(table);
  if (op == Change::Op::kInsert) {
    // Straight into the table: COPY is the fastest way in, and a key that
    // is already there (an application insert racing the import, waited
    // for when uncommitted) fails the whole COPY with a unique violation
    // instead of being overwritten.
    std::string data;
    if (auto st = copy_data(op, changes, state_.write_columns(), data); !st) return st;
    auto st = conn.copy_in("COPY " + qt + " (" + column_list(state_.write_columns()) + ") FROM STDIN", data);
    if (st) return {};
    if (st.error().code == ErrorCode::kConflict) {
      return fail(ErrorCode::kConflict,
                  "table '" + table +
                      "': a row to insert already exists (another session inserted it while dbsync was "
                      "importing); nothing was written: " +
                      st.error().message,
                  "run 'dbsync sync' again: its export picks up the other session's rows first");
    }
    return std::unexpected(std::move(st.error()).context("table '" + table + "'"));
  }
  if (auto st = ensure(conn); !st) return st;
  std::string data;
  if (auto st = copy_data(op, changes, cols_, data); !st) return st;
  if (auto st = conn.copy_in("COPY " + quote_ident(name_) + " (" + column_list(cols_) + ") FROM STDIN", data);
      !st)
    return std::unexpected(std::move(st.error()).context("table '" + table + "'"));
  data.clear();
  std::string qs = quote_ident(name_);
  const auto& keys = state_.key_columns();
  Result<uint64_t> done = 0;
  if (op == Change::Op::kUpdate) {
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
  if (*done != changes.size()) return vanished(changes.size(), *done);
  return conn.command("TRUNCATE " + qs);
}

}  // namespace dbsync
