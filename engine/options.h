#pragma once
// Engine options. Defaults are the safe, production settings. For the
// simulator use Options::Deterministic(): no threads, a constant clock, so the
// same calls always produce the same file-system operation trace.

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "engine/unsafe_mode.h"
#include "faultfs/status.h"

namespace crashlab::engine {

// What recovery may do when the newest catalog entry fails verification.
enum class FallbackPolicy {
  kNone,           // refuse: recovery fails with the problems found (default)
  kOlderVerified,  // use the newest older checkpoint that verifies; reported
};
std::string_view FallbackPolicyName(
    FallbackPolicy p);  // "none", "older-verified"
faultfs::Result<FallbackPolicy> ParseFallbackPolicy(std::string_view text);

struct Options {
  // --- retention and GC ---
  // Committed checkpoints kept by GC (newest first). Values below 2 are
  // raised to 2: the floor that lets a torn newest checkpoint fall back.
  uint32_t max_retained = 3;
  // Checkpoint ids GC never removes (while they are in the catalog).
  std::set<std::string> protected_ids;
  // Run GC after every successful checkpoint.
  bool gc_after_checkpoint = true;
  // At Open, delete leftovers (partial checkpoint dirs, unreferenced files of
  // removed checkpoints, catalog tmp files, WAL segments below the retained
  // position) that the engine itself named and no catalog entry references.
  // Each deletion is listed in RecoveryResult::deleted.
  bool startup_gc = true;

  // --- checkpoints ---
  // Incremental checkpoints write a .delta per changed partition and inherit
  // unchanged partitions' files from the parent; full ones write every
  // partition as a .snap.
  bool incremental = true;
  // A partition whose delta chain reaches this length gets a fresh .snap.
  uint32_t max_delta_chain = 4;
  // Partitions of the key/value operator (stable hash of the key).
  uint32_t partitions = 4;
  // Operator name: state files live in operators/<name>/partition-<n>.*
  std::string operator_name = "kv";
  // Stored in every manifest; recovery refuses a checkpoint whose
  // fingerprint differs (problem "schema-mismatch", nothing deleted).
  std::string schema_fingerprint = "crashlab.kv.v1";
  // The checkpoint log (checkpoints/CHECKPOINTS.log) is compacted to the
  // catalog's checkpoints (tmp, fsync, rename, fsync dir) once it grows past
  // this many bytes after a checkpoint. 0 = never.
  uint64_t checkpoint_log_max_bytes = 64u << 10;
  // Open refuses a newest checkpoint whose partition count differs from
  // `partitions` (problem "shard-count-mismatch") unless this is set: then
  // the state is loaded, re-partitioned, and the next checkpoint is full
  // (Engine::Reshard() takes it at once).
  bool reshard = false;
  // Triggers checked by Engine::MaybeCheckpoint() (0 = off).
  uint64_t checkpoint_interval_ms = 0;
  uint64_t checkpoint_wal_bytes = 0;

  // --- WAL ---
  // Records per group commit: the group is written and fdatasync'd when it
  // holds this many records, or at Sync()/WaitDurable()/Checkpoint().
  uint32_t wal_group_size = 64;
  // A new segment is started once the current one exceeds this size.
  uint64_t wal_segment_bytes = 4u << 20;
  // If true, a background thread flushes the group every flush_interval_us;
  // Put() never blocks on I/O. If false (deterministic), flushing happens
  // synchronously in the calling thread only.
  bool background_flush = false;
  uint32_t flush_interval_us = 1000;

  // --- recovery ---
  FallbackPolicy fallback = FallbackPolicy::kNone;
  // Open() on a directory without a catalog and without checkpoints creates
  // the layout. (A missing catalog next to checkpoint directories is always
  // refused; see RecoveryResult problem "catalog-missing".)
  bool create_if_missing = true;

  // --- testing ---
  UnsafeModes unsafe;
  // Milliseconds since the epoch, stored in manifests and used for the
  // interval trigger. Default: the system clock.
  std::function<uint64_t()> clock;

  // Safe defaults, no background thread, a constant clock (0): the same
  // calls give byte-identical files and the same trace in every run.
  static Options Deterministic();
  // max(2, max_retained).
  uint32_t effective_max_retained() const {
    return max_retained < 2 ? 2 : max_retained;
  }
  // Checks ranges; InvalidArgument names the field.
  faultfs::Status Validate() const;
};

}  // namespace crashlab::engine
