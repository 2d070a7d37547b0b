#include "harness/suite/run_suite.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cassert>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/scenario/scenario_writer.h"
#include "harness/suite/run_record_builder.h"
#include "reports/canonical.h"
#include "version/version.h"

namespace crashlab::harness {
namespace {

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

reports::MachineInfo Machine() {
  reports::MachineInfo m;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) m.hostname = host;
  struct utsname u {};
  if (uname(&u) == 0) m.kernel = std::string(u.sysname) + " " + u.release;
  m.cores = std::thread::hardware_concurrency();
  return m;
}

}  // namespace

namespace {

// Writes `scenario` as a reproducer file; its path ("" when not written).
std::string WriteReproducer(const SuiteSettings& settings,
                            const std::string& file_name,
                            const Scenario& scenario, SuiteResult* out) {
  if (settings.repro_dir.empty()) return "";
  std::filesystem::path p =
      std::filesystem::path(settings.repro_dir) / file_name;
  std::error_code ec;
  std::filesystem::create_directories(settings.repro_dir, ec);
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << WriteScenario(scenario);
  if (!f) out->errors.push_back("cannot write reproducer " + p.string());
  return p.string();
}

// sim mode: explores every plan and adds its results to the record.
double RunSim(const std::vector<Scenario>& scenarios,
              const SuiteSettings& settings, Progress* progress,
              SuiteResult* out) {
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& sc : scenarios)
    out->plans.push_back(PlanScenario(sc, settings.explore));
  ExplorePlans(&out->plans, settings.explore, progress);
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  // Scenario time: its workload plus its share of the exploration.
  uint64_t all_cases = 0;
  for (const auto& p : out->plans) all_cases += p.cases.size();
  double planning = 0;
  for (const auto& p : out->plans) planning += p.seconds;
  for (auto& p : out->plans) {
    if (all_cases)
      p.seconds +=
          (total - planning) * static_cast<double>(p.cases.size()) / all_cases;
  }
  reports::RunRecord& rec = out->record;
  for (const auto& plan : out->plans) {
    // A scenario that cannot run in this mode (exec steps, modes without
    // "sim") is skipped, not failed: it belongs to another mode's run.
    if (!plan.skipped.empty()) continue;
    rec.scenarios.push_back(ToScenarioResult(plan));
    for (const auto& [ci, inv] : FirstViolations(plan)) {
      const CaseResult& c = plan.cases[ci];
      const std::string& id = plan.scenario.invariants[inv];
      std::string path =
          WriteReproducer(settings, ReproducerFileName(plan, c, id),
                          MakeReproducer(plan, c, id), out);
      rec.violations.push_back(ToViolation(plan, c, inv, path));
    }
  }
  return total;
}

// fuse mode: plans (simulator reference), runs every case, adds the results.
double RunFuse(const std::vector<Scenario>& scenarios,
               const SuiteSettings& settings, Progress* progress,
               SuiteResult* out) {
  auto t0 = std::chrono::steady_clock::now();
  FuseModeSettings fs{.explore = settings.explore,
                      .sample = settings.fuse_sample,
                      .fuse = settings.fuse,
                      .work_dir = settings.work_dir};
  auto planned = PlanFuse(scenarios, fs);
  if (!planned.ok()) {
    out->environment_errors.push_back(planned.status().ToString());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  }
  out->fuse_plans = std::move(planned).value();
  RunFusePlans(&out->fuse_plans, fs, progress, settings.on_fuse_case);
  reports::RunRecord& rec = out->record;
  for (const auto& plan : out->fuse_plans) {
    if (!plan.skipped.empty()) continue;
    rec.scenarios.push_back(ToFuseScenarioResult(plan));
    for (const auto& c : plan.cases) {
      if (c.done && !c.error.empty()) {
        out->environment_errors.push_back(plan.scenario.name + " crash point " +
                                          std::to_string(c.point) + ": " +
                                          c.error);
      }
    }
    for (const auto& [ci, inv] : FuseViolations(plan)) {
      const FuseCase& c = plan.cases[ci];
      std::string path =
          WriteReproducer(settings, FuseReproducerFileName(plan, c, inv),
                          MakeFuseReproducer(plan, c, inv), out);
      rec.violations.push_back(ToFuseViolation(plan, c, inv, path));
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

}  // namespace

std::optional<RunMode> ParseRunMode(std::string_view text) {
  if (text == "sim") return RunMode::kSim;
  if (text == "fuse") return RunMode::kFuse;
  if (text == "all") return RunMode::kAll;
  return std::nullopt;
}

std::string_view RunModeName(RunMode mode) {
  switch (mode) {
    case RunMode::kSim:
      return "sim";
    case RunMode::kFuse:
      return "fuse";
    case RunMode::kAll:
      return "all";
  }
  return "sim";
}

SuiteResult RunSuite(const std::vector<Scenario>& scenarios,
                     const SuiteSettings& settings, Progress* progress) {
  assert(!RunsFuse(settings.mode) || !settings.work_dir.empty());
  SuiteResult out;
  auto started = std::chrono::system_clock::now();
  bool sim = RunsSim(settings.mode);
  bool fuse = RunsFuse(settings.mode);
  double total = 0;
  if (sim) total += RunSim(scenarios, settings, progress, &out);
  if (fuse) total += RunFuse(scenarios, settings, progress, &out);

  reports::RunRecord& rec = out.record;
  rec.run.seed = settings.explore.seed.value_or(0);
  rec.run.commit = version::CommitOrEmpty();
  if (sim) rec.run.modes.push_back("sim");
  if (fuse) rec.run.modes.push_back("fuse");
  rec.run.shard = reports::Shard{settings.explore.shard.index,
                                 settings.explore.shard.count};
  rec.run.machine = Machine();
  rec.run.started = Rfc3339(started);
  rec.run.finished = Rfc3339(std::chrono::system_clock::now());
  rec.run.duration_seconds = total;
  reports::Canonicalize(&rec);
  return out;
}

}  // namespace crashlab::harness
