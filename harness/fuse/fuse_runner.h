#pragma once
// fuse mode, one crash point: the scenario's workload runs in a separate
// engine process on a fresh faultfs mount and is stopped right after
// operation P (nothing after it reaches the disk); the power is cut (faultfs
// `crash`, drop) and the process SIGKILLed; the backing directory - the
// durable state - is compared with the simulator's post-crash image; the
// machine comes back (`restart`) and recovery runs in a new process; the
// scenario's invariant checkers judge it from the simulator run's oracle; and
// everything is compared with the simulator's verdict for the same (P, drop).
//
// For recovery-idempotent (without recovery faults) the power is cut once
// more after the first recovery and a second recovery process must give the
// same result; the simulator reference must have been explored with the same
// nested crash (the last recovery op only: FuseReferenceScenario).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/sim/explorer.h"
#include "harness/fuse/worker_protocol.h"

namespace crashlab::harness {

struct FuseOptions {
  std::string crashlab_binary;    // "" = this executable (/proc/self/exe)
  std::string faultfs_binary;     // "" = FindFaultfsBinary()
  bool direct_io = true;          // faultfs mount --direct-io
  double worker_timeout_s = 120;  // per worker process
};

struct FuseCase {
  uint64_t point = 0;
  bool targeted = false;  // chosen because the simulator found a violation here
  std::vector<Finding> findings;      // fuse: one per scenario invariant
  std::vector<Finding> sim_findings;  // the simulator's, same point, drop
  std::shared_ptr<const RecoveryOutcome> recovery;  // fuse (first recovery)
  std::shared_ptr<const RecoveryOutcome> sim_recovery;
  std::vector<std::string>
      disagreements;  // sim-fuse-agreement, each showing both sides
  std::string
      error;  // the case could not run (environment); findings are empty
  uint64_t worker_ops = 0;  // operations the workload worker reported
  double seconds = 0;
  bool done = false;

  bool agrees() const { return disagreements.empty(); }
};

// The scenario the simulator reference runs: the same, but recovery-idempotent
// crashes only after the last recovery op (what fuse mode can do for real).
Scenario FuseReferenceScenario(const Scenario& scenario);

// Runs crash point `sim.point` of `ref` (a plan of FuseReferenceScenario,
// whose case `sim` was explored in drop mode) in fuse mode. `scenario_file`
// is the scenario as the worker reads it; `work_dir` a fresh directory for
// this case (backing dir, mount point, control socket, logs).
FuseCase RunFuseCase(const ScenarioPlan& ref, const CaseResult& sim,
                     const std::string& scenario_file,
                     const std::string& work_dir, const FuseOptions& options);

// This executable (/proc/self/exe), for spawning `crashlab worker`;
// $CRASHLAB_BINARY when set.
faultfs::Result<std::string> CrashlabBinary();

}  // namespace crashlab::harness
