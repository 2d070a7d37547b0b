#pragma once
// Runs a scenario's workload once on SimVfs with the engine (deterministic),
// recording the trace, the state before every operation, the oracle, the
// injected faults and every deletion of a file a committed checkpoint needs.
// The same driver runs the workload in fuse mode through WorkloadEnv.

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/crash_mode.h"
#include "faultfs/sim_state.h"
#include "faultfs/sim_vfs.h"
#include "harness/scenario/scenario.h"
#include "harness/workload/oracle.h"
#include "harness/workload/written_files.h"

namespace crashlab::harness {

// The ops one workload step issued: trace indices [begin, end).
struct StepSpan {
  int64_t step = -1;  // workload step index; -1 for the initial Open
  uint64_t begin = 0;
  uint64_t end = 0;
  std::string outcome;  // "ok" or what went wrong
};

// A successful unlink/rmdir of a path some catalogued checkpoint needed.
struct BadDeletion {
  uint64_t op = 0;
  std::string path;
  std::vector<std::string> needed_by;  // checkpoint ids in the catalog then
};

struct WorkloadRun {
  std::vector<faultfs::TraceEntry> trace;
  // states[i]: just before op i; states[trace.size()]: after the last op.
  std::vector<faultfs::SimState> states;
  Oracle oracle;
  std::vector<faultfs::InjectedFault> faults;
  std::vector<StepSpan> steps;
  std::vector<BadDeletion> bad_deletions;
  // What the workload wrote to the catalog and the checkpoint directories
  // (the harness's own view; sim mode only).
  WrittenFiles written;
  // An exception escaped the engine (errors-not-crashes): op count and text.
  std::optional<std::pair<uint64_t, std::string>> exception;
  std::vector<std::string> notes;  // e.g. skipped exec steps
  // The environment failed (fuse mode: the daemon went away); the workload
  // stopped there. Never set in sim mode.
  std::string env_error;

  uint64_t op_count() const { return trace.size(); }
  // The state right after op `p` (REQUIRES: p < op_count()).
  const faultfs::SimState& StateAfter(uint64_t p) const {
    assert(p + 1 < states.size());
    return states[p + 1];
  }
};

// REQUIRES: a validated scenario. `seed` is the effective scenario seed.
WorkloadRun RunWorkload(const Scenario& scenario, uint64_t seed);

// Where a workload runs: the file system the engine uses and the power
// switch. sim mode: a SimVfs (RunWorkload); fuse mode: a counting PosixVfs on
// a faultfs mount (fuse_worker.h). Operation indices and fault rules must
// behave exactly as SimVfs's: rules are added in order (scenario faults, then
// inject steps), ClearRules() removes them all, the fault log survives.
class WorkloadEnv {
 public:
  virtual ~WorkloadEnv() = default;
  virtual faultfs::Vfs& vfs() = 0;
  virtual uint64_t op_count() const = 0;  // the index the next operation gets
  virtual void AddRule(const faultfs::FaultRule& rule) = 0;
  virtual void ClearRules() = 0;
  virtual std::vector<faultfs::InjectedFault>
  faults() = 0;  // every fault logged so far
  // A `crash` step: power cut in `mode`; files opened before fail with EIO.
  // An error means the environment failed (the run stops there).
  virtual faultfs::Status PowerCut(const faultfs::CrashMode& mode) = 0;
  // True after a `crash` rule fired, until Restart().
  virtual bool crashed() const = 0;
  virtual faultfs::Status Restart() = 0;
};

// Sees the oracle's events as they happen (the fuse worker streams them).
class WorkloadObserver {
 public:
  virtual ~WorkloadObserver() = default;
  virtual void OnAck(const AckEvent& /*ack*/) {}
  virtual void OnCheckpointAck(const CheckpointAck& /*ack*/) {}
  virtual void OnStep(const StepSpan& /*span*/) {}
};

// Runs the workload (Open, then every step; the engine is dropped, not
// closed, at the end) on `env`. Fills oracle, steps, faults, notes,
// exception and env_error; trace, states, bad_deletions and written stay
// empty (they need a simulator). `observer` may be null.
//
// The oracle takes acknowledgements from API return values only: a Sync() or
// Checkpoint() that returned ok acknowledges every operation issued before it
// (never the engine's durable_lsn()); a checkpoint is acknowledged by its
// Checkpoint() returning ok. The base of a session after a reopen is the
// engine's Dump() only if it equals the model after an allowed prefix of the
// session before (acknowledged <= j <= issued; after a damaging fault, any
// prefix of any earlier session); otherwise the base is the model after the
// acknowledged prefix, and Session::base_note says why.
WorkloadRun RunWorkloadOn(const Scenario& scenario, uint64_t seed,
                          WorkloadEnv& env, WorkloadObserver* observer);

// Options of the simulator for this scenario (metadata model, seed).
faultfs::SimVfs::Options SimOptions(const Scenario& scenario, uint64_t seed,
                                    bool trace = true);

// Faults that destroy data recovery must read: persistent corruption,
// truncate, lose, torn. (A lying fsync is not counted: the harness reports
// what it costs, acknowledged operations lost.)
bool IsDamagingFault(const faultfs::InjectedFault& f);

}  // namespace crashlab::harness
