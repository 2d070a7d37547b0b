#include "harness/fuse/fuse_mode.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "harness/scenario/crash_mode_list.h"
#include "harness/fuse/fuse_agreement.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/scenario_writer.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;
using faultfs::Result;
using faultfs::Status;

constexpr uint64_t kSampleSalt = 0xf05e;

std::string DirName(size_t index, const std::string& name) {
  std::string s;
  for (char ch : name) {
    s.push_back(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                        ch == '_'
                    ? ch
                    : '_');
    if (s.size() == 24) break;
  }
  return std::to_string(index) + "-" + s;
}

bool IsUnexpected(const Scenario& sc, const std::vector<Finding>& findings) {
  for (size_t k = 0; k < findings.size() && k < sc.invariants.size(); ++k) {
    if (findings[k].violated &&
        std::find(sc.expect_violated.begin(), sc.expect_violated.end(),
                  sc.invariants[k]) == sc.expect_violated.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

FuseSupport CheckFuseSupport(const std::string& faultfs_binary) {
  FuseSupport s;
  if (std::string why = FuseUnavailableReason(); !why.empty()) {
    s.reason = "fuse mode: " + why + "; or run with --mode sim";
    return s;
  }
  if (faultfs_binary.empty()) {
    auto b = FindFaultfsBinary();
    if (!b.ok()) {
      s.reason = "fuse mode: " + b.status().ToString();
      return s;
    }
  }
  s.available = true;
  return s;
}

const CaseResult& FusePlan::SimCase(uint64_t point) const {
  auto it = std::lower_bound(
      ref.cases.begin(), ref.cases.end(), point,
      [](const CaseResult& c, uint64_t p) { return c.point < p; });
  return *it;
}

bool FusePlan::stopped() const {
  return std::any_of(cases.begin(), cases.end(),
                     [](const FuseCase& c) { return !c.done; });
}

Result<std::vector<FusePlan>> PlanFuse(const std::vector<Scenario>& scenarios,
                                       const FuseModeSettings& settings) {
  std::vector<FusePlan> plans;
  std::vector<ScenarioPlan> refs;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& sc = scenarios[i];
    FusePlan p;
    p.scenario = sc;
    p.seed = EffectiveSeed(sc, settings.explore);
    if (std::find(sc.modes.begin(), sc.modes.end(), "fuse") == sc.modes.end()) {
      p.skipped = "the scenario does not run in fuse mode";
    } else if (sc.has_exec()) {
      p.skipped = "the scenario has exec steps (exec mode)";
    }
    ScenarioPlan ref;
    if (p.skipped.empty()) {
      Scenario rs = FuseReferenceScenario(sc);
      rs.modes = {"sim", "fuse"};  // the reference always runs in the simulator
      ref = PlanScenario(rs, settings.explore);
      if (!ref.skipped.empty()) p.skipped = ref.skipped;
    }
    if (p.skipped.empty()) {
      ref.cases.clear();
      for (uint64_t pt : ref.points)
        ref.cases.push_back(
            CaseResult{.point = pt, .mode = faultfs::CrashMode::Drop()});
    }
    plans.push_back(std::move(p));
    refs.push_back(std::move(ref));
  }
  ExploreOptions eo = settings.explore;
  eo.fail_fast = false;
  ExplorePlans(&refs, eo, nullptr);

  for (size_t i = 0; i < plans.size(); ++i) {
    FusePlan& p = plans[i];
    p.ref = std::move(refs[i]);
    if (!p.skipped.empty()) continue;
    p.dir =
        (fs::path(settings.work_dir) / DirName(i, p.scenario.name)).string();
    std::error_code ec;
    fs::create_directories(p.dir, ec);
    if (ec)
      return Status::IoError(ec.value(), p.dir,
                             "creating a scenario directory in the work dir");
    p.scenario_file = p.dir + "/scenario.json";
    {
      std::ofstream f(p.scenario_file, std::ios::binary | std::ios::trunc);
      f << WriteScenario(p.scenario);
      if (!f)
        return Status::IoError(EIO, p.scenario_file,
                               "writing the scenario for the workers");
    }
    std::set<uint64_t> chosen;
    const std::vector<uint64_t>& all = p.ref.points;
    if (p.scenario.crash_points.strategy == CrashPointStrategy::kList) {
      chosen.insert(all.begin(), all.end());
    } else {
      p.sample_seed = MixSeed(p.seed, kSampleSalt);
      std::vector<uint64_t> pool = all;
      std::mt19937_64 rng(p.sample_seed);
      std::shuffle(pool.begin(), pool.end(), rng);
      for (size_t k = 0; k < pool.size() && k < settings.sample; ++k)
        chosen.insert(pool[k]);
      // The first point of each invariant the simulator finds violated.
      for (size_t k = 0; k < p.scenario.invariants.size(); ++k) {
        for (const auto& c : p.ref.cases) {
          if (k < c.findings.size() && c.findings[k].violated) {
            if (chosen.insert(c.point).second) p.targeted.push_back(c.point);
            break;
          }
        }
      }
      std::sort(p.targeted.begin(), p.targeted.end());
    }
    for (uint64_t pt : chosen) {
      FuseCase fc;
      fc.point = pt;
      fc.targeted =
          std::binary_search(p.targeted.begin(), p.targeted.end(), pt);
      p.cases.push_back(std::move(fc));
    }
  }
  return plans;
}

void RunFusePlans(
    std::vector<FusePlan>* plans, const FuseModeSettings& settings,
    Progress* progress,
    const std::function<void(const FusePlan&, const FuseCase&)>& on_case) {
  struct Task {
    size_t plan;
    size_t c;
  };
  std::vector<Task> tasks;
  for (size_t p = 0; p < plans->size(); ++p) {
    for (size_t c = 0; c < (*plans)[p].cases.size(); ++c)
      tasks.push_back({p, c});
  }
  if (progress) progress->total += tasks.size();
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> started(plans->size(), 0);
  auto worker = [&] {
    while (!stop) {
      size_t t = next++;
      if (t >= tasks.size()) return;
      FusePlan& plan = (*plans)[tasks[t].plan];
      FuseCase& slot = plan.cases[tasks[t].c];
      bool targeted = slot.targeted;
      std::string dir = plan.dir + "/p" + std::to_string(slot.point);
      FuseCase result = RunFuseCase(plan.ref, plan.SimCase(slot.point),
                                    plan.scenario_file, dir, settings.fuse);
      result.targeted = targeted;
      bool bad = !result.error.empty() || !result.agrees() ||
                 IsUnexpected(plan.scenario, result.findings);
      std::lock_guard lock(mu);
      slot = std::move(result);
      plan.seconds += slot.seconds;
      if (progress) {
        ++progress->done;
        for (const auto& f : slot.findings)
          progress->violations += f.violated ? 1 : 0;
      }
      if (on_case) on_case(plan, slot);
      if (bad && settings.explore.fail_fast) stop = true;
    }
  };
  unsigned jobs = std::max(1u, settings.explore.jobs);
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& th : threads) th.join();
}

std::string DescribeFuseCase(const FusePlan& plan, const FuseCase& c) {
  std::ostringstream o;
  o << "p" << c.point << (c.targeted ? " (targeted)" : "") << ": ";
  if (!c.error.empty()) {
    o << "ERROR " << c.error;
    return o.str();
  }
  o << (c.recovery ? "recovery " + RecoverySummary(*c.recovery)
                   : std::string("no recovery"));
  size_t held = 0;
  std::string violated;
  for (size_t k = 0; k < c.findings.size(); ++k) {
    if (c.findings[k].violated) {
      violated += (violated.empty() ? "" : ", ") + plan.scenario.invariants[k];
    } else {
      ++held;
    }
  }
  o << "; " << held << " held";
  if (!violated.empty()) o << ", violated: " << violated;
  o << "; "
    << (c.agrees() ? "agrees with sim"
                   : "DISAGREES with sim (" +
                         std::to_string(c.disagreements.size()) + ")");
  o << " (" << std::fixed << std::setprecision(1) << c.seconds << "s)";
  return o.str();
}

}  // namespace crashlab::harness
