// harness_bench: recoveries + invariant checks per second (the headline;
// workload, planning, engine recovery on each distinct post-crash image, the
// nested recovery crashes and every checker evaluation included) and how the
// total cost grows with workload length. Crash points, (point, mode) cases,
// distinct images, recoveries, nested crashes and checks are separate columns.
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

#include "harness/scenario/invariant_ids.h"
#include "harness/sim/explorer.h"
#include "harness/workload/image_facts.h"

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
      "| puts | ops | crash points | cases | distinct images | recoveries | "
      "nested crashes | checks | seconds | recoveries+checks/s | "
      "recoveries/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (uint64_t puts = 16; puts <= max_puts; puts *= 2) {
    ExploreOptions opts;
    opts.jobs = jobs;
    auto t0 = std::chrono::steady_clock::now();
    std::vector<ScenarioPlan> plans{PlanScenario(Reference(puts), opts)};
    ExplorePlans(&plans, opts, nullptr);
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    const ScenarioPlan& p = plans[0];
    auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    std::printf(
        "| %llu | %llu | %zu | %llu | %llu | %llu | %llu | %llu | %.2f | %.0f "
        "| %.0f |\n",
        u(puts), u(p.workload->op_count()), p.points.size(),
        u(p.crash_states()), u(p.distinct_images), u(p.recoveries()),
        u(p.nested_crashes), u(p.checks), secs,
        static_cast<double>(p.recoveries() + p.checks) / secs,
        static_cast<double>(p.recoveries()) / secs);
  }
  return 0;
}
