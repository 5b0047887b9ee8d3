#include "store/postgres/pg_txn.h"

#include <algorithm>
#include <map>
#include <set>

#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/layout.h"
#include "store/postgres/pg_apply.h"
#include "store/postgres/pg_copy_binary.h"
#include "store/postgres/pg_copy_text.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_table.h"
#include "store/sql_ident.h"
#include "util/hash.h"

namespace dbsync {
namespace {

constexpr size_t kLookupBatch = 5000;

class PgTxn : public StoreTxn {
 public:
  PgTxn(PgConn& conn, TxnMode mode) : conn_(conn), mode_(mode) {}

  ~PgTxn() override {
    if (done_) return;
    conn_.abort_copy();
    (void)conn_.command("ROLLBACK");
  }

  Status start() {
    auto st = conn_.command(mode_ == TxnMode::kWrite
                                ? "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '60s'"
                                : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (!st) done_ = true;
    return st;
  }

  Result<Catalog> catalog(const Config& config) override {
    auto names = list_pg_tables(conn_);
    if (!names) return std::unexpected(names.error());
    Catalog out;
    for (const auto& name : *names) {
      if (!is_plain_collection_name(name)) {
        out.skipped.push_back({name,
                               "the name is not a plain collection name (1-128 of [A-Za-z0-9_.-], not "
                               "starting with '.' or '-')"});
        continue;
      }
      auto state = table_state(name, config.collection(name).key);
      if (!state) return std::unexpected(state.error());
      if (*state == nullptr) {
        out.skipped.push_back(
            {name, "no PRIMARY KEY; set `key` under [collections." + name + "] in dbsync.toml to sync it"});
        continue;
      }
      CollectionInfo info;
      info.name = name;
      info.schema.key = (*state)->key();
      info.schema.detail = pg_collection_detail((*state)->table(), info.schema.key);
      out.collections.push_back(std::move(info));
    }
    return out;
  }

  Status scan(const CollectionInfo& info, const RecordSink& sink) override {
    if (auto st = restore_constraints(info.name); !st) return st;
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    PgTableState& s = **state;
    size_t n = s.doc_columns().size();
    std::vector<std::optional<std::string_view>> values;
    std::string doc, key;
    std::string sql = "COPY (SELECT " + s.select_list() + " FROM " + quote_ident(info.name) + ") TO STDOUT";
    if (s.binary_readable()) {
      // Spares the server printing every number and timestamp, and dbsync
      // parsing them back (pg_copy_binary.h).
      CopyBinaryRowReader reader;
      return conn_.copy_out(
          sql + " WITH (FORMAT binary)",
          [&](std::string_view message) -> Status {
            auto row = reader.split(message, n, values);
            if (!row) return std::unexpected(row.error());
            if (!*row) return {};
            if (auto st = s.encode(values, doc, &key, true); !st) return st;
            return sink(key, doc);
          },
          true);
    }
    CopyRowReader reader;
    return conn_.copy_out(sql, [&](std::string_view line) -> Status {
      if (auto st = reader.split(line, n, values); !st) return st;
      if (auto st = s.encode(values, doc, &key); !st) return st;
      return sink(key, doc);
    });
  }

  Status lookup(const CollectionInfo& info, const std::vector<KeyRef>& keys,
                const LookupSink& sink) override {
    if (auto st = restore_constraints(info.name); !st) return st;
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    PgTableState& s = **state;
    const auto& kc = s.key_columns();
    // One statement per batch: each key column's values as one text[]
    // parameter, unnest(…) WITH ORDINALITY joined to the table on the
    // primary key index. Text arrays cast per element, so array-typed key
    // columns are looked up whole (unnest of an int[][] would flatten them).
    // The ordinal as text reads the same in either result format.
    std::string sql = "SELECT k.dbsync_ord::text, " + s.select_list("t.") + " FROM unnest(";
    for (size_t i = 0; i < kc.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(i + 1) + "::text[]";
    sql += ") WITH ORDINALITY AS k(";
    for (size_t i = 0; i < kc.size(); ++i) sql += "k" + std::to_string(i) + ", ";
    sql += "dbsync_ord) JOIN " + quote_ident(info.name) + " AS t ON ";
    for (size_t i = 0; i < kc.size(); ++i) {
      if (i) sql += " AND ";
      sql += "t." + quote_ident(kc[i]->name) + " = k.k" + std::to_string(i) + "::" + kc[i]->cast_type;
    }
    // The import's planning reads lock the rows it is about to compare and
    // overwrite: from this read on the application cannot change them
    // until the import commits, so what was compared is what gets
    // overwritten. Keys this transaction has already written are read
    // plainly (the import verifying its writes): a row it inserted or
    // updated is locked by that write until commit, and a key it deleted
    // stays locked through the deleted row (another session's insert of
    // it waits on the unique index for our commit), so a plain read sees
    // what the commit will publish and nobody can change it before. FOR
    // UPDATE there would only write every row's lock bits again (for
    // 100,000 updated rows about as long as the UPDATE itself).
    std::string locking = sql + " FOR UPDATE OF t";
    auto written = written_.find(info.name);
    if (written != written_.end() && !std::is_sorted(written->second.begin(), written->second.end()))
      std::sort(written->second.begin(), written->second.end());
    std::vector<std::optional<std::string_view>> values(s.doc_columns().size());
    std::string doc;
    const bool binary = s.binary_readable();
    for (size_t first = 0; first < keys.size(); first += kLookupBatch) {
      size_t count = std::min(kLookupBatch, keys.size() - first);
      std::vector<PgParam> params;
      for (size_t i = 0; i < kc.size(); ++i) {
        std::string list = "{";
        for (size_t j = first; j < first + count; ++j) {
          if (j > first) list += ',';
          if (keys[j].values.size() != kc.size())
            return fail(ErrorCode::kInternal, "table '" + info.name + "': key " + keys[j].encoding +
                                                  " does not match the table's key");
          auto text = pg_text_of(kc[i]->value, keys[j].values[i], kc[i]->name);
          if (!text) return std::unexpected(std::move(text.error()).context("table '" + info.name + "'"));
          append_array_element(list, *text);
        }
        list += '}';
        params.push_back(std::move(list));
      }
      bool lock = false;
      for (size_t j = first; mode_ == TxnMode::kWrite && !lock && j < first + count; ++j)
        lock = written == written_.end() ||
               !std::binary_search(written->second.begin(), written->second.end(), xxh3_64(keys[j].encoding));
      // Binary results, when every column has that form, spare the server
      // printing numbers and timestamps (as scan() does).
      auto r = binary ? conn_.query_binary(lock ? locking : sql, params)
                      : conn_.query(lock ? locking : sql, params);
      if (!r) return std::unexpected(std::move(r.error()).context("table '" + info.name + "'"));
      PGresult* res = r->get();
      std::set<size_t> seen;
      for (int row = 0; row < PQntuples(res); ++row) {
        size_t index = first + std::stoull(PQgetvalue(res, row, 0)) - 1;
        if (!seen.insert(index).second) {
          return fail(ErrorCode::kBadInput,
                      "table '" + info.name + "' has more than one row with key " + keys[index].encoding,
                      "a `key` in dbsync.toml must be unique; add a UNIQUE index or choose other fields");
        }
        for (size_t j = 0; j < values.size(); ++j) {
          int col = static_cast<int>(j) + 1;
          values[j] = PQgetisnull(res, row, col)
                          ? std::nullopt
                          : std::optional<std::string_view>(std::string_view(
                                PQgetvalue(res, row, col), static_cast<size_t>(PQgetlength(res, row, col))));
        }
        if (auto st = s.encode(values, doc, nullptr, binary); !st) return st;
        if (auto st = sink(index, doc); !st) return st;
      }
    }
    return {};
  }

  Result<std::string> preview(const CollectionInfo& info, const json::Value& doc) override {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    PgTableState& s = **state;
    // The server's own input and output functions say what a value becomes.
    std::string sql = "SELECT ";
    std::vector<PgParam> params;
    static const json::Value kNull;
    for (size_t i = 0; i < s.doc_columns().size(); ++i) {
      const PgColumn* c = s.doc_columns()[i];
      if (i) sql += ", ";
      sql += "$" + std::to_string(i + 1) + "::" + c->type;
      const json::Value* v = doc.find(c->name);
      auto text = pg_text_of(c->value, v ? *v : kNull, c->name);
      if (!text) return std::unexpected(text.error());
      params.push_back(std::move(*text));
    }
    auto r = conn_.query(sql, params);
    if (!r) return std::unexpected(std::move(r.error()).context("table '" + info.name + "'"));
    std::vector<std::optional<std::string_view>> values;
    for (size_t j = 0; j < s.doc_columns().size(); ++j) {
      int col = static_cast<int>(j);
      values.push_back(PQgetisnull(r->get(), 0, col)
                           ? std::nullopt
                           : std::optional<std::string_view>(PQgetvalue(r->get(), 0, col)));
    }
    std::string out;
    if (auto st = s.encode(values, out, nullptr); !st) return std::unexpected(st.error());
    return out;
  }

  Status create_collection(const CollectionInfo& info, const std::vector<std::string>& fields) override {
    if (auto st = check_collection_name(info.name); !st) return st;
    auto existing = read_pg_table(conn_, info.name);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return {};
    std::string label = std::string(kSnapshotDirName) + "/" + info.name + "/" + kSchemaFileName;
    auto ddl = pg_create_statement(info.name, info.schema.detail, info.schema.key, fields, label, warnings_);
    if (!ddl) return std::unexpected(ddl.error());
    if (auto st = conn_.command(*ddl); !st)
      return std::unexpected(std::move(st.error()).context("'" + label + "'"));
    auto created = read_pg_table(conn_, info.name);
    if (!created) return std::unexpected(created.error());
    if (!*created)
      return fail(ErrorCode::kInternal, "table '" + info.name + "' is missing right after CREATE TABLE");
    // Remembers the schema.json it came from, so this replica reports the
    // same schema.json as the replica that wrote it (pg_collection_detail).
    auto comment = conn_.literal(pg_creation_comment(**created, info.schema.detail));
    if (!comment) return std::unexpected(comment.error());
    if (auto st = conn_.command("COMMENT ON TABLE " + quote_ident(info.name) + " IS " + *comment); !st)
      return st;
    // Foreign keys wait for commit: the tables they reference may be
    // created later in this import, and rows arrive table by table.
    auto fks = pg_foreign_keys(info.name, info.schema.detail, label);
    if (!fks) return std::unexpected(fks.error());
    for (auto& fk : *fks) foreign_keys_.push_back(std::move(fk));
    created_.insert(info.name);
    if (auto st = defer_constraints(std::move(**created)); !st) return st;
    tables_.erase(info.name);
    return {};
  }

  Status apply(const CollectionInfo& info, const std::vector<Change>& changes) override {
    // Inserts stream while they convert; the COPY ends with the call, so a
    // row the server refuses fails this apply() (the Store contract).
    auto st = apply_runs(info, changes);
    if (!st) {
      conn_.abort_copy();
      return st;
    }
    return conn_.end_copy();
  }

  Status apply_runs(const CollectionInfo& info, const std::vector<Change>& changes) {
    // Updates and deletes join on the key, and may hit a UNIQUE value:
    // indexes and constraints have to be there.
    if (std::any_of(changes.begin(), changes.end(),
                    [](const Change& c) { return c.op != Change::Op::kInsert; })) {
      if (auto st = restore_constraints(info.name); !st) return st;
    }
    if (auto st = add_missing_columns(info, changes); !st) return st;
    auto& written = written_[info.name];
    for (const Change& c : changes) written.push_back(xxh3_64(c.key.encoding));
    // Changes apply in order: each run of one kind is one statement.
    for (size_t i = 0; i < changes.size();) {
      size_t j = i;
      while (j < changes.size() && changes[j].op == changes[i].op) ++j;
      auto entry = stage_for(info);
      if (!entry) return std::unexpected(entry.error());
      (*entry)->stage->set_freeze(created_.count(info.name) > 0);
      for (size_t k = i; k < j; ++k) {
        const Change& c = changes[k];
        if (c.op != Change::Op::kDelete && (c.doc ? !c.doc->is_object() : c.doc_text.empty()))
          return fail(ErrorCode::kInternal, "table '" + info.name + "': a change without a document");
        // An insert given as text may leave the key values out: they are
        // the document's own.
        bool keyless_insert = c.op == Change::Op::kInsert && c.doc == nullptr && c.key.values.empty();
        if (!keyless_insert && c.key.values.size() != (*entry)->state->key_columns().size())
          return fail(ErrorCode::kInternal,
                      "table '" + info.name + "': key " + c.key.encoding + " does not match the table's key");
      }
      while (i < j) {
        auto done =
            (*entry)->stage->apply(conn_, changes[i].op, std::span<const Change>(changes).subspan(i, j - i));
        if (!done) return std::unexpected(done.error());
        i += *done;
        if (i == j) break;
        // A document (given as text) with a field the table lacks: the
        // rest of the run is parsed, the columns added, and it goes on
        // with the table's new state.
        if (auto st = add_missing_columns_from_text(info, std::span<const Change>(changes).subspan(i, j - i));
            !st)
          return st;
        entry = stage_for(info);
        if (!entry) return std::unexpected(entry.error());
        (*entry)->stage->set_freeze(created_.count(info.name) > 0);
      }
      i = j;
    }
    return {};
  }

  // Documents as text go to COPY without being parsed (pg_doc_text.h).
  bool applies_canonical_text() const override { return true; }

  Result<bool> empty(const CollectionInfo& info) override {
    if (auto st = require_state(info); !st) return std::unexpected(st.error());
    auto r = conn_.query("SELECT EXISTS (SELECT 1 FROM " + quote_ident(info.name) + ")");
    if (!r) return std::unexpected(std::move(r.error()).context("table '" + info.name + "'"));
    return std::string_view(PQgetvalue(r->get(), 0, 0)) != "t";
  }

  std::vector<std::string> take_warnings() override { return std::exchange(warnings_, {}); }

  Status commit() override {
    if (done_) return fail(ErrorCode::kInternal, "transaction already finished");
    // Rows still streaming into an open COPY are part of the transaction.
    if (auto st = conn_.end_copy(); !st) return st;
    // Foreign keys may reference the deferred keys of tables created here.
    while (!deferred_.empty()) {
      if (auto st = restore_constraints(deferred_.begin()->first); !st) return st;
    }
    if (auto st = add_foreign_keys(); !st) return st;
    PgResult r(PQexec(conn_.handle(), "COMMIT"));
    done_ = true;
    // COMMIT of a failed transaction "succeeds" as ROLLBACK.
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      return std::unexpected(conn_.error("COMMIT failed", r.get()));
    if (std::string_view(PQcmdStatus(r.get())) != "COMMIT")
      return fail(ErrorCode::kUnavailable, "PostgreSQL rolled the transaction back instead of committing it");
    return {};
  }

 private:
  struct Entry {
    std::vector<std::string> key;
    std::unique_ptr<PgTableState> state;
    std::unique_ptr<PgStage> stage;
  };

  // The cached state of a table for `configured` key (empty: the primary
  // key); nullptr when the table has no usable key.
  Result<PgTableState*> table_state(const std::string& name, const std::vector<std::string>& configured) {
    auto it = tables_.find(name);
    if (it != tables_.end() && (configured.empty() || it->second.key == configured))
      return it->second.state.get();
    auto table = read_pg_table(conn_, name);
    if (!table) return std::unexpected(table.error());
    if (!*table) {
      return fail(ErrorCode::kUnavailable, "no table '" + name + "' in PostgreSQL database '" +
                                               conn_.display_url() + "' (current schema)");
    }
    // A table whose keys and indexes wait for its rows reads as it will be.
    if (auto d = deferred_.find(name); d != deferred_.end()) {
      // (The primary key may still be there; then this changes nothing.)
      const PgTable& built = d->second.built;
      (*table)->primary_key = built.primary_key;
      for (PgColumn& c : (*table)->columns) {
        if (const PgColumn* b = built.column(c.name)) {
          c.pk = b->pk;
          c.notnull = b->notnull;
        }
      }
      (*table)->constraints = built.constraints;
      (*table)->indexes = built.indexes;
    }
    std::vector<std::string> key = configured.empty() ? (*table)->primary_key : configured;
    if (key.empty()) return nullptr;
    auto state = PgTableState::make(std::move(**table), key, conn_.integer_datetimes());
    if (!state) return std::unexpected(state.error());
    Entry e;
    e.key = key;
    e.state = std::make_unique<PgTableState>(std::move(*state));
    PgTableState* raw = e.state.get();
    tables_[name] = std::move(e);
    return raw;
  }

  Result<PgTableState*> require_state(const CollectionInfo& info) {
    auto state = table_state(info.name, info.schema.key);
    if (!state) return state;
    if (*state == nullptr) return fail(ErrorCode::kInternal, "table '" + info.name + "' has no key");
    return state;
  }

  // A table created in this transaction gets its rows before its UNIQUE
  // constraints, indexes and primary key: building an index from a sort of
  // all rows costs less than inserting into it row by row when values come
  // in no particular order (1,000,000 rows with a text index: ~15 % less
  // server CPU), and nobody else can see the table before commit, so no
  // other session's insert needs refusing meanwhile. A primary key on one
  // integer column stays: the import writes such keys in numeric order
  // (src/sync/apply.cpp), so its index only grows at its right edge, which
  // costs no more than the sort (measured), and a duplicate is refused by
  // the COPY itself, in apply().
  // They are dropped right after CREATE TABLE, so that the table is created,
  // commented and fingerprinted exactly as it ends up, and added back by
  // restore_constraints() before anything reads the table or joins on its
  // key, and at commit. The statements that add them back are PostgreSQL's
  // own definitions of what dbsync just created (pg_get_constraintdef,
  // pg_get_indexdef), not text from a snapshot.
  Status defer_constraints(PgTable built) {
    auto r = conn_.query(
        "WITH t AS (SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = $1 AND c.relnamespace = "
        "(SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = current_schema())) "
        "SELECT 'c', k.conname, pg_catalog.pg_get_constraintdef(k.oid), current_schema(), "
        "(k.contype <> 'p')::int FROM pg_catalog.pg_constraint k, t WHERE k.conrelid = t.oid "
        "AND (k.contype = 'u' OR (k.contype = 'p' AND NOT $2)) "
        "UNION ALL SELECT 'i', ic.relname, pg_catalog.pg_get_indexdef(i.indexrelid), current_schema(), 2 "
        "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid, t "
        "WHERE i.indrelid = t.oid AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k "
        "WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid) ORDER BY 5, 2",
        {built.name, integer_key(built) ? "true" : "false"});
    if (!r) return std::unexpected(std::move(r.error()).context("table '" + built.name + "'"));
    Deferred d;
    std::string qt = quote_ident(built.name);
    std::string drop;
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      std::string kind = PQgetvalue(r->get(), i, 0), name = PQgetvalue(r->get(), i, 1);
      std::string def = PQgetvalue(r->get(), i, 2), schema = PQgetvalue(r->get(), i, 3);
      if (kind == "c") {
        drop += "ALTER TABLE " + qt + " DROP CONSTRAINT " + quote_ident(name) + "; ";
        d.restore.push_back({name, "ALTER TABLE " + qt + " ADD CONSTRAINT " + quote_ident(name) + " " + def});
      } else {
        drop += "DROP INDEX " + quote_ident(schema) + "." + quote_ident(name) + "; ";
        d.restore.push_back({name, def});
      }
    }
    if (d.restore.empty()) return {};
    if (auto st = conn_.command(drop); !st)
      return std::unexpected(std::move(st.error()).context("table '" + built.name + "'"));
    d.built = std::move(built);
    std::string name = d.built.name;
    deferred_[name] = std::move(d);
    return {};
  }

  static bool integer_key(const PgTable& t) {
    if (t.primary_key.size() != 1) return false;
    const PgColumn* c = t.column(t.primary_key[0]);
    return c != nullptr && c->value.kind == PgKind::kInt && !c->value.array;
  }

  // Adds back what defer_constraints() took off `table`, if anything. Two
  // records whose keys (or UNIQUE values) PostgreSQL holds equal although
  // the snapshot tells them apart (jsonb 1 and 1.0, an integer key given
  // as 1.0) fail here, with PostgreSQL's detail naming the key.
  Status restore_constraints(const std::string& table) {
    auto it = deferred_.find(table);
    if (it == deferred_.end()) return {};
    Deferred d = std::move(it->second);
    deferred_.erase(it);
    tables_.erase(table);
    for (const auto& [name, sql] : d.restore) {
      if (auto st = conn_.command(sql); !st) {
        Error e = std::move(st.error());
        if (e.code != ErrorCode::kConflict)  // 23505: a unique index cannot be built
          return std::unexpected(std::move(e).context("table '" + table + "'"));
        return fail(ErrorCode::kBadInput,
                    "table '" + table + "': records to insert hold the same value under '" + name +
                        "', which PostgreSQL holds equal although their keys in the snapshot differ; "
                        "nothing was written: " +
                        e.message,
                    "make those records differ in the key or unique columns, then import again");
      }
    }
    return {};
  }

  // Adds the foreign keys of the tables this transaction created, now that
  // every table exists and holds its rows. Each is added NOT VALID (it
  // holds for every later write) and then validated against the rows; one
  // that cannot be added (its table is not synced, the referenced columns
  // have no unique index) is left out, and one the rows violate (data
  // merged from replicas that did not enforce it) stays NOT VALID, so the
  // import still commits; both are warned about.
  Status add_foreign_keys() {
    for (const PgForeignKey& fk : std::exchange(foreign_keys_, {})) {
      if (auto st = conn_.command("SAVEPOINT dbsync_fk"); !st) return st;
      if (auto st = conn_.command(fk.add); !st) {
        if (auto rb = conn_.command("ROLLBACK TO SAVEPOINT dbsync_fk"); !rb) return rb;
        warnings_.push_back(fk.what + " was not recreated: " + st.error().message);
      } else if (auto v = conn_.command("SAVEPOINT dbsync_fk_valid; " + fk.validate); !v) {
        if (auto rb = conn_.command("ROLLBACK TO SAVEPOINT dbsync_fk_valid"); !rb) return rb;
        warnings_.push_back(fk.what + " was created NOT VALID: " + v.error().message);
      }
      if (auto st = conn_.command("RELEASE SAVEPOINT dbsync_fk"); !st) return st;
    }
    return {};
  }

  // The table's cached entry with its staging table.
  Result<Entry*> stage_for(const CollectionInfo& info) {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    Entry& entry = tables_.at(info.name);
    if (!entry.stage)
      entry.stage = std::make_unique<PgStage>(*entry.state, "dbsync_stage_" + std::to_string(stages_++));
    return &entry;
  }

  // add_missing_columns for changes whose documents are given as text.
  Status add_missing_columns_from_text(const CollectionInfo& info, std::span<const Change> changes) {
    std::vector<json::Value> docs;
    docs.reserve(changes.size());
    std::vector<Change> parsed;
    parsed.reserve(changes.size());
    for (const Change& c : changes) {
      if (c.doc != nullptr || c.op == Change::Op::kDelete) continue;
      auto doc = json::parse(c.doc_text);
      if (!doc) {
        return std::unexpected(
            std::move(doc.error()).context("table '" + info.name + "' key " + c.key.encoding.substr(0, 200)));
      }
      docs.push_back(std::move(*doc));
      Change& p = parsed.emplace_back();
      p.op = c.op;
      p.key.encoding = c.key.encoding;
      p.doc = &docs.back();
    }
    return add_missing_columns(info, parsed);
  }

  // ALTER TABLE ADD COLUMN for fields the records carry and the table lacks,
  // typed as schema.json says when it lists them: data is never dropped.
  Status add_missing_columns(const CollectionInfo& info, const std::vector<Change>& changes) {
    auto state = require_state(info);
    if (!state) return std::unexpected(state.error());
    const PgTable& t = (*state)->table();
    std::set<std::string> missing;
    for (const Change& c : changes) {
      if (c.doc == nullptr || !c.doc->is_object()) continue;
      for (const auto& [field, value] : c.doc->as_object()) {
        if (t.column(field) == nullptr && !missing.count(field)) {
          if (auto st = check_pg_ident(field, "field"); !st)
            return std::unexpected(
                std::move(st.error()).context("table '" + info.name + "' key " + c.key.encoding));
          missing.insert(field);
        }
      }
    }
    if (missing.empty()) return {};
    for (const auto& field : missing) {
      std::string sql = "ALTER TABLE " + quote_ident(info.name) + " ADD COLUMN " + quote_ident(field) + " " +
                        pg_column_type_for(info.schema.detail, field);
      if (auto st = conn_.command(sql); !st) return st;
      warnings_.push_back("table '" + info.name + "': added column '" + field +
                          "' that the snapshot's records use");
    }
    tables_.erase(info.name);
    return {};
  }

  PgConn& conn_;
  TxnMode mode_;
  bool done_ = false;
  std::map<std::string, Entry> tables_;
  std::vector<PgForeignKey> foreign_keys_;  // of tables created here, added at commit
  // Tables created in this transaction: COPY FREEZE may fill them (their
  // rows are invisible to others until commit either way).
  std::set<std::string> created_;
  struct Deferred {
    PgTable built;  // the table as created, keys and indexes included
    std::vector<std::pair<std::string, std::string>> restore;  // name, statement adding it back
  };
  std::map<std::string, Deferred> deferred_;  // see defer_constraints()
  // Per table, the keys (xxh3_64 of their encodings) apply() wrote; sorted
  // by the next lookup.
  std::map<std::string, std::vector<uint64_t>> written_;
  int stages_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace

Result<std::unique_ptr<StoreTxn>> begin_pg_txn(PgConn& conn, TxnMode mode) {
  auto txn = std::make_unique<PgTxn>(conn, mode);
  if (auto st = txn->start(); !st) return std::unexpected(st.error());
  return std::unique_ptr<StoreTxn>(std::move(txn));
}

}  // namespace dbsync
