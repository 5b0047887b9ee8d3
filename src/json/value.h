// The JSON value model every record passes through.
//
// A Value is plain JSON with two refinements the snapshot format needs
// (DESIGN §2): integers and floating-point numbers are distinct kinds (an
// int64 is never routed through a double, and REAL 1.0 stays a double), and
// objects keep their members sorted in RFC 8785 (UTF-16 code unit) order
// with unique keys, so equal values have equal canonical bytes.
//
// Types JSON cannot hold (ObjectId, dates, int64 from MongoDB, decimals,
// binary, NaN) are MongoDB Extended JSON v2 wrapper objects such as
// {"$oid": "…"}; json/extended.h classifies them. That keeps every BSON type
// lossless without a second representation of the same data.
//
// Values are regular types: copyable, movable, not thread-safe to mutate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dbsync::json {

enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
// Sorted by jcs_key_compare, keys unique (maintained by Value's mutators).
using Object = std::vector<Member>;

class Value {
 public:
  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  // REQUIRES: members sorted by jcs_key_compare with unique keys; use
  // make_object() for unsorted input.
  Value(Object o) : v_(std::move(o)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_double() const { return kind() == Kind::kDouble; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  // REQUIRES: the matching kind.
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object access. find() returns nullptr when absent or not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // REQUIRES: is_object(). Inserts or replaces, keeping order.
  void set(std::string key, Value value);
  // REQUIRES: is_object(). Returns whether the key was present.
  bool erase(std::string_view key);

  // Exact equality: same kinds, doubles compared bit for bit (so -0.0 and 0.0
  // differ and NaN equals NaN), which matches equality of canonical bytes.
  friend bool operator==(const Value& a, const Value& b);

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

// Builds an object from members in any order; later duplicates replace
// earlier ones.
Value make_object(std::vector<Member> members);

// RFC 8785 member order: compares UTF-8 strings by their UTF-16 code units.
// REQUIRES: valid UTF-8.
int jcs_key_compare(std::string_view a, std::string_view b);

const char* kind_name(Kind kind);

}  // namespace dbsync::json
