#include "harness/fuse/fuse_runner.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <fstream>

#include "faultfs/backing_image.h"
#include "harness/fuse/fuse_agreement.h"
#include "harness/fuse/image_compare.h"
#include "harness/fuse/worker_process.h"
#include "harness/invariants/checkers.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/invariant_ids.h"
#include "harness/workload/image_facts.h"

namespace crashlab::harness {
namespace {

using Clock = std::chrono::steady_clock;
using faultfs::Result;
using faultfs::Status;

WorkerProcess::Deadline Deadline(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(seconds));
}

std::string LogTail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  if (s.size() > 1500) s = "..." + s.substr(s.size() - 1500);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "(empty log)" : s;
}

std::string HowItEnded(int end) {
  if (end >= 0) return "exited with code " + std::to_string(end);
  return std::string("died of signal ") + std::to_string(-end) + " (" +
         strsignal(-end) + ")";
}

struct WorkerArgs {
  std::string crashlab;
  std::string scenario_file;
  uint64_t seed = 0;
  const FuseMount* mount = nullptr;
};

std::vector<std::string> WorkerArgv(const WorkerArgs& a,
                                    const std::string& what) {
  return {a.crashlab,
          "worker",
          what,
          "--scenario",
          a.scenario_file,
          "--seed",
          std::to_string(a.seed),
          "--root",
          a.mount->mountpoint(),
          "--control",
          a.mount->control()};
}

// The workload worker up to its crash point. Fills `report`; `crashed` gets
// a description when the engine process died on its own (an abort or a
// segfault: errors-not-crashes). An error is an environment problem.
Status RunWorkloadWorker(const WorkerArgs& a, uint64_t point,
                         const std::string& log, double timeout_s,
                         std::unique_ptr<WorkerProcess>* worker,
                         WorkerReport* report, std::string* crashed) {
  std::vector<std::string> argv = WorkerArgv(a, "workload");
  argv.push_back("--stop-after");
  argv.push_back(std::to_string(point));
  auto spawned = WorkerProcess::Spawn(argv, log);
  if (!spawned.ok()) return spawned.status();
  *worker = std::move(spawned).value();
  auto deadline = Deadline(timeout_s);
  for (;;) {
    auto line = (*worker)->ReadLine(deadline);
    if (!line.ok()) {
      return Status::IoError(line.status().err(), log,
                             "the workload worker: " + line.status().message() +
                                 "; its log: " + LogTail(log));
    }
    if (!line->has_value()) break;  // end of output: it exited or died
    if ((*line)->empty()) continue;
    auto ev = ParseWorkerEvent(**line);
    if (!ev.ok())
      return Status::IoError(
          EPROTO, log, "the workload worker wrote " + ev.status().ToString());
    Status st = AddWorkerEvent(*ev, report);
    if (!st.ok())
      return Status::IoError(EPROTO, log,
                             "the workload worker wrote " + st.ToString());
    if (ev->kind == WorkerEvent::Kind::kError) {
      return Status::IoError(EIO, log,
                             "the workload worker failed: " + report->error +
                                 "; its log: " + LogTail(log));
    }
    if (ev->kind == WorkerEvent::Kind::kCrashPoint ||
        ev->kind == WorkerEvent::Kind::kDone)
      return Status::Ok();
  }
  auto end = (*worker)->Wait(deadline);
  if (!end.ok()) return end.status();
  if (*end < 0) {
    *crashed = "the engine process " + HowItEnded(*end) + " after " +
               std::to_string(report->ops.size()) + " operations";
    return Status::Ok();
  }
  return Status::IoError(
      EIO, log,
      "the workload worker " + HowItEnded(*end) +
          " before its crash point; its log: " + LogTail(log));
}

// One recovery process; its outcome (a death by signal is an outcome: the
// engine crashed). An error is an environment problem.
Result<RecoveryOutcome> RunRecoveryWorker(const WorkerArgs& a,
                                          const std::string& log,
                                          double timeout_s) {
  auto spawned = WorkerProcess::Spawn(WorkerArgv(a, "recover"), log);
  if (!spawned.ok()) return spawned.status();
  std::unique_ptr<WorkerProcess> worker = std::move(spawned).value();
  auto deadline = Deadline(timeout_s);
  std::optional<RecoveryOutcome> outcome;
  uint64_t ops = 0;
  for (;;) {
    auto line = worker->ReadLine(deadline);
    if (!line.ok()) {
      return Status::IoError(line.status().err(), log,
                             "the recovery worker: " + line.status().message() +
                                 "; its log: " + LogTail(log));
    }
    if (!line->has_value()) break;
    if ((*line)->empty()) continue;
    auto ev = ParseWorkerEvent(**line);
    if (!ev.ok())
      return Status::IoError(
          EPROTO, log, "the recovery worker wrote " + ev.status().ToString());
    switch (ev->kind) {
      case WorkerEvent::Kind::kRecovery: {
        auto o = RecoveryOutcomeFromJson(ev->body);
        if (!o.ok())
          return Status::IoError(
              EPROTO, log,
              "the recovery worker wrote " + o.status().ToString());
        outcome = std::move(o).value();
        break;
      }
      case WorkerEvent::Kind::kError:
        return Status::IoError(EIO, log,
                               "the recovery worker failed: " +
                                   ev->body.value("message", std::string()) +
                                   "; its log: " + LogTail(log));
      case WorkerEvent::Kind::kOp:
        ++ops;
        break;
      default:
        break;
    }
  }
  auto end = worker->Wait(deadline);
  if (!end.ok()) return end.status();
  if (*end < 0) {
    // The engine died inside recovery: what errors-not-crashes exists for.
    RecoveryOutcome o;
    o.threw = true;
    o.exception = "the recovery process " + HowItEnded(*end) + " after " +
                  std::to_string(ops) + " operations";
    return o;
  }
  if (*end != 0 || !outcome) {
    return Status::IoError(
        EIO, log,
        "the recovery worker " + HowItEnded(*end) +
            (outcome ? "" : " without reporting a recovery") +
            "; its log: " + LogTail(log));
  }
  return std::move(*outcome);
}

bool Checks(const Scenario& sc, std::string_view id) {
  return std::find(sc.invariants.begin(), sc.invariants.end(), id) !=
         sc.invariants.end();
}

// Power cut now, then the machine comes back.
Status PowerCycle(FuseMount& mount) {
  CRASHLAB_RETURN_IF_ERROR(mount.Crash("drop"));
  return mount.Restart();
}

}  // namespace

Result<std::string> CrashlabBinary() {
  if (const char* env = std::getenv("CRASHLAB_BINARY");
      env != nullptr && *env != '\0')
    return std::string(env);
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0)
    return Status::IoError(errno, "/proc/self/exe",
                           "finding the crashlab executable");
  return std::string(self, static_cast<size_t>(n));
}

Scenario FuseReferenceScenario(const Scenario& scenario) {
  Scenario s = scenario;
  s.recovery.crash_points =
      CrashPoints{.strategy = CrashPointStrategy::kSample, .count = 1};
  s.recovery.crash_modes = {"drop"};  // fuse mode: one drop after recovery
  return s;
}

FuseCase RunFuseCase(const ScenarioPlan& ref, const CaseResult& sim,
                     const std::string& scenario_file,
                     const std::string& work_dir, const FuseOptions& options) {
  auto t0 = Clock::now();
  FuseCase fc;
  fc.point = sim.point;
  fc.sim_findings = sim.findings;
  fc.sim_recovery = sim.recovery;
  auto finish = [&]() -> FuseCase {
    fc.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    fc.done = true;
    return std::move(fc);
  };
  const Scenario& sc = ref.scenario;
  const WorkloadRun& run = *ref.workload;
  std::string crashlab = options.crashlab_binary;
  if (crashlab.empty()) {
    auto b = CrashlabBinary();
    if (!b.ok()) {
      fc.error = b.status().ToString();
      return finish();
    }
    crashlab = *b;
  }

  FuseMountOptions mo;
  mo.work_dir = work_dir;
  mo.seed = ref.seed;
  mo.metadata = sc.metadata;
  mo.direct_io = options.direct_io;
  mo.faultfs_binary = options.faultfs_binary;
  auto started = FuseMount::Start(mo);
  if (!started.ok()) {
    fc.error = "mounting faultfs: " + started.status().ToString();
    return finish();
  }
  std::unique_ptr<FuseMount> mount = std::move(started).value();
  WorkerArgs args{.crashlab = crashlab,
                  .scenario_file = scenario_file,
                  .seed = ref.seed,
                  .mount = mount.get()};

  // 1. The workload, stopped right after op P; the power cut; SIGKILL.
  WorkerReport report;
  std::string engine_died;
  std::unique_ptr<WorkerProcess> worker;
  Status st = RunWorkloadWorker(args, sim.point, work_dir + "/workload.log",
                                options.worker_timeout_s, &worker, &report,
                                &engine_died);
  if (!st.ok()) {
    fc.error = st.ToString();
    return finish();
  }
  fc.worker_ops = report.ops.size();
  st = mount->Crash("drop");
  if (worker) worker->Kill();
  if (!st.ok()) {
    fc.error = "power cut: " + st.ToString();
    return finish();
  }

  // 2. The durable state, as the disk shows it.
  auto image = faultfs::ReadBackingImage(mount->backing());
  if (!image.ok()) {
    fc.error = image.status().ToString();
    return finish();
  }
  faultfs::Image sim_post =
      run.StateAfter(sim.point).PostCrash(faultfs::CrashMode::Drop());
  for (auto& d : CompareDurableState(sim_post, *image))
    fc.disagreements.push_back(std::move(d));
  for (auto& d : CompareWorkerReport(run, report, sim.point))
    fc.disagreements.push_back(std::move(d));
  if (!engine_died.empty())
    fc.disagreements.push_back(engine_died + " (the simulator's run went on)");

  // 3. The machine comes back; recovery in a new process.
  st = mount->Restart();
  if (!st.ok()) {
    fc.error = "restart: " + st.ToString();
    return finish();
  }
  auto first = RunRecoveryWorker(args, work_dir + "/recover.log",
                                 options.worker_timeout_s);
  if (!first.ok()) {
    fc.error = first.status().ToString();
    return finish();
  }
  RecoveryOutcome outcome = std::move(first).value();
  if (outcome.ok) outcome.committed_dirs = CommittedDirs(*image);
  if (Checks(sc, kRecoveryIdempotent) && sc.recovery.faults.empty() &&
      !outcome.threw && !outcome.trace.empty()) {
    // A power cut right after the recovery, and a second one in a new process.
    st = PowerCycle(*mount);
    if (!st.ok()) {
      fc.error = "power cut after recovery: " + st.ToString();
      return finish();
    }
    auto again = RunRecoveryWorker(args, work_dir + "/recover-again.log",
                                   options.worker_timeout_s);
    if (!again.ok()) {
      fc.error = again.status().ToString();
      return finish();
    }
    ++outcome.nested_states;
    bool same = again->threw == outcome.threw && again->ok == outcome.ok &&
                (!outcome.ok || (again->dump == outcome.dump &&
                                 again->catalog == outcome.catalog));
    if (!same) {
      outcome.idempotence_failure =
          "a power cut after the recovery finished and a second recovery (a "
          "new process) gave " +
          RecoverySummary(*again) + "; the uninterrupted recovery gave " +
          RecoverySummary(outcome);
    }
  }
  Status stop = mount->Stop();
  if (!stop.ok()) {
    fc.error = "unmounting: " + stop.ToString();
    return finish();
  }
  auto recovery = std::make_shared<const RecoveryOutcome>(std::move(outcome));
  fc.recovery = recovery;
  if (sim.recovery) {
    for (auto& d : CompareRecoveries(*sim.recovery, *recovery))
      fc.disagreements.push_back(std::move(d));
  }

  // 4. The same checkers, from the simulator run's oracle.
  CaseResult cr{.point = sim.point,
                .mode = faultfs::CrashMode::Drop(),
                .recovery = recovery};
  CrashCase c = BuildCrashCase(ref, cr, *image);
  if (!engine_died.empty() && !c.workload_exception)
    c.workload_exception = {fc.worker_ops, engine_died};
  FactsCache facts;
  c.facts = &facts;
  for (const auto& id : sc.invariants)
    fc.findings.push_back(CheckInvariant(id, c));
  for (auto& d : CompareVerdicts(sc.invariants, sim.findings, fc.findings))
    fc.disagreements.push_back(std::move(d));
  return finish();
}

}  // namespace crashlab::harness
