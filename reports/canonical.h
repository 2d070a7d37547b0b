#pragma once
// The canonical form of a run record: what report.json holds, so that the
// same results give the same bytes whatever the job count or sharding.
//   run.modes          sorted, unique
//   scenarios          sorted by (file, name, mode)
//   crash_points       ascending, unique
//   violations         sorted by ViolationLess
// Invariant counts keep the scenario's own order.

#include "reports/run_record.h"

namespace crashlab::reports {

// (scenario_file, scenario, mode, crash_point, crash_mode, invariant,
// message, reproducer) — lexicographic.
bool ViolationLess(const Violation& a, const Violation& b);

void Canonicalize(RunRecord* record);

// A copy with every timing zeroed (run.started/finished/duration_seconds and
// each scenario's duration_seconds): what "equal apart from timings" means.
RunRecord WithoutTimings(RunRecord record);

}  // namespace crashlab::reports
