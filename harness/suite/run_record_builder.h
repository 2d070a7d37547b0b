#pragma once
// Turns explored scenario plans into the reports module's RunRecord: one
// ScenarioResult per plan, and per violated invariant and crash point its
// first violating crash mode as a Violation with a reproducer scenario.

#include <string>
#include <vector>

#include "harness/sim/explorer.h"
#include "harness/fuse/fuse_mode.h"
#include "reports/run_record.h"

namespace crashlab::harness {

// Held/violated counts per invariant and the verdict of one plan.
reports::ScenarioResult ToScenarioResult(const ScenarioPlan& plan);

// Per invariant and crash point, the first violating case: (case index,
// invariant index), ordered by invariant, then crash point.
std::vector<std::pair<size_t, size_t>> FirstViolations(
    const ScenarioPlan& plan);

// The reproducer scenario for one violation: the same workload, faults and
// seed, exactly this crash point and mode, this invariant expected violated.
Scenario MakeReproducer(const ScenarioPlan& plan, const CaseResult& c,
                        const std::string& invariant);
// "<scenario>--<invariant>--p<point>-<mode>.json", file-system safe.
std::string ReproducerFileName(const ScenarioPlan& plan, const CaseResult& c,
                               const std::string& invariant);

// The full violation record (trace window, faults, catalogs, WAL view, files,
// state diff, recovery result).
reports::Violation ToViolation(const ScenarioPlan& plan, const CaseResult& c,
                               size_t invariant_index,
                               const std::string& reproducer_path);

// --- fuse mode (mode "fuse" in the record) ---

// Counts per invariant over the fuse cases, plus `sim-fuse-agreement`
// (cases that agreed with the simulator vs not); the expectation is the
// scenario's expected violations that the simulator shows at these crash
// points in drop mode (fuse_mode.h).
reports::ScenarioResult ToFuseScenarioResult(const FusePlan& plan);

// Per fuse case: each violated invariant (its index) and, when the case
// disagrees with the simulator, kAgreementIndex.
inline constexpr size_t kAgreementIndex = static_cast<size_t>(-1);
std::vector<std::pair<size_t, size_t>> FuseViolations(
    const FusePlan& plan);  // (case, invariant index)

// The reproducer of a fuse violation: the scenario at exactly this crash
// point in drop mode; for a violated invariant, that invariant expected
// violated (`crashlab replay` and `crashlab run --mode fuse` reproduce it);
// for a disagreement the scenario's own checks (`crashlab run --mode all`
// shows both sides).
Scenario MakeFuseReproducer(const FusePlan& plan, const FuseCase& c,
                            size_t invariant_index);
std::string FuseReproducerFileName(const FusePlan& plan, const FuseCase& c,
                                   size_t invariant_index);
// The command that reproduces it, given the reproducer's path.
std::string FuseReproduceCommand(size_t invariant_index,
                                 const std::string& reproducer_path);

reports::Violation ToFuseViolation(const FusePlan& plan, const FuseCase& c,
                                   size_t invariant_index,
                                   const std::string& reproducer_path);

}  // namespace crashlab::harness
