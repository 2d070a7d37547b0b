#pragma once
// Everything an invariant checker looks at for one crash state: the crash
// point and mode, the oracle's view, the states before and after the power
// cut, and what recovery did. Checkers are pure functions of a CrashCase.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "faultfs/crash_mode.h"
#include "faultfs/sim_state.h"
#include "harness/workload/image_facts.h"
#include "harness/workload/oracle.h"
#include "harness/workload/recovery_run.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {

struct CrashCase {
  uint64_t crash_point = 0;  // the power cut comes right after this op
  faultfs::CrashMode mode;
  OracleView view;
  const faultfs::SimState* pre = nullptr;  // state right after crash_point
  const faultfs::Image* post =
      nullptr;  // post-crash image recovery started from
  const RecoveryOutcome* recovery = nullptr;
  // The first fault before the crash (or during recovery) that damaged data
  // recovery reads ("" if none): persistent corruption, truncation, a lost
  // file, a torn write, a corrupted read during recovery (IsDamagingFault; a
  // lying fsync is not damage).
  std::string damage;
  std::vector<BadDeletion>
      bad_deletions;  // by the workload, at or before crash_point
  std::optional<std::pair<uint64_t, std::string>> workload_exception;
  bool recovery_faults = false;  // the scenario injects faults into recovery
  FactsCache* facts =
      nullptr;  // parsed catalogs and manifests, shared (may be null)
  // The workload run (states before every op, what it wrote): the harness's
  // own view for missing-state-detected and acknowledged-durable. May be null
  // (hand-built cases): those parts of the checks are then skipped.
  const WorkloadRun* run = nullptr;
};

struct Finding {
  bool violated = false;
  std::string message;  // why (violations), or "" when held
  static Finding Held() { return {}; }
  static Finding Violated(std::string why) { return {true, std::move(why)}; }
};

// The smallest j in [lo, hi] whose model equals `dump`; nullopt if none.
std::optional<size_t> MatchingPrefix(const OracleView& view,
                                     const engine::StateDump& dump, size_t lo,
                                     size_t hi);

// Whether `dump` equals the model after some prefix of the issued operations:
// of the view's session (j in [0, issued]) or of an earlier session (any j).
bool MatchesAnyIssuedPrefix(const OracleView& view,
                            const engine::StateDump& dump);

// Problems other than the informational ones (wal-torn-tail,
// startup-gc-skipped).
bool ReportedProblem(const engine::RecoveryResult& r);

}  // namespace crashlab::harness
