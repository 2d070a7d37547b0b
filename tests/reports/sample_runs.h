#pragma once
// Synthetic runs for the reports tests, built the way the harness will build
// them: a list of crash states (scenario, crash point, crash mode, violated
// invariants), of which shard I/N takes the states with k % N == I - 1.
// Building all states as 1/1 gives the unsharded run, so merging the shards
// must give it back.

#include <cstdint>
#include <string>
#include <vector>

#include "reports/run_record.h"

namespace crashlab::reports::testing {

struct CrashStateSpec {
  size_t scenario = 0;  // index into RunSpec::scenarios
  uint64_t point = 0;
  std::string mode = "drop";
  std::vector<std::string> violated;
};

struct RunSpec {
  RunInfo run;
  std::vector<ScenarioResult> scenarios;  // counts empty; filled by BuildRun
  std::vector<CrashStateSpec> states;
};

// Every scenario meets its expectation; no violation.
RunSpec PassingSpec();
// An unmet expectation (phantom checkpoint), an expected violation (unsafe
// mode caught), a scenario that could not run, and passing ones. Messages
// carry characters that need escaping in XML, HTML and Markdown.
RunSpec FailingSpec();
// Many crash states and violations, for the "stays usable" checks.
RunSpec LargeSpec(size_t states, size_t violating_every);

RunRecord BuildRun(const RunSpec& spec, Shard shard = {});
std::vector<RunRecord> BuildShards(const RunSpec& spec, uint32_t count);

// A fully populated violation (every optional part present).
Violation SampleViolation(const ScenarioResult& s, uint64_t point,
                          const std::string& mode,
                          const std::string& invariant);

// A passing run plus one exec scenario ("lmdb-like", violating
// acknowledged-durable after a power cut; `expected`: the scenario expects
// it) and its violation, with what the power cut took (`loss`) and the
// program's run as its recovery_result.
RunRecord ExecViolationRun(bool expected);

}  // namespace crashlab::reports::testing
