#pragma once
// Runs a scenario's workload once on SimVfs with the engine (deterministic),
// recording the trace, the state before every operation, the oracle, the
// injected faults and every deletion of a file a committed checkpoint needs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/sim_state.h"
#include "faultfs/sim_vfs.h"
#include "harness/oracle.h"
#include "harness/scenario.h"

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
  // An exception escaped the engine (errors-not-crashes): op count and text.
  std::optional<std::pair<uint64_t, std::string>> exception;
  std::vector<std::string> notes;  // e.g. skipped exec steps

  uint64_t op_count() const { return trace.size(); }
  // The state right after op `p` (REQUIRES: p < op_count()).
  const faultfs::SimState& StateAfter(uint64_t p) const { return states[p + 1]; }
};

// REQUIRES: a validated scenario. `seed` is the effective scenario seed.
WorkloadRun RunWorkload(const Scenario& scenario, uint64_t seed);

// Options of the simulator for this scenario (metadata model, seed).
faultfs::SimVfs::Options SimOptions(const Scenario& scenario, uint64_t seed, bool trace = true);

// Faults that destroy data recovery must read: persistent corruption,
// truncate, lose, torn. (A lying fsync is not counted: the harness reports
// what it costs, acknowledged operations lost.)
bool IsDamagingFault(const faultfs::InjectedFault& f);

}  // namespace crashlab::harness
