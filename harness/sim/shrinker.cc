#include "harness/sim/shrinker.h"

#include <cassert>

#include "harness/scenario/crash_mode_list.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/scenario/scenario_writer.h"

namespace crashlab::harness {
namespace {

std::string GeneralMode(const std::string& mode) {
  auto m = faultfs::CrashMode::Parse(mode);
  if (!m.ok()) return mode;
  if (m->kind == faultfs::CrashMode::Kind::kPrefix) return "prefix";
  return SpecForMode(*m);  // torn@S, random@S: the one draw that violated
}

// A candidate must still be a valid scenario.
bool Valid(const Scenario& s) {
  if (s.workload.empty()) return false;
  return ParseScenario(WriteScenario(s), "candidate").ok();
}

size_t FaultCount(const Scenario& s) {
  size_t n = s.faults.size() + s.recovery.faults.size();
  for (const auto& st : s.workload) n += st.kind == StepKind::kInject;
  return n;
}

}  // namespace

std::optional<ReproTarget> FindViolation(const Scenario& scenario,
                                         const std::string& invariant,
                                         const std::string& mode_hint,
                                         const ExploreOptions& opts) {
  Scenario s = scenario;
  s.invariants = {invariant};
  s.expect_violated = {invariant};
  s.reproduce.reset();
  s.crash_points = CrashPoints{.strategy = CrashPointStrategy::kEveryOp};
  s.crash_modes = {GeneralMode(mode_hint)};
  if (s.crash_modes[0] != "drop") s.crash_modes.push_back("drop");
  std::vector<ScenarioPlan> plans{PlanScenario(s, opts)};
  if (!plans[0].skipped.empty()) return std::nullopt;
  if (plans[0].cases.size() > 20000) {
    s.crash_points =
        CrashPoints{.strategy = CrashPointStrategy::kEveryPersistencePoint};
    plans[0] = PlanScenario(s, opts);
  }
  ExploreOptions o = opts;
  o.fail_fast = false;
  ExplorePlans(&plans, o, nullptr);
  for (const auto& c : plans[0].cases) {
    if (!c.findings.empty() && c.findings[0].violated) {
      return ReproTarget{.crash_point = c.point,
                         .crash_mode = c.mode.ToString(),
                         .invariant = invariant};
    }
  }
  return std::nullopt;
}

ShrinkResult Shrink(const Scenario& reproducer, const ExploreOptions& opts,
                    uint64_t max_candidates) {
  ShrinkResult out;
  assert(reproducer.reproduce.has_value());
  const ReproTarget target = *reproducer.reproduce;
  out.steps_before = reproducer.workload.size();
  out.faults_before = FaultCount(reproducer);
  Scenario best = reproducer;
  best.seed = reproducer.seed;
  auto hit = FindViolation(best, target.invariant, target.crash_mode, opts);
  ++out.candidates;
  if (!hit) return out;
  out.reproduced = true;
  ReproTarget best_target = *hit;

  auto attempt = [&](const Scenario& cand) {
    if (out.candidates >= max_candidates || !Valid(cand)) return false;
    ++out.candidates;
    auto h = FindViolation(cand, target.invariant, target.crash_mode, opts);
    if (!h) return false;
    best = cand;
    best_target = *h;
    return true;
  };

  bool progress = true;
  while (progress && out.candidates < max_candidates) {
    progress = false;
    // 1. workload chunks, large to small
    for (size_t size = std::max<size_t>(1, best.workload.size() / 2); size >= 1;
         size /= 2) {
      for (size_t start = 0; start + size <= best.workload.size();) {
        Scenario cand = best;
        cand.workload.erase(
            cand.workload.begin() + static_cast<long>(start),
            cand.workload.begin() + static_cast<long>(start + size));
        cand.crash_points.steps.clear();
        if (attempt(cand)) {
          progress = true;
        } else {
          ++start;
        }
      }
      if (size == 1) break;
    }
    // 2. fault rules
    for (size_t i = 0; i < best.faults.size();) {
      Scenario cand = best;
      cand.faults.erase(cand.faults.begin() + static_cast<long>(i));
      if (attempt(cand))
        progress = true;
      else
        ++i;
    }
    for (size_t i = 0; i < best.recovery.faults.size();) {
      Scenario cand = best;
      cand.recovery.faults.erase(cand.recovery.faults.begin() +
                                 static_cast<long>(i));
      if (attempt(cand))
        progress = true;
      else
        ++i;
    }
    // 3. counts
    for (size_t i = 0; i < best.workload.size(); ++i) {
      while (best.workload[i].count > 1) {
        Scenario cand = best;
        cand.workload[i].count = best.workload[i].count / 2;
        if (!attempt(cand)) break;
        progress = true;
      }
    }
  }
  best.crash_points = CrashPoints{.strategy = CrashPointStrategy::kList,
                                  .ops = {best_target.crash_point}};
  auto best_mode = faultfs::CrashMode::Parse(best_target.crash_mode);
  best.crash_modes = {best_mode.ok() ? SpecForMode(*best_mode)
                                     : best_target.crash_mode};
  best.invariants = {target.invariant};
  best.expect_violated = {target.invariant};
  best.reproduce = best_target;
  best.description = "Reproducer (shrunk): " + target.invariant +
                     " violated at crash point " +
                     std::to_string(best_target.crash_point) + " (" +
                     best_target.crash_mode + ").";
  out.minimal = best;
  out.steps_after = best.workload.size();
  out.faults_after = FaultCount(best);
  return out;
}

}  // namespace crashlab::harness
