#include "harness/exec/exec_mode.h"

#include <stdlib.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <filesystem>
#include <memory>

#include "faultfs/json_util.h"
#include "faultfs/posix_vfs.h"
#include "harness/exec/exec_checks.h"
#include "harness/exec/exec_process.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/crash_mode_list.h"
#include "harness/scenario/exec_scenario.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Where one crash point run cuts the power.
struct PointPlan {
  uint64_t point = 0;  // right after this op
  std::string mode;    // concrete crash mode
  size_t step = 0;     // the exec step whose ops contain the point (first run)
  bool at_step_end =
      false;  // the point is that step's last op: `ctl crash` when it ends
};

// The concrete modes for a spec at one point ("torn" -> "torn:S", S derived;
// "torn:N" -> N such draws; "torn@S" -> "torn:S").
std::vector<std::string> ConcreteModes(const std::string& spec, uint64_t seed,
                                       uint64_t point) {
  for (std::string kind : {"torn", "random"}) {
    uint64_t n = 0;
    if (spec == kind) {
      n = 1;
    } else if (spec.rfind(kind + ":", 0) == 0) {
      n = std::min<uint64_t>(std::stoull(spec.substr(kind.size() + 1)),
                             kMaxCrashModeCount);
    } else if (spec.rfind(kind + "@", 0) == 0) {
      return {kind + ":" + spec.substr(kind.size() + 1)};
    } else {
      continue;
    }
    std::vector<std::string> out;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t base = MixSeed(seed, point);
      out.push_back(
          kind + ":" +
          std::to_string((i == 0 ? base : MixSeed(base, i)) % 1000000007));
    }
    return out;
  }
  return {spec};
}

faultfs::Result<std::string> MakeWorkDir(const std::string& root) {
  std::error_code ec;
  std::string base = root.empty() ? fs::temp_directory_path(ec).string()
                                  : root;  // $TMPDIR or the system's
  if (ec)
    return faultfs::Status::IoError(ec.value(), "",
                                    "finding the temporary directory");
  std::string tmpl = (fs::path(base) / "crashlab-exec-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return faultfs::Status::IoError(errno, tmpl, "creating a work directory");
  return tmpl;
}

std::string ScenarioDir(const Scenario& sc) {
  if (sc.file.empty()) return fs::current_path().string();
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(sc.file), ec).parent_path();
  return ec ? fs::current_path().string() : p.lexically_normal().string();
}

// One run of an exec scenario on its own fresh mount.
class RunContext {
 public:
  // `full_trace`, if given, receives the daemon's whole trace at the end.
  RunContext(const Scenario& sc, uint64_t seed, const ExecOptions& opts,
             ExecRun* run, std::vector<faultfs::TraceEntry>* full_trace)
      : sc_(sc), seed_(seed), opts_(opts), run_(run), full_trace_(full_trace) {}

  // Returns false when the environment failed (no mount possible).
  bool Run(const std::optional<PointPlan>& point);

 private:
  faultfs::Result<json> Status() {
    return mount_->Control(json{{"cmd", "status"}});
  }
  // Rules added by `inject` steps since the last `clear` (re-added when an
  // unreached crash point's rule is removed).
  std::vector<faultfs::FaultRule> injected_;
  bool point_disarmed_ = false;
  uint64_t Ops() {
    auto s = Status();
    return s.ok() ? s->value("ops", uint64_t{0}) : last_ops_;
  }
  bool Fail(const std::string& message) {
    if (run_->error.empty()) run_->error = message;
    return false;
  }
  bool RestartIfCrashed(ExecStepOutcome* o);
  void RecordCrash(uint64_t after, const std::string& mode,
                   const std::string& how);
  bool NoteEscaped(const ProcessResult& r, ExecStepOutcome* o);
  bool DisarmUnreachedPoint(ExecStepOutcome* o);
  bool StepExec(const Step& s, ExecStepOutcome* o);
  bool StepCheck(const Step& s, ExecStepOutcome* o);
  bool StepCrash(const Step& s, ExecStepOutcome* o);
  bool StepControl(const Step& s, ExecStepOutcome* o);
  ProcessSpec Spec(const Step& s, ExecStepOutcome* o);
  void FetchTrace();

  const Scenario& sc_;
  uint64_t seed_;
  const ExecOptions& opts_;
  ExecRun* run_;
  std::vector<faultfs::TraceEntry>* full_trace_;
  std::string work_, state_dir_;
  std::unique_ptr<FuseMount> mount_;
  std::unique_ptr<faultfs::PosixVfs> vfs_;
  std::optional<PointPlan> point_;
  bool crashed_ = false;  // power cut and not yet restarted
  bool rule_crash_ =
      false;  // a crash rule cut the power: skip exec steps until a crash step
  std::string rule_crash_what_;
  uint64_t last_ops_ = 0;
};

void RunContext::RecordCrash(uint64_t after, const std::string& mode,
                             const std::string& how) {
  if (!run_->crash_after) {
    run_->crash_after = after;
    run_->crash_mode = mode;
    run_->crash = how;
    // What the cut took, as the daemon explained it before applying it.
    auto r = mount_->Control(json{{"cmd", "report"}});
    if (!r.ok()) {
      run_->notes.push_back("no explanation of the power cut: " +
                            r.status().ToString());
    } else if (auto it = r->find("last_crash");
               it != r->end() && it->is_object()) {
      run_->loss = *it;
    } else {
      run_->notes.push_back(
          "no explanation of the power cut: the daemon recorded none");
    }
  } else {
    run_->notes.push_back("later power cut: " + how);
  }
}

bool RunContext::RestartIfCrashed(ExecStepOutcome* o) {
  if (!crashed_) return true;
  auto st = mount_->Restart();
  if (!st.ok())
    return Fail("restart after the power cut failed: " + st.ToString());
  crashed_ = false;
  o->detail = "restarted after the power cut; ";
  return true;
}

ProcessSpec RunContext::Spec(const Step& s, ExecStepOutcome* o) {
  ProcessSpec p;
  p.argv = s.shell.empty() ? s.command
                           : std::vector<std::string>{"/bin/sh", "-c", s.shell};
  o->command = p.argv;
  p.cwd = mount_->mountpoint();
  p.env = {{"CRASHLAB_MOUNT", mount_->mountpoint()},
           {"CRASHLAB_STATE_DIR", state_dir_},
           {"CRASHLAB_SCENARIO_DIR", ScenarioDir(sc_)},
           {"CRASHLAB_SEED", std::to_string(seed_)}};
  p.timeout_ms = s.timeout_ms;
  p.poll_ms = 10;
  // What this run's commands leave running on the mount or in the state
  // directory is killed when each command ends (daemons included).
  p.owned_paths = {mount_->mountpoint(), state_dir_};
  if (mount_->daemon_pid() > 0) p.exclude_pids = {mount_->daemon_pid()};
  // A crash rule firing is a power cut: the program dies with the machine.
  p.stop = [this] {
    auto st = Status();
    return st.ok() && st->value("crashed", false);
  };
  return p;
}

// Processes the command left running outside its process group (daemons)
// were killed when it ended: say so in the step; one that survived SIGKILL
// is an error of the run (it could touch the next crash state).
bool RunContext::NoteEscaped(const ProcessResult& r, ExecStepOutcome* o) {
  if (!r.escaped.empty()) {
    std::string list;
    for (const auto& e : r.escaped) list += (list.empty() ? "" : ", ") + e;
    o->detail +=
        "killed " + std::to_string(r.escaped.size()) +
        " process(es) it left running outside its process group: " + list +
        "; ";
  }
  if (!r.escape_error.empty())
    return Fail("step " + std::to_string(o->step) + ": " + r.escape_error);
  return true;
}

bool RunContext::StepExec(const Step& s, ExecStepOutcome* o) {
  if (rule_crash_) {
    o->outcome = "skipped";
    o->detail = "not run: " + rule_crash_what_;
    return true;
  }
  if (!RestartIfCrashed(o)) return false;
  ProcessSpec spec = Spec(s, o);
  auto r = RunProcess(spec);
  if (!r.ok())
    return Fail("step " + std::to_string(o->step) + ": " +
                r.status().ToString());
  o->exit_code = r->exit_code;
  o->timed_out = r->timed_out;
  o->out = r->out;
  o->err = r->err;
  if (!NoteEscaped(*r, o)) return false;
  auto st = Status();
  if (!st.ok())
    return Fail("faultfs daemon unreachable after step " +
                std::to_string(o->step) + ": " + st.status().ToString());
  if (st->value("crashed", false)) {
    // A crash rule (a crash point, or one of the scenario's rules) fired.
    auto trace = mount_->Control(json{{"cmd", "trace"}});
    uint64_t at = st->value("ops", uint64_t{1}) - 1;
    std::string path, mode = "drop";
    if (trace.ok()) {
      for (const auto& f : (*trace)["faults"]) {
        if (f.value("action", "") != "crash") continue;
        at = f.value("op_index", at);
        path = f.value("path", "");
        std::string detail = f.value("detail", "");  // "power cut (MODE)"
        auto open = detail.find('(');
        auto close = detail.rfind(')');
        if (open != std::string::npos && close != std::string::npos &&
            close > open) {
          mode = detail.substr(open + 1, close - open - 1);
        }
      }
    }
    uint64_t after = at > 0 ? at - 1 : 0;
    std::string how = (point_ && !point_->at_step_end && after == point_->point
                           ? "crash point "
                           : "crash rule ") +
                      std::string("at op ") + std::to_string(at) +
                      (path.empty() ? "" : " (" + path + ")") +
                      " during step " + std::to_string(o->step) +
                      ": power cut right after op " + std::to_string(after);
    RecordCrash(after, mode, how);
    crashed_ = rule_crash_ = true;
    rule_crash_what_ =
        "the power was cut during step " + std::to_string(o->step);
    o->outcome = "crashed";
    o->detail += how + "; the command was " +
                 (r->stopped ? "killed" : "done: " + r->Describe(s.timeout_ms));
    return true;
  }
  o->detail += r->Describe(s.timeout_ms);
  bool good = !r->timed_out && r->exit_code == s.expect_exit;
  if (good) {
    o->outcome = "ok";
  } else if (s.allow_failure) {
    o->outcome = r->timed_out ? "timed out" : "failed (allowed)";
  } else {
    o->outcome = r->timed_out ? "timed out" : "failed";
    std::string tail = TailLines(r->err.empty() ? r->out : r->err, 3);
    return Fail("step " + std::to_string(o->step) +
                (s.name.empty() ? "" : " (" + s.name + ")") + ": " +
                r->Describe(s.timeout_ms) +
                (r->timed_out
                     ? ""
                     : ", expected exit " + std::to_string(s.expect_exit)) +
                (tail.empty() ? "" : ": " + tail));
  }
  if (point_ && point_->at_step_end && point_->step == o->step &&
      !run_->crash_after) {
    // The crash point is this step's last op: cut the power as it ends.
    auto c = mount_->Crash(point_->mode);
    if (!c.ok())
      return Fail("crash at the end of step " + std::to_string(o->step) + ": " +
                  c.ToString());
    uint64_t ops = Ops();
    std::string how = "crash point " + std::to_string(point_->point) + " (" +
                      point_->mode + ") at the end of step " +
                      std::to_string(o->step) + ": power cut right after op " +
                      std::to_string(ops ? ops - 1 : 0);
    if (ops != point_->point + 1) {
      run_->notes.push_back("step " + std::to_string(o->step) +
                            " ended at op " + std::to_string(ops) +
                            " in this run, not at op " +
                            std::to_string(point_->point + 1) +
                            " as in the first run (the program's operations "
                            "differ between runs)");
    }
    RecordCrash(ops ? ops - 1 : 0, point_->mode, how);
    crashed_ = rule_crash_ = true;
    rule_crash_what_ =
        "the power was cut at the end of step " + std::to_string(o->step);
    o->detail += "; " + how;
  }
  return true;
}

// A crash point inside the exec steps that this run did not reach (a
// program's operation count can differ between runs: git, for one, does
// not issue the same operations every time) must not fire later, in a check
// or a restart: before the first crash step or check its rule is removed
// (the daemon has no per-rule removal: clear, then the scenario's rules and
// the injected ones are added again, their counters starting afresh).
bool RunContext::DisarmUnreachedPoint(ExecStepOutcome* o) {
  if (!point_ || point_->at_step_end || point_disarmed_ || run_->crash_after)
    return true;
  point_disarmed_ = true;
  auto st = mount_->Clear();
  if (!st.ok())
    return Fail("removing the rule of the unreached crash point " +
                std::to_string(point_->point) + ": " + st.ToString());
  std::vector<faultfs::FaultRule> again = sc_.faults;
  again.insert(again.end(), injected_.begin(), injected_.end());
  for (const auto& r : again) {
    st = mount_->Inject(r);
    if (!st.ok())
      return Fail("re-adding a rule after removing the unreached crash point " +
                  std::to_string(point_->point) + ": " + st.ToString());
  }
  std::string note =
      "crash point " + std::to_string(point_->point) +
      " was not reached by the exec steps (this run issued " +
      std::to_string(Ops()) +
      " ops by then): its rule was removed before step " +
      std::to_string(o->step) +
      (again.empty() ? std::string()
                     : " (the other " + std::to_string(again.size()) +
                           " rule(s) re-added, counters reset)");
  run_->notes.push_back(note);
  o->detail += note + "; ";
  return true;
}

bool RunContext::StepCheck(const Step& s, ExecStepOutcome* o) {
  if (!DisarmUnreachedPoint(o)) return false;
  if (!RestartIfCrashed(o)) return false;
  o->invariant = s.invariant;
  bool held = false;
  if (s.file_exists || s.file_absent || s.listing_dir) {
    o->command = {};
    CheckVerdict v = EvaluateBuiltinCheck(*vfs_, s);
    held = v.held;
    o->detail += DescribeBuiltinCheck(s) + ": " + v.detail;
  } else {
    ProcessSpec spec = Spec(s, o);
    auto r = RunProcess(spec);
    if (!r.ok())
      return Fail("check step " + std::to_string(o->step) + ": " +
                  r.status().ToString());
    o->exit_code = r->exit_code;
    o->timed_out = r->timed_out;
    o->out = r->out;
    o->err = r->err;
    if (!NoteEscaped(*r, o)) return false;
    held = !r->timed_out && r->exit_code == 0;
    std::string tail = TailLines(r->err.empty() || held ? r->out : r->err, 3);
    o->detail += r->Describe(s.timeout_ms) + (tail.empty() ? "" : ": " + tail);
  }
  auto st = Status();
  if (st.ok() && st->value("crashed", false)) {
    return Fail("a crash rule fired during check step " +
                std::to_string(o->step) +
                ": checks must run on the restarted file system (is a crash "
                "point or rule late?)");
  }
  o->violated = !held;
  o->outcome = held ? "held" : "violated";
  return true;
}

bool RunContext::StepCrash(const Step& s, ExecStepOutcome* o) {
  if (rule_crash_) {
    rule_crash_ = false;
    o->outcome = "ok";
    o->detail = "already down: " + rule_crash_what_;
    return true;
  }
  if (crashed_) {
    o->outcome = "ok";
    o->detail = "already down (the previous crash step)";
    return true;
  }
  if (!DisarmUnreachedPoint(o)) return false;
  uint64_t ops = Ops();
  auto st = mount_->Crash(s.crash_mode);
  if (!st.ok())
    return Fail("crash step " + std::to_string(o->step) + ": " + st.ToString());
  crashed_ = true;
  std::string how = "crash step " + std::to_string(o->step) + " (" +
                    s.crash_mode + "): power cut right after op " +
                    std::to_string(ops ? ops - 1 : 0);
  RecordCrash(ops ? ops - 1 : 0, s.crash_mode, how);
  o->outcome = "ok";
  o->detail = how;
  return true;
}

bool RunContext::StepControl(const Step& s, ExecStepOutcome* o) {
  faultfs::Status st;
  if (s.kind == StepKind::kSync) {
    if (!RestartIfCrashed(o)) return false;
    st = mount_->Control(json{{"cmd", "sync"}}).status();
    o->detail += "ctl sync: everything durable";
  } else if (s.kind == StepKind::kInject) {
    st = mount_->Inject(s.rule);
    injected_.push_back(s.rule);
    o->detail = "ctl inject " + faultfs::DumpJson(s.rule.ToJson());
  } else if (s.kind == StepKind::kClear) {
    st = mount_->Clear();
    injected_.clear();
    o->detail = "ctl clear";
  } else {
    return Fail("step " + std::to_string(o->step) + ": '" +
                std::string(StepKindName(s.kind)) +
                "' cannot run in exec mode");
  }
  if (!st.ok())
    return Fail("step " + std::to_string(o->step) + ": " + st.ToString());
  o->outcome = "ok";
  return true;
}

void RunContext::FetchTrace() {
  auto t = mount_->Control(json{{"cmd", "trace"}});
  if (!t.ok()) {
    run_->notes.push_back("no trace: " + t.status().ToString());
    return;
  }
  const json& all = (*t)["trace"];
  if (uint64_t dropped = t->value("trace_dropped", uint64_t{0}); dropped > 0)
    run_->notes.push_back("trace: the first " + std::to_string(dropped) +
                          " operations are no longer kept by faultfs (it "
                          "keeps the latest --trace-memory)");
  if (full_trace_) {
    for (const auto& e : all) {
      auto entry = faultfs::TraceEntry::Parse(e);
      if (!entry.ok()) {
        run_->notes.push_back("bad trace entry from faultfs: " +
                              entry.status().ToString());
        break;
      }
      full_trace_->push_back(*entry);
    }
  }
  uint64_t center =
      run_->crash_after.value_or(all.empty() ? 0 : all.size() - 1);
  uint64_t lo = center >= 12 ? center - 12 : 0;
  for (const auto& e : all) {
    uint64_t i = e.value("index", uint64_t{0});
    if (i >= lo && i <= center + 4) run_->trace.push_back(e);
  }
  run_->faults = (*t)["faults"];
}

bool RunContext::Run(const std::optional<PointPlan>& point) {
  auto t0 = Clock::now();
  point_ = point;
  point_disarmed_ = false;
  injected_.clear();
  auto work = MakeWorkDir(opts_.work_root);
  if (!work.ok()) {
    Fail("cannot create a work directory: " + work.status().ToString());
    return false;
  }
  work_ = *work;
  RegisterTempDir(work_);  // removed if crashlab is interrupted
  state_dir_ = (fs::path(work_) / "state").string();
  std::error_code ec;
  fs::create_directories(state_dir_, ec);
  FuseMountOptions mo;
  mo.work_dir = (fs::path(work_) / "fs").string();
  mo.seed = seed_;
  mo.metadata = sc_.metadata;
  mo.faultfs_binary = opts_.faultfs_binary;
  // Page-cached files: programs may mmap them (sqlite's WAL index is a shared
  // mapping, which FUSE refuses on direct_io files).
  mo.direct_io = false;
  if (point && !point->at_step_end) {
    auto rule = faultfs::FaultRule::FromJson(json{{"op", "any"},
                                                  {"path", "**"},
                                                  {"action", "crash"},
                                                  {"nth", point->point + 2},
                                                  {"mode", point->mode}},
                                             "crash point");
    if (!rule.ok()) {
      Fail("crash point rule: " + rule.status().ToString());
      return true;
    }
    mo.rules.push_back(
        *rule);  // first, so it wins over the scenario's rules at its op
  }
  mo.rules.insert(mo.rules.end(), sc_.faults.begin(), sc_.faults.end());
  auto m = FuseMount::Start(mo);
  bool env_ok = true;
  if (!m.ok()) {
    Fail("cannot mount faultfs: " + m.status().ToString());
    env_ok = false;
  } else {
    mount_ = std::move(*m);
    auto vfs = faultfs::PosixVfs::Create(mount_->mountpoint());
    if (!vfs.ok()) {
      Fail("cannot open the mount: " + vfs.status().ToString());
    } else {
      vfs_ = std::move(*vfs);
    }
  }
  for (size_t i = 0; run_->error.empty() && i < sc_.workload.size(); ++i) {
    const Step& s = sc_.workload[i];
    ExecStepOutcome o;
    o.step = i;
    o.op = std::string(StepKindName(s.kind));
    o.name = s.name;
    o.ops_begin = last_ops_ = Ops();
    auto st0 = Clock::now();
    bool ok = s.kind == StepKind::kExec    ? StepExec(s, &o)
              : s.kind == StepKind::kCheck ? StepCheck(s, &o)
              : s.kind == StepKind::kCrash ? StepCrash(s, &o)
                                           : StepControl(s, &o);
    if (!ok && o.outcome.empty()) o.outcome = "error";
    o.seconds = Since(st0);
    o.ops_end = last_ops_ = Ops();
    run_->steps.push_back(std::move(o));
  }
  if (mount_) {
    run_->ops = Ops();
    if (point && !run_->crash_after && run_->error.empty()) {
      run_->notes.push_back("crash point " + std::to_string(point->point) +
                            " was not reached: this run issued " +
                            std::to_string(run_->ops) + " ops");
    }
    bool violated =
        std::any_of(run_->steps.begin(), run_->steps.end(),
                    [](const ExecStepOutcome& o) { return o.violated; });
    if (violated || !run_->error.empty() || full_trace_) FetchTrace();
    vfs_.reset();
    auto st = mount_->Stop();
    if (!st.ok()) Fail("unmounting faultfs: " + st.ToString());
    mount_.reset();
  }
  UnregisterTempDir(work_);
  if (opts_.keep_work_dirs) {
    run_->notes.push_back("work directory kept: " + work_);
  } else {
    fs::remove_all(work_, ec);
    if (ec)
      run_->notes.push_back("could not remove " + work_ + ": " + ec.message());
  }
  run_->seconds = Since(t0);
  return env_ok;
}

// Crash points of the first run: SelectCrashPoints over its trace, kept to
// the ops of exec steps (or of the listed steps), times the crash modes.
std::vector<PointPlan> PlanPoints(
    const Scenario& sc, uint64_t seed, const ExecRun& first,
    const std::vector<faultfs::TraceEntry>& trace) {
  WorkloadRun wr;
  wr.trace = trace;
  CrashPoints cp = sc.crash_points;
  for (const auto& o : first.steps) {
    wr.steps.push_back(StepSpan{.step = static_cast<int64_t>(o.step),
                                .begin = o.ops_begin,
                                .end = o.ops_end});
    if (sc.crash_points.steps.empty() &&
        sc.workload[o.step].kind == StepKind::kExec)
      cp.steps.push_back(o.step);
  }
  std::vector<PointPlan> out;
  if (cp.steps.empty()) return out;
  for (uint64_t p : SelectCrashPoints(cp, wr, seed)) {
    for (const auto& o : first.steps) {
      if (p < o.ops_begin || p >= o.ops_end ||
          sc.workload[o.step].kind != StepKind::kExec)
        continue;
      for (const auto& spec : sc.crash_modes) {
        for (auto& mode : ConcreteModes(spec, seed, p)) {
          out.push_back(PointPlan{.point = p,
                                  .mode = std::move(mode),
                                  .step = o.step,
                                  .at_step_end = p + 1 == o.ops_end});
        }
      }
      break;
    }
  }
  return out;
}

}  // namespace

std::optional<bool> ExecRun::Violated(const std::string& invariant,
                                      std::string* message) const {
  std::optional<bool> v;
  for (const auto& o : steps) {
    if (o.op != "check" || o.invariant != invariant ||
        (o.outcome != "held" && o.outcome != "violated"))
      continue;
    if (o.violated && !v.value_or(false) && message) {
      *message = "check step " + std::to_string(o.step) +
                 (o.name.empty() ? "" : " (" + o.name + ")") + ": " + o.detail;
    }
    v = v.value_or(false) || o.violated;
  }
  return v;
}

std::string DescribeRun(const ExecRun& run) {
  std::string d = run.label + ": ";
  d += run.crash_after ? run.crash : "no power cut";
  for (const auto& o : run.steps) {
    if (o.op == "check" && (o.outcome == "held" || o.outcome == "violated")) {
      d += "; " + o.invariant + " " + o.outcome;
    }
  }
  if (!run.error.empty()) d += "; ERROR: " + run.error;
  char secs[32];
  std::snprintf(secs, sizeof(secs), " (%.2fs)", run.seconds);
  return d + secs;
}

ExecResult RunExecScenario(const Scenario& sc, const ExecOptions& opts) {
  assert(sc.has_exec());
  auto t0 = Clock::now();
  ExecResult res;
  res.scenario = sc;
  res.seed = opts.seed.value_or(sc.seed);
  res.count_first_run = opts.shard.index <= 1;
  bool want_points = HasExecCrashPoints(sc);
  std::vector<faultfs::TraceEntry> trace;
  ExecRun first;
  first.label = "as written";
  bool env_ok =
      RunContext(sc, res.seed, opts, &first, want_points ? &trace : nullptr)
          .Run(std::nullopt);
  if (opts.on_run) opts.on_run(DescribeRun(first));
  res.runs.push_back(std::move(first));
  const ExecRun& f = res.runs.front();
  if (!env_ok) {
    res.environment_error = true;
    res.error = f.error;
  } else if (!f.error.empty()) {
    res.error =
        f.label + ": " +
        f.error;  // no crash point runs: the scenario itself does not complete
  } else if (want_points) {
    std::vector<PointPlan> plans = PlanPoints(sc, res.seed, f, trace);
    std::vector<uint64_t> all;
    for (const auto& p : plans) {
      if (all.empty() || all.back() != p.point) all.push_back(p.point);
    }
    res.points = ShardPoints(all, opts.shard);
    if (all.empty())
      res.runs.front().notes.push_back(
          "crash_points selected no operation of an exec step");
    for (const auto& plan : plans) {
      if (!std::binary_search(res.points.begin(), res.points.end(), plan.point))
        continue;
      if (opts.fail_fast &&
          std::any_of(res.runs.begin(), res.runs.end(), [](const ExecRun& r) {
            return std::any_of(
                r.steps.begin(), r.steps.end(),
                [](const ExecStepOutcome& o) { return o.violated; });
          })) {
        res.stopped = true;
        break;
      }
      ExecRun r;
      r.crash_point = plan.point;
      r.crash_mode = plan.mode;
      r.label =
          "crash point " + std::to_string(plan.point) + " (" + plan.mode + ")";
      bool ok = RunContext(sc, res.seed, opts, &r, nullptr).Run(plan);
      if (opts.on_run) opts.on_run(DescribeRun(r));
      if (res.error.empty() && !r.error.empty())
        res.error = r.label + ": " + r.error;
      res.runs.push_back(std::move(r));
      if (!ok) {
        res.environment_error = true;
        break;
      }
    }
  }
  res.seconds = Since(t0);
  return res;
}

}  // namespace crashlab::harness
