#pragma once
// exec mode inside `crashlab run --mode fuse|all`: runs the exec scenarios
// among the selected ones (exec_mode.h), adds their results to the run
// record (printed by harness/suite/result_printer.h). Scenarios without exec
// or check steps are left to sim and fuse mode.

#include <ostream>
#include <string>
#include <vector>

#include "harness/exec/exec_mode.h"
#include "reports/run_record.h"

namespace crashlab::harness {

struct ExecSuiteResult {
  std::vector<ExecResult> results;  // one per exec scenario, in input order
  std::vector<std::string> errors;  // reproducers that could not be written
  std::vector<std::string> environment_errors;  // no mount possible: exit 3
};

// Runs every exec scenario of `scenarios` and adds each result (mode "exec")
// and its violations to `record` (then canonical again; "exec" joins
// record->run.modes). `live`, if not null, gets one line per run as it ends.
ExecSuiteResult RunExecSuite(const std::vector<Scenario>& scenarios,
                             const ExecOptions& options,
                             const std::string& repro_dir,
                             reports::RunRecord* record, std::ostream* live);

// How many of `scenarios` run only in exec mode (skipped by sim mode).
size_t CountExecScenarios(const std::vector<Scenario>& scenarios);

}  // namespace crashlab::harness
