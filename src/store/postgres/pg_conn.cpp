#include "store/postgres/pg_conn.h"

#include "store/postgres/pg_url.h"

namespace dbsync {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

ErrorCode pg_error_code(std::string_view sqlstate) {
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "23505" || sqlstate == "55P03")
    return ErrorCode::kConflict;
  if (sqlstate.substr(0, 2) == "22" || sqlstate.substr(0, 2) == "23") return ErrorCode::kBadInput;
  return ErrorCode::kUnavailable;
}

Result<std::unique_ptr<PgConn>> PgConn::connect(const std::string& url, std::string display_url) {
  std::vector<std::string> secrets = pg_url_secrets(url);
  // Parse first: a malformed URL gets libpq's reason without connecting.
  char* parse_error = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &parse_error);
  if (opts == nullptr) {
    std::string why = parse_error ? trimmed(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return fail(ErrorCode::kUsage,
                "cannot parse PostgreSQL URL '" + display_url + "': " + redact_secrets(why, secrets),
                "write it as postgresql://user@host:port/dbname or postgresql:///dbname?host=/socket/dir");
  }
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0')
      secrets.emplace_back(o->val);
  }
  PQconninfoFree(opts);
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return fail(ErrorCode::kUnavailable, "cannot allocate a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = redact_secrets(trimmed(PQerrorMessage(conn)), secrets);
    PQfinish(conn);
    return fail(ErrorCode::kUnavailable, "cannot connect to PostgreSQL at '" + display_url + "': " + why,
                "check that the server runs and the URL, user and password are right (dbsync doctor)");
  }
  std::unique_ptr<PgConn> out(new PgConn(conn, std::move(display_url), std::move(secrets)));
  if (PQsetClientEncoding(conn, "UTF8") != 0) return std::unexpected(out->error("cannot use UTF-8"));
  // The value mapping reads and writes text in exactly these forms.
  auto st = out->command(
      "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET extra_float_digits = 3; "
      "SET bytea_output = 'hex'; SET IntervalStyle = 'postgres'");
  if (!st) return std::unexpected(st.error());
  return out;
}

PgConn::~PgConn() {
  abort_copy();
  if (conn_ != nullptr) PQfinish(conn_);
}

Error PgConn::error(const std::string& what, const PGresult* result) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message =
      result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  ErrorCode code = state ? pg_error_code(state) : ErrorCode::kUnavailable;
  std::string text = what + ": " + redact_secrets(trimmed(message), secrets_);
  std::string hint;
  if (code == ErrorCode::kConflict)
    hint = "another session changed the same rows at the same time; nothing was written, run it again";
  return Error(code, std::move(text), std::move(hint));
}

Result<PgResult> PgConn::run(const std::string& sql, const std::vector<PgParam>& params, ExecStatusType want,
                             int result_format) {
  if (auto st = end_copy(); !st) return std::unexpected(st.error());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::vector<int> lengths;
  for (const auto& p : params) lengths.push_back(p ? static_cast<int>(p->size()) : 0);
  PgResult r(params.empty() && result_format == 0
                 ? PQexec(conn_, sql.c_str())
                 : PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                lengths.data(), nullptr, result_format));
  if (!r || PQresultStatus(r.get()) != want) {
    return std::unexpected(error("PostgreSQL statement failed", r.get()));
  }
  return r;
}

Status PgConn::command(const std::string& sql, const std::vector<PgParam>& params) {
  auto r = run(sql, params, PGRES_COMMAND_OK);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<PgResult> PgConn::query(const std::string& sql, const std::vector<PgParam>& params) {
  return run(sql, params, PGRES_TUPLES_OK);
}

Result<PgResult> PgConn::query_binary(const std::string& sql, const std::vector<PgParam>& params) {
  return run(sql, params, PGRES_TUPLES_OK, 1);
}

Result<uint64_t> PgConn::command_count(const std::string& sql, const std::vector<PgParam>& params) {
  auto r = run(sql, params, PGRES_COMMAND_OK);
  if (!r) return std::unexpected(r.error());
  const char* n = PQcmdTuples(r->get());
  return n && *n ? std::stoull(n) : 0;
}

Status PgConn::copy_out(const std::string& sql, const std::function<Status(std::string_view line)>& line,
                        bool binary) {
  if (auto st = end_copy(); !st) return st;
  PgResult r(PQexec(conn_, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_OUT) return std::unexpected(error("COPY failed", r.get()));
  Status result;
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_, &buf, 0);
    if (n == -1) break;
    if (n == -2) {
      result = std::unexpected(error("COPY failed"));
      break;
    }
    if (result) {
      std::string_view row(buf, static_cast<size_t>(n));
      if (!binary && !row.empty() && row.back() == '\n') row.remove_suffix(1);
      result = line(row);
    }
    PQfreemem(buf);
    // On a sink error the rest is drained: the connection must get back
    // to idle before the transaction can be rolled back.
  }
  PgResult end(PQgetResult(conn_));
  while (PgResult more{PQgetResult(conn_)}) {
  }
  if (result && (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK))
    return std::unexpected(error("COPY failed", end.get()));
  return result;
}

Status PgConn::copy_in(const std::string& sql, std::string_view data) {
  if (auto st = end_copy(); !st) return st;
  PgResult r(PQexec(conn_, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) return std::unexpected(error("COPY failed", r.get()));
  constexpr size_t kChunk = 1 << 20;
  bool ok = true;
  for (size_t pos = 0; ok && pos < data.size(); pos += kChunk) {
    size_t n = std::min(kChunk, data.size() - pos);
    ok = PQputCopyData(conn_, data.data() + pos, static_cast<int>(n)) == 1;
  }
  if (PQputCopyEnd(conn_, ok ? nullptr : "dbsync stopped the copy") != 1)
    return std::unexpected(error("COPY failed"));
  PgResult end = copy_result();
  if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK)
    return std::unexpected(error("COPY failed", end.get()));
  if (!ok) return std::unexpected(error("COPY failed"));
  return {};
}

PgResult PgConn::copy_result() {
  PgResult end(PQgetResult(conn_));
  while (PgResult more{PQgetResult(conn_)}) {
  }
  return end;
}

Status PgConn::begin_copy(const std::string& sql, std::function<Error(Error)> on_error, std::string trailer) {
  if (auto st = end_copy(); !st) return st;
  PgResult r(PQexec(conn_, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) return std::unexpected(error("COPY failed", r.get()));
  copy_.emplace();
  copy_->sql = sql;
  copy_->on_error = std::move(on_error);
  copy_->trailer = std::move(trailer);
  return {};
}

Status PgConn::put_copy(std::string_view rows) {
  if (!copy_) return fail(ErrorCode::kInternal, "no COPY is open");
  if (rows.empty()) return {};
  if (PQputCopyData(conn_, rows.data(), static_cast<int>(rows.size())) == 1) return {};
  Error e = error("COPY failed");
  abort_copy();
  return std::unexpected(std::move(e));
}

void PgConn::label_copy_row(std::string_view key) {
  if (!copy_) return;
  copy_->keys += key;
  copy_->key_ends.push_back(copy_->keys.size());
}

Status PgConn::end_copy() {
  if (!copy_) return {};
  OpenCopy open = std::move(*copy_);
  copy_.reset();
  if (!open.trailer.empty() &&
      PQputCopyData(conn_, open.trailer.data(), static_cast<int>(open.trailer.size())) != 1) {
    Error e = error("COPY failed");
    if (PQputCopyEnd(conn_, "dbsync could not end the copy") == 1) (void)copy_result();
    return std::unexpected(open.on_error(std::move(e)));
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    (void)copy_result();
    return std::unexpected(open.on_error(error("COPY failed")));
  }
  PgResult end = copy_result();
  if (end && PQresultStatus(end.get()) == PGRES_COMMAND_OK) return {};
  Error e = error("COPY failed", end.get());
  // "COPY pnl, line 3, column note: …": line 3 is the third row sent.
  const char* where = end ? PQresultErrorField(end.get(), PG_DIAG_CONTEXT) : nullptr;
  std::string_view ctx = where ? where : "";
  if (size_t at = ctx.find(", line "); at != std::string_view::npos) {
    size_t line = 0;
    for (size_t i = at + 7; i < ctx.size() && ctx[i] >= '0' && ctx[i] <= '9'; ++i)
      line = line * 10 + static_cast<size_t>(ctx[i] - '0');
    if (line >= 1 && line <= open.key_ends.size()) {
      size_t begin = line == 1 ? 0 : open.key_ends[line - 2];
      std::string key = open.keys.substr(begin, open.key_ends[line - 1] - begin);
      e.message = "key " + key.substr(0, 200) + ": " + e.message;
    }
  }
  return std::unexpected(open.on_error(std::move(e)));
}

void PgConn::abort_copy() {
  if (!copy_) return;
  copy_.reset();
  if (PQputCopyEnd(conn_, "dbsync stopped the copy") == 1) (void)copy_result();
}

bool PgConn::integer_datetimes() const {
  const char* v = PQparameterStatus(conn_, "integer_datetimes");
  return v != nullptr && std::string_view(v) == "on";
}

Result<std::string> PgConn::literal(std::string_view text) {
  char* p = PQescapeLiteral(conn_, text.data(), text.size());
  if (p == nullptr) return std::unexpected(error("cannot quote a string"));
  std::string out(p);
  PQfreemem(p);
  return out;
}

}  // namespace dbsync
