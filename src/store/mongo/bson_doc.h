// An owned bson_t (libbson) that frees itself, so error paths cannot leak.
// A class rather than std::unique_ptr<bson_t>: bson_t carries an alignment
// attribute that template arguments drop (g++ warns). Move-only; not
// thread-safe to share while mutating.
#pragma once

#include <bson/bson.h>

#include <utility>

namespace dbsync {

class BsonDoc {
 public:
  BsonDoc() = default;
  explicit BsonDoc(bson_t* b) : b_(b) {}
  BsonDoc(std::nullptr_t) {}
  BsonDoc(BsonDoc&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  BsonDoc& operator=(BsonDoc&& o) noexcept {
    if (this != &o) {
      reset();
      b_ = std::exchange(o.b_, nullptr);
    }
    return *this;
  }
  BsonDoc(const BsonDoc&) = delete;
  BsonDoc& operator=(const BsonDoc&) = delete;
  ~BsonDoc() { reset(); }

  bson_t* get() const { return b_; }
  bson_t& operator*() const { return *b_; }
  bson_t* operator->() const { return b_; }
  explicit operator bool() const { return b_ != nullptr; }
  void reset() {
    if (b_) bson_destroy(b_);
    b_ = nullptr;
  }

 private:
  bson_t* b_ = nullptr;
};

inline BsonDoc new_bson() { return BsonDoc(bson_new()); }
inline BsonDoc copy_bson(const bson_t& b) { return BsonDoc(bson_copy(&b)); }

}  // namespace dbsync
