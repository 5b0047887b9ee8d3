#include "sync/git_sync.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "git/git.h"
#include "json/canonical.h"
#include "merge/conflict_files.h"
#include "merge/duplicates.h"
#include "merge/shard_merge.h"
#include "report/driver_log.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "snapshot/verify.h"
#include "sync/conflicts.h"
#include "sync/git_sync_report.h"
#include "sync/lock.h"
#include "sync/matched.h"
#include "sync/pending.h"
#include "util/file.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

void step(const SyncOptions& options, const std::string& what) {
  if (options.on_step) options.on_step(what);
}

// The git settings sync reads, from one `git config -z --list` (one
// process instead of one per setting; every sync spawns git many times).
// Section and variable names come lower-cased, subsections as written.
class ConfigSnapshot {
 public:
  static Result<ConfigSnapshot> load(const git::Git& git) {
    auto out = git.run({"config", "-z", "--list"});
    if (!out) return std::unexpected(out.error());
    ConfigSnapshot c;
    for (const std::string& entry : git::split_nul(*out)) {
      size_t nl = entry.find('\n');
      // A later value of a key overrides an earlier one, as `git config --get` reads it.
      c.values_[entry.substr(0, nl)] = nl == std::string::npos ? "true" : entry.substr(nl + 1);
    }
    return c;
  }
  const std::string* get(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, std::string> values_;
};

// The remote to sync with: --remote, else the branch's upstream remote,
// else "origin"; it must exist.
Result<std::string> pick_remote(const git::Git& git, const ConfigSnapshot& config, const std::string& wanted,
                                const std::string& branch) {
  std::string remote = wanted;
  if (remote.empty()) {
    const std::string* up = config.get("branch." + branch + ".remote");
    remote = up != nullptr ? *up : "origin";
  }
  if (config.get("remote." + remote + ".url") != nullptr) return remote;
  // Remotes can also come from .git/remotes or .git/branches files.
  auto url = git.try_run({"remote", "get-url", remote});
  if (!url) return std::unexpected(url.error());
  if (url->exit_code != 0) {
    return fail(ErrorCode::kUsage, "no git remote '" + remote + "'",
                "add one: git remote add " + remote + " URL, or name it: dbsync sync --remote NAME");
  }
  return remote;
}

// git refuses to commit without an identity; a replica that has none
// commits as dbsync@<replica> rather than failing the sync.
std::vector<std::string> identity_args(const ConfigSnapshot& config, const std::string& replica) {
  std::vector<std::string> args;
  if (config.get("user.name") == nullptr) args.insert(args.end(), {"-c", "user.name=dbsync " + replica});
  if (config.get("user.email") == nullptr) args.insert(args.end(), {"-c", "user.email=dbsync@" + replica});
  return args;
}

// Stages the snapshot's paths and commits them when they differ from HEAD.
// Every git process costs (a sync runs a dozen), so a sync that expects
// nothing asks `git status` once; one whose export changed records stages
// and commits at once, and asks whether anything was staged only when the
// commit fails (the export may have matched HEAD already).
Result<bool> commit_snapshot(const git::Git& git, const std::vector<std::string>& identity,
                             const std::string& message, bool expect_changes) {
  const std::vector<std::string> paths{kSnapshotDirName, "dbsync.toml", ".gitattributes", ".gitignore"};
  if (!expect_changes) {
    std::vector<std::string> status{"status", "--porcelain", "-z", "--untracked-files=all", "--"};
    status.insert(status.end(), paths.begin(), paths.end());
    auto out = git.run(status);
    if (!out) return std::unexpected(out.error());
    if (out->empty()) return false;
  }
  std::vector<std::string> add{"add", "-A", "--"};
  add.insert(add.end(), paths.begin(), paths.end());
  if (auto r = git.run(add); !r) return std::unexpected(r.error());
  std::vector<std::string> args = identity;
  args.insert(args.end(), {"commit", "-q", "--no-verify", "-m", message});
  auto committed = git.try_run(args);
  if (!committed) return std::unexpected(committed.error());
  if (committed->exit_code == 0) return true;
  auto staged = git.try_run({"diff", "--cached", "--quiet"});
  if (!staged) return std::unexpected(staged.error());
  if (staged->exit_code == 0) return false;  // nothing to commit after all
  std::string why = committed->err.empty() ? committed->out : committed->err;
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return fail(ErrorCode::kUnavailable, "'git commit' failed: " + git::redact_credentials(why));
}

// What sync needs to know about the repository before it starts, from one
// `git rev-parse`: that this is a work tree, its git folder (whose
// MERGE_HEAD tells a merge in progress, gitrepository-layout(5)), and the
// branch HEAD names. HEAD is read as the file it is ("ref: refs/heads/…");
// any other form (another ref storage) asks `git symbolic-ref`.
struct RepoState {
  fs::path git_dir;
  std::optional<std::string> branch;  // nullopt: detached HEAD
  bool merging = false;
};

Result<RepoState> repo_state(const git::Git& git, const fs::path& repo) {
  auto r = git.try_run({"rev-parse", "--is-inside-work-tree", "--absolute-git-dir"});
  if (!r) return std::unexpected(r.error());
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < r->out.size();) {
    size_t nl = r->out.find('\n', pos);
    if (nl == std::string::npos) nl = r->out.size();
    lines.push_back(r->out.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (r->exit_code != 0 || lines.size() < 2 || lines[0] != "true") {
    return fail(ErrorCode::kUsage, "'" + repo.string() + "' is not a git repository",
                "run 'dbsync init' there first");
  }
  RepoState state;
  state.git_dir = lines[1];
  std::error_code ec;
  state.merging = fs::exists(state.git_dir / "MERGE_HEAD", ec);
  auto head = read_file(state.git_dir / "HEAD");
  constexpr std::string_view kBranchRef = "ref: refs/heads/";
  if (head && head->starts_with(kBranchRef)) {
    std::string name = head->substr(kBranchRef.size());
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
    if (!name.empty() && name.find('\n') == std::string::npos) {
      state.branch = name;
      return state;
    }
  }
  auto sym = git.try_run({"symbolic-ref", "--quiet", "HEAD"});
  if (!sym) return std::unexpected(sym.error());
  std::string ref = sym->out.substr(0, sym->out.find('\n'));
  if (sym->exit_code == 0 && ref.starts_with("refs/heads/")) state.branch = ref.substr(11);
  return state;
}

// The commits of this branch and of its remote-tracking branch (nullopt
// when absent), from one `git for-each-ref`.
struct BranchTips {
  std::optional<std::string> ours, theirs;
};

Result<BranchTips> branch_tips(const git::Git& git, const std::string& local_ref,
                               const std::string& remote_ref) {
  auto out = git.run({"for-each-ref", "--format=%(refname) %(objectname)", local_ref, remote_ref});
  if (!out) return std::unexpected(out.error());
  BranchTips tips;
  for (size_t pos = 0; pos < out->size();) {
    size_t nl = out->find('\n', pos);
    if (nl == std::string::npos) nl = out->size();
    std::string line = out->substr(pos, nl - pos);
    pos = nl + 1;
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    std::string name = line.substr(0, sp);
    if (name == local_ref) tips.ours = line.substr(sp + 1);
    if (name == remote_ref) tips.theirs = line.substr(sp + 1);
  }
  return tips;
}

// Names the records waiting for a decision, so the user sees at once what
// `dbsync conflicts` would list in full.
Error manual_conflicts_error(const Replica& replica, size_t paths) {
  std::string which;
  size_t records = 0;
  if (auto list = load_conflict_files(replica.repo, replica.config)) {
    for (const auto& sc : *list) {
      if (!sc.current) continue;
      if (++records > 5) continue;
      std::string fields;
      if (const json::Value* f = sc.content.find("fields"); f != nullptr && f->is_array()) {
        for (const auto& field : f->as_array()) {
          const json::Value* label = field.find("field");
          if (label == nullptr || !label->is_string()) continue;
          fields += (fields.empty() ? "" : ", ") + label->as_string();
        }
      }
      which += fmt::format("{}{} {} ({})", which.empty() ? "" : "; ", sc.collection, sc.key, fields);
    }
  }
  std::string message =
      records == 0
          ? fmt::format("the merge stopped: {} shard file(s) hold `manual` conflicts", paths)
          : fmt::format("the merge stopped: {} record{} wait{} for a decision (policy manual): {}{}", records,
                        records == 1 ? "" : "s", records == 1 ? "s" : "", which, records > 5 ? "; …" : "");
  return Error(ErrorCode::kConflict, message,
               "list them with 'dbsync conflicts', settle each with 'dbsync resolve KEY --take "
               "ours|theirs|FILE', then run 'dbsync sync' again");
}

// Rule 7 after a merge: duplicates may sit in any shard, so the driver
// (one shard at a time) cannot remove them; this pass does, per collection.
// git has committed the merge by then, so a `manual` conflict found here
// cannot leave a path unmerged as the driver's do: its record is written
// where `dbsync conflicts` lists it, stamped with the merged commit
// (`theirs`), the rewritten shards are left uncommitted, and the sync stops
// before anything is imported; held_by_duplicates() stops the next sync
// the same way until `dbsync resolve` settles it.
Result<std::map<std::string, std::vector<DuplicateRemoval>>> remove_duplicates(const Replica& replica,
                                                                               const std::string& theirs) {
  std::map<std::string, std::vector<DuplicateRemoval>> out;
  auto names = replica.layout.list_collections();
  if (!names) return std::unexpected(names.error());
  bool manual = false;
  for (const auto& name : *names) {
    const CollectionConfig& cc = replica.config.collection(name);
    if (cc.unique.empty()) continue;
    auto key = collection_key(replica.layout, replica.config, name);
    if (!key) return std::unexpected(key.error());
    auto outcome = resolve_duplicates(replica.layout, name, cc, *key);
    if (!outcome) return std::unexpected(outcome.error());
    if (outcome->result == MergeResult::kConflict) {
      if (auto st = write_conflict_files(replica.repo, name, cc.shards, outcome->manual); !st) {
        return std::unexpected(st.error());
      }
      manual = true;
    }
    if (!outcome->removals.empty()) out[name] = std::move(outcome->removals);
  }
  if (manual) {
    if (auto st = stamp_conflict_files(replica.repo, replica.config, theirs); !st) {
      return std::unexpected(st.error());
    }
    return std::unexpected(manual_conflicts_error(replica, 1));
  }
  return out;
}

// Whether a `manual` conflict of the duplicates pass still waits (see
// remove_duplicates). Conflicts the driver raised hold the sync through
// their unmerged paths instead, and are left to that check.
Result<size_t> held_by_duplicates(const Replica& replica) {
  std::error_code ec;
  if (!fs::exists(replica.repo / kConflictsDir, ec)) return 0;
  ListConflictsOptions list;
  list.repo = replica.repo;
  auto waiting = list_conflicts(list);
  if (!waiting) return std::unexpected(waiting.error());
  size_t held = 0;
  for (const auto& sc : waiting->current) {
    const json::Value* kind = sc.content.find("kind");
    if (kind != nullptr && kind->is_string() && kind->as_string() == "duplicate") ++held;
  }
  return held;
}

// The blob at stage 1-3 of an unmerged path, "" when that stage is absent.
Result<std::optional<std::string>> stage_blob(const git::Git& git, int stage, const std::string& path) {
  auto r = git.try_run({"cat-file", "blob", ":" + std::to_string(stage) + ":" + path});
  if (!r) return std::unexpected(r.error());
  if (r->exit_code != 0) return std::optional<std::string>{};
  return std::optional<std::string>(std::move(r->out));
}

// git calls the driver only when both sides hold a shard. A shard one side
// emptied is removed by its export (docs/MERGE.md), so a change on the other
// side makes a modify/delete conflict that git stops on without asking the
// driver. Such a shard is merged here exactly as the driver would, the
// deleted side read as an empty shard, and staged; a `manual` conflict in it
// is written where `dbsync conflicts` finds it and the path stays unmerged.
Status merge_deleted_shards(const git::Git& git, const Replica& replica,
                            const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    std::string prefix = std::string(kSnapshotDirName) + "/";
    size_t slash = path.find('/', prefix.size());
    if (!path.starts_with(prefix) || slash == std::string::npos) continue;
    std::string collection = path.substr(prefix.size(), slash - prefix.size());
    if (!is_plain_collection_name(collection)) continue;
    const CollectionConfig& cc = replica.config.collection(collection);
    uint32_t shard = 0;
    if (!parse_shard_file_name(path.substr(slash + 1), cc.shards, shard)) continue;
    auto base = stage_blob(git, 1, path);
    auto ours = stage_blob(git, 2, path);
    auto theirs = stage_blob(git, 3, path);
    if (!base) return std::unexpected(base.error());
    if (!ours) return std::unexpected(ours.error());
    if (!theirs) return std::unexpected(theirs.error());
    if (*ours && *theirs) continue;  // both sides hold it: the driver has had its say
    auto key = collection_key(replica.layout, replica.config, collection);
    if (!key) return std::unexpected(key.error());
    // The views below point into these.
    std::string base_bytes = base->value_or(""), ours_bytes = ours->value_or("");
    std::string theirs_bytes = theirs->value_or("");
    ShardMergeInput in;
    in.base = base_bytes;
    in.ours = ours_bytes;
    in.theirs = theirs_bytes;
    in.base_label = path + " (base)";
    in.ours_label = path + " (ours)";
    in.theirs_label = path + " (theirs)";
    in.spec = ShardSpec{*key, shard, cc.shards, false};
    auto merged = merge_shard(in, cc);
    if (!merged) return std::unexpected(merged.error());
    fs::path file = replica.repo / path;
    if (merged->bytes.empty() && merged->result == MergeResult::kClean) {
      if (auto r = git.run({"rm", "-q", "--cached", "--", path}); !r) return std::unexpected(r.error());
      if (auto st = remove_file_durable(file); !st) return st;
      continue;
    }
    if (auto st = write_file_atomic(file, merged->bytes); !st) return st;
    Report report = shard_merge_report(collection, *merged);
    if (auto st = write_driver_record(replica.repo, path, shard, merged->bytes, report); !st) return st;
    if (merged->result == MergeResult::kConflict) {
      for (auto& m : merged->manual) m.shard = shard;
      if (auto st = write_conflict_files(replica.repo, collection, cc.shards, merged->manual); !st) return st;
      continue;
    }
    if (auto r = git.run({"add", "--", path}); !r) return std::unexpected(r.error());
  }
  return {};
}

bool push_was_rejected(const ProcessResult& r) {
  for (const char* sign :
       {"[rejected]", "non-fast-forward", "fetch first", "[remote rejected]", "stale info"}) {
    if (r.err.find(sign) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

Result<SyncResult> run_sync(const SyncOptions& options) {
  auto opened = open_replica(options.replica);
  if (!opened) return std::unexpected(opened.error());
  Replica& replica = *opened;
  auto lock = ReplicaLock::acquire(replica.repo);
  if (!lock) return std::unexpected(lock.error());
  git::Git git(replica.repo);
  auto state = repo_state(git, replica.repo);
  if (!state) return std::unexpected(state.error());
  if (!state->branch) {
    return fail(ErrorCode::kUsage, "HEAD is detached; dbsync syncs a branch", "git switch <branch>");
  }
  SyncResult result;
  result.branch = *state->branch;
  auto git_config = ConfigSnapshot::load(git);
  if (!git_config) return std::unexpected(git_config.error());
  auto remote = pick_remote(git, *git_config, options.remote, result.branch);
  if (!remote) return std::unexpected(remote.error());
  result.remote = *remote;
  const std::vector<std::string> identity = identity_args(*git_config, replica.local.replica);
  const std::string local_ref = "refs/heads/" + result.branch;
  const std::string remote_ref = "refs/remotes/" + result.remote + "/" + result.branch;

  // A merge left by a settled `manual` conflict is concluded first; its
  // report is this sync's, unless a later merge in this run replaces it.
  std::optional<MergedCommits> merged_commits;
  if (state->merging) {
    auto unmerged = git.unmerged_paths();
    if (!unmerged) return std::unexpected(unmerged.error());
    if (!unmerged->empty()) return std::unexpected(manual_conflicts_error(replica, unmerged->size()));
    auto ours = git.head();
    auto theirs = git.resolve("MERGE_HEAD");
    if (!ours) return std::unexpected(ours.error());
    if (!theirs) return std::unexpected(theirs.error());
    std::vector<std::string> args = identity;
    args.insert(args.end(), {"commit", "-q", "--no-verify", "--no-edit"});
    if (auto r = git.run(args); !r) return std::unexpected(r.error());
    if (*ours && *theirs) merged_commits = MergedCommits{**ours, **theirs};
    result.merged = true;
  }

  // Nothing is imported while a duplicates conflict waits for a decision.
  auto held = held_by_duplicates(replica);
  if (!held) return std::unexpected(held.error());
  if (*held > 0) return std::unexpected(manual_conflicts_error(replica, *held));

  auto ahead = working_tree_ahead(replica);
  if (!ahead) return std::unexpected(ahead.error());
  if (*ahead) {
    step(options, "importing what the working tree holds");
    auto imported = import_replica(replica);
    if (!imported) return std::unexpected(imported.error());
    result.pending_import = std::move(*imported);
  }

  step(options, "exporting the database");
  auto exported = export_replica(replica);
  if (!exported) return std::unexpected(exported.error());
  result.exported = std::move(*exported);
  std::string message =
      fmt::format("dbsync: export from {} ({} added, {} changed, {} deleted)", replica.local.replica,
                  result.exported.added, result.exported.changed, result.exported.deleted);
  bool exported_changes = result.exported.added + result.exported.changed + result.exported.deleted > 0;
  auto committed = commit_snapshot(git, identity, message, exported_changes);
  if (!committed) return std::unexpected(committed.error());
  result.committed_export = *committed;

  std::map<std::string, std::vector<DuplicateRemoval>> duplicates;
  // HEAD's commit as this run last saw it (nullopt: unborn branch).
  std::optional<std::string> head;
  for (result.attempts = 1; result.attempts <= options.max_attempts; ++result.attempts) {
    step(options, "fetching " + result.remote);
    if (auto r = git.run({"fetch", "-q", result.remote}); !r) return std::unexpected(r.error());
    auto tips = branch_tips(git, local_ref, remote_ref);
    if (!tips) return std::unexpected(tips.error());
    head = tips->ours;
    const std::optional<std::string>& theirs = tips->theirs;
    // Whether the remote has commits HEAD lacks; a fast-forward leaves HEAD
    // at theirs, so only a real merge needs HEAD read back.
    bool need_merge = false, fast_forward = false;
    if (theirs && head && *theirs != *head) {
      auto base = git.try_run({"merge-base", *head, *theirs});
      if (!base) return std::unexpected(base.error());
      std::string b = base->exit_code == 0 ? base->out.substr(0, base->out.find('\n')) : std::string();
      need_merge = b != *theirs;
      fast_forward = b == *head;
    } else if (theirs && !head) {
      need_merge = fast_forward = true;
    }
    if (need_merge) {
      step(options, "merging " + result.remote + "/" + result.branch);
      std::vector<std::string> args = identity;
      if (head) {
        args.insert(
            args.end(),
            {"merge", "-q", "--ff", "--no-edit", "--no-verify", "--allow-unrelated-histories", "-m",
             "dbsync: merge " + result.remote + "/" + result.branch + " into " + replica.local.replica,
             *theirs});
      } else {
        // Nothing committed here yet: take the remote branch as it is.
        args.insert(args.end(), {"reset", "-q", "--hard", *theirs});
      }
      auto merged = git.try_run(args);
      if (!merged) return std::unexpected(merged.error());
      if (merged->exit_code != 0) {
        auto unmerged = git.unmerged_paths();
        if (!unmerged || unmerged->empty()) {
          return fail(ErrorCode::kUnavailable, "git merge failed: " + git::redact_credentials(merged->err));
        }
        if (auto st = merge_deleted_shards(git, replica, *unmerged); !st) return std::unexpected(st.error());
        unmerged = git.unmerged_paths();
        if (!unmerged) return std::unexpected(unmerged.error());
        if (!unmerged->empty()) {
          if (auto st = stamp_conflict_files(replica.repo, replica.config, *theirs); !st) {
            return std::unexpected(st.error());
          }
          return std::unexpected(manual_conflicts_error(replica, unmerged->size()));
        }
        std::vector<std::string> commit = identity;
        commit.insert(commit.end(), {"commit", "-q", "--no-verify", "--no-edit"});
        if (auto r = git.run(commit); !r) return std::unexpected(r.error());
        fast_forward = false;
      }
      result.merged = true;
      if (head) merged_commits = MergedCommits{*head, *theirs};
      auto removed = remove_duplicates(replica, *theirs);
      if (!removed) return std::unexpected(removed.error());
      for (auto& [name, list] : *removed) {
        result.duplicates_removed += list.size();
        auto& all = duplicates[name];
        all.insert(all.end(), list.begin(), list.end());
      }
      bool dedup_commit = false;
      if (!removed->empty()) {
        auto c = commit_snapshot(git, identity, "dbsync: remove duplicates under `unique`", true);
        if (!c) return std::unexpected(c.error());
        dedup_commit = *c;
      }
      if (fast_forward && !dedup_commit) {
        head = theirs;
      } else {
        auto now = git.head();
        if (!now) return std::unexpected(now.error());
        head = *now;
      }
      step(options, "importing the merged snapshot");
      auto imported = import_replica(replica);
      if (!imported) return std::unexpected(imported.error());
      result.imported = std::move(*imported);
    }
    if (!head) break;  // nothing to push: an empty database and an empty remote
    if (theirs && *theirs == *head) {
      result.pushed = false;
      break;
    }
    step(options, "pushing to " + result.remote);
    std::vector<std::string> push{"push", "-q"};
    if (git_config->get("branch." + result.branch + ".merge") == nullptr) push.push_back("-u");
    push.insert(push.end(), {result.remote, "HEAD:refs/heads/" + result.branch});
    auto pushed = git.try_run(push);
    if (!pushed) return std::unexpected(pushed.error());
    if (pushed->exit_code == 0) {
      result.pushed = true;
      break;
    }
    if (!push_was_rejected(*pushed)) {
      return fail(ErrorCode::kUnavailable, "git push failed: " + git::redact_credentials(pushed->err),
                  "check the remote's URL and your credentials, then run 'dbsync sync' again");
    }
    step(options, "the remote moved on; merging again");
  }
  if (result.attempts > options.max_attempts) {
    return fail(ErrorCode::kUnavailable,
                fmt::format("the push lost to other replicas' pushes {} times", options.max_attempts),
                "run 'dbsync sync' again; everything so far is committed locally");
  }

  if (head) {
    result.head = *head;
    if (auto st = record_matched_commit(replica.repo, result.head); !st) return std::unexpected(st.error());
  }

  ReportInfo info;
  info.replica = replica.local.replica;
  info.database = redact_url(replica.db_url);
  auto report = build_sync_report(git, replica, merged_commits, duplicates, info);
  if (!report) return std::unexpected(report.error());
  result.report = std::move(*report);
  std::string id = fmt::format("{}-sync", utc_now_iso());
  std::replace(id.begin(), id.end(), ':', '-');
  fs::path dir = replica.paths.reports();
  if (auto st = write_file_atomic(dir / (id + ".txt"), render_text(result.report)); !st) {
    return std::unexpected(st.error());
  }
  if (auto st =
          write_file_atomic(dir / (id + ".json"), json::to_canonical(report_to_json(result.report)) + "\n");
      !st) {
    return std::unexpected(st.error());
  }
  result.report_path = (dir / (id + ".txt")).string();
  return result;
}

}  // namespace dbsync
