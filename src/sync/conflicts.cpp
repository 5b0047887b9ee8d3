#include "sync/conflicts.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "config/config.h"
#include "git/git.h"
#include "json/canonical.h"
#include "json/diagnose.h"
#include "json/parse.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "snapshot/record_line.h"
#include "snapshot/rev.h"
#include "snapshot/verify.h"
#include "sync/local_state.h"
#include "sync/lock.h"
#include "util/file.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;
using json::Value;

// 1-based line and column of byte `offset` in `text`.
std::pair<size_t, size_t> line_col(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

// The line where the top-level member `name` starts in valid JSON `text`
// (so an error about a field can point at it); the object's first line when
// the member is absent.
size_t member_line(std::string_view text, std::string_view name) {
  size_t depth = 0, first = text.size();
  bool expect_key = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t start = i++;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      if (depth == 1 && expect_key) {
        std::string_view token = text.substr(start, i + 1 - start);
        auto v = json::parse(token);
        if (v && v->is_string() && v->as_string() == name) return line_col(text, start).first;
      }
      expect_key = false;
    } else if (c == '{' || c == '[') {
      if (depth == 0) first = i;
      ++depth;
      expect_key = c == '{' && depth == 1;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',') {
      expect_key = depth == 1;
    }
  }
  return line_col(text, first).first;
}

std::string shorten(std::string s) {
  if (s.size() > 200) s = s.substr(0, 200) + "…";
  return s;
}

bool merge_in_progress(const git::Git& git) {
  auto r = git.try_run({"rev-parse", "-q", "--verify", "MERGE_HEAD"});
  return r && r->exit_code == 0;
}

bool rebase_in_progress(const git::Git& git) {
  for (const char* dir : {"rebase-merge", "rebase-apply"}) {
    auto r = git.try_run({"rev-parse", "--git-path", dir});
    if (!r || r->exit_code != 0) continue;
    std::string p = r->out.substr(0, r->out.find('\n'));
    fs::path path = fs::path(p).is_absolute() ? fs::path(p) : git.work_tree() / p;
    std::error_code ec;
    if (fs::exists(path, ec)) return true;
  }
  return false;
}

// The document of one side of a conflict file.
Result<Value> side_document(const StoredConflict& sc, const char* side) {
  const Value* line = sc.content.find(side);
  const Value* doc = line != nullptr ? line->find("d") : nullptr;
  if (doc == nullptr || !doc->is_object()) {
    return fail(ErrorCode::kUsage,
                fmt::format("the {} side of {} {} holds no record", side, sc.collection, sc.key),
                "write the record you want into a file and run 'dbsync resolve KEY --take FILE'");
  }
  return *doc;
}

void observe_revs(const StoredConflict& sc, HybridClock& clock) {
  for (const char* side : {"base", "ours", "theirs", "provisional"}) {
    const Value* line = sc.content.find(side);
    const Value* r = line != nullptr ? line->find("r") : nullptr;
    if (r == nullptr || !r->is_string()) continue;
    if (auto rev = parse_rev(r->as_string())) clock.observe(*rev);
  }
}

std::string list_keys(const std::vector<const StoredConflict*>& found) {
  std::string out;
  for (const auto* sc : found) out += (out.empty() ? "" : ", ") + sc->collection + " " + sc->key;
  return out;
}

// load_conflict_files() with `current` also requiring the entry's merge
// (if it names one) to be in progress or committed.
Result<std::vector<StoredConflict>> load_current(const fs::path& repo, const Config& config) {
  auto all = load_conflict_files(repo, config);
  if (!all) return std::unexpected(all.error());
  git::Git git(repo);
  bool stamped = std::any_of(all->begin(), all->end(), [](const StoredConflict& sc) {
    const Value* m = sc.content.find("merge_head");
    return sc.current && m != nullptr && m->is_string();
  });
  if (!stamped || !git.is_repository()) return all;
  auto merging = git.resolve("MERGE_HEAD");
  if (!merging) return std::unexpected(merging.error());
  auto head = git.head();
  if (!head) return std::unexpected(head.error());
  std::map<std::string, bool> live;  // merge_head -> its merge is waiting or committed
  for (auto& sc : *all) {
    const Value* m = sc.content.find("merge_head");
    if (!sc.current || m == nullptr || !m->is_string()) continue;
    const std::string& commit = m->as_string();
    auto it = live.find(commit);
    if (it == live.end()) {
      bool ok = *merging && **merging == commit;
      if (!ok && *head) {
        auto r = git.try_run({"merge-base", "--is-ancestor", commit, **head});
        if (!r) return std::unexpected(r.error());
        ok = r->exit_code == 0;
      }
      it = live.emplace(commit, ok).first;
    }
    sc.current = it->second;
  }
  return all;
}

}  // namespace

Status stamp_conflict_files(const fs::path& repo, const Config& config, const std::string& merge_head) {
  auto all = load_conflict_files(repo, config);
  if (!all) return std::unexpected(all.error());
  for (auto& sc : *all) {
    if (!sc.current || sc.content.find("merge_head") != nullptr || !sc.content.is_object()) continue;
    sc.content.set("merge_head", Value(merge_head));
    if (auto st = write_file_atomic(sc.file, json::to_canonical(sc.content) + "\n"); !st) return st;
  }
  return {};
}

std::vector<std::string> key_candidates(const std::string& typed) {
  std::string_view t = typed;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n')) t.remove_suffix(1);
  std::vector<std::string> out;
  if (t.starts_with('[')) {
    auto v = json::parse(t);
    if (v && v->is_array() && !v->as_array().empty()) out.push_back(json::to_canonical(*v));
    return out;
  }
  out.push_back(json::to_canonical(Value(json::Array{Value(t)})));
  // `42` may be the integer 42 or the text "42"; `"k1"` is the text k1.
  if (auto v = json::parse(t); v && !v->is_array() && !v->is_object()) {
    std::string c = json::to_canonical(Value(json::Array{*v}));
    if (c != out.front()) out.push_back(std::move(c));
  }
  return out;
}

Result<Value> parse_record_file(std::string_view text, const std::string& label,
                                const std::vector<std::string>& key_fields, const std::string& key) {
  json::ParseLimits limits;
  limits.max_depth = kMaxNestingDepth;
  limits.max_bytes = kMaxLineBytes;
  auto doc = json::parse(text, limits);
  if (!doc) {
    if (auto d = json::diagnose(text, limits)) {
      auto [line, col] = line_col(text, d->offset);
      return fail(ErrorCode::kBadInput, fmt::format("'{}' line {}, column {}: {}", label, line, col, d->what),
                  d->hint.empty() ? "the file must hold one JSON object: the whole record" : d->hint);
    }
    return std::unexpected(std::move(doc.error()).context("'" + label + "'"));
  }
  if (!doc->is_object()) {
    return fail(
        ErrorCode::kBadInput,
        fmt::format("'{}' line {}: the record must be a JSON object, not {}", label,
                    line_col(text, text.find_first_not_of(" \t\r\n")).first, json::kind_name(doc->kind())),
        "write the whole record as one JSON object, e.g. the \"d\" of 'dbsync conflicts --json'");
  }
  auto key_values = json::parse(key);
  if (!key_values || !key_values->is_array() || key_values->as_array().size() != key_fields.size()) {
    return fail(ErrorCode::kInternal, "key encoding " + key + " does not match the collection's key");
  }
  for (size_t i = 0; i < key_fields.size(); ++i) {
    const std::string& field = key_fields[i];
    const Value& want = key_values->as_array()[i];
    const Value* have = doc->find(field);
    if (have == nullptr) {
      return fail(ErrorCode::kBadInput,
                  fmt::format("'{}' line {}, field '{}': missing; the record's key is {}", label,
                              member_line(text, field), field, key),
                  fmt::format("add \"{}\": {} to the record", field, json::to_canonical(want)));
    }
    if (!(*have == want)) {
      return fail(ErrorCode::kBadInput,
                  fmt::format("'{}' line {}, field '{}': {} is not the conflicted record's key value {}",
                              label, member_line(text, field), field, shorten(json::to_canonical(*have)),
                              json::to_canonical(want)),
                  "a decision keeps the record's key; to add a record under another key, write it into "
                  "the database");
    }
  }
  return doc;
}

Result<ConflictList> list_conflicts(const ListConflictsOptions& options) {
  auto config = load_config(options.repo);
  if (!config) return std::unexpected(config.error());
  std::optional<ReplicaLock> lock;
  if (options.prune) {
    auto l = ReplicaLock::acquire(options.repo);
    if (!l) return std::unexpected(l.error());
    lock.emplace(std::move(*l));
  }
  auto all = load_current(options.repo, *config);
  if (!all) return std::unexpected(all.error());
  ConflictList out;
  for (auto& sc : *all) (sc.current ? out.current : out.stale).push_back(std::move(sc));
  if (options.prune) {
    for (const auto& sc : out.stale) {
      if (auto st = remove_file_durable(sc.file); !st) return std::unexpected(st.error());
      ++out.pruned;
    }
  }
  return out;
}

Result<ResolveResult> resolve_conflict(const ResolveOptions& options) {
  const fs::path& repo = options.repo;
  auto config = load_config(repo);
  if (!config) return std::unexpected(config.error());
  auto local = load_local_config(repo);
  if (!local) return std::unexpected(local.error());
  if (!options.collection.empty()) {
    if (auto st = check_collection_name(options.collection); !st) return std::unexpected(st.error());
  }
  std::vector<std::string> keys = key_candidates(options.key);
  if (keys.empty()) {
    return fail(ErrorCode::kUsage, "'" + options.key + "' is not a key",
                "give the key encoding, e.g. '[\"k1\"]' or '[\"trader1\",\"2026-01-15\"]', or the plain "
                "value of a one-field key");
  }
  auto lock = ReplicaLock::acquire(repo);
  if (!lock) return std::unexpected(lock.error());
  auto all = load_current(repo, *config);
  if (!all) return std::unexpected(all.error());

  std::vector<const StoredConflict*> found, stale;
  for (const auto& sc : *all) {
    if (!options.collection.empty() && sc.collection != options.collection) continue;
    if (std::find(keys.begin(), keys.end(), sc.key) == keys.end()) continue;
    (sc.current ? found : stale).push_back(&sc);
  }
  std::string where = options.collection.empty() ? "" : " in collection '" + options.collection + "'";
  if (found.empty() && !stale.empty()) {
    return fail(ErrorCode::kConflict,
                fmt::format("the conflict on {} is stale: its shard '{}' no longer holds the value the "
                            "merge left there (the merge was redone or aborted, or the record changed since)",
                            list_keys(stale), stale.front()->path),
                "drop it with 'dbsync conflicts --prune'; 'dbsync sync' merges again if needed");
  }
  if (found.empty()) {
    return fail(ErrorCode::kUsage, "no conflict waits for key " + options.key + where,
                "'dbsync conflicts' lists the ones that wait");
  }
  if (found.size() > 1) {
    bool same_collection = std::all_of(found.begin(), found.end(), [&](const StoredConflict* sc) {
      return sc->collection == found.front()->collection;
    });
    return fail(ErrorCode::kUsage, "key " + options.key + " matches several conflicts: " + list_keys(found),
                same_collection ? "give the key encoding, e.g. '[\"42\"]' for text or '[42]' for a number"
                                : "name the collection: --collection NAME");
  }
  const StoredConflict& sc = *found.front();

  SnapshotLayout layout(repo);
  auto key_fields = collection_key(layout, *config, sc.collection);
  if (!key_fields) return std::unexpected(key_fields.error());
  Value doc;
  std::string label;
  if (options.take == TakeSide::kFile) {
    label = options.file.string();
    auto text = read_file(options.file);
    if (!text) return std::unexpected(text.error());
    auto parsed = parse_record_file(*text, label, *key_fields, sc.key);
    if (!parsed) return std::unexpected(parsed.error());
    doc = std::move(*parsed);
  } else {
    const char* side = options.take == TakeSide::kOurs ? "ours" : "theirs";
    label = sc.file.string() + " (" + side + ")";
    auto d = side_document(sc, side);
    if (!d) return std::unexpected(d.error());
    doc = std::move(*d);
    // In a duplicate conflict theirs is the removed duplicate: its values
    // go into the survivor, under the survivor's key.
    auto key_values = json::parse(sc.key);
    if (key_values && key_values->is_array() && key_values->as_array().size() == key_fields->size()) {
      for (size_t i = 0; i < key_fields->size(); ++i) doc.set((*key_fields)[i], key_values->as_array()[i]);
    }
  }
  auto doc_key = key_encoding(doc, *key_fields);
  if (!doc_key || *doc_key != sc.key) {
    return fail(ErrorCode::kBadInput, "'" + label + "': the record's key is not " + sc.key);
  }

  auto clock = HybridClock::load(LocalPaths(repo).clock(), local->replica, options.wall);
  if (!clock) return std::unexpected(clock.error());
  observe_revs(sc, *clock);
  Rev rev = clock->tick();
  ResolveResult result;
  result.collection = sc.collection;
  result.key = sc.key;
  result.path = sc.path;
  result.rev = rev.to_string();
  append_record_line_canonical(result.line, json::to_canonical(doc), result.rev);
  result.line.pop_back();
  auto parts = split_record_line(result.line);
  if (!parts) return std::unexpected(std::move(parts.error()).context("'" + label + "'"));
  if (auto st = check_record_line(*parts); !st) {
    return std::unexpected(Error(ErrorCode::kBadInput, "'" + label + "': " + st.error().message,
                                 "the record must fit a snapshot line (32 MiB, nesting depth 100)"));
  }
  // The rev is spent before it is written anywhere, so a crash in between
  // can never hand the same rev to two different documents.
  if (auto st = clock->save(); !st) return std::unexpected(st.error());

  uint32_t shard_count = config->collection(sc.collection).shards;
  fs::path shard_path = layout.shard_path(sc.collection, shard_of(sc.key, shard_count), shard_count);
  auto bytes = read_file(shard_path);
  if (!bytes) return std::unexpected(bytes.error());
  std::string provisional = json::to_canonical(*sc.content.find("provisional")) + "\n";
  size_t pos = bytes->starts_with(provisional) ? 0 : bytes->find("\n" + provisional);
  if (pos == std::string::npos) {
    return fail(ErrorCode::kConflict, "'" + sc.path + "' changed while resolving " + sc.key,
                "run 'dbsync conflicts' and try again");
  }
  if (pos != 0) ++pos;
  std::string updated = bytes->substr(0, pos) + result.line + "\n" + bytes->substr(pos + provisional.size());
  if (auto st = write_file_atomic(shard_path, updated); !st) return std::unexpected(st.error());
  if (auto st = remove_file_durable(sc.file); !st) return std::unexpected(st.error());

  for (const auto& other : *all) {
    if (&other != &sc && other.current) ++result.remaining;
  }
  git::Git git(repo);
  if (git.is_repository()) {
    result.merge_in_progress = merge_in_progress(git);
    result.rebase_in_progress = rebase_in_progress(git);
    auto unmerged = git.unmerged_paths();
    if (!unmerged) return std::unexpected(unmerged.error());
    bool others_in_shard = std::any_of(all->begin(), all->end(), [&](const StoredConflict& o) {
      return &o != &sc && o.current && o.path == sc.path;
    });
    if (!others_in_shard && std::find(unmerged->begin(), unmerged->end(), sc.path) != unmerged->end()) {
      if (auto r = git.run({"add", "--", sc.path}); !r) return std::unexpected(r.error());
      result.staged = true;
    }
  }
  return result;
}

}  // namespace dbsync
