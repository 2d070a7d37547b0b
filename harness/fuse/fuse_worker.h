#pragma once
// The engine worker process of `crashlab run --mode fuse`: the scenario's
// workload, or one recovery, with the engine on a faultfs mount through a
// CountingVfs (counting_vfs.h), reporting on stdout in the JSON-lines
// protocol of worker_protocol.h. `crashlab worker ...` (worker_command.cc)
// parses the command line and calls these.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "faultfs/status.h"
#include "harness/scenario/scenario.h"

namespace crashlab::harness {

struct WorkerArgs {
  enum class Kind { kWorkload, kRecover };
  Kind kind = Kind::kWorkload;
  std::string scenario_file;
  uint64_t seed = 1;    // the effective scenario seed
  std::string root;     // the faultfs mount (engine dir = its root)
  std::string control;  // the daemon's control socket
  std::optional<uint64_t> stop_after;  // workload only: the crash point P
};

// Runs the workload (WorkerArgs::Kind::kWorkload). Events go to `out`, one
// flushed line each. With stop_after P it writes crash_point when op P+1 is
// about to start (or the workload ended after op P), then blocks reading
// `in`; EOF on `in` returns 0 without another operation. Returns the exit
// code: 0, 3 (environment: mount or socket unusable, the daemon went away or
// has rules of its own). `diag` gets a message for every error.
int RunWorkloadWorker(const Scenario& scenario, const WorkerArgs& args,
                      std::ostream& out, std::istream& in, std::ostream& diag);

// Runs one recovery (WorkerArgs::Kind::kRecover): engine::Inspect of the
// image (plain PosixVfs: not counted, no faults), then Engine::Open on a
// CountingVfs with the scenario's recovery faults, Dump and checkpoints();
// op and fault events, then the recovery event. Returns 0, or 3.
int RunRecoverWorker(const Scenario& scenario, const WorkerArgs& args,
                     std::ostream& out, std::ostream& diag);

}  // namespace crashlab::harness
