#include "harness/fuse/fuse_worker.h"

#include <sys/vfs.h>
#include <unistd.h>

#include <exception>
#include <istream>
#include <ostream>

#include "engine/engine.h"
#include "engine/inspect.h"
#include "faultfs/client/control_client.h"
#include "faultfs/client/counting_vfs.h"
#include "faultfs/posix_vfs.h"
#include "harness/common/exit_codes.h"
#include "harness/fuse/worker_protocol.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {
namespace {

constexpr long kFuseSuperMagic =
    0x65735546;  // statfs(2) f_type of a FUSE mount

// One event line, flushed: the worker may be SIGKILLed right after.
void Emit(std::ostream& out, const std::string& line) {
  out << line << '\n' << std::flush;
}

int EnvError(std::ostream& out, std::ostream& diag,
             const std::string& message) {
  Emit(out, ErrorEventLine(message));
  diag << "crashlab worker: " << message << "\n";
  return kExitEnvironment;
}

// The mount and the daemon, checked: a FUSE mount at `root`, a control
// socket that answers, a daemon without rules of its own.
struct Connection {
  std::unique_ptr<faultfs::PosixVfs> posix;
  std::unique_ptr<faultfs::ControlClient> control;
};

faultfs::Result<Connection> Connect(const WorkerArgs& args) {
  struct statfs fs {};
  if (statfs(args.root.c_str(), &fs) != 0) {
    return faultfs::Status::IoError(errno, args.root,
                                    "the mount is not reachable");
  }
  if (fs.f_type != kFuseSuperMagic) {
    return faultfs::Status::IoError(
        EINVAL, args.root, "not a FUSE mount: mount faultfs there first");
  }
  Connection c;
  auto posix = faultfs::PosixVfs::Create(args.root);
  if (!posix.ok()) return posix.status();
  c.posix = std::move(posix).value();
  auto control = faultfs::ControlClient::Connect(args.control);
  if (!control.ok()) return control.status();
  c.control = std::move(control).value();
  auto status = c.control->Request({{"cmd", "status"}});
  if (!status.ok()) return status.status();
  if (uint64_t rules = status->value("rules", uint64_t{0}); rules != 0) {
    return faultfs::Status::IoError(
        EINVAL, args.control,
        "the daemon has " + std::to_string(rules) +
            " fault rule(s) of its own; in fuse mode the worker counts "
            "the scenario's rules and forwards each firing");
  }
  return c;
}

// The fuse-mode workload environment: CountingVfs on the mount.
class FuseEnv final : public WorkloadEnv {
 public:
  explicit FuseEnv(faultfs::CountingVfs& vfs) : vfs_(vfs) {}
  faultfs::Vfs& vfs() override { return vfs_; }
  uint64_t op_count() const override { return vfs_.op_count(); }
  void AddRule(const faultfs::FaultRule& rule) override {
    vfs_.faults().Add(rule);
  }
  void ClearRules() override { vfs_.faults().Clear(); }
  std::vector<faultfs::InjectedFault> faults() override {
    return vfs_.faults().log();
  }
  faultfs::Status PowerCut(const faultfs::CrashMode& mode) override {
    return vfs_.Crash(mode);
  }
  bool crashed() const override { return vfs_.crashed(); }
  faultfs::Status Restart() override { return vfs_.Restart(); }

 private:
  faultfs::CountingVfs& vfs_;
};

// Streams the oracle's events.
class EventObserver final : public WorkloadObserver {
 public:
  explicit EventObserver(std::ostream& out) : out_(out) {}
  void OnAck(const AckEvent& ack) override { Emit(out_, AckEventLine(ack)); }
  void OnCheckpointAck(const CheckpointAck& ack) override {
    Emit(out_, CheckpointAckEventLine(ack));
  }
  void OnStep(const StepSpan& span) override {
    Emit(out_, StepEventLine(span));
  }

 private:
  std::ostream& out_;
};

// At the crash point: says so, then waits to be killed. EOF on `in` (the
// harness went away) ends the process at once, so that no further
// operation reaches the mount.
[[noreturn]] void StopAt(uint64_t point, std::ostream& out, std::istream& in) {
  Emit(out, CrashPointEventLine(point));
  std::string line;
  while (std::getline(in, line)) {
  }
  _exit(kExitOk);
}

faultfs::CountingVfs::Listener EventListener(std::ostream& out) {
  return faultfs::CountingVfs::Listener{
      .on_begin = nullptr,
      .on_op =
          [&out](const faultfs::TraceEntry& e) { Emit(out, OpEventLine(e)); },
      .on_fault =
          [&out](const faultfs::InjectedFault& f) {
            Emit(out, FaultEventLine(f));
          },
  };
}

}  // namespace

int RunWorkloadWorker(const Scenario& scenario, const WorkerArgs& args,
                      std::ostream& out, std::istream& in, std::ostream& diag) {
  auto conn = Connect(args);
  if (!conn.ok()) return EnvError(out, diag, conn.status().ToString());
  faultfs::CountingVfs::Listener listener = EventListener(out);
  if (args.stop_after) {
    uint64_t point = *args.stop_after;
    listener.on_begin = [point, &out, &in](uint64_t index) {
      if (index == point + 1) StopAt(point, out, in);
    };
  }
  faultfs::CountingVfs vfs(*conn->posix, *conn->control,
                           SimOptions(scenario, args.seed).seed,
                           std::move(listener));
  FuseEnv env(vfs);
  EventObserver observer(out);
  WorkloadRun run = RunWorkloadOn(scenario, args.seed, env, &observer);
  if (!vfs.control_error().ok()) {
    return EnvError(
        out, diag,
        "the faultfs daemon failed: " + vfs.control_error().ToString());
  }
  if (!run.env_error.empty()) return EnvError(out, diag, run.env_error);
  // A daemon that died without a control request in between only shows as
  // failed operations (ENOTCONN): ask it before calling the run complete.
  if (auto alive = conn->control->Request({{"cmd", "status"}}); !alive.ok()) {
    return EnvError(
        out, diag,
        "the faultfs daemon went away: " + alive.status().ToString());
  }
  for (const auto& note : run.notes) Emit(out, NoteEventLine(note));
  if (run.exception)
    Emit(out, ExceptionEventLine(run.exception->first, run.exception->second));
  if (args.stop_after && *args.stop_after < vfs.op_count())
    StopAt(*args.stop_after, out, in);
  Emit(out, DoneEventLine(vfs.op_count()));
  return kExitOk;
}

int RunRecoverWorker(const Scenario& scenario, const WorkerArgs& args,
                     std::ostream& out, std::ostream& diag) {
  auto conn = Connect(args);
  if (!conn.ok()) return EnvError(out, diag, conn.status().ToString());
  engine::Options options = scenario.engine.ToOptions();
  // The image recovery starts from (recovery changes it), seen without
  // faults and without counting, as the simulator's InspectImage does.
  engine::InspectReport inspect = engine::Inspect(*conn->posix, "", options);

  RecoveryOutcome o;
  faultfs::CountingVfs vfs(*conn->posix, *conn->control,
                           SimOptions(scenario, args.seed).seed,
                           EventListener(out));
  for (const auto& rule : scenario.recovery.faults) vfs.faults().Add(rule);
  try {
    auto r = engine::Engine::Open(vfs, "", options, &o.result);
    o.ok = r.ok();
    if (r.ok()) {
      auto eng = std::move(r).value();
      o.dump = eng->Dump();
      for (const auto& c : eng->checkpoints()) o.catalog.push_back(c.id);
    } else {
      o.status = r.status().ToString();
    }
  } catch (const std::exception& e) {
    o.threw = true;
    o.exception = e.what();
  } catch (...) {
    o.threw = true;
    o.exception = "unknown exception";
  }
  if (!vfs.control_error().ok()) {
    return EnvError(
        out, diag,
        "the faultfs daemon failed: " + vfs.control_error().ToString());
  }
  if (auto alive = conn->control->Request({{"cmd", "status"}}); !alive.ok()) {
    return EnvError(
        out, diag,
        "the faultfs daemon went away: " + alive.status().ToString());
  }
  o.trace = vfs.trace();
  o.faults = vfs.faults().log();
  for (const auto& e : o.trace) {
    if ((e.op == faultfs::OpKind::kUnlink || e.op == faultfs::OpKind::kRmdir) &&
        e.result == 0) {
      o.deleted.push_back(e.path);
    }
  }
  if (o.ok) {
    o.catalog_present = inspect.catalog_present;
    o.catalog_ok = inspect.catalog_ok;
    if (!inspect.checkpoints.empty()) {
      o.newest_id = inspect.checkpoints.back().id;
      o.newest_problems = inspect.checkpoints.back().problems;
    }
  }
  Emit(out, RecoveryEventLine(o));
  return kExitOk;
}

}  // namespace crashlab::harness
