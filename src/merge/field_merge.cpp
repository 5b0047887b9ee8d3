#include "merge/field_merge.h"

#include <algorithm>
#include <charconv>

namespace dbsync {
namespace {

using json::Kind;
using json::Object;
using json::Value;

const Value* find_member(const Object* o, std::string_view name) {
  if (o == nullptr) return nullptr;
  auto it = std::lower_bound(o->begin(), o->end(), name, [](const json::Member& m, std::string_view k) {
    return json::jcs_key_compare(m.first, k) < 0;
  });
  return it != o->end() && it->first == name ? &it->second : nullptr;
}

bool same(const Value* a, const Value* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return *a == *b;
}

MaybeValue maybe(const Value* v) { return v ? MaybeValue(*v) : std::nullopt; }

int compare_numbers(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
  // long double holds every int64 exactly on the platforms we build for.
  long double x = a.is_int() ? static_cast<long double>(a.as_int()) : a.as_double();
  long double y = b.is_int() ? static_cast<long double>(b.as_int()) : b.as_double();
  return x < y ? -1 : x > y ? 1 : 0;
}

// {"$date": "ISO"} / {"$date": {"$numberLong": "ms"}} -> comparable form.
struct DateKey {
  bool valid = false;
  bool is_millis = false;
  int64_t millis = 0;
  std::string_view iso;
};
DateKey date_key(const Value& v) {
  DateKey k;
  if (!v.is_object() || v.as_object().size() != 1) return k;
  const Value* d = v.find("$date");
  if (d == nullptr) return k;
  if (d->is_string()) {
    k.valid = true;
    k.iso = d->as_string();
  } else if (d->is_int()) {
    k.valid = k.is_millis = true;
    k.millis = d->as_int();
  } else if (const Value* n = d->find("$numberLong"); n != nullptr && n->is_string()) {
    const std::string& s = n->as_string();
    auto r = std::from_chars(s.data(), s.data() + s.size(), k.millis);
    k.valid = k.is_millis = r.ec == std::errc() && r.ptr == s.data() + s.size();
  }
  return k;
}

struct Ctx {
  const MergePolicy& policy;
  Winner winner;
  std::string_view key;
  std::vector<Conflict>* conflicts;
  bool unresolved = false;
};

bool preserved(const MergePolicy& policy, const std::vector<std::string>& path) {
  if (policy.preserve.empty()) return false;
  std::string prefix;
  for (const auto& part : path) {
    if (!prefix.empty()) prefix += '.';
    prefix += part;
    if (std::find(policy.preserve.begin(), policy.preserve.end(), prefix) != policy.preserve.end())
      return true;
  }
  return false;
}

// A field both sides changed to different values. Returns the chosen value
// (nullptr: missing).
const Value* resolve_conflict(Ctx& ctx, const std::vector<std::string>& path, const Value* bv,
                              const Value* ov, const Value* tv) {
  bool ours_wins = ctx.winner.side == Side::kOurs;
  const Value* win = ours_wins ? ov : tv;
  const Value* lose = ours_wins ? tv : ov;
  const Value* chosen = win;
  Rule rule = ctx.winner.rule;
  bool manual = ctx.policy.policy == ConflictPolicy::kManual;
  if (preserved(ctx.policy, path) && is_empty_value(win) != is_empty_value(lose)) {
    // One value is empty: preserve keeps the other, and settles what
    // `manual` would leave open.
    if (is_empty_value(win)) {
      chosen = lose;
      rule = Rule::kPreserve;
    } else if (manual) {
      rule = Rule::kPreserve;
    }
  } else if (manual) {
    rule = Rule::kManual;
    ctx.unresolved = true;
  }
  if (ctx.conflicts != nullptr) {
    Conflict c;
    c.key = std::string(ctx.key);
    c.path = path;
    c.base = maybe(bv);
    c.ours = maybe(ov);
    c.theirs = maybe(tv);
    c.chosen = maybe(chosen);
    c.rule = rule;
    ctx.conflicts->push_back(std::move(c));
  }
  return chosen;
}

void merge_object(Ctx& ctx, const Object* b, const Object& o, const Object& t, std::vector<std::string>& path,
                  const std::vector<std::string>* pinned, Object& out) {
  size_t i = 0, j = 0;
  while (i < o.size() || j < t.size()) {
    int cmp = i == o.size() ? 1 : j == t.size() ? -1 : json::jcs_key_compare(o[i].first, t[j].first);
    const std::string& name = cmp <= 0 ? o[i].first : t[j].first;
    const Value* ov = cmp <= 0 ? &o[i].second : nullptr;
    const Value* tv = cmp >= 0 ? &t[j].second : nullptr;
    if (cmp <= 0) ++i;
    if (cmp >= 0) ++j;

    const Value* chosen;
    if (pinned != nullptr && std::find(pinned->begin(), pinned->end(), name) != pinned->end()) {
      chosen = ov;
    } else if (same(ov, tv)) {
      chosen = ov;
    } else {
      const Value* bv = find_member(b, name);
      if (same(ov, bv)) {
        chosen = tv;
      } else if (same(tv, bv)) {
        chosen = ov;
      } else if (ov != nullptr && tv != nullptr && ov->is_object() && tv->is_object()) {
        path.push_back(name);
        Object sub;
        merge_object(ctx, bv != nullptr && bv->is_object() ? &bv->as_object() : nullptr, ov->as_object(),
                     tv->as_object(), path, nullptr, sub);
        path.pop_back();
        out.emplace_back(name, Value(std::move(sub)));
        continue;
      } else {
        path.push_back(name);
        chosen = resolve_conflict(ctx, path, bv, ov, tv);
        path.pop_back();
      }
    }
    if (chosen != nullptr) out.emplace_back(name, *chosen);
  }
}

}  // namespace

MergePolicy MergePolicy::of(const CollectionConfig& config) {
  MergePolicy p;
  p.policy = config.policy;
  p.timestamp_field = config.timestamp_field;
  p.preserve = config.preserve;
  return p;
}

bool is_empty_value(const Value* v) {
  if (v == nullptr) return true;
  switch (v->kind()) {
    case Kind::kNull: return true;
    case Kind::kString: return v->as_string().empty();
    case Kind::kArray: return v->as_array().empty();
    case Kind::kObject: return v->as_object().empty();
    default: return false;
  }
}

size_t count_non_empty_fields(const Value& doc) {
  if (!doc.is_object()) return 0;
  size_t n = 0;
  for (const auto& [name, v] : doc.as_object()) n += is_empty_value(&v) ? 0 : 1;
  return n;
}

int compare_timestamp_values(const Value* a, const Value* b) {
  bool a_none = a == nullptr || a->is_null(), b_none = b == nullptr || b->is_null();
  if (a_none || b_none) return a_none == b_none ? 0 : (a_none ? -1 : 1);
  bool a_num = a->is_int() || a->is_double(), b_num = b->is_int() || b->is_double();
  if (a_num && b_num) return compare_numbers(*a, *b);
  if (a->is_string() && b->is_string()) {
    int c = a->as_string().compare(b->as_string());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  DateKey da = date_key(*a), db = date_key(*b);
  if (da.valid && db.valid && da.is_millis == db.is_millis) {
    if (da.is_millis) return da.millis < db.millis ? -1 : da.millis > db.millis ? 1 : 0;
    int c = da.iso.compare(db.iso);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return 0;
}

Winner pick_winner(const MergePolicy& policy, const SideDoc& ours, const SideDoc& theirs) {
  auto decided = [](int cmp, Rule rule) { return Winner{cmp > 0 ? Side::kOurs : Side::kTheirs, rule}; };
  if (policy.policy == ConflictPolicy::kMoreComplete) {
    size_t a = count_non_empty_fields(*ours.doc), b = count_non_empty_fields(*theirs.doc);
    if (a != b) return decided(a > b ? 1 : -1, Rule::kMoreComplete);
  }
  if (!policy.timestamp_field.empty()) {
    int c = compare_timestamp_values(ours.doc->find(policy.timestamp_field),
                                     theirs.doc->find(policy.timestamp_field));
    if (c != 0) return decided(c, Rule::kTimestamp);
  }
  if (int c = ours.rev.compare(theirs.rev); c != 0) return decided(c, Rule::kNewer);
  int c = ours.canonical.compare(theirs.canonical);
  return decided(c, Rule::kTieBytes);
}

DocMerge merge_documents(const Value* base, const SideDoc& ours, const SideDoc& theirs,
                         const MergePolicy& policy, std::string_view key, std::vector<Conflict>* conflicts,
                         const std::vector<std::string>& pinned) {
  Ctx ctx{policy, pick_winner(policy, ours, theirs), key, conflicts};
  std::vector<std::string> path;
  Object out;
  out.reserve(std::max(ours.doc->as_object().size(), theirs.doc->as_object().size()));
  merge_object(ctx, base != nullptr && base->is_object() ? &base->as_object() : nullptr,
               ours.doc->as_object(), theirs.doc->as_object(), path, pinned.empty() ? nullptr : &pinned, out);
  return DocMerge{Value(std::move(out)), ctx.unresolved};
}

}  // namespace dbsync
