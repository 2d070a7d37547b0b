#pragma once
// The run record: everything one `crashlab run` found, as plain structs. The
// harness fills a RunRecord; reports/ turns it into report.json, junit.xml,
// report.html and summary.md. ToJson() emits exactly the shape described by
// reports/report.schema.json (format version kFormatVersion); FromJson()
// reads it back and names the first bad field by its JSON pointer.
//
// Conventions: times are RFC 3339 UTC strings ("2024-05-01T12:00:00Z"),
// durations are seconds (double), op indices are the trace's 0-based indices.
// Fields documented as "derived" are computed by ToJson() and ignored by
// FromJson().

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace crashlab::reports {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kFormatName = "crashlab-report";

struct Shard {
  uint32_t index = 1;  // 1-based
  uint32_t count = 1;
  std::string ToString() const;  // "I/N"
  static Result<Shard> Parse(const std::string& text);
  bool operator==(const Shard&) const = default;
};

struct MachineInfo {
  std::string hostname;
  std::string kernel;  // uname -sr, e.g. "Linux 6.1.0-18-amd64"
  uint32_t cores = 0;
  bool operator==(const MachineInfo&) const = default;
};

struct RunInfo {
  std::string crashlab_version = CRASHLAB_VERSION;
  std::string commit;  // "" when unknown
  uint64_t seed = 0;
  std::vector<std::string> modes;  // "sim", "fuse", "exec"; sorted
  Shard shard;
  MachineInfo machine;
  std::string started;  // RFC 3339 UTC
  std::string finished;
  double duration_seconds = 0;
  bool operator==(const RunInfo&) const = default;
};

enum class Verdict { kPass, kFail, kError };
std::string VerdictName(Verdict v);  // "pass", "fail", "error"

// What the scenario file says should happen: pass, or exactly these
// invariants violated (how a scenario proves an unsafe mode is caught).
struct Expectation {
  Verdict verdict = Verdict::kPass;   // kPass or kFail
  std::vector<std::string> violated;  // invariant ids, for kFail
  bool operator==(const Expectation&) const = default;
};

struct InvariantCount {
  std::string id;         // "acknowledged-durable", ...
  uint64_t held = 0;      // crash states where it held
  uint64_t violated = 0;  // crash states where it was violated
  bool operator==(const InvariantCount&) const = default;
};

struct ScenarioResult {
  std::string file;  // as given on the command line, e.g. "scenarios/gc.json"
  std::string name;
  std::string mode;                  // "sim" | "fuse" | "exec"
  Verdict verdict = Verdict::kPass;  // fail: some invariant violated
  std::string error;                 // why it could not run (verdict error)
  Expectation expected;
  std::vector<uint64_t> crash_points;  // op indices explored, sorted, unique
  // Counts, each its own number (README "Counts"):
  uint64_t crash_states = 0;     // (crash point, crash mode) cases explored
  uint64_t distinct_images = 0;  // distinct post-crash images among them
  uint64_t recoveries = 0;       // engine recoveries run (one per distinct
                                 // image + one per nested recovery crash)
  uint64_t nested_crashes = 0;   // power cuts inside a recovery, each followed
                                 // by a second recovery (recovery-idempotent)
  uint64_t checks = 0;           // invariant checker evaluations
  std::vector<InvariantCount> invariants;  // in the scenario's order
  double duration_seconds = 0;
  // exec mode: every run of the scenario (its steps with command, exit code
  // and output, the power cut, each check's verdict), as the harness wrote
  // it (harness/exec_record.h); null in other modes.
  nlohmann::json runs;
  // Derived: crash_points.size().
  uint64_t crash_points_explored() const { return crash_points.size(); }
  // Derived: the run matched the expectation. Expected pass: nothing violated
  // and no error. Expected fail: the set of invariants with violated > 0 is
  // exactly expected.violated.
  bool expectation_met() const;
  // Derived: nothing went wrong inside this run: no error and no invariant
  // violated that the scenario does not expect. One shard of several is
  // judged by this alone: an expected violation may lie in another shard's
  // crash points, so whether it was seen is judged by `crashlab report merge`.
  bool nothing_unexpected() const;
  // Derived: one shard of several, nothing unexpected, but its expected
  // violations are not all in this shard (left to the merge to judge).
  bool expectation_deferred(const Shard& shard) const;
  bool operator==(const ScenarioResult&) const = default;
};

// One operation of the trace, as in faultfs's trace (TraceEntry::ToJson).
struct TraceOp {
  uint64_t index = 0;
  std::string op;  // "write", "fsync", "rename", ...
  std::string path;
  std::string path2;  // rename/link destination; "" if none
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string result = "ok";  // "ok" or an errno name, "EIO"
  bool persistence_point = false;
  std::string fault;  // injected action's name; "" if none
  bool operator==(const TraceOp&) const = default;
};

// One injected fault, as logged by the fault layer.
struct FaultEvent {
  uint64_t index = 0;  // op index it hit
  std::string op;
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string kind;        // action: "error", "fsync_lie", "corrupt", ...
  std::string errno_name;  // "EIO", or "" when the action returns success
  std::string detail;      // free text, e.g. "bitflips=8"
  bool operator==(const FaultEvent&) const = default;
};

struct CatalogEntry {
  std::string id;
  nlohmann::json detail;  // engine-defined; null if none
  bool operator==(const CatalogEntry&) const = default;
};

// An operation the engine acknowledged to its caller.
struct AckedOp {
  uint64_t seq = 0;  // 0-based position among issued engine operations
  std::string op;    // "put", "delete", "checkpoint", ...
  std::string key;   // key, or checkpoint id
  bool operator==(const AckedOp&) const = default;
};

// Acknowledged operations vs what recovery brought back.
struct WalView {
  uint64_t issued = 0;  // engine operations issued before the crash
  std::vector<AckedOp> acknowledged;
  // The recovered state equals the model after this many issued operations
  // (ops with seq < recovered_prefix); nullopt: it matches no prefix.
  std::optional<uint64_t> recovered_prefix;
  bool operator==(const WalView&) const = default;
};

struct CheckpointFiles {
  std::string checkpoint;
  std::vector<std::string> kept;
  std::vector<std::string> removed;
  std::vector<std::string> missing;
  bool operator==(const CheckpointFiles&) const = default;
};

struct FileImage {
  bool exists = false;
  std::string kind;  // "file" | "dir" | "symlink" | "" when absent
  uint64_t size = 0;
  std::string digest;  // e.g. "sha256:ab12..."; "" if not computed
  bool operator==(const FileImage&) const = default;
};

struct FileState {
  std::string path;
  FileImage durable;  // what a power cut leaves
  FileImage visible;  // what processes saw at the crash point
  bool operator==(const FileState&) const = default;
};

struct KeyDiff {
  std::string key;
  std::optional<std::string> expected;  // nullopt: key absent
  std::optional<std::string> recovered;
  bool operator==(const KeyDiff&) const = default;
};

struct StateDiff {
  uint64_t matching = 0;             // keys equal in both
  std::vector<KeyDiff> differences;  // only the keys that differ
  bool operator==(const StateDiff&) const = default;
};

struct Violation {
  std::string scenario_file;
  std::string scenario;
  std::string mode;
  std::string invariant;
  std::string message;
  uint64_t crash_point = 0;        // the crash happens right after this op
  std::string crash_mode;          // "drop", "prefix:3", "torn", "random:42"
  std::vector<TraceOp> trace;      // a window around crash_point
  std::vector<FaultEvent> faults;  // every fault injected before the crash
  std::vector<CatalogEntry> catalog_expected;
  std::vector<CatalogEntry> catalog_recovered;
  WalView wal;
  std::vector<CheckpointFiles> checkpoint_files;
  std::vector<FileState> files;    // durable vs visible of involved files
  StateDiff state;                 // expected (oracle) vs recovered
  nlohmann::json recovery_result;  // opaque; null if none
  // exec mode: what the power cut took, per file, as faultfs explained it
  // (faultfs::CrashLoss::ToJson(), "crash_loss" in report.schema.json:
  // unsynced byte ranges dropped, namespace operations rolled back with the
  // directories whose fsync was missing, each file's last fsync); null when
  // not recorded (other modes, no power cut).
  nlohmann::json loss;
  std::string reproducer;         // path of the reproducer scenario
  std::string reproduce_command;  // "crashlab replay repro/....json"
  bool operator==(const Violation&) const = default;
};

struct RunRecord {
  int format_version = kFormatVersion;
  RunInfo run;
  std::vector<ScenarioResult> scenarios;
  std::vector<Violation> violations;
  bool operator==(const RunRecord&) const = default;
};

// Derived totals, emitted as "summary" in report.json.
struct Totals {
  uint64_t scenarios = 0, passed = 0, failed = 0, errors = 0;
  uint64_t expectation_unmet = 0;
  uint64_t crash_points = 0, crash_states = 0, violations = 0;
  uint64_t distinct_images = 0, recoveries = 0, nested_crashes = 0, checks = 0;
};
Totals ComputeTotals(const RunRecord& record);
// True when every scenario met its expectation: exit code 0, else 1.
bool AllExpectationsMet(const RunRecord& record);
// The exit judgement of the run that wrote `record`: AllExpectationsMet for a
// whole run (shard 1/1, which a merged report is); for one shard of several
// (I/N, N > 1) every scenario's nothing_unexpected(): a shard fails only for
// what is wrong inside it (unexpected violations, errors), and expectations
// are judged when the shards are merged.
bool RunPasses(const RunRecord& record);

// The word `crashlab run` prints for a scenario: ERROR, PASS, CAUGHT (the
// expected violations seen), FAIL, or DEFER (one shard of several saw nothing
// unexpected but not every expected violation: left to the merge).
std::string VerdictTag(const ScenarioResult& s, const Shard& shard);

nlohmann::json ToJson(const RunRecord& record);
// Reads a record; on a missing or mistyped field the Status is kBadInput with
// where() = the field's JSON pointer ("/scenarios/2/verdict").
Result<RunRecord> FromJson(const nlohmann::json& j);

nlohmann::json ToJson(const Violation& v);
nlohmann::json ToJson(const ScenarioResult& s);

}  // namespace crashlab::reports
