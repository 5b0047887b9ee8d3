// The report as JSON (docs/MERGE.md "Report JSON"): the numbers of the text
// report under the same names, plus every conflict and duplicate in full.
#include "json/canonical.h"
#include "report/report.h"

namespace dbsync {
namespace {

using json::Value;

Value num(uint64_t n) { return Value(static_cast<int64_t>(n)); }

constexpr MergeResult kResults[] = {MergeResult::kClean, MergeResult::kConflict, MergeResult::kError};

Value counts_to_json(const MergeCounts& n) {
  return json::make_object({{"local_only", num(n.local_only)},
                            {"remote_only", num(n.remote_only)},
                            {"common", num(n.common)},
                            {"conflicts_resolved", num(n.conflicts_resolved)},
                            {"conflicts_unresolved", num(n.conflicts_unresolved)},
                            {"duplicates_removed", num(n.duplicates_removed)},
                            {"deleted", num(n.deleted)},
                            {"total", num(n.total)},
                            {"records_changed", num(n.records_changed)},
                            {"fields_changed", num(n.fields_changed)}});
}

Value duplicate_to_json(const DuplicateRemoval& d) {
  json::Array conflicts;
  for (const auto& k : d.conflicts) conflicts.push_back(conflict_to_json(k));
  return json::make_object({{"key", key_to_json(d.removed_key)},
                            {"survivor", key_to_json(d.survivor_key)},
                            {"before", record_line_to_json(d.before_line)},
                            {"conflicts", Value(std::move(conflicts))}});
}

// Reading back: small typed accessors that name what is wrong.
struct Reader {
  std::string where;
  Result<uint64_t> count(const Value& o, const char* name) const {
    const Value* v = o.find(name);
    if (v == nullptr || !v->is_int() || v->as_int() < 0) {
      return fail(ErrorCode::kBadInput, where + ": '" + name + "' is not a count");
    }
    return static_cast<uint64_t>(v->as_int());
  }
  std::string text(const Value& o, const char* name) const {
    const Value* v = o.find(name);
    return v != nullptr && v->is_string() ? v->as_string() : std::string();
  }
  Result<MergeResult> result(const Value& o) const {
    std::string s = text(o, "result");
    for (MergeResult r : kResults) {
      if (s == merge_result_name(r)) return r;
    }
    return fail(ErrorCode::kBadInput, where + ": 'result' is not clean, conflict or error");
  }
};

}  // namespace

json::Value report_to_json(const Report& r) {
  json::Array collections;
  for (const CollectionReport& c : r.collections) {
    json::Array conflicts, duplicates;
    for (const auto& k : c.conflicts) conflicts.push_back(conflict_to_json(k));
    for (const auto& d : c.duplicates) duplicates.push_back(duplicate_to_json(d));
    Value o = counts_to_json(c.counts);
    o.set("name", Value(c.name));
    o.set("result", Value(merge_result_name(c.result)));
    o.set("conflicts", Value(std::move(conflicts)));
    o.set("duplicates", Value(std::move(duplicates)));
    collections.push_back(std::move(o));
  }
  Value out = json::make_object(
      {{"version", Value(1)},
       {"timestamp", Value(r.timestamp)},
       {"replica", Value(r.replica)},
       {"database", Value(r.database)},
       {"result", Value(merge_result_name(r.result))},
       {"status", Value(r.status())},
       {"collections", Value(std::move(collections))},
       {"summary", json::make_object({{"total_records", num(r.total_records())},
                                      {"conflicts_resolved", num(r.conflicts_resolved())},
                                      {"conflicts_unresolved", num(r.conflicts_unresolved())},
                                      {"status", Value(r.status())}})}});
  if (!r.error.empty()) out.set("error", Value(r.error));
  return out;
}

Result<Report> report_from_json(const json::Value& v) {
  Reader rd{"report"};
  if (!v.is_object()) return fail(ErrorCode::kBadInput, "report: not a JSON object");
  const Value* version = v.find("version");
  if (version == nullptr || !version->is_int() || version->as_int() != 1) {
    return fail(ErrorCode::kBadInput, "report: 'version' is not 1");
  }
  Report r;
  r.timestamp = rd.text(v, "timestamp");
  r.replica = rd.text(v, "replica");
  r.database = rd.text(v, "database");
  r.error = rd.text(v, "error");
  auto result = rd.result(v);
  if (!result) return std::unexpected(result.error());
  const Value* collections = v.find("collections");
  if (collections == nullptr || !collections->is_array()) {
    return fail(ErrorCode::kBadInput, "report: 'collections' is not a list");
  }
  for (const Value& cv : collections->as_array()) {
    if (!cv.is_object()) return fail(ErrorCode::kBadInput, "report: a collection is not an object");
    CollectionReport c;
    c.name = rd.text(cv, "name");
    Reader crd{"report collection '" + c.name + "'"};
    auto cres = crd.result(cv);
    if (!cres) return std::unexpected(cres.error());
    c.result = *cres;
    MergeCounts& n = c.counts;
    struct Field {
      const char* name;
      uint64_t* into;
    };
    for (Field f : {Field{"local_only", &n.local_only}, Field{"remote_only", &n.remote_only},
                    Field{"common", &n.common}, Field{"conflicts_resolved", &n.conflicts_resolved},
                    Field{"conflicts_unresolved", &n.conflicts_unresolved},
                    Field{"duplicates_removed", &n.duplicates_removed}, Field{"deleted", &n.deleted},
                    Field{"total", &n.total}, Field{"records_changed", &n.records_changed},
                    Field{"fields_changed", &n.fields_changed}}) {
      auto x = crd.count(cv, f.name);
      if (!x) return std::unexpected(x.error());
      *f.into = *x;
    }
    if (const Value* list = cv.find("conflicts"); list != nullptr && list->is_array()) {
      for (const Value& k : list->as_array()) {
        auto conflict = conflict_from_json(k);
        if (!conflict) return std::unexpected(std::move(conflict.error()).context(crd.where));
        c.conflicts.push_back(std::move(*conflict));
      }
    }
    if (const Value* list = cv.find("duplicates"); list != nullptr && list->is_array()) {
      for (const Value& d : list->as_array()) {
        DuplicateRemoval removal;
        const Value* key = d.find("key");
        const Value* survivor = d.find("survivor");
        if (key == nullptr || survivor == nullptr) {
          return fail(ErrorCode::kBadInput, crd.where + ": a duplicate lacks 'key' or 'survivor'");
        }
        removal.removed_key = json::to_canonical(*key);
        removal.survivor_key = json::to_canonical(*survivor);
        if (const Value* before = d.find("before"); before != nullptr && before->is_object()) {
          removal.before_line = json::to_canonical(*before);
        }
        if (const Value* list2 = d.find("conflicts"); list2 != nullptr && list2->is_array()) {
          for (const Value& k : list2->as_array()) {
            auto conflict = conflict_from_json(k);
            if (!conflict) return std::unexpected(std::move(conflict.error()).context(crd.where));
            removal.conflicts.push_back(std::move(*conflict));
          }
        }
        c.duplicates.push_back(std::move(removal));
      }
    }
    r.add(std::move(c));
  }
  r.result = *result;
  return r;
}

}  // namespace dbsync
