#pragma once
// The checkpoint engine: key/value state, a WAL with group commit, full and
// incremental checkpoints, a catalog, retention + GC, verified recovery.
// All I/O goes through faultfs::Vfs.
//
// Three tiers: Put/Delete apply to the in-memory state and append a record to
// the current WAL group; the group is written and fdatasync'd when full, at
// Sync()/WaitDurable(), before a checkpoint, or by the background flusher
// (Options::background_flush). Checkpoint() snapshots the state so that
// checkpoint + WAL replay from its position = the state.
//
// Durability contract: an operation is acknowledged when Sync() or
// WaitDurable(lsn) returned ok after it (or durable_lsn() >= its LSN). A
// checkpoint is acknowledged when Checkpoint() returned ok; it is then in
// checkpoints() and survives any crash until GC removes it.
//
// Failure contract: a failed WAL write or fdatasync poisons the engine (every
// later write returns the same error; reopen to recover) — an fsync that
// returned EIO is never retried into success. A failed checkpoint commit
// leaves checkpoints() unchanged and the engine usable.
//
// Recovery contract: the state and the checkpoint list Open serves survive
// any later power cut. Open writes the WAL records it replays again and
// fdatasyncs them (and the catalog, after an interrupted catalog write),
// because a previous process may have left them visible but not durable.
//
// Thread safety: all methods may be called from several threads (one mutex).
// With background_flush=false the engine starts no thread and is fully
// deterministic.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/checkpoint_info.h"
#include "engine/checkpoint_log.h"
#include "engine/gc_result.h"
#include "engine/options.h"
#include "engine/recovery_result.h"
#include "engine/verify_report.h"
#include "faultfs/status.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

using faultfs::Result;
using faultfs::Status;

// Log sequence number: 1 for the first operation ever, +1 per operation.
using Lsn = uint64_t;

// The logical content of an engine: what recovery must reproduce.
struct StateDump {
  std::map<std::string, std::string> kv;
  std::map<std::string, uint64_t> source_offsets;
  uint64_t watermark = 0;
  bool operator==(const StateDump&) const = default;
};

struct CheckpointResult {
  CheckpointInfo info;
  // GC and WAL truncation run after the commit; their failures do not undo
  // the checkpoint and are reported here.
  GcResult gc;
  std::vector<std::string> warnings;
};

class Engine {
 public:
  // Creates the layout (wal/, checkpoints/, an empty catalog) in `dir` (a
  // Vfs path, "" = the Vfs root). Fails with EEXIST if a catalog exists.
  static Status Init(faultfs::Vfs& vfs, std::string_view dir,
                     const Options& options);

  // Recovers the engine in `dir` (creating it when empty and
  // options.create_if_missing). `recovery`, if given, is filled in whether or
  // not Open succeeds. REQUIRES: `vfs` outlives the engine; one Engine per dir.
  static Result<std::unique_ptr<Engine>> Open(
      faultfs::Vfs& vfs, std::string_view dir, const Options& options,
      RecoveryResult* recovery = nullptr);

  // Reconstructs CATALOG.json from the checkpoint directories whose marker,
  // manifest and files verify; the explicit answer to "catalog-missing".
  // Refuses (EEXIST) if a readable catalog exists and !force.
  static Result<std::vector<std::string>> RebuildCatalog(
      faultfs::Vfs& vfs, std::string_view dir, const Options& options,
      bool force = false, std::vector<Problem>* skipped = nullptr);

  ~Engine();  // flushes nothing: call Close() for a clean shutdown
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- writes (return the operation's LSN; durable only after Sync) ---
  Result<Lsn> Put(std::string_view key, std::string_view value);
  Result<Lsn> Delete(std::string_view key);
  Result<Lsn> SetSourceOffset(std::string_view source, uint64_t offset);
  Result<Lsn> SetWatermark(uint64_t watermark);

  // Writes and fdatasyncs every pending record; returns when all operations
  // issued so far are durable (acknowledged).
  Status Sync();
  // Returns when `lsn` is durable (flushing if needed).
  Status WaitDurable(Lsn lsn);
  Lsn last_lsn() const;     // newest issued operation
  Lsn durable_lsn() const;  // newest acknowledged operation

  // --- reads (the in-memory state, which includes unacknowledged ops) ---
  std::optional<std::string> Get(std::string_view key) const;
  // Keys in [start, end) in order ("" end = no bound), at most `limit` (0 =
  // all).
  std::vector<std::pair<std::string, std::string>> Scan(
      std::string_view start = {}, std::string_view end = {},
      size_t limit = 0) const;
  std::map<std::string, uint64_t> source_offsets() const;
  uint64_t watermark() const;
  StateDump Dump() const;
  uint64_t epoch()
      const;  // epoch of the newest committed checkpoint (0 = none)

  // --- checkpoints ---
  // Commits a checkpoint of the current state (incremental if enabled and a
  // parent exists, else full). On error nothing in checkpoints() changed.
  Result<CheckpointResult> Checkpoint();
  Result<CheckpointResult> Checkpoint(CheckpointKind kind);
  // Checkpoints if a trigger (interval, WAL bytes) fired; nullopt otherwise.
  Result<std::optional<CheckpointResult>> MaybeCheckpoint();
  // Committed checkpoints, oldest first (the in-memory catalog).
  std::vector<CheckpointInfo> checkpoints() const;
  // Applies retention: removes old checkpoints from the catalog durably,
  // then deletes files no retained checkpoint references, then truncates the
  // WAL. Fails closed (deletes nothing) on an unreadable retained manifest.
  Result<GcResult> Gc();
  // Verifies one committed checkpoint ("" = newest) against its manifest.
  VerifyReport Verify(std::string_view id = {}) const;
  // The checkpoint log's index (checkpoint_log.h), oldest first: rebuilt
  // from CHECKPOINTS.log at Open, checked against the catalog, appended to
  // by every commit.
  std::vector<LogRecord> checkpoint_log() const;
  // Rewrites the checkpoint log with only the catalog's checkpoints (tmp,
  // fsync, rename, fsync dir). Runs by itself after a checkpoint once the
  // log exceeds Options::checkpoint_log_max_bytes.
  Result<LogCompaction> CompactCheckpointLog();
  // WAL bytes appended since the newest checkpoint.
  uint64_t wal_bytes_since_checkpoint() const;

  // Flushes pending records and stops the background flusher.
  Status Close();
  // The poisoning error, if a WAL write or sync failed.
  Status health() const;

  class Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crashlab::engine
