#include "store/mongo/mongo_url.h"

#include <mongoc/mongoc.h>

#include "store/mongo/mongo_init.h"

namespace dbsync {

std::string mongo_display_url(std::string_view url) {
  std::string out(url);
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = out.find_first_of("/?#", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at > start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (const char* name : {"password=", "Password="}) {
    size_t pos = out.find(name);
    if (pos != std::string::npos && pos > 0 && (out[pos - 1] == '?' || out[pos - 1] == '&')) {
      size_t value = pos + std::char_traits<char>::length(name);
      size_t end = out.find('&', value);
      out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
  }
  return out;
}

std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), "***");
    pos += 3;
  }
  return text;
}

Result<MongoUrl> parse_mongo_url(std::string_view url) {
  init_mongoc();
  MongoUrl out;
  out.url = std::string(url);
  out.display = mongo_display_url(url);
  bson_error_t err;
  mongoc_uri_t* uri = mongoc_uri_new_with_error(out.url.c_str(), &err);
  if (uri == nullptr) {
    // The driver's message may quote the URL: strip what could be a password.
    std::string why = err.message;
    size_t at = out.url.find('@');
    if (at != std::string::npos) why = "the URL is malformed";
    return fail(ErrorCode::kUsage, "cannot read MongoDB URL '" + out.display + "': " + why,
                "write it as mongodb://[user:password@]host[:port]/database[?options]");
  }
  if (const char* pw = mongoc_uri_get_password(uri)) out.password = pw;
  const char* db = mongoc_uri_get_database(uri);
  if (db != nullptr) out.database = db;
  mongoc_uri_destroy(uri);
  if (out.database.empty()) {
    return fail(ErrorCode::kUsage, "MongoDB URL '" + out.display + "' names no database",
                "add the database to the path: mongodb://host:27017/mydb");
  }
  return out;
}

}  // namespace dbsync
