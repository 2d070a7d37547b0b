// Engine::Open: verified recovery.
//   1. read the catalog; a missing catalog next to checkpoint directories (or
//      a truncated WAL) is "catalog lost": refuse, delete nothing (lesson 2)
//   2. verify the newest entry; fall back to an older one only under
//      FallbackPolicy::kOlderVerified, reported (lesson 7)
//   3. rebuild the state from the manifest's file chains (lesson 6)
//   4. replay the WAL after the checkpoint's position; cut a torn tail;
//      write the replayed records (and the catalog, after an interrupted
//      catalog write) again, durably: Open serves nothing a later power cut
//      can take away
//   5. startup GC of leftovers the engine named and nothing references
#include <algorithm>

#include "engine/engine_impl.h"
#include "engine/gc.h"
#include "engine/latest_hint.h"
#include "engine/layout.h"
#include "engine/verify.h"
#include "engine/wal_reader.h"

namespace crashlab::engine {

using faultfs::JoinPath;

Status CreateLayout(faultfs::Vfs& vfs, std::string_view dir) {
  CRASHLAB_RETURN_IF_ERROR(faultfs::MkdirAll(vfs, dir, /*sync=*/true));
  bool created = false;
  for (const std::string& sub :
       {layout::WalDir(dir), layout::CheckpointsDir(dir)}) {
    auto ex = faultfs::Exists(vfs, sub);
    if (!ex.ok()) return ex.status();
    if (!*ex) {
      CRASHLAB_RETURN_IF_ERROR(vfs.Mkdir(sub));
      created = true;
    }
  }
  if (created) CRASHLAB_RETURN_IF_ERROR(vfs.SyncDir(dir));
  auto ex = faultfs::Exists(vfs, layout::Catalog(dir));
  if (!ex.ok()) return ex.status();
  if (!*ex) {
    CatalogWrite cw = WriteCatalog(vfs, dir, Catalog{}, /*in_place=*/false,
                                   /*sync_dir=*/true);
    return cw.status;
  }
  return Status::Ok();
}

// What a previous process wrote may be visible without being durable: its
// fdatasync failed (fsyncgate: the kernel dropped the dirty pages and the
// next fsync returns 0, so syncing again proves nothing), it was killed
// before syncing, or the disk tore the write. Recovery must not serve such
// records and lose them at the next power cut, so it writes the bytes it
// replays again, at the same offsets (same bytes: the format is unchanged,
// and a torn rewrite leaves any durable sector as it was), and fdatasyncs
// each segment. A failure fails recovery (nothing is served).
Status Engine::Impl::RepersistWal(const WalReplay& replay, uint64_t* bytes) {
  for (const auto& range : replay.ranges) {
    auto f = vfs_.Open(range.path, faultfs::OpenOptions::ReadWrite());
    if (!f.ok()) return f.status();
    Status s = faultfs::WriteAll(**f, range.offset, range.bytes);
    if (s.ok()) s = (*f)->DataSync();
    Status c = (*f)->Close();
    if (s.ok()) s = c;
    if (!s.ok()) return s;
    *bytes += range.bytes.size();
  }
  return Status::Ok();
}

Status Engine::Init(faultfs::Vfs& vfs, std::string_view dir,
                    const Options& options) {
  CRASHLAB_RETURN_IF_ERROR(options.Validate());
  auto ex = faultfs::Exists(vfs, layout::Catalog(dir));
  if (!ex.ok()) return ex.status();
  if (*ex)
    return Status::IoError(EEXIST, layout::Catalog(dir),
                           "engine directory already initialised");
  auto entries = vfs.ListDir(layout::CheckpointsDir(dir));
  if (entries.ok()) {
    for (const auto& e : *entries) {
      if (layout::ParseId(e.name)) {
        return Status::Corruption(
            layout::Catalog(dir),
            "catalog-missing: checkpoint directories exist (e.g. " + e.name +
                "); use rebuild-catalog, not init");
      }
    }
  }
  return CreateLayout(vfs, dir);
}

Result<std::unique_ptr<Engine>> Engine::Open(faultfs::Vfs& vfs,
                                             std::string_view dir,
                                             const Options& options,
                                             RecoveryResult* recovery) {
  RecoveryResult local;
  RecoveryResult& res = recovery ? *recovery : local;
  res = RecoveryResult{};
  Status st = options.Validate();
  if (st.ok()) {
    auto impl = std::make_unique<Impl>(vfs, std::string(dir), options);
    st = impl->Recover(&res);
    if (st.ok()) {
      res.ok = true;
      impl->StartFlusher();
      return std::unique_ptr<Engine>(new Engine(std::move(impl)));
    }
  }
  res.ok = false;
  res.error = st.ToString();
  return st;
}

Status Engine::Impl::Recover(RecoveryResult* res) {
  auto& problems = res->problems;
  auto io_problem = [&](const Status& s) {
    problems.push_back({"io-error", s.path(), s.ToString(), s.err()});
    return s;
  };
  bool tolerate_wal_gap = false;

  // 1. Catalog.
  Catalog disk;
  auto cat = ReadCatalog(vfs_, dir_);
  if (cat.ok()) {
    disk = std::move(*cat);
  } else if (cat.status().err() != ENOENT) {
    if (!cat.status().is_corruption()) return io_problem(cat.status());
    Problem p{"catalog-corrupt", layout::Catalog(dir_),
              cat.status().message() +
                  "; nothing was deleted (see `ckpt rebuild-catalog`)"};
    problems.push_back(p);
    return ProblemStatus(p);
  } else {
    std::vector<std::string> orphans;
    auto entries = vfs_.ListDir(layout::CheckpointsDir(dir_));
    if (entries.ok()) {
      for (const auto& e : *entries) {
        if (layout::ParseId(e.name) && e.type == faultfs::FileType::kDirectory)
          orphans.push_back(e.name);
      }
    } else if (entries.status().err() != ENOENT) {
      return io_problem(entries.status());
    }
    auto segs = ListWalSegments(vfs_, dir_);
    if (!segs.ok()) return io_problem(segs.status());
    bool wal_truncated = !segs->empty() && segs->front().first_lsn > 1;
    if (!orphans.empty() || wal_truncated) {
      if (unsafe(UnsafeMode::kGcWhenCatalogMissing)) {
        // UNSAFE: "no catalog" read as "no checkpoints"; their files go.
        for (const auto& id : orphans) {
          Status s = RemoveCheckpointDir(vfs_, dir_, id, &res->deleted);
          if (!s.ok()) return io_problem(s);
        }
        tolerate_wal_gap = true;
      } else {
        std::string names;
        for (const auto& o : orphans) names += (names.empty() ? "" : ", ") + o;
        Problem p{
            "catalog-missing", layout::Catalog(dir_),
            "CATALOG.json is missing but " +
                (orphans.empty() ? "the WAL starts at lsn " +
                                       std::to_string(segs->front().first_lsn)
                                 : "checkpoint directories exist: " + names) +
                "; refusing to start, nothing was deleted (run `ckpt "
                "rebuild-catalog`)"};
        problems.push_back(p);
        return ProblemStatus(p);
      }
    }
    if (!opt_.create_if_missing) {
      return Status::IoError(ENOENT, layout::Catalog(dir_),
                             "no engine here (create_if_missing is off)");
    }
    Status s = CreateLayout(vfs_, dir_);
    if (!s.ok()) return io_problem(s);
    res->fresh = true;
  }

  // The checkpoint log and HEAD: derived from the catalog, read now and
  // checked against it once a checkpoint is chosen (CrossCheckLogAndHead).
  LogScan scan;
  std::optional<std::string> head;
  bool head_corrupt = false;
  {
    auto ls = ScanCheckpointLog(vfs_, dir_);
    if (ls.ok()) {
      scan = std::move(*ls);
    } else {
      res->warnings.push_back("checkpoint log unreadable: " +
                              ls.status().ToString());
      res->log_status = "unreadable";
    }
    auto h = ReadHead(vfs_, dir_);
    if (h.ok()) {
      head = *h;
    } else {
      head_corrupt = true;
      res->warnings.push_back("HEAD unreadable: " + h.status().ToString());
    }
  }
  // The LATEST hint: read now, compared with the chosen checkpoint at the
  // end (CheckLatestHint); an unreadable one is reported, never fatal.
  LatestHint latest;
  {
    auto l = ReadLatest(vfs_, dir_);
    if (l.ok()) {
      latest = std::move(*l);
    } else {
      res->latest_status = "unreadable";
      res->warnings.push_back(
          "latest-hint-unreadable: " + l.status().ToString() +
          " (ignored; the catalog decides)");
    }
  }

  // 2. Choose and verify a checkpoint, newest first.
  std::vector<CheckpointInfo> list = disk.checkpoints;
  if (unsafe(UnsafeMode::kTrustHead)) {
    // UNSAFE: the newest checkpoint is what HEAD (else the log) names; the
    // catalog's newer entries are dropped as if never committed.
    std::string named = head                   ? *head
                        : scan.records.empty() ? std::string()
                                               : scan.records.back().info.id;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].id == named) {
        list.resize(i + 1);
        break;
      }
    }
  }
  std::string trusted_latest;  // unsafe trust-latest: loaded unverified
  if (unsafe(UnsafeMode::kTrustLatest) && latest.valid) {
    // UNSAFE: LATEST names the newest checkpoint. Newer catalog entries are
    // dropped as if never committed; an id the catalog does not list is
    // taken from its own manifest; either is loaded without verification.
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const auto& c) { return c.id == latest.id; });
    if (it != list.end()) {
      list.erase(it + 1, list.end());
      trusted_latest = latest.id;
    } else {
      VerifiedCheckpoint v =
          VerifyCheckpoint(vfs_, dir_, latest.id, "", "", false,
                           /*pass_everything=*/true);
      if (v.manifest) {
        std::erase_if(list, [&](const auto& c) { return c.id > latest.id; });
        list.push_back(v.report.info);
        trusted_latest = latest.id;
      }
    }
  }
  int chosen = -1;
  std::optional<Manifest> manifest;
  for (int i = static_cast<int>(list.size()) - 1; i >= 0; --i) {
    const CheckpointInfo& c = list[i];
    std::vector<Problem> found;
    if (unsafe(UnsafeMode::kSkipVerify)) {
      // UNSAFE: load whatever is there; absent files load as empty.
      std::string mpath = layout::Manifest(dir_, c.id);
      auto text = faultfs::ReadFile(vfs_, mpath);
      auto m = text.ok() ? Manifest::Parse(*text, mpath)
                         : Result<Manifest>(text.status());
      if (m.ok()) {
        std::map<std::string, std::string> contents;
        for (const auto& f : m->files) {
          std::string path = layout::StateFile(dir_, f.owner, f.name);
          auto data = faultfs::ReadFile(vfs_, path);
          if (data.ok()) contents[path] = std::move(*data);
        }
        kv_.clear();
        if (LoadCheckpointState(dir_, *m, contents, /*missing_is_empty=*/true,
                                &kv_, &found)) {
          chosen = i;
          manifest = std::move(*m);
          break;
        }
      } else {
        found.push_back({"manifest-corrupt", mpath, m.status().message(), 0});
      }
    } else {
      VerifiedCheckpoint v = VerifyCheckpoint(
          vfs_, dir_, c.id, c.manifest_sha256, opt_.schema_fingerprint,
          /*keep_contents=*/true,
          unsafe(UnsafeMode::kVerifyPassesAll) || c.id == trusted_latest);
      found = v.report.problems;
      if (v.report.ok) {
        kv_.clear();
        if (LoadCheckpointState(dir_, *v.manifest, v.contents, false, &kv_,
                                &found)) {
          chosen = i;
          manifest = std::move(v.manifest);
          break;
        }
      }
    }
    problems.insert(problems.end(), found.begin(), found.end());
    res->skipped_checkpoints.push_back(c.id);
    if (opt_.fallback != FallbackPolicy::kOlderVerified) {
      // "<first code>: checkpoint <id> failed verification: <problems>; ..."
      std::string msg = found.empty() ? std::string() : found.front().code;
      msg.append(msg.empty() ? "" : ": ").append("checkpoint ").append(c.id);
      msg.append(" failed verification:");
      for (const auto& p : found)
        msg.append(" ").append(p.ToString()).append(";");
      msg.append(" no fallback (policy none), nothing was deleted");
      return Status::Corruption(layout::CheckpointDir(dir_, c.id), msg);
    }
  }
  if (!list.empty() && chosen < 0) {
    kv_.clear();
    return Status::Corruption(
        layout::Catalog(dir_),
        "no checkpoint in the catalog verifies; nothing was deleted");
  }
  res->fallback_used = chosen >= 0 && !res->skipped_checkpoints.empty();
  // Shard-count validation: a checkpoint partitioned differently is refused
  // before anything is written, unless a reshard was asked for.
  if (chosen >= 0 && manifest->partitions != opt_.partitions && !opt_.reshard) {
    Problem p{"shard-count-mismatch", layout::Manifest(dir_, list[chosen].id),
              "checkpoint " + list[chosen].id + " has " +
                  std::to_string(manifest->partitions) +
                  " partitions, the engine was opened with " +
                  std::to_string(opt_.partitions) +
                  "; open with the same count, or migrate explicitly "
                  "(Options::reshard, `ckpt reshard`); nothing was changed"};
    problems.push_back(p);
    kv_.clear();
    return ProblemStatus(p);
  }
  if (chosen >= 0 && manifest->partitions != opt_.partitions)
    res->resharded_from = manifest->partitions;

  catalog_.next_seq = disk.next_seq;
  for (const auto& c : list) {
    max_epoch_ = std::max(max_epoch_, c.epoch);
    if (auto s = layout::ParseId(c.id))
      catalog_.next_seq = std::max(catalog_.next_seq, *s + 1);
  }
  uint64_t position = 0;
  if (chosen >= 0) {
    catalog_.checkpoints.assign(list.begin(), list.begin() + chosen + 1);
    const CheckpointInfo& c = list[chosen];
    res->checkpoint_id = c.id;
    res->epoch = c.epoch;
    res->wal_position = position = c.wal_position;
    offsets_ = manifest->source_offsets;
    watermark_ = manifest->watermark;
    newest_ = std::move(manifest);
    last_checkpoint_ms_ = c.created_ms;
  }
  // A fallback drops the skipped entries at the next catalog write; their
  // directories stay until then (evidence), and their epochs are never reused.

  // 3. WAL replay.
  auto replay = ReadWal(vfs_, dir_, position, unsafe(UnsafeMode::kTrustTornWal),
                        &problems);
  if (!replay.ok() && tolerate_wal_gap) {
    // UNSAFE gc-when-catalog-missing: start from whatever the log still has.
    problems.clear();
    auto segs = ListWalSegments(vfs_, dir_);
    if (segs.ok() && !segs->empty()) {
      position = segs->front().first_lsn - 1;
      replay = ReadWal(vfs_, dir_, position, unsafe(UnsafeMode::kTrustTornWal),
                       &problems);
    }
  }
  if (!replay.ok()) return replay.status();
  for (const auto& r : replay->records) Apply(r);
  res->records_replayed = replay->records.size();
  last_lsn_ = std::max(replay->last_lsn, position);
  if (!replay->torn_segment.empty()) {
    // Cut the torn tail durably, so the segment is clean when it is no
    // longer the last one.
    auto f = vfs_.Open(replay->torn_segment, faultfs::OpenOptions::ReadWrite());
    if (!f.ok()) return io_problem(f.status());
    Status s = (*f)->Truncate(replay->torn_valid_bytes);
    if (s.ok()) s = (*f)->Sync();
    Status c = (*f)->Close();
    if (s.ok()) s = c;
    if (!s.ok()) return io_problem(s);
    res->bytes_cut = replay->bytes_cut;
    res->torn_segment = replay->torn_segment;
  }
  {
    Status s = RepersistWal(*replay, &res->bytes_repersisted);
    if (!s.ok()) return io_problem(s);
  }
  if (!res->fresh) {
    // A catalog write that was interrupted (a crash, or a failure and a
    // failed restore) leaves its tmp file. The catalog read may then be
    // visible without being durable (a rename whose directory fsync failed
    // and could not be undone), so it is written again (tmp, fsync, rename,
    // fsync checkpoints/) before its list is served or deleted by. Same
    // content; the skipped entries of a fallback stay.
    auto tmp = faultfs::Exists(vfs_, layout::CatalogTmp(dir_));
    if (!tmp.ok()) return io_problem(tmp.status());
    if (*tmp) {
      CatalogWrite cw =
          WriteCatalog(vfs_, dir_, disk, unsafe(UnsafeMode::kCatalogInPlace),
                       !unsafe(UnsafeMode::kSkipDirFsync));
      if (!cw.status.ok()) return io_problem(cw.status);
      res->catalog_repersisted = true;
    }
  }
  auto segs = ListWalSegments(vfs_, dir_);
  if (!segs.ok()) return io_problem(segs.status());
  std::vector<uint64_t> firsts;
  for (const auto& s : *segs) {
    if (s.first_lsn <= last_lsn_ + 1) firsts.push_back(s.first_lsn);
  }
  wal_ = std::make_unique<WalWriter>(
      vfs_, dir_,
      WalWriter::Settings{opt_.wal_segment_bytes,
                          unsafe(UnsafeMode::kAckBeforeFsync) ||
                              unsafe(UnsafeMode::kFrozenDurableLsn)},
      std::move(firsts), last_lsn_ + 1);
  recovered_lsn_ = last_lsn_;

  CrossCheckLogAndHead(disk, scan, head, head_corrupt, res);
  if (res->latest_status != "unreadable") CheckLatestHint(disk, latest, res);

  // 4. Startup GC: only names the engine made, only what no catalog entry
  // (skipped ones included) references. Failures are reported, not fatal.
  if (opt_.startup_gc) {
    References refs;
    std::vector<Problem> gc_problems;
    Status s =
        CollectReferences(vfs_, dir_, list, false, false, &refs, &gc_problems);
    std::set<std::string> keep_ids;
    for (const auto& c : list) keep_ids.insert(c.id);
    std::vector<std::string> kept;
    if (s.ok())
      s = DeleteUnreferenced(vfs_, dir_, refs, keep_ids, &res->deleted, &kept);
    if (s.ok() && !res->fallback_used) s = TruncateWal(&res->deleted);
    if (!s.ok()) {
      problems.push_back(
          {"startup-gc-skipped", s.path(), s.ToString(), s.err()});
    }
  }

  res->last_lsn = last_lsn_;
  res->keys = kv_.size();
  for (const auto& c : catalog_.checkpoints) res->catalog.push_back(c.id);
  return Status::Ok();
}

}  // namespace crashlab::engine
