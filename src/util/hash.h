// Content hashes used by the snapshot format (DESIGN §2): XXH3-128 for record
// and shard digests, XXH3-64 for shard assignment. Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dbsync {

// XXH3-128 in XXH128's canonical byte order (high 64 bits first).
using Digest128 = std::array<uint8_t, 16>;

Digest128 xxh3_128(std::string_view bytes);
uint64_t xxh3_64(std::string_view bytes);

// 32 lowercase hex digits of a digest.
std::string to_hex(const Digest128& digest);
// Parses 32 lowercase hex digits; false on anything else.
bool from_hex(std::string_view hex, Digest128& digest);

// Incremental XXH3-128 for Merkle digests over many parts.
class Hasher128 {
 public:
  Hasher128();
  ~Hasher128();
  Hasher128(const Hasher128&) = delete;
  Hasher128& operator=(const Hasher128&) = delete;
  void update(std::string_view bytes);
  void update(const Digest128& digest);
  Digest128 finish() const;

 private:
  void* state_;
};

}  // namespace dbsync
