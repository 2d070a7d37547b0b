#include "harness/sim/explorer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "harness/invariants/checkers.h"
#include "harness/scenario/crash_mode_list.h"
#include "harness/scenario/invariant_ids.h"
#include "harness/workload/image_facts.h"

namespace crashlab::harness {
namespace {

std::string DescribeFault(const faultfs::InjectedFault& f, bool in_recovery) {
  return std::string(faultfs::ActionName(f.action)) + " on " +
         std::string(faultfs::OpName(f.op)) + " " + f.path +
         (in_recovery ? " during recovery"
                      : " at op " + std::to_string(f.op_index));
}

// The names the file a fault damaged carried from the fault up to the crash
// point: its own and every name a later successful rename or link gave it,
// of the file or of a directory above it (kept even when renamed away: a
// conservative superset).
std::set<std::string> DamagedNames(const WorkloadRun& run,
                                   const faultfs::InjectedFault& f,
                                   uint64_t point) {
  std::set<std::string> names{f.path};
  for (uint64_t i = f.op_index + 1; i <= point && i < run.trace.size(); ++i) {
    const auto& e = run.trace[i];
    if (e.result != 0 ||
        (e.op != faultfs::OpKind::kRename && e.op != faultfs::OpKind::kLink))
      continue;
    std::vector<std::string> added;
    for (const auto& n : names) {
      if (n == e.path) {
        added.push_back(e.path2);
      } else if (n.size() > e.path.size() &&
                 n.compare(0, e.path.size(), e.path) == 0 &&
                 n[e.path.size()] == '/') {
        added.push_back(e.path2 + n.substr(e.path.size()));
      }
    }
    names.insert(added.begin(), added.end());
  }
  return names;
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Whether recovery can reach the damage: it opened, read or stat'ed one of
// the damaged file's names, or (a lost file, which leaves no name to open)
// listed a directory one of them was in. Damage recovery does not reach
// relaxes nothing.
bool RecoveryReaches(const RecoveryOutcome& r,
                     const std::set<std::string>& names, bool lost) {
  using faultfs::OpKind;
  for (const auto& e : r.trace) {
    bool reads = e.op == OpKind::kOpen || e.op == OpKind::kRead ||
                 e.op == OpKind::kStat || e.op == OpKind::kCreate;
    if (reads && names.count(e.path)) return true;
    if (lost && e.op == OpKind::kReaddir) {
      for (const auto& n : names) {
        if (ParentOf(n) == e.path) return true;
      }
    }
  }
  return false;
}

// Recovery outcomes by post-crash image, shared by the workers of one scenario.
class RecoveryCache {
 public:
  std::shared_ptr<const RecoveryOutcome> Get(const RecoveryRequest& req,
                                             const faultfs::SimState& post) {
    Fingerprint fp = ImageFingerprint(post.visible);
    {
      std::lock_guard lock(mu_);
      auto it = cache_.find(fp);
      if (it != cache_.end()) return it->second;
    }
    auto out = std::make_shared<const RecoveryOutcome>(RunRecovery(req, post));
    std::lock_guard lock(mu_);
    return cache_.emplace(fp, out).first->second;
  }
  // Distinct images recovered and the nested crashes of their recoveries
  // (racing workers may both recover one image: the cache keeps one).
  std::pair<uint64_t, uint64_t> Counts() {
    std::lock_guard lock(mu_);
    uint64_t nested = 0;
    for (const auto& [fp, o] : cache_) nested += o->nested_states;
    return {cache_.size(), nested};
  }

 private:
  std::mutex mu_;
  std::map<Fingerprint, std::shared_ptr<const RecoveryOutcome>> cache_;
};

bool Checks(const Scenario& sc, std::string_view id) {
  return std::find(sc.invariants.begin(), sc.invariants.end(), id) !=
         sc.invariants.end();
}

}  // namespace

uint64_t EffectiveSeed(const Scenario& scenario, const ExploreOptions& opts) {
  return opts.seed ? *opts.seed : scenario.seed;
}

uint64_t ScenarioPlan::crash_states() const {
  // Every explored (crash point, crash mode) case, once: the crashes inside
  // a recovery are nested_crashes, counted once per distinct image.
  uint64_t n = 0;
  for (const auto& c : cases) n += c.done ? 1 : 0;
  return n;
}

bool ScenarioPlan::stopped() const {
  for (const auto& c : cases) {
    if (!c.done) return true;
  }
  return false;
}

ScenarioPlan PlanScenario(const Scenario& scenario, const ExploreOptions& opts,
                          const std::optional<ReproTarget>& only) {
  ScenarioPlan plan;
  plan.scenario = scenario;
  plan.seed = EffectiveSeed(scenario, opts);
  if (std::find(scenario.modes.begin(), scenario.modes.end(), "sim") ==
      scenario.modes.end()) {
    plan.skipped = "the scenario does not run in sim mode";
    return plan;
  }
  if (scenario.has_exec()) {
    plan.skipped = "exec steps run only in fuse mode";
    return plan;
  }
  auto start = std::chrono::steady_clock::now();
  auto run = std::make_shared<WorkloadRun>(RunWorkload(scenario, plan.seed));
  plan.workload = run;
  if (only) {
    if (only->crash_point < run->op_count()) {
      plan.points = {only->crash_point};
      auto m = faultfs::CrashMode::Parse(only->crash_mode);
      plan.cases.push_back(
          CaseResult{.point = only->crash_point,
                     .mode = m.ok() ? *m : faultfs::CrashMode::Drop()});
    }
  } else {
    plan.points = ShardPoints(
        SelectCrashPoints(scenario.crash_points, *run, plan.seed), opts.shard);
    for (uint64_t p : plan.points) {
      const auto& st = run->StateAfter(p);
      for (const auto& m :
           ExpandCrashModes(scenario.crash_modes, st.pending.size(),
                            HasPendingWrites(st), plan.seed, p)) {
        plan.cases.push_back(CaseResult{.point = p, .mode = m});
      }
    }
  }
  plan.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return plan;
}

CrashCase BuildCrashCase(const ScenarioPlan& plan, const CaseResult& result,
                         faultfs::Image* post_storage) {
  *post_storage =
      plan.workload->StateAfter(result.point).PostCrash(result.mode);
  return BuildCrashCase(plan, result, *post_storage);
}

CrashCase BuildCrashCase(const ScenarioPlan& plan, const CaseResult& result,
                         const faultfs::Image& post) {
  const WorkloadRun& run = *plan.workload;
  CrashCase c;
  c.crash_point = result.point;
  c.mode = result.mode;
  c.view = run.oracle.ViewAt(result.point);
  c.pre = &run.StateAfter(result.point);
  c.post = &post;
  c.recovery = result.recovery.get();
  c.run = &run;
  for (const auto& f : run.faults) {
    if (f.op_index > result.point || !IsDamagingFault(f)) continue;
    // Without the recovery's trace (not run yet) every damage counts.
    if (c.recovery &&
        !RecoveryReaches(*c.recovery, DamagedNames(run, f, result.point),
                         f.action == faultfs::ActionKind::kLose)) {
      continue;
    }
    c.damage = DescribeFault(f, false);
    break;
  }
  if (c.damage.empty() && c.recovery) {
    for (const auto& f : c.recovery->faults) {
      if (f.action == faultfs::ActionKind::kCorrupt || IsDamagingFault(f)) {
        c.damage = DescribeFault(f, true);
        break;
      }
    }
  }
  for (const auto& d : run.bad_deletions) {
    if (d.op <= result.point) c.bad_deletions.push_back(d);
  }
  if (run.exception && run.exception->first <= result.point + 1)
    c.workload_exception = run.exception;
  c.recovery_faults = !plan.scenario.recovery.faults.empty();
  return c;
}

void ExplorePlans(std::vector<ScenarioPlan>* plans, const ExploreOptions& opts,
                  Progress* progress) {
  // One task per crash point: the cases [begin, end) of one plan, which
  // share the oracle view and the state before the crash.
  struct Task {
    size_t plan;
    size_t begin;
    size_t end;
  };
  std::vector<Task> tasks;
  uint64_t total = 0;
  for (size_t p = 0; p < plans->size(); ++p) {
    const auto& cases = (*plans)[p].cases;
    for (size_t i = 0; i < cases.size();) {
      size_t j = i + 1;
      while (j < cases.size() && cases[j].point == cases[i].point) ++j;
      tasks.push_back({p, i, j});
      i = j;
    }
    total += cases.size();
  }
  if (progress) progress->total += total;
  std::vector<std::unique_ptr<RecoveryCache>> caches;
  std::vector<std::unique_ptr<FactsCache>> facts;
  for (size_t p = 0; p < plans->size(); ++p) {
    caches.push_back(std::make_unique<RecoveryCache>());
    facts.push_back(std::make_unique<FactsCache>());
  }
  std::vector<std::atomic<uint64_t>> checks(plans->size());
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    while (!stop) {
      size_t t = next++;
      if (t >= tasks.size()) return;
      ScenarioPlan& plan = (*plans)[tasks[t].plan];
      const Scenario& sc = plan.scenario;
      const WorkloadRun& run = *plan.workload;
      RecoveryRequest req{.scenario = &sc,
                          .seed = plan.seed,
                          .check_idempotence = Checks(sc, kRecoveryIdempotent)};
      // Findings are a function of the crash point and the recovery outcome
      // (which the cache shares only between identical post-crash images;
      // no checker looks at the crash mode), so the modes of one point that
      // lead to one recovery share their findings.
      std::vector<std::pair<const RecoveryOutcome*, size_t>>
          seen;  // outcome -> case index
      for (size_t i = tasks[t].begin; i < tasks[t].end && !stop; ++i) {
        CaseResult& cr = plan.cases[i];
        faultfs::SimState post =
            PostCrashState(run.StateAfter(cr.point), cr.mode);
        cr.recovery = caches[tasks[t].plan]->Get(req, post);
        auto same = std::find_if(seen.begin(), seen.end(), [&](const auto& s) {
          return s.first == cr.recovery.get();
        });
        if (same != seen.end()) {
          cr.findings = plan.cases[same->second].findings;
        } else {
          CrashCase c = BuildCrashCase(plan, cr, post.visible);
          c.facts = facts[tasks[t].plan].get();
          for (const auto& id : sc.invariants)
            cr.findings.push_back(CheckInvariant(id, c));
          checks[tasks[t].plan] += sc.invariants.size();
          seen.emplace_back(cr.recovery.get(), i);
        }
        bool unexpected = false;
        for (size_t k = 0; k < cr.findings.size(); ++k) {
          if (!cr.findings[k].violated) continue;
          if (progress) ++progress->violations;
          if (std::find(sc.expect_violated.begin(), sc.expect_violated.end(),
                        sc.invariants[k]) == sc.expect_violated.end()) {
            unexpected = true;
          }
        }
        cr.done = true;
        if (progress) ++progress->done;
        if (unexpected && opts.fail_fast) stop = true;
      }
    }
  };
  unsigned jobs = std::max(1u, opts.jobs);
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& th : threads) th.join();
  for (size_t p = 0; p < plans->size(); ++p) {
    auto [images, nested] = caches[p]->Counts();
    (*plans)[p].distinct_images = images;
    (*plans)[p].nested_crashes = nested;
    (*plans)[p].checks = checks[p];
  }
}

}  // namespace crashlab::harness
