#pragma once
// Fault rules: match + schedule + action. The same JSON form is used in
// scenario files, faultfs rule files (--rules) and on the control socket, and
// the same FaultInjector decides for SimVfs and for the FUSE daemon.
//
//   {"op": "rename", "path": "**/CATALOG.json", "action": "error", "errno": "EIO", "times": 1}
//   {"op": "write", "path": "wal/*.log", "action": "short_write", "bytes": 100, "nth": 3}
//   {"op": "read", "path": "**/state-*", "action": "corrupt", "corrupt": {"bitflips": 8},
//    "probability": 0.1}
//   {"op": "fsync", "path": "**", "action": "crash", "nth": 17}

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "faultfs/status.h"

namespace crashlab::faultfs {

// Operations a rule can match. kAny matches every operation.
enum class OpKind {
  kOpen, kCreate, kRead, kWrite, kFsync, kFdatasync, kFsyncDir, kRename, kLink,
  kSymlink, kUnlink, kMkdir, kRmdir, kTruncate, kReaddir, kStat, kClose, kSync, kAny,
};
std::string_view OpName(OpKind op);  // "fsyncdir", "rename", ...
std::optional<OpKind> OpFromName(std::string_view name);
// True for operations that can make something durable (fsync, fdatasync,
// fsyncdir, sync).
bool IsPersistencePoint(OpKind op);

enum class ActionKind {
  kError,             // fail with errno; the operation does not happen
  kErrorAfter,        // the operation happens, then fails with errno (ambiguous)
  kShortWrite,        // a write writes at most `bytes` bytes and returns the count
  kEnospcAfterBytes,  // after `bytes` bytes in total were written by matching ops: ENOSPC
  kFsyncLie,          // fsync returns 0 but persists nothing
  kFsyncgate,         // fsync fails EIO once; the dirty data is dropped (never durable),
                      // the next fsync returns 0
  kCorrupt,           // read: the returned bytes are damaged (transient), or with
                      // `persistent` the file's stored (visible and durable) content
  kTruncate,          // the file is cut to `size` bytes (visible and durable)
  kLose,              // the file is gone at the next crash
  kTorn,              // a write that only partly reaches durable storage: when it
                      // becomes durable, only its first `bytes` bytes (default: half,
                      // rounded down to 512-byte sectors) do
  kDelay,             // sleep `delay_ms`, then proceed
  kCrash,             // power cut at this operation; it does not happen
};
std::string_view ActionName(ActionKind action);
std::optional<ActionKind> ActionFromName(std::string_view name);

struct CorruptSpec {
  uint32_t bitflips = 0;                                // random bit flips (seeded)
  std::optional<std::pair<uint64_t, uint64_t>> zero;    // [offset, length] zeroed
  std::optional<std::pair<uint64_t, uint64_t>> garbage; // [offset, length] random bytes
  bool operator==(const CorruptSpec&) const = default;
};

struct FaultRule {
  // match
  OpKind op = OpKind::kAny;
  std::string path = "**";          // glob over the Vfs-relative path
  std::optional<std::string> dest;  // rename/link only: glob over the destination
  // schedule (counts are over operations this rule matches, 1-based)
  std::optional<uint64_t> nth;      // fire at the nth match (then `times` more-1 if set)
  std::optional<uint64_t> after;    // fire at every match after the first `after`
  std::optional<uint64_t> times;    // fire at most this many times
  std::optional<double> probability;  // fire with this probability (seeded)
  // No schedule field at all means: every match ("always": true).
  // action
  ActionKind action = ActionKind::kError;
  int err = EIO;                    // errno for error/error_after
  uint64_t bytes = 0;               // short_write, enospc_after_bytes, torn
  uint64_t size = 0;                // truncate
  uint64_t delay_ms = 0;            // delay
  CorruptSpec corrupt;              // corrupt
  bool persistent = false;          // corrupt: damage stored content, not one read
  std::string crash_mode = "drop";  // crash: the crash mode applied

  bool operator==(const FaultRule&) const = default;
  nlohmann::json ToJson() const;
  // Parses one rule. Errors are InvalidArgument naming the field
  // ("rule.errno: unknown errno name 'EFOO'"); `where` prefixes the message
  // (e.g. "rules.json:3" or "scenario.faults[2]").
  static Result<FaultRule> FromJson(const nlohmann::json& j, std::string_view where = "rule");
  static Result<FaultRule> Parse(std::string_view json_text, std::string_view where = "rule");
};

// Glob over '/'-separated paths: '*' and '?' within one component, '[...]'
// character classes, '**' as a whole component matches zero or more
// components ("**/CATALOG*" matches "CATALOG.json" and "a/b/CATALOG.json").
bool GlobMatch(std::string_view glob, std::string_view path);
// Checks a glob's syntax (e.g. an unclosed '['); error names the glob.
Status ValidateGlob(std::string_view glob);

// What one operation looks like to the rules.
struct OpContext {
  OpKind op = OpKind::kAny;
  std::string_view path;
  std::string_view dest;  // rename/link destination
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t index = 0;  // operation index in the trace
};

// One injected fault, as logged.
struct InjectedFault {
  uint64_t op_index = 0;
  OpKind op = OpKind::kAny;
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
  ActionKind action = ActionKind::kError;
  int err = 0;
  size_t rule_index = 0;
  std::string detail;  // e.g. "short write 100 of 4096 bytes", "3 bit flips at ..."
  nlohmann::json ToJson() const;
};

// A rule that fired for an operation. The caller carries out the action and
// then calls FaultInjector::Record() with what it did.
struct Firing {
  size_t rule_index = 0;
  FaultRule rule;
  // For kEnospcAfterBytes: how many bytes of this write may still be written
  // before ENOSPC (0 = none).
  uint64_t bytes_allowed = 0;
};

// Holds the active rules and their schedule state. Thread-safe.
class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed = 0);

  void Add(FaultRule rule);
  void Clear();  // removes all rules (the log stays)
  std::vector<FaultRule> rules() const;
  uint64_t seed() const { return seed_; }

  // Evaluates every rule against the operation, advancing each matching
  // rule's schedule, and returns the first rule (in insertion order) that
  // fires. Deterministic for a given seed and operation sequence.
  std::optional<Firing> Evaluate(const OpContext& ctx);
  // For kEnospcAfterBytes: tells the injector how many bytes a matching write
  // really wrote, so its budget shrinks.
  void ConsumeBytes(size_t rule_index, uint64_t bytes);

  // Seeded randomness for actions (bit flip positions, garbage bytes).
  uint64_t NextRandom();

  void Record(InjectedFault fault);
  std::vector<InjectedFault> log() const;
  // JSON lines, one fault per line.
  std::string LogAsJsonLines() const;

 private:
  struct RuleState {
    FaultRule rule;
    uint64_t matches = 0;
    uint64_t fired = 0;
    uint64_t bytes_written = 0;
  };
  mutable std::mutex mu_;
  uint64_t seed_;
  std::mt19937_64 rng_;  // GUARDED_BY(mu_)
  std::vector<RuleState> rules_;  // GUARDED_BY(mu_)
  std::vector<InjectedFault> log_;  // GUARDED_BY(mu_)
};

}  // namespace crashlab::faultfs
