#pragma once
// What Engine::Open found and did, filled in whether or not it succeeded.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/problem.h"

namespace crashlab::engine {

struct RecoveryResult {
  bool ok = false;
  // The directory held no catalog and no checkpoints: started empty.
  bool fresh = false;
  // Checkpoint the state was rebuilt from ("" = none, state started empty).
  std::string checkpoint_id;
  uint64_t epoch = 0;         // of that checkpoint (0 = none)
  uint64_t wal_position = 0;  // last LSN contained in that checkpoint
  // Ids skipped before `checkpoint_id` was chosen (newest first), and
  // whether that was a policy fallback (only with
  // FallbackPolicy::kOlderVerified).
  std::vector<std::string> skipped_checkpoints;
  bool fallback_used = false;
  // Partition count of the loaded checkpoint when it differs from the
  // engine's (only with Options::reshard; the next checkpoint is full).
  uint32_t resharded_from = 0;
  uint64_t records_replayed = 0;
  // Bytes of the replayed records written again and fdatasync'd, so that the
  // state Open serves is durable whatever the previous process left (lesson 9).
  uint64_t bytes_repersisted = 0;
  // A catalog write had been interrupted (its tmp file was left), so the
  // catalog was written again before it was served.
  bool catalog_repersisted = false;
  // The checkpoint log and HEAD as found, checked against the catalog.
  // head_status: "ok" (names the checkpoint loaded), "none" (no checkpoint,
  // no HEAD), "missing", "corrupt", "stale" (names an older one), "unknown"
  // (names an id the catalog does not list), "unverified" (names one that
  // failed verification: the log was scanned newest first instead).
  std::string head_status = "none";
  std::string head_id;  // what HEAD named ("" if absent or unreadable)
  // log_status: "ok", "missing", "torn-tail", "corrupt", "behind" (intact
  // but lacking catalog entries: a crash between catalog commit and append).
  std::string log_status = "missing";
  uint64_t log_records = 0;  // records in the index after recovery
  bool log_rewritten = false;
  bool head_rewritten = false;
  // The LATEST hint (laminar's layout) as found, compared with the checkpoint
  // loaded; never believed, never rewritten by Open (the next checkpoint
  // replaces it). latest_status: "ok", "none" (no checkpoint, no LATEST),
  // "missing", "invalid" (not one checkpoint id), "stale" (names an older
  // catalog entry), "unverified" (names one that failed verification),
  // "unknown" (names an id the catalog does not list), "newer" (names a
  // newer entry an unsafe mode did not try), "unreadable" (an I/O error).
  // Anything but ok/none/missing also adds a warning "latest-hint-<status>:".
  std::string latest_status = "none";
  std::string latest_id;  // what LATEST named ("" if absent or invalid)
  // Failures repairing the log or HEAD, and LATEST hints ignored (derived
  // data: Open goes on).
  std::vector<std::string> warnings;
  uint64_t last_lsn = 0;     // LSN of the last operation in the recovered state
  uint64_t bytes_cut = 0;    // torn WAL tail bytes removed
  std::string torn_segment;  // segment whose tail was cut, if any
  uint64_t keys = 0;         // keys in the recovered state
  std::vector<std::string>
      catalog;                    // committed ids after recovery, oldest first
  std::vector<Problem> problems;  // everything found, fatal or not
  std::vector<std::string> deleted;  // files removed by startup GC
  std::string error;                 // the failing status when !ok

  nlohmann::json ToJson() const;
  std::string ToText() const;  // multi-line, for the ckpt CLI
};

}  // namespace crashlab::engine
