#pragma once
// A scenario file in memory: engine settings, a workload, fault rules, the
// crash points and crash modes to explore, the invariants to check and the
// verdict expected. scenario_parser.h reads it from JSON and checks it;
// scenario_writer.h writes it back (reproducers, shrunk scenarios).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/options.h"
#include "faultfs/crash_mode.h"
#include "faultfs/fault_rule.h"

namespace crashlab::harness {

// Engine settings a scenario can choose (engine::Options fields).
struct EngineSettings {
  uint32_t max_retained = 3;
  bool incremental = true;
  uint32_t max_delta_chain = 4;
  uint32_t partitions = 4;
  uint32_t wal_group_size = 64;
  uint64_t wal_segment_bytes = 4u << 20;
  bool gc_after_checkpoint = true;
  bool startup_gc = true;
  std::string fallback = "none";    // engine::FallbackPolicy name
  std::vector<std::string> unsafe;  // engine::UnsafeMode names
  bool operator==(const EngineSettings&) const = default;

  // Deterministic engine options with these settings. REQUIRES: validated.
  engine::Options ToOptions() const;
};

enum class StepKind {
  kPut,
  kDelete,
  kCheckpoint,
  kGc,
  kSync,
  kSetOffset,
  kSetWatermark,
  kRecover,
  kCrash,
  kInject,
  kClear,
  kExec,
  kCheck,
};
std::string_view StepKindName(StepKind kind);  // "put", "set_offset", ...

// One workload step. Which fields apply depends on `kind`.
struct Step {
  StepKind kind = StepKind::kSync;
  // put / delete
  uint64_t count = 1;
  std::optional<std::string> key;    // explicit key
  std::optional<std::string> value;  // explicit value (put)
  uint32_t key_size = 8;             // generated keys: "k" + digits, this long
  uint32_t value_size = 16;          // generated values: seeded letters
  uint64_t key_space =
      0;  // generated keys drawn from [0, key_space); 0 = fresh keys
  // checkpoint
  std::string checkpoint_kind;  // "", "full" or "incremental"
  // set_offset / set_watermark
  std::string source;
  uint64_t number = 0;  // offset or watermark
  // crash
  std::string crash_mode = "drop";
  // inject
  faultfs::FaultRule rule;
  // exec and check (exec mode only: user commands on a faultfs mount; see
  // exec_mode.h). A command is `command` (argv, PATH lookup) or `shell`
  // (run as /bin/sh -c SHELL); never both.
  std::string name;  // shown in results; a check's default invariant
  std::vector<std::string> command;
  std::string shell;
  uint64_t timeout_ms = 10000;
  // exec: the exit status that counts as success; allow_failure: any status
  // (and a timeout) is recorded but does not make the run an error.
  int expect_exit = 0;
  bool allow_failure = false;
  // check: the invariant a failure is reported under. The parser always sets
  // it: a standard id given as "invariant", else "check:<name>" (name
  // defaulting to "step-<index>").
  std::string invariant;
  // check built-ins (paths relative to the mount; "" is its root). A check is
  // exactly one of: command/shell (exit 0 = holds), file_exists (+ content,
  // content_sha256), file_absent, listing_dir + listing_entries (exact set).
  std::optional<std::string> file_exists;
  std::optional<std::string> content;
  std::string content_sha256;  // 64 lowercase hex digits, or ""
  std::optional<std::string> file_absent;
  std::optional<std::string> listing_dir;
  std::vector<std::string> listing_entries;
  bool operator==(const Step&) const = default;
};

enum class CrashPointStrategy {
  kEveryOp,
  kEveryPersistencePoint,
  kList,
  kSample
};

struct CrashPoints {
  CrashPointStrategy strategy = CrashPointStrategy::kEveryPersistencePoint;
  std::vector<uint64_t> ops;  // kList: crash right after these op indices
  uint64_t count = 0;         // kSample: how many
  uint64_t seed = 0;          // kSample: which (0 = the scenario seed)
  std::vector<uint64_t>
      steps;  // only ops issued by these workload steps (empty = all)
  bool operator==(const CrashPoints&) const = default;
};

struct RecoverySettings {
  std::vector<faultfs::FaultRule> faults;  // active during every recovery
  // Crash points inside recovery for recovery-idempotent: every op (kEveryOp),
  // or a sample (kSample, count). Other strategies are not allowed here.
  CrashPoints crash_points{.strategy = CrashPointStrategy::kSample, .count = 8};
  // Crash modes at each of those points (specs as in Scenario::crash_modes,
  // expanded over the operations pending inside the recovery).
  std::vector<std::string> crash_modes{"drop"};
  bool operator==(const RecoverySettings&) const = default;
};

// What a failing case pins down, written into reproducers.
struct ReproTarget {
  uint64_t crash_point = 0;
  std::string crash_mode;
  std::string invariant;
  bool operator==(const ReproTarget&) const = default;
};

struct Scenario {
  std::string file;  // where it was read from ("" if built in memory)
  std::string name;
  std::string description;
  uint64_t seed = 1;
  std::vector<std::string> modes{"sim", "fuse"};  // modes it can run in
  faultfs::MetadataModel metadata = faultfs::MetadataModel::kStrict;
  EngineSettings engine;
  std::vector<faultfs::FaultRule> faults;  // active from the first operation
  std::vector<Step> workload;
  CrashPoints crash_points;
  std::vector<std::string> crash_modes{"drop"};
  RecoverySettings recovery;
  std::vector<std::string> invariants;  // ids, in the file's order
  // Expected verdict: pass when empty, else exactly these invariants violated.
  std::vector<std::string> expect_violated;
  std::optional<ReproTarget> reproduce;  // set in reproducer files
  bool operator==(const Scenario&) const = default;

  bool has_exec() const;
};

}  // namespace crashlab::harness
