// One libpq connection (RAII) and the few ways the store talks through it:
// commands and queries with text parameters (values are never spliced into
// SQL), COPY out and in. Every error message passes through the secret
// filter of pg_url.h, since libpq may quote the connection string, and gets
// an error code from its SQLSTATE. Not thread-safe; one per store.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace dbsync {

struct PgResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultFree>;

// A text parameter; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

// The longest identifier PostgreSQL keeps (NAMEDATALEN - 1); longer ones are
// silently truncated by the server, so they are refused instead.
inline constexpr size_t kPgMaxIdentBytes = 63;

class PgConn {
 public:
  // Connects and fixes the session settings the value mapping depends on
  // (UTF-8, ISO dates, UTC, shortest exact floats, hex bytea).
  static Result<std::unique_ptr<PgConn>> connect(const std::string& url, std::string display_url);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  PGconn* handle() { return conn_; }
  const std::string& display_url() const { return display_; }
  // Whether the server keeps timestamps as 64-bit integers (every server
  // since PostgreSQL 10; before, a build option), which is what their COPY
  // binary form then is. Reported at connection start; false if unknown.
  bool integer_datetimes() const;

  // A statement that returns no rows.
  Status command(const std::string& sql, const std::vector<PgParam>& params = {});
  // A statement that returns rows (or, with `rows_expected` false, none).
  Result<PgResult> query(const std::string& sql, const std::vector<PgParam>& params = {});
  // The same with every result column in its binary form (pg_copy_binary.h).
  Result<PgResult> query_binary(const std::string& sql, const std::vector<PgParam>& params);
  // Rows affected by a command.
  Result<uint64_t> command_count(const std::string& sql, const std::vector<PgParam>& params = {});

  // COPY … TO STDOUT: `line` gets each row as COPY text (without '\n'), or
  // each message as it came when the COPY is `binary`.
  Status copy_out(const std::string& sql, const std::function<Status(std::string_view line)>& line,
                  bool binary = false);
  // COPY … FROM STDIN with `data` in COPY text format.
  Status copy_in(const std::string& sql, std::string_view data);

  // A COPY … FROM STDIN fed in pieces, so that rows stream to the server
  // while the client converts the next ones (the server parses and indexes
  // rows meanwhile, instead of each side waiting for the other).
  // begin_copy() starts one (ending an open one first), put_copy() sends
  // rows, label_copy_row() records each row's key in order; the COPY ends
  // at the next statement of any kind on this connection, at end_copy(), or
  // cancelled at abort_copy(). An error it ends with names the key of the
  // row PostgreSQL reports (its "line N") and passes through `on_error`.
  // `trailer` is sent when the COPY ends normally (binary format's end mark).
  Status begin_copy(const std::string& sql, std::function<Error(Error)> on_error, std::string trailer = {});
  // The statement of the open COPY; nullptr when none is open.
  const std::string* open_copy() const { return copy_ ? &copy_->sql : nullptr; }
  // REQUIRES: a COPY is open. `rows` are whole rows in the COPY's format.
  Status put_copy(std::string_view rows);
  void label_copy_row(std::string_view key);
  // Ends the open COPY, if any, and reports how it went.
  Status end_copy();
  // Cancels the open COPY, if any (the transaction is rolled back anyway).
  void abort_copy();

  // A string literal with quotes, escaped by libpq for this connection
  // (only for COMMENT, which takes no parameters).
  Result<std::string> literal(std::string_view text);

  // An Error from the connection's last message and `result`'s SQLSTATE.
  Error error(const std::string& what, const PGresult* result = nullptr) const;

 private:
  PgConn(PGconn* conn, std::string display, std::vector<std::string> secrets)
      : conn_(conn), display_(std::move(display)), secrets_(std::move(secrets)) {}
  Result<PgResult> run(const std::string& sql, const std::vector<PgParam>& params, ExecStatusType want,
                       int result_format = 0);
  // Waits for the result of a finished COPY and drains the connection.
  PgResult copy_result();

  struct OpenCopy {
    std::string sql;
    std::function<Error(Error)> on_error;
    std::string trailer;
    std::string keys;              // the rows' key encodings, one after the other
    std::vector<size_t> key_ends;  // where each row's key ends in `keys`
  };

  PGconn* conn_;
  std::optional<OpenCopy> copy_;
  std::string display_;
  std::vector<std::string> secrets_;
};

// Which code an SQLSTATE maps to: serialization failures, deadlocks and
// unique violations are conflicts with another session (kConflict), data
// exceptions are bad input (kBadInput), the rest kUnavailable.
ErrorCode pg_error_code(std::string_view sqlstate);

}  // namespace dbsync
