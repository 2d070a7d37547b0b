#pragma once
// Which crash points of a workload run to explore, and how a shard splits
// them. A crash point P means: the power is cut right after operation P.

#include <cstdint>
#include <vector>

#include "harness/scenario/scenario.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {

// Sorted, unique points for `cp` on `run`:
//   every-op                  0 .. n-1
//   every-persistence-point   right before and right after every fsync,
//                             fdatasync, fsyncdir and sync, plus the last op
//   list                      the given ops that exist
//   sample                    `count` of every-op, seeded (cp.seed, or `seed`)
// restricted to the ops of `cp.steps` when given.
std::vector<uint64_t> SelectCrashPoints(const CrashPoints& cp,
                                        const WorkloadRun& run, uint64_t seed);

struct ShardSpec {
  uint32_t index = 1;  // 1-based
  uint32_t count = 1;
};
// The points of shard `shard`: every count-th one, starting at index-1.
std::vector<uint64_t> ShardPoints(const std::vector<uint64_t>& points,
                                  ShardSpec shard);

}  // namespace crashlab::harness
