#include "store/postgres/pg_url.h"

#include <cctype>

namespace dbsync {
namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// [start, end) of the password in the authority, or {npos, npos}.
std::pair<size_t, size_t> authority_password(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {std::string_view::npos, std::string_view::npos};
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = url.size();
  size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return {std::string_view::npos, std::string_view::npos};
  size_t colon = url.substr(start, at - start).find(':');
  if (colon == std::string_view::npos) return {std::string_view::npos, std::string_view::npos};
  return {start + colon + 1, at};
}

// [start, end) of each password=… query value.
std::vector<std::pair<size_t, size_t>> query_passwords(std::string_view url) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t q = url.find('?');
  if (q == std::string_view::npos) return out;
  size_t pos = q + 1;
  while (pos < url.size()) {
    size_t end = url.find('&', pos);
    if (end == std::string_view::npos) end = url.size();
    std::string_view param = url.substr(pos, end - pos);
    if (param.substr(0, 9) == "password=") out.push_back({pos + 9, end});
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string pg_display_url(std::string_view url) {
  std::string out(url);
  auto queries = query_passwords(url);
  for (auto it = queries.rbegin(); it != queries.rend(); ++it)
    out.replace(it->first, it->second - it->first, "***");
  auto [s, e] = authority_password(url);
  if (s != std::string_view::npos) out.replace(s, e - s, "***");
  return out;
}

std::vector<std::string> pg_url_secrets(std::string_view url) {
  std::vector<std::string> out;
  auto add = [&](std::string_view raw) {
    if (raw.empty()) return;
    out.emplace_back(raw);
    std::string decoded = percent_decode(raw);
    if (decoded != raw && !decoded.empty()) out.push_back(decoded);
  };
  auto [s, e] = authority_password(url);
  if (s != std::string_view::npos) add(url.substr(s, e - s));
  for (auto [qs, qe] : query_passwords(url)) add(url.substr(qs, qe - qs));
  return out;
}

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return text;
}

}  // namespace dbsync
