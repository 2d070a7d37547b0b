#pragma once
// Random scenario search (`crashlab fuzz`): generates workloads and fault
// schedules from a seed, explores every crash point of each in sim mode, and
// on the first violation shrinks it to a minimal reproducer scenario.
// Every choice comes from the printed seed: scenario i of seed S is the same
// on every machine (GenerateScenario(FuzzScenarioSeed(S, i), unsafe)).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "harness/sim/explorer.h"

namespace crashlab::harness {

// The seed of the i-th generated scenario of a fuzz run.
uint64_t FuzzScenarioSeed(uint64_t run_seed, uint64_t index);

// A random, valid scenario (engine settings, 3-12 workload steps with
// injected faults, every-op crash points, drop plus sometimes prefix/torn
// crash modes, every invariant, expected verdict pass) with these unsafe
// modes enabled. Deterministic in `seed`.
Scenario GenerateScenario(uint64_t seed,
                          const std::vector<std::string>& unsafe);

struct FuzzOptions {
  double seconds = 60;  // time budget
  uint64_t seed = 1;
  std::vector<std::string> unsafe;
  std::string out_dir = "crashlab-fuzz";
  unsigned jobs = 1;
  uint64_t max_scenarios = 0;  // 0 = no limit besides time
  uint64_t shrink_candidates = 200;
};

struct FuzzFinding {
  uint64_t index = 0;  // which generated scenario
  uint64_t scenario_seed = 0;
  std::string invariant;
  std::string message;
  Scenario original;          // the generated scenario, as a reproducer
  Scenario minimal;           // shrunk reproducer
  std::string original_path;  // written files
  std::string minimal_path;
  double seconds_to_detect = 0;  // from the start of the run to the violation
};

struct FuzzStats {
  uint64_t scenarios = 0;
  uint64_t crash_states = 0;  // (crash point, crash mode) cases
  uint64_t recoveries = 0;  // engine recoveries run (distinct images + nested)
  uint64_t checks = 0;      // invariant checker evaluations
  double seconds = 0;
};

struct FuzzResult {
  FuzzStats stats;
  std::optional<FuzzFinding> finding;
  std::string error;  // could not write the reproducer, ...
};

// Runs until the time budget, max_scenarios, or the first violation.
// `progress` is called after every scenario (may be empty).
FuzzResult RunFuzz(const FuzzOptions& opts,
                   const std::function<void(const FuzzStats&)>& progress);

}  // namespace crashlab::harness
