// Shortening long values for display in a report: cut at a UTF-8 character
// boundary (never inside a multi-byte sequence) and marked with "…".
#pragma once

#include <cstddef>
#include <string>

namespace dbsync {

inline std::string shorten_utf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "…";
}

}  // namespace dbsync
