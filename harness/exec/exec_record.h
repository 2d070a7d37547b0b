#pragma once
// Turns an exec-mode result into the reports module's RunRecord: one
// ScenarioResult of mode "exec" (checks counted per run, each run's steps,
// power cut and checks in `runs`), and per run and violated invariant a
// Violation with the daemon's trace around the power cut, the injected
// faults, and the run's steps (command, exit code, output) as its
// recovery_result. Each violating run gets a reproducer scenario: the
// scenario with exactly that crash point and mode.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/exec/exec_mode.h"
#include "reports/run_record.h"

namespace crashlab::harness {

reports::ScenarioResult ToExecScenarioResult(const ExecResult& result);

// One run as JSON: label, crash point and mode, the power cut, notes, error,
// and every step (op, name, command, outcome, detail, exit code, output,
// ops, seconds; checks: invariant and verdict).
nlohmann::json ExecRunToJson(const ExecRun& run);

// The reproducer of one run: same workload, faults and seed; the run's crash
// point and mode (none for the first run); expecting the invariants the first
// run and this one violated.
Scenario MakeExecReproducer(const ExecResult& result, const ExecRun& run);
// "<scenario>--as-written.json" or "<scenario>--p57-drop.json".
std::string ExecReproducerFileName(const ExecResult& result,
                                   const ExecRun& run);

// Adds the scenario result and its violations to `record`, writing
// reproducers into `repro_dir` ("" = none written). Files that cannot be
// written are reported in `errors`.
void AddExecResult(const ExecResult& result, const std::string& repro_dir,
                   reports::RunRecord* record,
                   std::vector<std::string>* errors);

}  // namespace crashlab::harness
