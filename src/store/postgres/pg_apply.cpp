#include "store/postgres/pg_apply.h"

#include <algorithm>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/postgres/pg_copy_text.h"
#include "store/postgres/pg_doc_text.h"
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

Result<bool> PgStage::find_slots(Change::Op op, const Change& c, const std::vector<const PgColumn*>& cols) {
  slots_.assign(cols.size(), std::string_view());
  if (op == Change::Op::kDelete) return true;
  return for_each_member_column(
      c.doc_text, cols.size(), [&](size_t j) -> std::string_view { return cols[j]->name; },
      [&](size_t j, std::string_view value) -> Status {
        slots_[j] = value;
        return {};
      },
      // A generated or local column is not written; a field that is no
      // column at all needs ALTER TABLE first.
      [&](std::string_view name) { return state_.table().column(name) != nullptr; });
}

Status PgStage::text_row(const Change& c, const std::vector<const PgColumn*>& cols, std::string& data) {
  const auto& keys = state_.key_columns();
  for (size_t j = 0; j < cols.size(); ++j) {
    if (j) data += '\t';
    const PgColumn* col = cols[j];
    auto kpos = std::find(keys.begin(), keys.end(), col);
    // An update or delete matches on the key it names; an insert given as
    // text writes its document's key.
    if (kpos != keys.end() && !c.key.values.empty()) {
      auto text = pg_text_of(col->value, c.key.values[static_cast<size_t>(kpos - keys.begin())], col->name);
      if (!text) return std::unexpected(text.error());
      append_copy_value(data, *text);
    } else if (slots_[j].empty()) {
      data += "\\N";
    } else if (auto st = append_copy_of_json_text(data, col->value, slots_[j], col->name); !st) {
      return st;
    }
  }
  data += '\n';
  return {};
}

bool PgStage::binary_row(const Change& c, const std::vector<const PgColumn*>& cols, std::string& data) {
  const auto& keys = state_.key_columns();
  size_t start = data.size();
  append_copy_binary_field_count(data, static_cast<uint16_t>(cols.size()));
  for (size_t j = 0; j < cols.size(); ++j) {
    auto kpos = std::find(keys.begin(), keys.end(), cols[j]);
    bool ok = true;
    if (kpos != keys.end() && !c.key.values.empty()) {
      ok = append_copy_binary_of_json_text(
          data, state_.write_binary_types()[j],
          json::to_canonical(c.key.values[static_cast<size_t>(kpos - keys.begin())]));
    } else if (slots_[j].empty()) {
      append_copy_binary_null(data);
    } else {
      ok = append_copy_binary_of_json_text(data, state_.write_binary_types()[j], slots_[j]);
    }
    if (!ok) {
      data.resize(start);
      return false;
    }
  }
  return true;
}

bool PgStage::binary_inserts() const { return state_.binary_writable() && !needs_text_; }

Result<size_t> PgStage::copy_data(Change::Op op, std::span<const Change> changes,
                                  const std::vector<const PgColumn*>& cols, std::string& data,
                                  const std::function<Status(std::string&)>& flush, bool binary) {
  // Chunks small enough to keep the server busy while the next rows convert.
  constexpr size_t kChunk = 1 << 16;
  const auto& keys = state_.key_columns();
  static const json::Value kNull;
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    auto at_key = [&](Error e) {
      return std::move(e).context("table '" + state_.table().name + "' key " + c.key.encoding.substr(0, 200));
    };
    if (binary && c.doc != nullptr) {
      needs_text_ = true;
      return i;
    }
    if (c.doc == nullptr) {
      auto found = find_slots(op, c, cols);
      if (!found) return std::unexpected(at_key(std::move(found.error())));
      if (!*found) return i;
      if (binary) {
        if (!binary_row(c, cols, data)) {
          needs_text_ = true;
          return i;
        }
      } else if (auto st = text_row(c, cols, data); !st) {
        return std::unexpected(at_key(std::move(st.error())));
      }
    } else {
      for (size_t j = 0; j < cols.size(); ++j) {
        if (j) data += '\t';
        const PgColumn* col = cols[j];
        auto kpos = std::find(keys.begin(), keys.end(), col);
        const json::Value* v = nullptr;
        if (kpos != keys.end()) {
          v = &c.key.values[static_cast<size_t>(kpos - keys.begin())];
        } else if (op != Change::Op::kDelete) {
          v = c.doc->find(col->name);
        }
        auto text = pg_text_of(col->value, v ? *v : kNull, col->name);
        if (!text) return std::unexpected(at_key(std::move(text.error())));
        append_copy_value(data, *text);
      }
      data += '\n';
    }
    if (flush && data.size() >= kChunk) {
      if (auto st = flush(data); !st) return std::unexpected(st.error());
    }
  }
  return changes.size();
}

Status PgStage::open_insert_copy(PgConn& conn, bool binary) {
  const std::string& table = state_.table().name;
  // Straight into the table: COPY is the fastest way in, and a key that is
  // already there (an application insert racing the import, waited for
  // when uncommitted) fails the whole COPY with a unique violation instead
  // of being overwritten.
  std::string options = binary ? (freeze_ ? " WITH (FORMAT binary, FREEZE)" : " WITH (FORMAT binary)")
                               : (freeze_ ? " WITH (FREEZE)" : "");
  std::string sql =
      "COPY " + quote_ident(table) + " (" + column_list(state_.write_columns()) + ") FROM STDIN" + options;
  if (conn.open_copy() != nullptr && *conn.open_copy() == sql) return {};
  auto st = conn.begin_copy(
      sql,
      [table, created = freeze_](Error e) {
        if (e.code != ErrorCode::kConflict) return std::move(e).context("table '" + table + "'");
        // Nobody else sees a table this transaction created: the records
        // themselves collide (keys the snapshot tells apart, such as 1 and
        // 1.0, that the column holds equal).
        if (created)
          return Error(ErrorCode::kBadInput,
                       "table '" + table +
                           "': records to insert have keys PostgreSQL holds equal although the snapshot "
                           "tells them apart; nothing was written: " +
                           e.message,
                       "make those records differ in their key, then import again");
        return Error(ErrorCode::kConflict,
                     "table '" + table +
                         "': a row to insert already exists (another session inserted it while dbsync was "
                         "importing); nothing was written: " +
                         e.message,
                     "run 'dbsync sync' again: its export picks up the other session's rows first");
      },
      binary ? std::string(kCopyBinaryTrailer) : std::string());
  if (!st) return std::unexpected(std::move(st.error()).context("table '" + table + "'"));
  if (!binary) return {};
  std::string header;
  append_copy_binary_header(header);
  return conn.put_copy(header);
}

Result<size_t> PgStage::apply(PgConn& conn, Change::Op op, std::span<const Change> changes) {
  if (changes.empty()) return 0;
  const std::string& table = state_.table().name;
  std::string qt = quote_ident(table);
  if (op == Change::Op::kInsert) {
    size_t done = 0;
    while (done < changes.size()) {
      bool binary = binary_inserts();
      if (auto st = open_insert_copy(conn, binary); !st) return std::unexpected(st.error());
      std::string data;
      auto rest = changes.subspan(done);
      auto n = copy_data(
          op, rest, state_.write_columns(), data,
          [&](std::string& rows) -> Status {
            auto st = conn.put_copy(rows);
            rows.clear();
            return st;
          },
          binary);
      if (!n) return n;
      if (auto st = conn.put_copy(data); !st) return std::unexpected(st.error());
      for (size_t i = 0; i < *n; ++i) conn.label_copy_row(rest[i].key.encoding);
      done += *n;
      // Stopped short for a field that is no column: the caller adds it.
      if (!binary || !needs_text_) break;
    }
    return done;
  }
  if (auto st = ensure(conn); !st) return std::unexpected(st.error());
  std::string data;
  auto done_rows = copy_data(op, changes, cols_, data, nullptr);
  if (!done_rows) return done_rows;
  changes = changes.first(*done_rows);
  if (changes.empty()) return 0;
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
  if (*done != changes.size()) return std::unexpected(vanished(changes.size(), *done).error());
  if (auto st = conn.command("TRUNCATE " + qs); !st) return std::unexpected(st.error());
  return changes.size();
}

}  // namespace dbsync
