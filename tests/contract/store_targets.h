// The stores the contract suite runs against. Each target opens a fresh,
// empty database for one test (inside `dir`, a temporary folder it may
// use). A store that needs a server (PostgreSQL, MongoDB) adds its target
// in store_targets.cpp and returns nullopt from `available` reasons when
// the server is not configured, so the suite skips it with that reason.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace dbsync::contract {

struct StoreTarget {
  std::string name;
  // Why the target cannot run here (e.g. no server configured), or nullopt.
  std::function<std::optional<std::string>()> unavailable;
  std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& dir)> open;
  // Whether a field missing from a document reads back as null (SQL stores:
  // a row has every column) rather than staying missing.
  bool missing_reads_as_null = true;
};

std::vector<StoreTarget> store_targets();

// Each server store's targets, defined beside its own tests
// (postgres_target.cpp, mongo_target.cpp).
std::vector<StoreTarget> postgres_targets();
std::vector<StoreTarget> mongo_targets();

}  // namespace dbsync::contract
