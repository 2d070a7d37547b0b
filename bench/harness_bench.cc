// harness_bench: crash states checked per second (workload, recovery on the
// post-crash image and all seven invariant checks included) and how the total
// cost grows with workload length.
//
//   harness_bench [JOBS] [MAX_PUTS]
//
// Reference scenario: puts in groups of 8 (wal_group_size 4), a sync after
// each group and a checkpoint after every 4 groups, 4 partitions; every op is
// a crash point, crash modes drop + prefix; recovery-idempotent samples 8
// crashes inside each distinct recovery. The recovery cache is on, as in
// `crashlab run` (distinct images are reported too).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "harness/sim/explorer.h"
#include "harness/workload/image_facts.h"
#include "harness/scenario/invariant_ids.h"

using namespace crashlab::harness;  // NOLINT: a benchmark's main

namespace {

Scenario Reference(uint64_t puts) {
  Scenario s;
  s.name = "bench-" + std::to_string(puts);
  s.engine.wal_group_size = 4;
  for (uint64_t i = 0; i < puts / 8; ++i) {
    s.workload.push_back(
        Step{.kind = StepKind::kPut, .count = 8, .key_space = puts});
    s.workload.push_back(Step{.kind = StepKind::kSync});
    if (i % 4 == 3) s.workload.push_back(Step{.kind = StepKind::kCheckpoint});
  }
  s.crash_points.strategy = CrashPointStrategy::kEveryOp;
  s.crash_modes = {"drop", "prefix"};
  s.invariants = AllInvariantIds();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned jobs = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 1;
  uint64_t max_puts = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 256;
  std::printf(
      "| puts | ops | crash states | distinct recoveries | seconds | states/s "
      "|\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (uint64_t puts = 16; puts <= max_puts; puts *= 2) {
    ExploreOptions opts;
    opts.jobs = jobs;
    auto t0 = std::chrono::steady_clock::now();
    std::vector<ScenarioPlan> plans{PlanScenario(Reference(puts), opts)};
    ExplorePlans(&plans, opts, nullptr);
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    std::set<const RecoveryOutcome*> distinct;
    for (const auto& c : plans[0].cases) distinct.insert(c.recovery.get());
    uint64_t states = plans[0].crash_states();
    std::printf("| %llu | %llu | %llu | %zu | %.2f | %.0f |\n",
                static_cast<unsigned long long>(puts),
                static_cast<unsigned long long>(plans[0].workload->op_count()),
                static_cast<unsigned long long>(states), distinct.size(), secs,
                static_cast<double>(states) / secs);
  }
  return 0;
}
