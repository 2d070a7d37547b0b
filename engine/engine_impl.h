#pragma once
// Engine internals, shared by engine.cc (writes, reads), engine_checkpoint.cc
// (commit protocol), engine_gc.cc (retention) and engine_recover.cc (Open).
// Not a public header.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/catalog.h"
#include "engine/checkpoint_log.h"
#include "engine/engine.h"
#include "engine/latest_hint.h"
#include "engine/manifest.h"
#include "engine/wal_reader.h"
#include "engine/wal_writer.h"

namespace crashlab::engine {

class Engine::Impl {
 public:
  Impl(faultfs::Vfs& vfs, std::string dir, Options options);
  ~Impl();

  // All below REQUIRE mu_ held, except Recover (before the engine is shared).
  Status Recover(RecoveryResult* res);
  // Writes the replayed WAL bytes again and fdatasyncs them
  // (engine_recover.cc).
  Status RepersistWal(const WalReplay& replay, uint64_t* bytes);
  Result<Lsn> Append(WalRecord r);
  void Apply(const WalRecord& r);
  Status FlushWal();
  Result<CheckpointResult> DoCheckpoint(CheckpointKind kind);
  Result<GcResult> DoGc();
  Status TruncateWal(std::vector<std::string>* deleted);
  // The checkpoint log (engine_log.cc): append after a commit, rewrite from
  // the index, compact to the catalog's checkpoints.
  Status AppendLog(const CheckpointInfo& info);
  Status RewriteLogFromIndex();
  Result<LogCompaction> DoCompactLog();
  // Open: checks the log and HEAD against the catalog and repairs them.
  void CrossCheckLogAndHead(const Catalog& disk, const LogScan& scan,
                            const std::optional<std::string>& head,
                            bool head_corrupt, RecoveryResult* res);
  // Open: compares the LATEST hint with the checkpoint chosen from the
  // catalog; a disagreement is a named warning and the hint is ignored
  // (engine_log.cc).
  void CheckLatestHint(const Catalog& disk, const LatestHint& hint,
                       RecoveryResult* res) const;
  uint32_t PartitionOf(std::string_view key) const;
  bool unsafe(UnsafeMode m) const { return opt_.unsafe.has(m); }
  uint64_t Now() const;
  void StartFlusher();
  void StopFlusher();

  faultfs::Vfs& vfs_;
  const std::string dir_;
  const Options opt_;

  mutable std::mutex mu_;
  // --- state (GUARDED_BY(mu_)) ---
  std::map<std::string, std::string> kv_;
  std::map<std::string, uint64_t> offsets_;
  uint64_t watermark_ = 0;
  // Keys changed since the newest committed checkpoint, per partition.
  std::vector<std::set<std::string>> dirty_;
  Lsn last_lsn_ = 0;
  Lsn recovered_lsn_ = 0;  // last_lsn_ when Open's recovery ended
  // --- checkpoints (GUARDED_BY(mu_)) ---
  Catalog catalog_;                 // the in-memory list: committed checkpoints
  std::optional<Manifest> newest_;  // manifest of catalog_.checkpoints.back()
  uint64_t max_epoch_ = 0;  // highest epoch ever seen (incl. skipped ones)
  // A catalog write failed after the new file may have become visible and
  // could not be restored: the next GC rewrites the catalog first.
  bool disk_catalog_uncertain_ = false;
  uint64_t wal_bytes_at_checkpoint_ = 0;
  uint64_t last_checkpoint_ms_ = 0;
  // --- checkpoint log (derived; GUARDED_BY(mu_)) ---
  std::vector<LogRecord> log_index_;  // what the log holds, oldest first
  uint64_t log_bytes_ = 0;            // its length on disk
  bool log_present_ = false;
  // A failed append or rewrite: the disk log may lack records or hold a torn
  // one, so the next change rewrites it whole (nothing failed is retried).
  bool log_needs_rewrite_ = false;
  // --- WAL ---
  std::unique_ptr<WalWriter> wal_;
  // --- background flusher ---
  std::thread flusher_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
};

// Creates DIR, DIR/wal, DIR/checkpoints and an empty catalog if absent,
// durably (idempotent).
Status CreateLayout(faultfs::Vfs& vfs, std::string_view dir);

}  // namespace crashlab::engine
