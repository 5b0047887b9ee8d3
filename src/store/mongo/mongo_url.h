// MongoDB connection URLs (docs/stores/mongodb.md §1): "mongodb://" and
// "mongodb+srv://" as libmongoc reads them, with the database named in the
// path ("mongodb://user:pw@host:27017/app?replicaSet=rs0"). Pure functions,
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace dbsync {

struct MongoUrl {
  std::string url;       // as given: holds the password, never shown
  std::string display;   // password replaced by "***": safe for logs and errors
  std::string database;  // the database the store syncs
  std::string password;  // for scrubbing driver messages; may be empty
};

// kUsage when libmongoc cannot read the URL or it names no database. The
// error shows the display form only.
Result<MongoUrl> parse_mongo_url(std::string_view url);

// `url` with the password of user:password@ and any password= option
// replaced by "***".
std::string mongo_display_url(std::string_view url);

// `text` with every occurrence of `secret` (when non-empty) replaced by "***".
std::string scrub(std::string text, const std::string& secret);

}  // namespace dbsync
