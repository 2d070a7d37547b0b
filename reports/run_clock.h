#pragma once
// Run metadata the harness stamps into RunInfo: the machine and wall-clock
// times in the report's format.

#include <chrono>
#include <string>

#include "reports/run_record.h"

namespace crashlab::reports {

// hostname (gethostname), kernel ("Linux 6.1.0-18-amd64", from uname) and
// cores (std::thread::hardware_concurrency). Fields it cannot learn stay
// empty / 0.
MachineInfo CurrentMachine();

// "2024-05-01T12:00:00Z" (UTC, whole seconds).
std::string Rfc3339(std::chrono::system_clock::time_point t);

}  // namespace crashlab::reports
