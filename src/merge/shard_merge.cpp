#include "merge/shard_merge.h"

#include <algorithm>

#include "json/canonical.h"
#include "merge/field_merge.h"
#include "merge/shard_input.h"
#include "snapshot/record_line.h"
#include "util/hash.h"

namespace dbsync {
namespace {

using json::Value;

// Same content (documents byte-equal), or both absent.
bool same_doc(const ShardInput* a, const ShardInput* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return a->same_line_as(*b) || a->parts().doc == b->parts().doc;
}

// Top-level fields present on one side only or with different values.
uint64_t changed_fields(const Value& a, const Value& b) {
  const auto& x = a.as_object();
  const auto& y = b.as_object();
  uint64_t n = 0;
  size_t i = 0, j = 0;
  while (i < x.size() || j < y.size()) {
    int cmp = i == x.size() ? 1 : j == y.size() ? -1 : json::jcs_key_compare(x[i].first, y[j].first);
    if (cmp == 0) {
      n += x[i].second == y[j].second ? 0 : 1;
      ++i, ++j;
    } else {
      ++n;
      cmp < 0 ? ++i : ++j;
    }
  }
  return n;
}

class Merger {
 public:
  Merger(const ShardMergeInput& in, const CollectionConfig& config, const ShardMergeOptions& options)
      : in_(in), config_(config), options_(options), policy_(MergePolicy::of(config)) {
    // The union of the unique fields is captured once per line; each list
    // refers to it by index.
    for (const auto& list : options.unique) {
      std::vector<size_t> idx;
      for (const auto& f : list) {
        auto it = std::find(capture_.begin(), capture_.end(), f);
        if (it == capture_.end()) it = capture_.insert(capture_.end(), f);
        idx.push_back(static_cast<size_t>(it - capture_.begin()));
      }
      unique_idx_.push_back(std::move(idx));
    }
    out_.fingerprints.resize(options.unique.size());
  }

  Result<ShardMergeOutput> run() {
    ShardInput b(in_.base.value_or(std::string_view()), in_.base_label, in_.spec, capture_);
    ShardInput o(in_.ours, in_.ours_label, in_.spec, capture_);
    ShardInput t(in_.theirs, in_.theirs_label, in_.spec, capture_);
    if (options_.output_buffer != nullptr) {
      out_.bytes = std::move(*options_.output_buffer);
      out_.bytes.clear();
    }
    out_.bytes.reserve(in_.ours.size() + in_.theirs.size() / 8 + 4096);
    if (auto r = b.next(); !r) return std::unexpected(r.error());
    if (auto r = o.next({&b}); !r) return std::unexpected(r.error());
    if (auto r = t.next({&o, &b}); !r) return std::unexpected(r.error());
    while (b.valid() || o.valid() || t.valid()) {
      const std::string* key = nullptr;
      for (const ShardInput* s : {&b, &o, &t}) {
        if (s->valid() && (key == nullptr || s->key() < *key)) key = &s->key();
      }
      bool hb = b.valid() && b.key() == *key;
      bool ho = o.valid() && o.key() == *key;
      bool ht = t.valid() && t.key() == *key;
      if (auto st = merge_record(hb ? &b : nullptr, ho ? &o : nullptr, ht ? &t : nullptr, *key); !st) {
        return std::unexpected(st.error());
      }
      // Whoever moves first checks its line; the others borrow when their
      // next line is the same bytes.
      if (hb) {
        if (auto r = b.next({&o, &t}); !r) return std::unexpected(r.error());
      }
      if (ho) {
        if (auto r = o.next({&b, &t}); !r) return std::unexpected(r.error());
      }
      if (ht) {
        if (auto r = t.next({&o, &b}); !r) return std::unexpected(r.error());
      }
    }
    return std::move(out_);
  }

 private:
  Status merge_record(const ShardInput* b, const ShardInput* o, const ShardInput* t, const std::string& key) {
    if (o != nullptr && t != nullptr) {
      ++out_.counts.common;
    } else if (o != nullptr) {
      ++out_.counts.local_only;
    } else if (t != nullptr) {
      ++out_.counts.remote_only;
    }

    if (same_doc(o, t)) {  // rule 1
      if (o != nullptr) emit_input(o->parts().rev >= t->parts().rev ? *o : *t);
      return outcome(key, RecordAction::kSame);
    }
    if (same_doc(o, b)) {  // rule 2: ours unchanged, take theirs
      if (t != nullptr) {
        emit_input(*t);
        if (auto st = count_change(o, *t); !st) return st;
        return outcome(key, RecordAction::kTookTheirs);
      }
      count_removal(o);
      return outcome(key, RecordAction::kDeleted);
    }
    if (same_doc(t, b)) {  // rule 3: theirs unchanged, take ours
      if (o != nullptr) {
        emit_input(*o);
        return outcome(key, RecordAction::kTookOurs);
      }
      count_removal(o);
      return outcome(key, RecordAction::kDeleted);
    }
    if (o != nullptr && t != nullptr) return merge_fields(b, *o, *t, key);  // rules 4 and 6
    return delete_conflict(*b, o, t, key);                                  // rule 5
  }

  // Rule 4 (rule 6 when there is no base): both changed, differently.
  Status merge_fields(const ShardInput* b, const ShardInput& o, const ShardInput& t, const std::string& key) {
    auto odoc = parse_doc(o);
    if (!odoc) return std::unexpected(odoc.error());
    auto tdoc = parse_doc(t);
    if (!tdoc) return std::unexpected(tdoc.error());
    Value bdoc;
    if (b != nullptr) {
      auto parsed = parse_doc(*b);
      if (!parsed) return std::unexpected(parsed.error());
      bdoc = std::move(*parsed);
    }
    size_t first = out_.conflicts.size();
    DocMerge merged =
        merge_documents(b != nullptr ? &bdoc : nullptr, SideDoc{&*odoc, o.parts().rev, o.parts().doc},
                        SideDoc{&*tdoc, t.parts().rev, t.parts().doc}, policy_, key, &out_.conflicts);
    std::string_view rev = std::max(o.parts().rev, t.parts().rev);
    size_t line_start = out_.bytes.size();
    emit_doc(merged.doc, rev);
    std::string_view line(out_.bytes.data() + line_start, out_.bytes.size() - line_start - 1);

    ManualConflict manual;
    for (size_t i = first; i < out_.conflicts.size(); ++i) {
      if (out_.conflicts[i].resolved()) {
        ++out_.counts.conflicts_resolved;
      } else {
        ++out_.counts.conflicts_unresolved;
        manual.fields.push_back(out_.conflicts[i]);
      }
    }
    if (merged.unresolved) {
      out_.result = MergeResult::kConflict;
      manual.key = key;
      if (b != nullptr) manual.base_line = b->line();
      manual.ours_line = o.line();
      manual.theirs_line = t.line();
      manual.provisional_line = line;
      out_.manual.push_back(std::move(manual));
    }
    if (!(merged.doc == *odoc)) {
      ++out_.counts.records_changed;
      out_.counts.fields_changed += changed_fields(*odoc, merged.doc);
    }
    return outcome(key, RecordAction::kMerged);
  }

  // Rule 5: deleted on one side, changed on the other.
  Status delete_conflict(const ShardInput& b, const ShardInput* o, const ShardInput* t,
                         const std::string& key) {
    const ShardInput& changed = o != nullptr ? *o : *t;
    bool keep = config_.on_delete_conflict == DeleteConflict::kKeep;
    auto bdoc = parse_doc(b);
    if (!bdoc) return std::unexpected(bdoc.error());
    auto cdoc = parse_doc(changed);
    if (!cdoc) return std::unexpected(cdoc.error());
    Conflict c;
    c.key = key;
    c.base = std::move(*bdoc);
    (o != nullptr ? c.ours : c.theirs) = *cdoc;
    if (keep) c.chosen = *cdoc;
    c.rule = keep ? Rule::kKeepOnDelete : Rule::kDeleteOnDelete;
    out_.conflicts.push_back(std::move(c));
    ++out_.counts.conflicts_resolved;
    if (keep) {
      emit_input(changed);
      if (o == nullptr) ++out_.counts.records_changed;  // comes back locally
      return outcome(key, RecordAction::kKeptOnDeleteConflict);
    }
    count_removal(o);
    return outcome(key, RecordAction::kDeletedOnDeleteConflict);
  }

  Result<Value> parse_doc(const ShardInput& s) {
    auto doc = parse_record_doc(s.parts().doc);
    if (!doc)
      return std::unexpected(
          std::move(doc.error()).context("'" + s.label() + "' line " + std::to_string(s.line_no())));
    return doc;
  }

  // The output took `t`'s line where ours held `o` (maybe absent).
  Status count_change(const ShardInput* o, const ShardInput& t) {
    ++out_.counts.records_changed;
    if (o == nullptr) return {};
    auto odoc = parse_doc(*o);
    if (!odoc) return std::unexpected(odoc.error());
    auto tdoc = parse_doc(t);
    if (!tdoc) return std::unexpected(tdoc.error());
    out_.counts.fields_changed += changed_fields(*odoc, *tdoc);
    return {};
  }

  void count_removal(const ShardInput* o) {
    ++out_.counts.deleted;
    if (o != nullptr) ++out_.counts.records_changed;
  }

  Status outcome(const std::string& key, RecordAction action) {
    if (options_.record_outcomes) out_.outcomes.push_back(RecordOutcome{key, action});
    return {};
  }

  void emit_input(const ShardInput& s) {
    out_.bytes += s.line();
    out_.bytes += '\n';
    if (!unique_idx_.empty()) {
      values_.assign(capture_.size(), std::string_view());
      for (size_t i = 0; i < capture_.size(); ++i) values_[i] = s.captured(i);
      add_fingerprints();
    }
    ++ordinal_;
    ++out_.counts.total;
  }

  void emit_doc(const Value& doc, std::string_view rev) {
    append_record_line(out_.bytes, doc, rev);
    if (!unique_idx_.empty()) {
      owned_.assign(capture_.size(), std::string());
      values_.assign(capture_.size(), std::string_view());
      for (size_t i = 0; i < capture_.size(); ++i) {
        if (const Value* v = doc.find(capture_[i])) {
          owned_[i] = json::to_canonical(*v);
          values_[i] = owned_[i];
        }
      }
      add_fingerprints();
    }
    ++ordinal_;
    ++out_.counts.total;
  }

  void add_fingerprints() {
    std::vector<std::string_view> list;
    for (size_t u = 0; u < unique_idx_.size(); ++u) {
      list.clear();
      for (size_t i : unique_idx_[u]) list.push_back(values_[i]);
      uint64_t fp;
      if (unique_fingerprint(list, fp)) out_.fingerprints[u].emplace_back(fp, ordinal_);
    }
  }

  const ShardMergeInput& in_;
  const CollectionConfig& config_;
  const ShardMergeOptions& options_;
  MergePolicy policy_;
  std::vector<std::string> capture_;
  std::vector<std::vector<size_t>> unique_idx_;
  std::vector<std::string_view> values_;
  std::vector<std::string> owned_;
  uint32_t ordinal_ = 0;
  ShardMergeOutput out_;
};

}  // namespace

bool unique_fingerprint(const std::vector<std::string_view>& values, uint64_t& fingerprint) {
  thread_local std::string buf;
  buf.clear();
  for (std::string_view v : values) {
    if (v.empty() || v == "null") return false;
    buf += v;
    buf += '\0';  // never inside canonical JSON, so the join is unambiguous
  }
  fingerprint = xxh3_64(buf);
  return true;
}

Result<ShardMergeOutput> merge_shard(const ShardMergeInput& input, const CollectionConfig& config,
                                     const ShardMergeOptions& options) {
  return Merger(input, config, options).run();
}

}  // namespace dbsync
