#include "harness/workload/crash_points.h"

#include <algorithm>
#include <random>
#include <set>

#include "harness/scenario/crash_mode_list.h"

namespace crashlab::harness {

std::vector<uint64_t> SelectCrashPoints(const CrashPoints& cp,
                                        const WorkloadRun& run, uint64_t seed) {
  const uint64_t n = run.op_count();
  std::set<uint64_t> pts;
  switch (cp.strategy) {
    case CrashPointStrategy::kEveryOp:
    case CrashPointStrategy::kSample:
      for (uint64_t i = 0; i < n; ++i) pts.insert(i);
      break;
    case CrashPointStrategy::kEveryPersistencePoint:
      for (const auto& e : run.trace) {
        if (!e.persistence_point) continue;
        if (e.index > 0) pts.insert(e.index - 1);
        pts.insert(e.index);
      }
      if (n > 0) pts.insert(n - 1);
      break;
    case CrashPointStrategy::kList:
      for (uint64_t p : cp.ops) {
        if (p < n) pts.insert(p);
      }
      break;
  }
  if (!cp.steps.empty()) {
    std::set<uint64_t> keep;
    for (const auto& span : run.steps) {
      if (span.step < 0) continue;
      if (std::find(cp.steps.begin(), cp.steps.end(),
                    static_cast<uint64_t>(span.step)) == cp.steps.end())
        continue;
      for (uint64_t p : pts) {
        if (p >= span.begin && p < span.end) keep.insert(p);
      }
    }
    pts = keep;
  }
  std::vector<uint64_t> out(pts.begin(), pts.end());
  if (cp.strategy == CrashPointStrategy::kSample && cp.count < out.size()) {
    std::mt19937_64 rng(cp.seed ? cp.seed : MixSeed(seed, 0x5a5a));
    std::shuffle(out.begin(), out.end(), rng);
    out.resize(cp.count);
    std::sort(out.begin(), out.end());
  }
  return out;
}

std::vector<uint64_t> ShardPoints(const std::vector<uint64_t>& points,
                                  ShardSpec shard) {
  if (shard.count <= 1) return points;
  std::vector<uint64_t> out;
  for (size_t i = 0; i < points.size(); ++i) {
    if (i % shard.count == shard.index - 1) out.push_back(points[i]);
  }
  return out;
}

}  // namespace crashlab::harness
