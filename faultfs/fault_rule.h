#pragma once
// Fault rules: match + schedule + action. The same JSON form is used in
// scenario files, faultfs rule files (--rules) and on the control socket, and
// the same FaultInjector decides for SimVfs and for the FUSE daemon.
//
//   {"op": "rename", "path": "**/CATALOG.json", "action": "error", "errno":
//   "EIO", "times": 1}
//   {"op": "write", "path": "wal/*.log", "action": "short_write", "bytes": 100,
//   "nth": 3}
//   {"op": "read", "path": "**/state-*", "action": "corrupt", "corrupt":
//   {"bitflips": 8},
//    "probability": 0.1}
//   {"op": "fsync", "path": "**", "action": "crash", "nth": 17}
//
// JSON fields (FromJson rejects any other field, naming it):
//   op        required; an OpName() ("any" matches every operation)
//   path      optional glob, default "**"
//   dest      optional glob over the destination; only for op rename, link,
//             symlink or any
//   nth, after, times    positive integers (after may be 0)
//   probability          number in [0, 1]
//   always               must be true; the explicit form of "no schedule"
//   action    required; an ActionName()
//   errno     error, error_after: a name ("EIO") or a positive integer;
//             default EIO
//   bytes     short_write, enospc_after_bytes (required); torn (optional)
//   size      truncate (required)
//   delay_ms  delay (required)
//   corrupt   corrupt (required): {"bitflips": N, "zero": [offset, length],
//             "garbage": [offset, length]}, at least one of them, lengths > 0
//   persistent  corrupt (optional boolean)
//   mode      crash (optional): a CrashMode::Parse() string, default "drop"
// An action field given for an action that does not use it is rejected too
// ("bytes" on an "error" rule is almost certainly a mistake).
//
// Schedules. A rule counts the operations it matches (1-based, m) and the
// times it fired (f):
//   (none) / always   fires at every match
//   nth=N             fires at match N; with times=T at matches N..N+T-1
//   after=A           fires at every match m > A; with times=T at most T times
//   times=T           fires at the first T matches (f < T)
//   probability=p     fires with probability p at each match (one draw from
//                     the injector's generator per match that the other
//                     fields leave eligible); may be combined with after
//                     (draws only for m > A) and times (at most T firings)
// nth cannot be combined with after or probability, and always with nothing
// (FromJson rejects those combinations, naming the field).
//
// A rule's schedule advances as if it were the only rule: when several rules
// fire for one operation, Evaluate() returns the first and the later ones'
// firings are lost (they still count towards their `times`).

#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faultfs/glob.h"
#include "faultfs/status.h"

namespace crashlab::faultfs {

// Operations a rule can match. kAny matches every operation.
enum class OpKind {
  kOpen,
  kCreate,
  kRead,
  kWrite,
  kFsync,
  kFdatasync,
  kFsyncDir,
  kRename,
  kLink,
  kSymlink,
  kUnlink,
  kMkdir,
  kRmdir,
  kTruncate,
  kReaddir,
  kStat,
  kClose,
  kSync,
  kAny,
};
std::string_view OpName(OpKind op);  // "fsyncdir", "rename", ...
std::optional<OpKind> OpFromName(std::string_view name);
// True for operations that can make something durable (fsync, fdatasync,
// fsyncdir, sync).
bool IsPersistencePoint(OpKind op);

enum class ActionKind {
  kError,       // fail with errno; the operation does not happen
  kErrorAfter,  // the operation happens, then fails with errno (ambiguous)
  kShortWrite,  // a write writes at most `bytes` bytes and returns the count
  kEnospcAfterBytes,  // after `bytes` bytes in total were written by matching
                      // ops: ENOSPC
  kFsyncLie,          // fsync returns 0 but persists nothing
  kFsyncgate,         // fsync fails EIO once; the dirty data is dropped (never
                      // durable), the next fsync returns 0
  kCorrupt,   // read: the returned bytes are damaged (transient), or with
              // `persistent` the file's stored (visible and durable) content
  kTruncate,  // the file is cut to `size` bytes (visible and durable)
  kLose,      // the file is gone at the next crash
  kTorn,      // a write that only partly reaches durable storage: when it
              // becomes durable, only its first `bytes` bytes (default: half,
              // rounded down to 512-byte sectors) do
  kDelay,     // sleep `delay_ms`, then proceed
  kCrash,     // power cut at this operation; it does not happen
};
std::string_view ActionName(ActionKind action);
std::optional<ActionKind> ActionFromName(std::string_view name);

struct CorruptSpec {
  uint32_t bitflips = 0;  // random bit flips (seeded)
  std::optional<std::pair<uint64_t, uint64_t>> zero;  // [offset, length] zeroed
  std::optional<std::pair<uint64_t, uint64_t>>
      garbage;  // [offset, length] random bytes
  bool operator==(const CorruptSpec&) const = default;
};

struct FaultRule {
  // match
  OpKind op = OpKind::kAny;
  std::string path = "**";  // glob over the Vfs-relative path
  std::optional<std::string>
      dest;  // rename/link only: glob over the destination
  // schedule (counts are over operations this rule matches, 1-based)
  std::optional<uint64_t>
      nth;  // fire at the nth match (then `times` more-1 if set)
  std::optional<uint64_t> after;  // fire at every match after the first `after`
  std::optional<uint64_t> times;  // fire at most this many times
  std::optional<double> probability;  // fire with this probability (seeded)
  // No schedule field at all means: every match ("always": true).
  // action
  ActionKind action = ActionKind::kError;
  int err = EIO;            // errno for error/error_after
  uint64_t bytes = 0;       // short_write, enospc_after_bytes, torn
  uint64_t size = 0;        // truncate
  uint64_t delay_ms = 0;    // delay
  CorruptSpec corrupt;      // corrupt
  bool persistent = false;  // corrupt: damage stored content, not one read
  std::string crash_mode = "drop";  // crash: the crash mode applied

  bool operator==(const FaultRule&) const = default;
  nlohmann::json ToJson() const;
  // Writes the fields the action uses (see the top of this file); a rule
  // without schedule fields gets "always": true. FromJson(ToJson(r)) == r for
  // every rule FromJson accepts.
  //
  // Parses one rule. Errors are InvalidArgument(where, "<field>: <problem>"),
  // e.g. path "scenario.faults[2]", message "errno: unknown errno name 'EFOO'".
  // Parse() reports JSON syntax errors as "JSON syntax error at byte N (line
  // L, column C): ...", N being the 1-based position where parsing stopped.
  static Result<FaultRule> FromJson(const nlohmann::json& j,
                                    std::string_view where = "rule");
  static Result<FaultRule> Parse(std::string_view json_text,
                                 std::string_view where = "rule");
};

// Bounds checked by FromJson (a rule can never make faultfs allocate, loop
// or wait without bound; see faultfs/README.md "Bounds"):
inline constexpr uint64_t kMaxRuleBytes = 1ull << 30;   // bytes, range lengths
inline constexpr uint64_t kMaxRuleSize = 1ull << 44;    // size, range offsets
inline constexpr uint64_t kMaxRuleDelayMs = 60000;      // delay_ms (>= 1)
inline constexpr uint64_t kMaxRuleBitflips = 1u << 20;  // corrupt.bitflips

// GlobMatch and ValidateGlob: see faultfs/glob.h.

// What one operation looks like to the rules.
struct OpContext {
  OpKind op = OpKind::kAny;
  std::string_view path;
  std::string_view dest;  // rename/link destination
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t index = 0;  // operation index in the trace
  // error and error_after rules do not match (nor count) this operation:
  // its result cannot reach the caller (the FUSE daemon's close).
  bool no_errors = false;
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
  std::string
      detail;  // e.g. "short write 100 of 4096 bytes", "3 bit flips at ..."
  // {"op_index", "op", "path", "offset", "length", "action", "errno" (name
  // string, null when err == 0), "rule" (rule_index), "detail"}.
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

// Holds the active rules and their schedule state. Thread-safe: every
// method takes mu_.
//
// Matching: a rule matches an operation when its op is kAny or equals
// ctx.op (a rule for kOpen also matches kCreate; kFsync does not match
// kFdatasync), GlobMatch(rule.path, ctx.path), and, if rule.dest is set,
// GlobMatch(*rule.dest, ctx.dest).
//
// enospc_after_bytes accounting: the rule has a budget of `bytes` bytes.
// A matching operation whose schedule allows firing fires iff the remaining
// budget is smaller than ctx.length; then Firing.bytes_allowed is the
// remaining budget (maybe 0): the caller writes that many bytes, fails the
// rest with ENOSPC, and reports the bytes written with ConsumeBytes(). Every
// matching operation for which the rule does NOT fire is charged ctx.length
// by Evaluate() itself (even if another rule fires for it), so the caller
// never calls ConsumeBytes() for a write that was not cut short. A budget
// never goes below zero.
class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed = 0);

  // REQUIRES: a valid rule (as FromJson returns); a rule with a malformed
  // glob matches nothing.
  void Add(FaultRule rule);
  void Clear();  // removes all rules (the log stays)
  std::vector<FaultRule> rules() const;
  uint64_t seed() const { return seed_; }

  // Evaluates every rule against the operation, advancing each matching
  // rule's schedule, and returns the first rule (in insertion order) that
  // fires. Deterministic for a given seed and operation sequence.
  std::optional<Firing> Evaluate(const OpContext& ctx);
  // For kEnospcAfterBytes: after a firing, tells the injector how many bytes
  // the write really wrote (normally Firing.bytes_allowed), so the budget
  // shrinks. An index that names no enospc rule is ignored.
  void ConsumeBytes(size_t rule_index, uint64_t bytes);

  // Seeded randomness for actions (bit flip positions, garbage bytes). Shares
  // the generator with probability schedules, so the whole sequence of
  // firings and values is fixed by the seed and the calls made.
  uint64_t NextRandom();

  void Record(InjectedFault fault);
  // The log as kept in memory: every fault recorded, or with a limit only the
  // latest `limit` of them (a long-running daemon stays bounded).
  std::vector<InjectedFault> log() const;
  // Faults recorded so far (kept or not); log()[0] is fault number
  // log_count() - log().size().
  uint64_t log_count() const;
  // Keeps at most `limit` faults in memory (the oldest are dropped); 0: all.
  void SetLogLimit(size_t limit);
  // JSON lines, one fault per line (InjectedFault::ToJson); bytes of a path
  // that are not UTF-8 are replaced by U+FFFD.
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
  std::mt19937_64 rng_;            // GUARDED_BY(mu_)
  std::vector<RuleState> rules_;   // GUARDED_BY(mu_)
  std::deque<InjectedFault> log_;  // GUARDED_BY(mu_)
  uint64_t log_dropped_ = 0;       // GUARDED_BY(mu_)
  size_t log_limit_ = 0;           // GUARDED_BY(mu_); 0: no limit
};

}  // namespace crashlab::faultfs
