#pragma once
// Conventions of exec scenarios (scenarios with exec or check steps, run by
// exec_mode.h on a faultfs mount), shared by the parser, the writer and the
// runner.
//
// crash_points of an exec scenario name operation indices of the faultfs
// daemon (its trace), chosen from a first run of the scenario as written. A
// file without "crash_points" has none: the scenario runs once and crashes
// only where its crash steps and crash rules say. That case is stored as a
// list strategy with no ops (a file cannot say that: `list` needs ops).

#include "harness/scenario/scenario.h"

namespace crashlab::harness {

// The "no crash points" value of an exec scenario.
CrashPoints ExecNoCrashPoints();

// True if an exec scenario asks for crash point runs (crash_points given).
bool HasExecCrashPoints(const Scenario& scenario);

}  // namespace crashlab::harness
