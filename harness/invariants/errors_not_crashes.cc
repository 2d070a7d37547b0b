// errors-not-crashes: the engine reports every failure as a value: no
// exception escapes it, and a failed recovery names at least one problem
// and an error.
#include "harness/invariants/checkers.h"

namespace crashlab::harness {

Finding CheckErrorsNotCrashes(const CrashCase& c) {
  if (c.workload_exception) {
    return Finding::Violated(
        "an exception escaped the engine during the workload (after op " +
        std::to_string(c.workload_exception->first) +
        "): " + c.workload_exception->second);
  }
  const RecoveryOutcome& r = *c.recovery;
  if (r.threw)
    return Finding::Violated("an exception escaped recovery: " + r.exception);
  if (r.ok != r.result.ok) {
    return Finding::Violated(
        std::string("Open ") + (r.ok ? "succeeded" : "failed") +
        " but the recovery result says ok=" + (r.result.ok ? "true" : "false"));
  }
  if (!r.ok && (r.result.problems.empty() || r.result.error.empty())) {
    return Finding::Violated("recovery failed without naming a problem: " +
                             r.status);
  }
  return Finding::Held();
}

}  // namespace crashlab::harness
