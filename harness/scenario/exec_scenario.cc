#include "harness/scenario/exec_scenario.h"

namespace crashlab::harness {

CrashPoints ExecNoCrashPoints() {
  return CrashPoints{.strategy = CrashPointStrategy::kList};
}

bool HasExecCrashPoints(const Scenario& scenario) {
  return !(scenario.crash_points.strategy == CrashPointStrategy::kList &&
           scenario.crash_points.ops.empty());
}

}  // namespace crashlab::harness
