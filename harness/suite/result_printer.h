#pragma once
// The one printer of `crashlab run`'s per-scenario results, for sim, fuse and
// exec mode alike: a verdict line per scenario (PASS, CAUGHT, FAIL, ERROR or
// SKIP, the scenario name, what ran), the invariants violated or expected,
// the first violation of each with its reproducer, and notes. The record
// decides; the plans only add what ran (points, samples, runs).

#include <ostream>
#include <string>

#include "harness/exec/exec_suite.h"
#include "harness/suite/run_suite.h"
#include "reports/run_record.h"

namespace crashlab::harness {

// "1.23s" below ten seconds, "12.3s" above.
std::string Seconds(double s);

// sim mode's scenarios; in fuse|all mode (`exec_ran`) the exec scenarios sim
// mode skipped are not listed (exec mode ran them).
void PrintSimResults(const SuiteResult& suite, bool exec_ran,
                     std::ostream& out);
// fuse mode's scenarios.
void PrintFuseResults(const SuiteResult& suite, std::ostream& out);
// exec mode's scenarios.
void PrintExecResults(const ExecSuiteResult& exec,
                      const reports::RunRecord& record, std::ostream& out);

}  // namespace crashlab::harness
