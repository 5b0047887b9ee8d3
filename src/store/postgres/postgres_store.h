// The PostgreSQL store (DESIGN §5): "postgresql://…" or "postgres://…"
// connection URLs as libpq reads them (docs/stores/postgresql.md), e.g.
// postgresql://user:secret@host:5432/db or postgresql:///db?host=/run/pg.
//
// Which tables sync: the ordinary and partitioned tables of the
// connection's current schema with a PRIMARY KEY or a `key` in dbsync.toml
// and a plain name; others are skipped and reported (Catalog::skipped).
// Values map to canonical JSON as store/postgres/pg_value.h says; reads
// and writes as store/postgres/pg_txn.h says. The connection is opened on
// first use and kept for the store's lifetime. display_url() and every
// error leave the password out.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "store/store.h"

namespace dbsync {

Result<std::unique_ptr<Store>> open_postgres_store(std::string_view url,
                                                   const std::filesystem::path& base_dir);

}  // namespace dbsync
