#pragma once
// What a `crashlab worker` process tells the harness in fuse mode: one JSON
// object per line on its stdout, flushed after every line (the worker is
// SIGKILLed at the crash point, so what is not flushed is lost).
//
//   crashlab worker workload --scenario FILE --seed S --root MOUNT --control
//   SOCK
//                            [--stop-after P]
//     runs the scenario's workload with the engine on PosixVfs(MOUNT) and
//     streams, in order:
//       {"event":"op","index":I,"op":"write","path":"wal/wal-1.log","result":0}
//           every Vfs operation, numbered exactly like SimVfs's trace
//       {"event":"ack","at":I,"durable_lsn":N}            (Oracle AckEvent)
//       {"event":"checkpoint_ack","at":I,"id":"ckpt-..."}  (Oracle
//       CheckpointAck)
//       {"event":"step","step":K,"begin":B,"end":E,"outcome":"ok"}  (StepSpan)
//       {"event":"fault", ...InjectedFault::ToJson()}     a rule fired
//       {"event":"crash_point","op":P}   op P finished and op P+1 has not
//           started (or the workload ended); the worker then blocks reading
//           stdin and is expected to be SIGKILLed. Only with --stop-after P.
//       {"event":"done","ops":N}          the workload ended (no --stop-after,
//           or P >= N); the worker exits 0 after closing the engine.
//       {"event":"error","message":"..."} the worker itself could not work
//           (bad arguments, mount gone); exit 3.
//       {"event":"exception","at":N,"message":"..."}  an exception escaped
//           the engine after N ops (WorkloadRun::exception)
//       {"event":"note","message":"..."}   WorkloadRun::notes (e.g. "fault
//           rule never fired: ..."), after the last step
//     An "op" line also carries "path2", "offset", "length" and "fault" when
//     they apply (TraceEntry); "result" is the errno, 0 for success.
//     Exit codes: 0 done (or killed at the crash point), 2 bad arguments or
//     scenario, 3 environment (mount or control socket unusable, the daemon
//     went away, the daemon has rules of its own). At the crash point the
//     worker blocks reading stdin; EOF there ends it with exit 0 and no
//     further operation.
//
//   crashlab worker recover --scenario FILE --seed S --root MOUNT --control
//   SOCK
//     runs engine recovery (Engine::Open) on MOUNT with the scenario's recovery
//     faults, then an independent look at the image (engine::Inspect), and
//     prints op/fault events followed by one
//       {"event":"recovery", ...RecoveryOutcome (see ToJson below)}
//     and exits 0 (also when recovery failed: that is a result, not an error).
//     The Inspect runs first (recovery changes the image); committed_dirs,
//     idempotence_failure and nested_states are left for the harness.
//
// Fault rules in fuse mode are counted by the worker at the Vfs level (the
// same FaultInjector, seed and operation sequence as the simulator, so `nth`
// means the same thing in both modes); when a rule fires for operation I the
// worker forwards it to the daemon as a one-shot rule for that exact path and
// operation, so the daemon's SimVfs carries out the action (durable-state
// effects included) exactly as the simulator does.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/status.h"
#include "faultfs/trace.h"
#include "harness/workload/recovery_run.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {

// One parsed line of a workload worker's output.
struct WorkerEvent {
  enum class Kind {
    kOp,
    kAck,
    kCheckpointAck,
    kStep,
    kFault,
    kCrashPoint,
    kDone,
    kRecovery,
    kError,
    kException,
    kNote,
  };
  Kind kind = Kind::kError;
  nlohmann::json body;  // the whole object as received
};

// Parses one line; an error names the line's problem (not valid JSON, unknown
// event, missing field).
faultfs::Result<WorkerEvent> ParseWorkerEvent(const std::string& line);

// RecoveryOutcome <-> JSON (the "recovery" event). Everything the invariant
// checkers read is carried: threw/exception, ok/status, result, dump, catalog,
// deleted, faults, trace, catalog_present/ok, newest_id, newest_problems,
// committed_dirs, idempotence_failure, nested_states.
nlohmann::json RecoveryOutcomeToJson(const RecoveryOutcome& outcome);
faultfs::Result<RecoveryOutcome> RecoveryOutcomeFromJson(
    const nlohmann::json& j);

// What a workload worker reported up to its crash point (or the end).
struct WorkerReport {
  std::vector<faultfs::TraceEntry> ops;  // index, op, path, result only
  std::vector<AckEvent> acks;            // across sessions, in order
  std::vector<CheckpointAck> checkpoint_acks;
  std::vector<StepSpan> steps;
  std::vector<faultfs::InjectedFault> faults;
  std::optional<uint64_t> crash_point;  // set when it stopped there
  std::optional<uint64_t> done_ops;     // set when the workload ended
  std::string error;                    // an "error" event
  std::optional<std::pair<uint64_t, std::string>>
      exception;                   // an "exception" event
  std::vector<std::string> notes;  // "note" events
};

// --- writing (the worker's side): one line each, without the newline ---
std::string OpEventLine(const faultfs::TraceEntry& e);
std::string AckEventLine(const AckEvent& ack);
std::string CheckpointAckEventLine(const CheckpointAck& ack);
std::string StepEventLine(const StepSpan& span);
std::string FaultEventLine(const faultfs::InjectedFault& fault);
std::string CrashPointEventLine(uint64_t op);
std::string DoneEventLine(uint64_t ops);
std::string ErrorEventLine(const std::string& message);
std::string ExceptionEventLine(uint64_t at, const std::string& message);
std::string NoteEventLine(const std::string& message);
std::string RecoveryEventLine(const RecoveryOutcome& outcome);

// InjectedFault::ToJson() read back (unknown op/action names are errors).
faultfs::Result<faultfs::InjectedFault> InjectedFaultFromJson(
    const nlohmann::json& j);

// Folds a stream of events into a report. Unknown events are an error.
faultfs::Status AddWorkerEvent(const WorkerEvent& event, WorkerReport* report);

}  // namespace crashlab::harness
