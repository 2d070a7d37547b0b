#pragma once
// Merging shard reports (`crashlab report merge`). The merged record equals
// the record of the same run done unsharded, apart from timings.
//
// Preconditions (else kBadInput naming the offending input):
//   - same crashlab_version, commit and seed in every input;
//   - same shard count N; for every mode in the union of the inputs' modes,
//     each shard index 1..N appears exactly once among the inputs that ran
//     that mode (so a matrix of modes x shards merges too);
//   - a scenario (file, name, mode) has the same expectation everywhere.
// Result:
//   run        shard "1/1", modes = union, machine = that of the first input
//              in (shard index, input order), started = earliest,
//              finished = latest, duration_seconds = sum (total work)
//   scenario   keyed by (file, name, mode): crash_points = union,
//              crash_states = sum, invariant counts summed per id (order of
//              first appearance), verdict = worst (error > fail > pass),
//              errors joined with "; ", duration_seconds = sum
//   violations concatenated, then canonical order (canonical.h)

#include <string>
#include <vector>

#include "reports/run_record.h"

namespace crashlab::reports {

// `names` (same length as `inputs`, or empty) label inputs in error messages,
// e.g. the directories they came from.
Result<RunRecord> Merge(const std::vector<RunRecord>& inputs,
                        const std::vector<std::string>& names = {});

}  // namespace crashlab::reports
