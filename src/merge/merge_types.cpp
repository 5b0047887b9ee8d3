#include "merge/merge_types.h"

namespace dbsync {

const char* merge_result_name(MergeResult r) {
  switch (r) {
    case MergeResult::kClean: return "clean";
    case MergeResult::kConflict: return "conflict";
    case MergeResult::kError: return "error";
  }
  return "?";
}

MergeResult worse(MergeResult a, MergeResult b) {
  return static_cast<uint8_t>(a) > static_cast<uint8_t>(b) ? a : b;
}

const char* rule_name(Rule r) {
  switch (r) {
    case Rule::kNewer: return "newer";
    case Rule::kTimestamp: return "timestamp";
    case Rule::kTieBytes: return "tie-bytes";
    case Rule::kMoreComplete: return "more-complete";
    case Rule::kPreserve: return "preserve";
    case Rule::kManual: return "manual";
    case Rule::kKeepOnDelete: return "keep-on-delete";
    case Rule::kDeleteOnDelete: return "delete-on-delete";
  }
  return "?";
}

const char* record_action_name(RecordAction a) {
  switch (a) {
    case RecordAction::kSame: return "same";
    case RecordAction::kTookOurs: return "took-ours";
    case RecordAction::kTookTheirs: return "took-theirs";
    case RecordAction::kMerged: return "merged";
    case RecordAction::kDeleted: return "deleted";
    case RecordAction::kKeptOnDeleteConflict: return "kept-on-delete-conflict";
    case RecordAction::kDeletedOnDeleteConflict: return "deleted-on-delete-conflict";
  }
  return "?";
}

std::string Conflict::field_label() const {
  if (path.empty()) return "(record)";
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += '.';
    out += path[i];
  }
  return out;
}

void MergeCounts::add(const MergeCounts& o) {
  local_only += o.local_only;
  remote_only += o.remote_only;
  common += o.common;
  deleted += o.deleted;
  conflicts_resolved += o.conflicts_resolved;
  conflicts_unresolved += o.conflicts_unresolved;
  duplicates_removed += o.duplicates_removed;
  total += o.total;
  records_changed += o.records_changed;
  fields_changed += o.fields_changed;
}

}  // namespace dbsync
