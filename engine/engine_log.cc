// The checkpoint log and HEAD (checkpoint_log.h): derived from the catalog,
// which stays the commit point. After a commit the record is appended and
// fdatasync'd and HEAD replaced atomically; at Open both are checked against
// the catalog and rewritten from it when they disagree.
#include <algorithm>
#include <set>

#include "engine/engine_impl.h"
#include "engine/layout.h"

namespace crashlab::engine {

Status Engine::Impl::AppendLog(const CheckpointInfo& info) {
  LogRecord r{info, info.partitions, log_bytes_};
  log_index_.push_back(r);
  if (!log_present_ || log_needs_rewrite_) return RewriteLogFromIndex();
  std::string rec = EncodeLogRecord(info, info.partitions);
  Status st = AppendCheckpointLog(vfs_, dir_, log_bytes_, rec);
  if (!st.ok()) {
    log_needs_rewrite_ = true;
    return st;
  }
  log_bytes_ += rec.size();
  return Status::Ok();
}

Status Engine::Impl::RewriteLogFromIndex() {
  uint64_t bytes = 0;
  Status st = RewriteCheckpointLog(vfs_, dir_, log_index_,
                                   !unsafe(UnsafeMode::kSkipDirFsync), &bytes);
  if (!st.ok()) {
    log_needs_rewrite_ = true;
    return st;
  }
  uint64_t off = 0;
  for (auto& r : log_index_) {
    r.offset = off;
    off += EncodeLogRecord(r.info, r.partitions).size();
  }
  log_bytes_ = bytes;
  log_present_ = true;
  log_needs_rewrite_ = false;
  return Status::Ok();
}

Result<LogCompaction> Engine::Impl::DoCompactLog() {
  LogCompaction out;
  out.records_before = log_index_.size();
  out.bytes_before = log_bytes_;
  std::set<std::string> ids;
  for (const auto& c : catalog_.checkpoints) ids.insert(c.id);
  std::vector<LogRecord> kept;
  for (const auto& r : log_index_) {
    if (ids.count(r.info.id)) kept.push_back(r);
  }
  log_index_ = std::move(kept);
  CRASHLAB_RETURN_IF_ERROR(RewriteLogFromIndex());
  out.records_after = log_index_.size();
  out.bytes_after = log_bytes_;
  return out;
}

void Engine::Impl::CrossCheckLogAndHead(const Catalog& disk,
                                        const LogScan& scan,
                                        const std::optional<std::string>& head,
                                        bool head_corrupt,
                                        RecoveryResult* res) {
  // --- the log: every catalog entry must be in it, nothing newer than the
  // catalog's newest entry may be. Older records (checkpoints GC removed)
  // are history and stay until compaction.
  if (res->log_status.empty() || res->log_status == "missing")
    res->log_status = scan.present ? scan.status : "missing";
  std::vector<LogRecord> merged;
  bool changed = scan.status != "ok";
  const std::string newest =
      disk.checkpoints.empty() ? "" : disk.checkpoints.back().id;
  std::map<std::string, const CheckpointInfo*> in_catalog;
  for (const auto& c : disk.checkpoints) in_catalog[c.id] = &c;
  std::set<std::string> have;
  for (const auto& r : scan.records) {
    auto it = in_catalog.find(r.info.id);
    if (it == in_catalog.end()
            ? r.info.id > newest
            : it->second->manifest_sha256 != r.info.manifest_sha256) {
      changed = true;  // ahead of the catalog, or disagreeing with it
      continue;
    }
    merged.push_back(r);
    have.insert(r.info.id);
  }
  bool behind = false;
  for (const auto& c : disk.checkpoints) {
    if (have.count(c.id)) continue;
    LogRecord r{c, c.partitions, 0};
    if (r.partitions == 0 && newest_ && newest_->id == c.id)
      r.partitions = newest_->partitions;
    merged.push_back(r);
    behind = true;
  }
  std::sort(merged.begin(), merged.end(),
            [](const LogRecord& a, const LogRecord& b) {
              return a.info.id < b.info.id;
            });
  if (behind && res->log_status == "ok") res->log_status = "behind";
  log_index_ = std::move(merged);
  log_present_ = scan.present;
  log_bytes_ = scan.valid_bytes;
  if ((changed && scan.present) || behind) {
    Status st = RewriteLogFromIndex();
    if (st.ok()) {
      res->log_rewritten = true;
    } else {
      res->warnings.push_back("checkpoint log not repaired: " + st.ToString());
    }
  }
  res->log_records = log_index_.size();

  // --- HEAD: must name the checkpoint recovery loaded.
  const std::string& chosen = res->checkpoint_id;
  res->head_id = head.value_or("");
  auto skipped = [&](const std::string& id) {
    return std::find(res->skipped_checkpoints.begin(),
                     res->skipped_checkpoints.end(),
                     id) != res->skipped_checkpoints.end();
  };
  if (head_corrupt) {
    res->head_status = "corrupt";
  } else if (!head) {
    res->head_status = chosen.empty() ? "none" : "missing";
  } else if (*head == chosen) {
    res->head_status = "ok";
  } else if (skipped(*head)) {
    res->head_status = "unverified";
  } else if (in_catalog.count(*head)) {
    res->head_status = "stale";
  } else {
    res->head_status = "unknown";
  }
  if (res->head_status != "ok" && res->head_status != "none" &&
      !chosen.empty()) {
    Status st =
        WriteHead(vfs_, dir_, chosen, !unsafe(UnsafeMode::kSkipDirFsync));
    if (st.ok()) {
      res->head_rewritten = true;
    } else {
      res->warnings.push_back("HEAD not repaired: " + st.ToString());
    }
  }
}

void Engine::Impl::CheckLatestHint(const Catalog& disk, const LatestHint& hint,
                                   RecoveryResult* res) const {
  std::vector<std::string> ids;
  for (const auto& c : disk.checkpoints) ids.push_back(c.id);
  const std::string& chosen = res->checkpoint_id;
  res->latest_id = hint.valid ? hint.id : "";
  res->latest_status =
      ClassifyLatestHint(hint, chosen, ids, res->skipped_checkpoints);
  const std::string& st = res->latest_status;
  if (st == "ok" || st == "none" || st == "missing") return;
  const std::string loaded =
      chosen.empty() ? std::string("no checkpoint") : chosen;
  std::string msg = "latest-hint-" + st + ": " + layout::Latest(dir_) + ": ";
  if (st == "invalid") {
    msg += hint.detail;
  } else if (st == "stale") {
    msg += "names " + hint.id + ", older than " + loaded +
           ", the catalog's newest verified checkpoint";
  } else if (st == "unverified") {
    msg += "names " + hint.id + ", which failed verification (" + loaded +
           " was loaded)";
  } else if (st == "unknown") {
    msg += "names " + hint.id + ", which the catalog does not list (" + loaded +
           " was loaded)";
  } else {
    msg += "names " + hint.id + " (" + loaded + " was loaded)";
  }
  msg +=
      "; ignored, the catalog decides (LATEST is replaced at the next "
      "checkpoint)";
  res->warnings.push_back(std::move(msg));
}

}  // namespace crashlab::engine
