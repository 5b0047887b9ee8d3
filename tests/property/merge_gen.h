// rapidcheck generators for the merge properties: small random snapshots
// (random keys, nested documents with fields that share prefixes, non-ASCII
// strings, int64 beyond 2^53, null / "" / missing) and random sides derived
// from a base by edits, deletes and inserts, each side stamped with one rev
// as one export would.
#pragma once

#include <rapidcheck.h>

#include <map>
#include <string>

#include "json/canonical.h"
#include "json/value.h"
#include "property/merge_test_util.h"

namespace dbsync::testing {

// key id -> (document, rev)
struct Snap {
  std::map<int64_t, std::pair<json::Value, std::string>> recs;
};

inline json::Value gen_value(int depth) {
  int kind = *rc::gen::inRange(0, depth > 0 ? 9 : 7);
  switch (kind) {
    case 0: return json::Value(nullptr);
    case 1: return json::Value(*rc::gen::arbitrary<bool>());
    case 2: return json::Value(static_cast<int64_t>(*rc::gen::inRange(-2, 4)));
    case 3: return json::Value(int64_t{9007199254740993} + *rc::gen::inRange(0, 3));
    case 4: return json::Value(*rc::gen::element(0.5, 1.0, -0.0, 1e21, 123.45));
    case 5: return json::Value(*rc::gen::element<std::string>("", "x", "y", "é", "日本", "a\"b", "line\n"));
    case 6: {
      json::Array a;
      int n = *rc::gen::inRange(0, 3);
      for (int i = 0; i < n; ++i) a.push_back(gen_value(0));
      return json::Value(std::move(a));
    }
    default: {
      std::vector<json::Member> m;
      for (const char* f : {"x", "xy", "y"}) {
        if (*rc::gen::inRange(0, 3) > 0) m.emplace_back(f, gen_value(depth - 1));
      }
      return json::make_object(std::move(m));
    }
  }
}

inline const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names = {"a", "aa", "b", "n", "é"};
  return names;
}

inline json::Value gen_doc(int64_t id) {
  std::vector<json::Member> m = {{"id", json::Value(id)}};
  for (const auto& f : field_names()) {
    if (*rc::gen::inRange(0, 3) > 0) m.emplace_back(f, gen_value(2));
  }
  return json::make_object(std::move(m));
}

// Changes one to three fields: a new value, removal, or (for an object) one
// of its members.
inline json::Value gen_edit(const json::Value& doc) {
  json::Value out = doc;
  int n = *rc::gen::inRange(1, 4);
  for (int i = 0; i < n; ++i) {
    const std::string& f = *rc::gen::elementOf(field_names());
    json::Value* cur = out.find(f);
    int how = *rc::gen::inRange(0, 4);
    if (how == 0) {
      out.erase(f);
    } else if (how == 1 && cur != nullptr && cur->is_object()) {
      cur->set(*rc::gen::element<std::string>("x", "xy", "y"), gen_value(0));
    } else {
      out.set(f, gen_value(2));
    }
  }
  return out;
}

inline Snap gen_base(int max_keys) {
  Snap s;
  int n = *rc::gen::inRange(0, max_keys);
  for (int i = 0; i < n; ++i) {
    int64_t id = *rc::gen::inRange<int64_t>(0, max_keys);
    s.recs[id] = {gen_doc(id), rev(*rc::gen::inRange(1, 4), "b")};
  }
  return s;
}

// A side: each base record kept, edited or deleted; some inserts. Inserts
// of a key both sides add get the same document half of the time (seeded by
// the key), so "same insert on both sides" happens.
inline Snap gen_side(const Snap& base, int max_keys, const std::string& side_rev) {
  Snap s;
  for (const auto& [id, rec] : base.recs) {
    int what = *rc::gen::inRange(0, 10);
    if (what < 5) {
      s.recs[id] = rec;
    } else if (what < 8) {
      json::Value edited = gen_edit(rec.first);
      s.recs[id] = {edited, edited == rec.first ? rec.second : side_rev};
    }
  }
  int inserts = *rc::gen::inRange(0, 4);
  for (int i = 0; i < inserts; ++i) {
    int64_t id = *rc::gen::inRange<int64_t>(0, max_keys + 4);
    if (base.recs.count(id)) continue;
    json::Value doc = *rc::gen::arbitrary<bool>()
                          ? json::make_object({{"id", json::Value(id)}, {"a", json::Value("same")}})
                          : gen_doc(id);
    s.recs[id] = {doc, side_rev};
  }
  return s;
}

inline std::string gen_side_rev(const char* replica) {
  // Sometimes both sides carry the same rev, to exercise the byte tie-break.
  return *rc::gen::arbitrary<bool>() ? rev(10 + *rc::gen::inRange(0, 3), replica) : rev(10, "same");
}

inline std::string to_shard(const Snap& s) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& [id, rec] : s.recs) {
    std::string l;
    append_record_line(l, rec.first, rec.second);
    lines.emplace_back("[" + std::to_string(id) + "]", std::move(l));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& [k, l] : lines) out += l;
  return out;
}

}  // namespace dbsync::testing
