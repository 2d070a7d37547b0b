#pragma once
// Does a fuse-mode run of one crash point agree with the simulator's run of
// the same scenario, crash point and crash mode (drop)? Each function returns
// the disagreements it found, as messages that show both sides; an empty
// list means they agree. A disagreement is a harness bug (the simulator and
// faultfs must implement the same crash model, and the worker must drive the
// engine exactly like the simulator does), reported as the finding
// `sim-fuse-agreement`.

#include <cstdint>
#include <string>
#include <vector>

#include "faultfs/sim_state.h"
#include "harness/invariants/crash_case.h"
#include "harness/workload/recovery_run.h"
#include "harness/fuse/worker_protocol.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {

inline constexpr const char* kSimFuseAgreement = "sim-fuse-agreement";

// The durable state after the crash: the simulator's post-crash image vs
// the one read from faultfs's backing directory. The message lists the
// differing paths and then both states side by side.
std::vector<std::string> CompareDurableState(const faultfs::Image& sim,
                                             const faultfs::Image& fuse);

// What the worker reported up to its crash point `point` vs the simulator's
// run: every operation 0..point (op, path, destination, offset, length,
// result), acknowledgements, checkpoint acknowledgements, finished steps and
// injected faults (events at or before the crash), and an exception.
std::vector<std::string> CompareWorkerReport(const WorkloadRun& sim,
                                             const WorkerReport& fuse,
                                             uint64_t point);

// The two recoveries (from what must be the same durable image): success,
// exception, state, catalog and the files they deleted.
std::vector<std::string> CompareRecoveries(const RecoveryOutcome& sim,
                                           const RecoveryOutcome& fuse);

// The verdict: per invariant of `invariants`, held or violated on both sides.
std::vector<std::string> CompareVerdicts(
    const std::vector<std::string>& invariants, const std::vector<Finding>& sim,
    const std::vector<Finding>& fuse);

// One line for a recovery: "ok, 12 keys, catalog [ckpt-1, ckpt-2]", "failed:
// ...".
std::string RecoverySummary(const RecoveryOutcome& o);

}  // namespace crashlab::harness
