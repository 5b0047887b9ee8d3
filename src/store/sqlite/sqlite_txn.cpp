#include "store/sqlite/sqlite_txn.h"

#include <map>
#include <set>

#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/layout.h"
#include "store/sql_ident.h"
#include "store/sqlite/sqlite_meta.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_table.h"
#include "store/sqlite/sqlite_value.h"

namespace dbsync {
namespace {

Error at_key(Error e, const std::string& table, std::string_view key) {
  return std::move(e).context("table '" + table + "' key " + std::string(key.substr(0, 200)));
}

class SqliteTxn : public StoreTxn {
 public:
  SqliteTxn(SqliteDb& db, TxnMode mode) : db_(db), mode_(mode) {}

  ~SqliteTxn() override {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Result<Catalog> catalog(const Config& config) override {
    auto tables = list_sqlite_tables(db_);
    if (!tables) return std::unexpected(tables.error());
    auto created = load_created_schemas(db_);
    if (!created) return std::unexpected(created.error());
    Catalog out;
    for (const auto& entry : *tables) {
      if (entry.type == "shadow" || entry.type == "view" || is_dbsync_table(entry.name)) continue;
      if (entry.type != "table") {
        out.skipped.push_back({entry.name, "a " + entry.type + " table holds no data of its own"});
        continue;
      }
      if (!is_plain_collection_name(entry.name)) {
        out.skipped.push_back(
            {entry.name,
             "the name is not a plain collection name (1-128 of [A-Za-z0-9_.-], not starting with "
             "'.' or '-')"});
        continue;
      }
      auto state = table_state(entry.name, config.collection(entry.name).key);
      if (!state) return std::unexpected(state.error());
      if (*state == nullptr) {
        out.skipped.push_back({entry.name, "no PRIMARY KEY; set `key` under [collections." + entry.name +
                                               "] in dbsync.toml to sync it"});
        continue;
      }
      CollectionInfo info;
      info.name = entry.name;
      info.schema.key = key_of((*state)->table(), config.collection(entry.name).key);
      json::Array key;
      for (const auto& k : info.schema.key) key.emplace_back(k);
      // A table still as dbsync created it from another store's schema.json
      // reports that schema.json (sqlite_meta.h).
      auto rec = created->find(entry.name);
      const json::Value* rec_key = rec != created->end() ? rec->second.schema.find("key") : nullptr;
      if (rec_key != nullptr && *rec_key == json::Value(key) &&
          rec->second.fingerprint == sqlite_table_fingerprint((*state)->table())) {
        info.schema.detail = rec->second.schema;
      } else {
        info.schema.detail =
            json::make_object({{"key", json::Value(std::move(key))},
                               {"sqlite", sqlite_schema_detail((*state)->table(), (*state)->local())}});
      }
      out.collections.push_back(std::move(info));
    }
    return out;
  }

  Status scan(const CollectionInfo& info, const RecordSink& sink) override {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    auto stmt = (*state)->select_all(db_);
    if (!stmt) return std::unexpected(stmt.error());
    std::string doc, key;
    Status result;
    for (;;) {
      auto more = (*stmt)->step();
      if (!more) {
        result = std::unexpected(more.error());
        break;
      }
      if (!*more) break;
      (*state)->encoder().encode((*stmt)->handle(), doc, &key);
      if (auto st = sink(key, doc); !st) {
        result = st;
        break;
      }
    }
    (*stmt)->reset();
    return result;
  }

  Status lookup(const CollectionInfo& info, const std::vector<KeyRef>& keys,
                const LookupSink& sink) override {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    auto stmt = (*state)->lookup(db_);
    if (!stmt) return std::unexpected(stmt.error());
    std::string doc;
    for (size_t i = 0; i < keys.size(); ++i) {
      SqliteStmt& s = **stmt;
      if (auto st = (*state)->bind_key(s, keys[i].values, 1); !st) {
        s.reset();
        return std::unexpected(at_key(st.error(), info.name, keys[i].encoding));
      }
      auto row = s.step();
      if (row && *row) {
        (*state)->encoder().encode(s.handle(), doc, nullptr);
        row = s.step();
        if (row && *row) {
          s.reset();
          return fail(ErrorCode::kBadInput,
                      "table '" + info.name + "' has more than one row with key " + keys[i].encoding,
                      "a `key` in dbsync.toml must be unique; add a UNIQUE index or choose other fields");
        }
        if (row) {
          s.reset();
          if (auto st = sink(i, doc); !st) return st;
          continue;
        }
      }
      s.reset();
      if (!row) return std::unexpected(row.error());
    }
    return {};
  }

  Result<std::string> preview(const CollectionInfo& info, const json::Value& doc) override {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    const SqliteTable& t = (*state)->table();
    std::string temp = "dbsync_preview_" + std::to_string(preview_tables_.size());
    auto it = preview_tables_.find(t.name);
    if (it == preview_tables_.end()) {
      std::string ddl = "CREATE TEMP TABLE " + quote_ident(temp) + " (";
      bool first = true;
      for (const auto& name : (*state)->doc_columns()) {
        if (!first) ddl += ", ";
        first = false;
        append_quoted_ident(ddl, name);
        const SqliteColumn* c = t.column(name);
        if (c->writable() && !c->type.empty()) ddl += " " + c->type;
      }
      ddl += ")";
      if (auto st = db_.exec(ddl); !st) return std::unexpected(st.error());
      it = preview_tables_.emplace(t.name, temp).first;
    } else {
      temp = it->second;
    }
    // Generated columns read back what the document says: their expression
    // is not copied, so the preview treats them as plain columns.
    std::string cols, params;
    for (size_t i = 0; i < (*state)->doc_columns().size(); ++i) {
      if (i) cols += ", ", params += ", ";
      append_quoted_ident(cols, (*state)->doc_columns()[i]);
      params += "?";
    }
    auto ins =
        db_.prepare("INSERT INTO temp." + quote_ident(temp) + " (" + cols + ") VALUES (" + params + ")");
    if (!ins) return std::unexpected(ins.error());
    for (size_t i = 0; i < (*state)->doc_columns().size(); ++i) {
      const std::string& name = (*state)->doc_columns()[i];
      static const json::Value kNull;
      const json::Value* v = doc.find(name);
      if (auto st = bind_json_value(ins->handle(), static_cast<int>(i) + 1, v ? *v : kNull, name); !st)
        return std::unexpected(st.error());
    }
    if (auto st = ins->run(); !st) return std::unexpected(st.error());
    auto sel = db_.prepare("SELECT " + cols + " FROM temp." + quote_ident(temp));
    if (!sel) return std::unexpected(sel.error());
    auto row = sel->step();
    if (!row) return std::unexpected(row.error());
    std::string out;
    if (*row) (*state)->encoder().encode(sel->handle(), out, nullptr);
    sel->reset();
    if (auto st = db_.exec("DELETE FROM temp." + quote_ident(temp)); !st) return std::unexpected(st.error());
    return out;
  }

  Status create_collection(const CollectionInfo& info, const std::vector<std::string>& fields) override {
    if (auto st = check_collection_name(info.name); !st) return st;
    if (is_dbsync_table(info.name)) {
      return fail(ErrorCode::kBadInput,
                  "collection name '" + info.name + "' is reserved: SQLite tables named " +
                      std::string(kDbsyncTablePrefix) + "* are dbsync's own bookkeeping",
                  "rename the collection in the replica that exported it");
    }
    auto existing = read_sqlite_table(db_, info.name);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return {};
    std::string label = std::string(kSnapshotDirName) + "/" + info.name + "/" + kSchemaFileName;
    auto statements =
        sqlite_create_statements(info.name, info.schema.detail, info.schema.key, fields, label, warnings_);
    if (!statements) return std::unexpected(statements.error());
    for (const auto& sql : *statements) {
      if (auto st = db_.exec(sql); !st)
        return std::unexpected(std::move(st.error()).context("'" + label + "'"));
    }
    tables_.erase(info.name);
    // A schema.json in another form than this store's own (another store
    // wrote it) is remembered, so the next export keeps it as it is.
    auto made = read_sqlite_table(db_, info.name);
    if (!made) return std::unexpected(made.error());
    if (!*made)
      return fail(ErrorCode::kInternal, "table '" + info.name + "' is missing right after CREATE TABLE");
    auto state = SqliteTableState::make(**made, info.schema.key);
    if (!state) return std::unexpected(state.error());
    json::Array key;
    for (const auto& k : info.schema.key) key.emplace_back(k);
    json::Value own = json::make_object({{"key", json::Value(std::move(key))},
                                         {"sqlite", sqlite_schema_detail(state->table(), state->local())}});
    if (json::to_canonical(own) == json::to_canonical(info.schema.detail)) return {};
    return record_created_schema(db_, **made, info.schema.detail);
  }

  Status apply(const CollectionInfo& info, const std::vector<Change>& changes) override {
    if (auto st = add_missing_columns(info, changes); !st) return st;
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    auto statement = [&](SqliteTableState& s, Change::Op op) {
      return op == Change::Op::kDelete   ? s.remove(db_)
             : op == Change::Op::kInsert ? s.insert(db_)
                                         : s.update(db_);
    };
    // An update's key parameters follow its document's.
    auto bind_key_after_doc = [](SqliteTableState& s, SqliteStmt& st, const Change& c) -> Status {
      if (c.op != Change::Op::kUpdate) return {};
      return s.bind_key(st, c.key.values, static_cast<int>(s.write_columns().size()) + 1);
    };
    size_t single_until = 0;  // changes before this one go row by row
    for (size_t next = 0; next < changes.size();) {
      // Runs of inserts given as text go in multi-row statements. A row the
      // plain path cannot bind, and a statement SQLite refuses (a
      // constraint), send their rows down the path below one by one: that
      // names the row at fault, and a refused statement changed nothing.
      if (next >= single_until) {
        auto wrote = insert_many(info, **state, changes, next, single_until);
        if (!wrote) return std::unexpected(wrote.error());
        if (*wrote > 0) {
          next += *wrote;
          continue;
        }
      }
      const Change& c = changes[next++];
      SqliteTableState* s = *state;
      Result<SqliteStmt*> stmt = statement(*s, c.op);
      if (!stmt) return std::unexpected(stmt.error());
      Status bound;
      if (c.op == Change::Op::kDelete) {
        bound = s->bind_key(**stmt, c.key.values, 1);
      } else if (c.doc != nullptr) {
        bound = s->bind_doc(**stmt, *c.doc, 1);
        if (bound) bound = bind_key_after_doc(*s, **stmt, c);
      } else if (auto all = s->bind_doc_text(**stmt, c.doc_text, 1); all && *all) {
        bound = bind_key_after_doc(*s, **stmt, c);
      } else {
        // A field the table lacks, or text the fast path does not take: the
        // document is parsed and written as one given as a value (missing
        // columns added first), with that path's errors. bind_doc binds
        // copies, so `doc` may go before the statement runs.
        (*stmt)->reset();
        auto doc = json::parse(c.doc_text);
        if (!doc) return std::unexpected(at_key(doc.error(), info.name, c.key.encoding));
        Change parsed;
        parsed.op = c.op;
        parsed.key.encoding = c.key.encoding;
        parsed.doc = &*doc;
        if (auto added = add_missing_columns(info, {parsed}); !added) return added;
        state = require_state(info);
        if (!state) return std::unexpected(state.error());
        s = *state;
        stmt = statement(*s, c.op);
        if (!stmt) return std::unexpected(stmt.error());
        bound = s->bind_doc(**stmt, *doc, 1);
        if (bound) bound = bind_key_after_doc(*s, **stmt, c);
      }
      SqliteStmt& st = **stmt;
      if (!bound) {
        st.reset();
        return std::unexpected(at_key(bound.error(), info.name, c.key.encoding));
      }
      if (auto r = st.run(); !r) return std::unexpected(at_key(r.error(), info.name, c.key.encoding));
      if (c.op != Change::Op::kInsert && sqlite3_changes(db_.handle()) != 1) {
        return std::unexpected(at_key(
            Error(ErrorCode::kInternal,
                  "expected to change one row, changed " + std::to_string(sqlite3_changes(db_.handle()))),
            info.name, c.key.encoding));
      }
    }
    return {};
  }

  bool applies_canonical_text() const override { return true; }

  // Writes changes[at...] with one multi-row INSERT when they start with
  // enough inserts given as text that bind on the plain path; returns how
  // many it wrote (0: none, write the next one alone). When a row there
  // does not bind, or SQLite refuses the statement, sets `single_until`
  // past the rows to write one by one, so they are not tried again.
  Result<size_t> insert_many(const CollectionInfo& info, SqliteTableState& s,
                             const std::vector<Change>& changes, size_t at, size_t& single_until) {
    auto text_insert = [](const Change& c) { return c.op == Change::Op::kInsert && c.doc == nullptr; };
    if (!text_insert(changes[at]) || s.insert_rows() == 1) return 0;
    auto stmt = s.insert_many(db_);
    if (!stmt) return std::unexpected(stmt.error());
    if (*stmt == nullptr) return 0;
    const size_t rows = s.insert_rows();
    if (changes.size() - at < rows) return 0;
    for (size_t r = 1; r < rows; ++r) {
      if (!text_insert(changes[at + r])) {
        single_until = at + r;
        return 0;
      }
    }
    SqliteStmt& st = **stmt;
    const int cols = static_cast<int>(s.write_columns().size());
    for (size_t r = 0; r < rows; ++r) {
      auto bound = s.bind_doc_text(st, changes[at + r].doc_text, static_cast<int>(r) * cols + 1);
      if (!bound || !*bound) {
        st.reset();
        single_until = at + r + 1;
        return 0;
      }
    }
    if (auto ran = st.run(); !ran) {
      if (ran.error().code == ErrorCode::kBadInput) {
        single_until = at + rows;
        return 0;
      }
      return std::unexpected(std::move(ran.error())
                                 .context("table '" + info.name + "' keys " +
                                          changes[at].key.encoding.substr(0, 100) + " to " +
                                          changes[at + rows - 1].key.encoding.substr(0, 100)));
    }
    return rows;
  }

  Result<bool> empty(const CollectionInfo& info) override {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    auto stmt = db_.prepare("SELECT 1 FROM main." + quote_ident(info.name) + " LIMIT 1");
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    return !*row;
  }

  Result<bool> change_tracking_ready(const Catalog& catalog, bool on) override {
    return sqlite_tracking_ready(db_, tracked_tables(catalog), on);
  }

  Status set_change_tracking(const Catalog& catalog, bool on) override {
    return sqlite_set_tracking(db_, tracked_tables(catalog), on);
  }

  Result<ChangeLog> read_change_log(const Catalog& catalog) override {
    auto log = sqlite_read_change_log(db_, tracked_tables(catalog));
    if (!log) return std::unexpected(log.error());
    return ChangeLog{std::move(log->token), log->upto, std::move(log->tracked)};
  }

  Status changed_records(const CollectionInfo& info, const ChangeLog& log, const ChangeSink& sink) override {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    auto lookup = (*state)->lookup(db_);
    if (!lookup) return std::unexpected(lookup.error());
    SqliteStmt& s = **lookup;
    std::string key, doc, found_key;
    const int n = static_cast<int>(info.key().size());
    return sqlite_changed_keys(db_, {info.name, info.key()}, log.upto, [&](sqlite3_stmt* row) -> Status {
      // The logged values are bound as they are: no conversion on the way.
      key.assign(1, '[');
      for (int i = 0; i < n; ++i) {
        if (i) key += ',';
        append_sqlite_column(key, row, i);
        if (sqlite3_bind_value(s.handle(), i + 1, sqlite3_column_value(row, i)) != SQLITE_OK) {
          s.reset();
          return fail(ErrorCode::kInternal, "cannot bind a logged key value");
        }
      }
      key += ']';
      auto found = s.step();
      if (!found) {
        s.reset();
        return std::unexpected(found.error());
      }
      if (!*found) {
        s.reset();
        return sink(key, nullptr);
      }
      (*state)->encoder().encode(s.handle(), doc, &found_key);
      s.reset();
      return sink(found_key, &doc);
    });
  }

  Status change_log_reset(int64_t upto, const std::string& token) override {
    return sqlite_reset_change_log(db_, upto, token);
  }

  Result<int64_t> change_log_mark() override { return sqlite_change_log_end(db_); }

  Result<bool> change_log_after_import(int64_t mark, const std::string& expect,
                                       const std::string& token) override {
    return sqlite_change_log_after_import(db_, mark, expect, token);
  }

  std::vector<std::string> take_warnings() override { return std::exchange(warnings_, {}); }

  Status commit() override {
    if (done_) return fail(ErrorCode::kInternal, "transaction already finished");
    if (auto st = db_.exec("COMMIT"); !st) return st;
    done_ = true;
    return {};
  }

  Status start() {
    auto st = db_.exec(mode_ == TxnMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!st) done_ = true;  // nothing to roll back
    return st;
  }

 private:
  static std::vector<TrackedTable> tracked_tables(const Catalog& catalog) {
    std::vector<TrackedTable> out;
    for (const auto& c : catalog.collections) out.push_back({c.name, c.key()});
    return out;
  }

  static std::vector<std::string> key_of(const SqliteTable& t, const std::vector<std::string>& configured) {
    return configured.empty() ? t.primary_key : configured;
  }

  // The cached state of a table for `key` (the configured key, or empty for
  // the primary key); nullptr when the table has no usable key. Fails when
  // the table does not exist.
  Result<SqliteTableState*> table_state(const std::string& name, const std::vector<std::string>& configured) {
    auto it = tables_.find(name);
    if (it != tables_.end() && (configured.empty() || it->second->first == configured)) {
      return it->second->second.get();
    }
    auto table = read_sqlite_table(db_, name);
    if (!table) return std::unexpected(table.error());
    if (!*table) {
      return fail(ErrorCode::kUnavailable,
                  "no table '" + name + "' in SQLite database '" + db_.label() + "'");
    }
    std::vector<std::string> key = key_of(**table, configured);
    if (key.empty()) return nullptr;
    auto state = SqliteTableState::make(std::move(**table), key);
    if (!state) return std::unexpected(state.error());
    auto entry = std::make_unique<std::pair<std::vector<std::string>, std::unique_ptr<SqliteTableState>>>(
        key, std::make_unique<SqliteTableState>(std::move(*state)));
    SqliteTableState* raw = entry->second.get();
    tables_[name] = std::move(entry);
    return raw;
  }

  Result<SqliteTableState*> require_state(const CollectionInfo& info) {
    auto state = table_state(info.name, info.schema.key);
    if (!state) return state;
    if (*state == nullptr) return fail(ErrorCode::kInternal, "table '" + info.name + "' has no key");
    return state;
  }

  // ALTER TABLE ADD COLUMN for fields the records carry and the table lacks,
  // typed as schema.json says when it lists them: data is never dropped.
  Status add_missing_columns(const CollectionInfo& info, const std::vector<Change>& changes) {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    const SqliteTableState& s = **state;
    std::set<std::string> missing;
    for (const Change& c : changes) {
      if (c.doc == nullptr || !c.doc->is_object()) continue;
      for (const auto& [field, value] : c.doc->as_object()) {
        if (s.table().column(field) == nullptr && !missing.count(field)) {
          if (auto st = check_sql_ident(field, "field"); !st)
            return std::unexpected(at_key(st.error(), info.name, c.key.encoding));
          missing.insert(field);
        }
      }
    }
    if (missing.empty()) return {};
    std::map<std::string, std::string> types;
    if (const json::Value* sqlite = info.schema.detail.find("sqlite")) {
      if (const json::Value* cols = sqlite->find("columns"); cols && cols->is_array()) {
        for (const auto& c : cols->as_array()) {
          const json::Value* n = c.find("name");
          const json::Value* t = c.find("type");
          if (n && n->is_string() && t && t->is_string() && is_safe_sql_type(t->as_string()))
            types[n->as_string()] = t->as_string();
        }
      }
    }
    for (const auto& field : missing) {
      std::string sql = "ALTER TABLE main." + quote_ident(info.name) + " ADD COLUMN " + quote_ident(field);
      if (auto t = types.find(field); t != types.end() && !t->second.empty()) sql += " " + t->second;
      if (auto st = db_.exec(sql); !st) return st;
      warnings_.push_back("table '" + info.name + "': added column '" + field +
                          "' that the snapshot's records use");
    }
    tables_.erase(info.name);
    return {};
  }

  SqliteDb& db_;
  TxnMode mode_;
  bool done_ = false;
  std::map<std::string,
           std::unique_ptr<std::pair<std::vector<std::string>, std::unique_ptr<SqliteTableState>>>>
      tables_;
  std::map<std::string, std::string> preview_tables_;
  std::vector<std::string> warnings_;
};

}  // namespace

Result<std::unique_ptr<StoreTxn>> begin_sqlite_txn(SqliteDb& db, TxnMode mode) {
  auto txn = std::make_unique<SqliteTxn>(db, mode);
  if (auto st = txn->start(); !st) {
    return std::unexpected(st.error());
  }
  return std::unique_ptr<StoreTxn>(std::move(txn));
}

}  // namespace dbsync
