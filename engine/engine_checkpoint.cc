// The checkpoint commit protocol (docs/design.md "The engine's
// on-disk protocol"):
//   1. flush + fdatasync the WAL up to the checkpoint's position
//   2. pick an id above every name under checkpoints/ (partial dirs included)
//   3. write state files, fsync each; fsync their directories
//   4. write MANIFEST.json, fsync; write COMMITTED, fsync
//   5. fsync the checkpoint dir and checkpoints/
//   6. replace CATALOG.json atomically (tmp, fsync, rename, fsync dir) — the
//      commit point; only now the in-memory list changes
//   7. checkpoint log record (append + fdatasync), HEAD and the LATEST hint
//      (each tmp + fsync + rename + fsync dir), then GC, then WAL truncation
//      (failures are warnings)
// Any failure before the commit point leaves the in-memory list unchanged; a
// failure at the commit point restores the old catalog on disk. Nothing that
// failed to fsync is retried: the next attempt writes new files under a new id.
#include <algorithm>

#include "engine/engine_impl.h"
#include "engine/latest_hint.h"
#include "engine/layout.h"
#include "engine/sha256.h"
#include "engine/state_file.h"

namespace crashlab::engine {

using faultfs::JoinPath;

namespace {

// Smallest sequence number above every id in the catalog and every
// ckpt-* name present under checkpoints/ (so a partial directory from a
// crashed commit is never reused).
Result<uint64_t> NextSeq(faultfs::Vfs& vfs, std::string_view dir,
                         const Catalog& catalog) {
  uint64_t seq = catalog.next_seq;
  for (const auto& c : catalog.checkpoints) {
    if (auto s = layout::ParseId(c.id)) seq = std::max(seq, *s + 1);
  }
  auto entries = vfs.ListDir(layout::CheckpointsDir(dir));
  if (!entries.ok()) return entries.status();
  for (const auto& e : *entries) {
    if (auto s = layout::ParseId(e.name)) seq = std::max(seq, *s + 1);
  }
  return seq;
}

}  // namespace

Result<CheckpointResult> Engine::Impl::DoCheckpoint(CheckpointKind kind) {
  // 1. Everything up to last_lsn_ must be in the WAL before it can be cut.
  CRASHLAB_RETURN_IF_ERROR(wal_->Flush());
  const uint64_t position = last_lsn_;
  const bool sync_dirs = !unsafe(UnsafeMode::kSkipDirFsync);

  const CheckpointInfo* parent =
      catalog_.checkpoints.empty() ? nullptr : &catalog_.checkpoints.back();
  bool can_inherit = parent && newest_ && newest_->id == parent->id &&
                     newest_->partitions == opt_.partitions &&
                     newest_->op == opt_.operator_name &&
                     newest_->schema_fingerprint == opt_.schema_fingerprint;
  if (kind == CheckpointKind::kIncremental && !can_inherit)
    kind = CheckpointKind::kFull;

  // 2. A fresh id; mkdir is exclusive, so a name that appeared meanwhile is
  // skipped.
  auto seq = NextSeq(vfs_, dir_, catalog_);
  if (!seq.ok()) return seq.status();
  std::string id;
  for (int attempt = 0;; ++attempt) {
    id = layout::FormatId(*seq);
    Status st = vfs_.Mkdir(layout::CheckpointDir(dir_, id));
    if (st.ok()) break;
    if (st.err() != EEXIST || attempt > 100) return st;
    ++*seq;
  }
  const std::string cdir = layout::CheckpointDir(dir_, id);
  const std::string opdir = JoinPath(cdir, "operators/" + opt_.operator_name);
  CRASHLAB_RETURN_IF_ERROR(vfs_.Mkdir(JoinPath(cdir, "operators")));
  CRASHLAB_RETURN_IF_ERROR(vfs_.Mkdir(opdir));

  // 3. State files. Bucket keys by partition once (full snapshots need it).
  Manifest m;
  m.id = id;
  m.epoch = max_epoch_ + 1;
  m.parent = kind == CheckpointKind::kIncremental ? parent->id : "";
  m.kind = kind;
  m.created_ms = Now();
  m.wal_position = position;
  m.watermark = watermark_;
  m.source_offsets = offsets_;
  m.schema_fingerprint = opt_.schema_fingerprint;
  m.op = opt_.operator_name;
  m.partitions = opt_.partitions;

  std::vector<std::vector<const std::pair<const std::string, std::string>*>>
      buckets;
  auto bucket = [&](uint32_t p) -> const auto& {
    if (buckets.empty()) {
      buckets.resize(opt_.partitions);
      for (const auto& kv : kv_) buckets[PartitionOf(kv.first)].push_back(&kv);
    }
    return buckets[p];
  };
  uint64_t bytes_written = 0;
  for (uint32_t p = 0; p < opt_.partitions; ++p) {
    std::vector<ManifestFile> chain;
    if (kind == CheckpointKind::kIncremental)
      chain = newest_->PartitionFiles(p);
    size_t deltas = std::count_if(chain.begin(), chain.end(),
                                  [](auto& f) { return f.delta; });
    bool write_snap = kind == CheckpointKind::kFull || chain.empty() ||
                      deltas >= opt_.max_delta_chain;
    if (!write_snap && dirty_[p].empty()) {
      for (auto& f : chain)
        m.files.push_back(f);  // inherited, shared with the parent
      continue;
    }
    std::vector<StateChange> changes;
    if (write_snap) {
      chain.clear();
      for (const auto* kv : bucket(p))
        changes.push_back({kv->first, kv->second});
    } else {
      for (const auto& key : dirty_[p]) {
        auto it = kv_.find(key);
        changes.push_back({key, it == kv_.end()
                                    ? std::nullopt
                                    : std::optional<std::string>(it->second)});
      }
    }
    std::string data = EncodeStateFile(!write_snap, p, changes);
    ManifestFile f{layout::StateFileName(opt_.operator_name, p, !write_snap),
                   id,
                   p,
                   !write_snap,
                   data.size(),
                   Sha256Hex(data)};
    CRASHLAB_RETURN_IF_ERROR(faultfs::WriteFile(
        vfs_, layout::StateFile(dir_, id, f.name), data, /*sync=*/true));
    bytes_written += data.size();
    for (auto& c : chain) m.files.push_back(c);
    m.files.push_back(std::move(f));
  }
  if (sync_dirs) {
    CRASHLAB_RETURN_IF_ERROR(vfs_.SyncDir(opdir));
    CRASHLAB_RETURN_IF_ERROR(vfs_.SyncDir(JoinPath(cdir, "operators")));
  }

  // 4. Manifest and marker.
  m.bytes_written = bytes_written;
  std::string mtext = m.Serialize();
  std::string msha = Sha256Hex(mtext);
  CRASHLAB_RETURN_IF_ERROR(
      faultfs::WriteFile(vfs_, layout::Manifest(dir_, id), mtext, true));
  CRASHLAB_RETURN_IF_ERROR(
      faultfs::WriteFile(vfs_, layout::Marker(dir_, id), msha + "\n", true));
  bytes_written += mtext.size() + msha.size() + 1;

  // 5. Directory entries of the checkpoint and of its files.
  if (sync_dirs) {
    CRASHLAB_RETURN_IF_ERROR(vfs_.SyncDir(cdir));
    CRASHLAB_RETURN_IF_ERROR(vfs_.SyncDir(layout::CheckpointsDir(dir_)));
  }

  CheckpointResult result;
  if (unsafe(UnsafeMode::kTruncateWalEarly)) {
    // UNSAFE: the WAL is cut before the checkpoint is committed.
    Status st = wal_->TruncateUpTo(position, &result.gc.wal_deleted);
    if (!st.ok()) result.warnings.push_back("WAL truncation: " + st.ToString());
  }

  // 6. Commit point.
  CheckpointInfo info;
  info.id = id;
  info.epoch = m.epoch;
  info.parent = m.parent;
  info.kind = kind;
  info.wal_position = position;
  info.created_ms = m.created_ms;
  info.bytes_written = bytes_written;
  info.bytes_total = m.bytes_total();
  info.files = m.files.size();
  info.manifest_sha256 = msha;
  info.partitions = opt_.partitions;
  if (unsafe(UnsafeMode::kOmitAckedCheckpoint)) {
    // UNSAFE: acknowledged without a commit; the in-memory list (and so
    // checkpoints()) never shows it, and no restart finds it.
    result.info = info;
    return result;
  }
  Catalog next = catalog_;
  next.checkpoints.push_back(info);
  next.next_seq = *seq + 1;
  CatalogWrite cw = WriteCatalog(
      vfs_, dir_, next, unsafe(UnsafeMode::kCatalogInPlace), sync_dirs);
  if (!cw.status.ok()) {
    if (unsafe(UnsafeMode::kNoRollbackOnCommitError)) {
      // UNSAFE: callers now list a checkpoint no restart may find.
      catalog_ = std::move(next);
      newest_ = std::move(m);
      max_epoch_ = info.epoch;
      return cw.status;
    }
    if (cw.maybe_replaced) {
      // The new catalog may be visible: put the old one back (new tmp file,
      // new fsyncs; nothing failed is retried).
      CatalogWrite undo = WriteCatalog(
          vfs_, dir_, catalog_, unsafe(UnsafeMode::kCatalogInPlace), sync_dirs);
      if (!undo.status.ok()) disk_catalog_uncertain_ = true;
    }
    return cw.status;
  }
  catalog_ = std::move(next);
  disk_catalog_uncertain_ = false;
  newest_ = std::move(m);
  max_epoch_ = info.epoch;
  for (auto& d : dirty_) d.clear();
  wal_bytes_at_checkpoint_ = wal_->bytes_appended();
  last_checkpoint_ms_ = info.created_ms;
  result.info = info;

  // 7. After the commit: the checkpoint log record and HEAD (derived from
  // the catalog), the LATEST hint, GC, WAL truncation, log compaction. The
  // checkpoint stands whatever happens here.
  {
    Status st = AppendLog(info);
    if (!st.ok()) result.warnings.push_back("checkpoint log: " + st.ToString());
    st = WriteHead(vfs_, dir_, id, sync_dirs);
    if (!st.ok()) result.warnings.push_back("HEAD: " + st.ToString());
  }
  {
    // The LATEST hint, durably (tmp, fsync, rename, fsync checkpoints/):
    // a reader that sees it sees it after a power cut too.
    Status st = WriteLatest(vfs_, dir_, id, sync_dirs);
    if (!st.ok()) result.warnings.push_back("LATEST hint: " + st.ToString());
  }
  if (opt_.gc_after_checkpoint) {
    auto gc = DoGc();
    if (gc.ok()) {
      auto wal_deleted = std::move(result.gc.wal_deleted);
      result.gc = std::move(*gc);
      result.gc.wal_deleted.insert(result.gc.wal_deleted.begin(),
                                   wal_deleted.begin(), wal_deleted.end());
    } else {
      result.warnings.push_back("GC: " + gc.status().ToString());
    }
  } else if (!unsafe(UnsafeMode::kTruncateWalEarly)) {
    Status st = TruncateWal(&result.gc.wal_deleted);
    if (!st.ok()) result.warnings.push_back("WAL truncation: " + st.ToString());
  }
  if (opt_.checkpoint_log_max_bytes != 0 &&
      log_bytes_ > opt_.checkpoint_log_max_bytes) {
    auto c = DoCompactLog();
    if (!c.ok())
      result.warnings.push_back("checkpoint log compaction: " +
                                c.status().ToString());
  }
  return result;
}

}  // namespace crashlab::engine
