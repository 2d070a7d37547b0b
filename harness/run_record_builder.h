#pragma once
// Turns explored scenario plans into the reports module's RunRecord: one
// ScenarioResult per plan, and per violated invariant and crash point its
// first violating crash mode as a Violation with a reproducer scenario.

#include <string>
#include <vector>

#include "harness/explorer.h"
#include "reports/run_record.h"

namespace crashlab::harness {

// Held/violated counts per invariant and the verdict of one plan.
reports::ScenarioResult ToScenarioResult(const ScenarioPlan& plan);

// Per invariant and crash point, the first violating case: (case index,
// invariant index), ordered by invariant, then crash point.
std::vector<std::pair<size_t, size_t>> FirstViolations(const ScenarioPlan& plan);

// The reproducer scenario for one violation: the same workload, faults and
// seed, exactly this crash point and mode, this invariant expected violated.
Scenario MakeReproducer(const ScenarioPlan& plan, const CaseResult& c, const std::string& invariant);
// "<scenario>--<invariant>--p<point>-<mode>.json", file-system safe.
std::string ReproducerFileName(const ScenarioPlan& plan, const CaseResult& c,
                               const std::string& invariant);

// The full violation record (trace window, faults, catalogs, WAL view, files,
// state diff, recovery result).
reports::Violation ToViolation(const ScenarioPlan& plan, const CaseResult& c, size_t invariant_index,
                               const std::string& reproducer_path);

}  // namespace crashlab::harness
