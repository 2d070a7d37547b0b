// fuse mode's engine worker (`crashlab worker`) on a real faultfs mount
// (--direct-io): for every shipped scenario that may run in fuse mode, the
// worker's operations (index, op, path, result), acknowledgements, checkpoint
// acknowledgements, step outcomes and injected faults equal the simulator's
// (RunWorkload) exactly, and recovery after a drop crash at the end gives the
// simulator's result (ok, status, dump, catalog, problems, operations,
// faults, deletions). One more test stops the worker with --stop-after; one
// runs CountingVfs and SimVfs side by side on faults the suite does not use.
//
// Label `fuse`: skipped without a usable /dev/fuse unless
// CRASHLAB_REQUIRE_FUSE=1 (tests/faultfs/fuse_test_util.h decides).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "faultfs/client/control_client.h"
#include "faultfs/client/counting_vfs.h"
#include "faultfs/posix_vfs.h"
#include "faultfs/sim_vfs.h"
#include "harness/fuse/worker_protocol.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/workload/image_facts.h"
#include "harness/workload/recovery_run.h"
#include "harness/workload/workload_run.h"
#include "tests/faultfs/fuse_test_util.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;
using faultfs::testing::FaultfsMount;

// A child process with a pipe on its stdin and one on its stdout.
struct Child {
  pid_t pid = -1;
  int in = -1;   // write end of its stdin
  int out = -1;  // read end of its stdout
  std::string buffered;

  ~Child() {
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  // The next line, or nullopt at EOF or after `timeout_ms` without one.
  std::optional<std::string> ReadLine(int timeout_ms = 120000) {
    for (;;) {
      if (size_t nl = buffered.find('\n'); nl != std::string::npos) {
        std::string line = buffered.substr(0, nl);
        buffered.erase(0, nl + 1);
        return line;
      }
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
      char buf[65536];
      ssize_t n = read(out, buf, sizeof(buf));
      if (n <= 0) return std::nullopt;
      buffered.append(buf, static_cast<size_t>(n));
    }
  }
  // Waits for the exit; the exit code, or -signal.
  int Wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
};

std::unique_ptr<Child> Spawn(const std::vector<std::string>& argv) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return nullptr;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  auto c = std::make_unique<Child>();
  c->pid = pid;
  c->in = in[1];
  c->out = out[0];
  return c;
}

std::vector<std::string> WorkerArgv(
    const std::string& kind, const Scenario& sc, const FaultfsMount& m,
    std::optional<uint64_t> stop_after = std::nullopt) {
  std::vector<std::string> argv = {CRASHLAB_BINARY,
                                   "worker",
                                   kind,
                                   "--scenario",
                                   sc.file,
                                   "--seed",
                                   std::to_string(sc.seed),
                                   "--root",
                                   m.mnt(),
                                   "--control",
                                   m.socket()};
  if (stop_after) {
    argv.push_back("--stop-after");
    argv.push_back(std::to_string(*stop_after));
  }
  return argv;
}

// Runs a worker to its end; every line must be an event.
struct Finished {
  int exit_code = -1;
  WorkerReport report;
  std::optional<RecoveryOutcome> recovery;
  std::string problems;  // malformed lines
};

Finished RunToEnd(const std::vector<std::string>& argv) {
  Finished f;
  auto child = Spawn(argv);
  if (!child) {
    f.problems = "cannot spawn";
    return f;
  }
  close(child->in);  // a worker that reaches a crash point ends at EOF
  child->in = -1;
  while (auto line = child->ReadLine()) {
    auto ev = ParseWorkerEvent(*line);
    if (!ev.ok()) {
      f.problems += ev.status().ToString() + ": " + *line + "\n";
      continue;
    }
    if (ev->kind == WorkerEvent::Kind::kRecovery) {
      auto o = RecoveryOutcomeFromJson(ev->body);
      if (!o.ok())
        f.problems += o.status().ToString() + "\n";
      else
        f.recovery = *o;
    }
    if (auto st = AddWorkerEvent(*ev, &f.report); !st.ok())
      f.problems += st.ToString() + "\n";
  }
  f.exit_code = child->Wait();
  return f;
}

std::string OpText(const faultfs::TraceEntry& e) {
  return std::to_string(e.index) + " " + std::string(faultfs::OpName(e.op)) +
         " " + e.path + " -> " +
         (e.result == 0 ? std::string("ok") : faultfs::ErrnoName(e.result));
}

std::string FaultText(const faultfs::InjectedFault& f) {
  return std::to_string(f.op_index) + " " + std::string(faultfs::OpName(f.op)) +
         " " + f.path + " " + std::string(faultfs::ActionName(f.action)) +
         " rule " + std::to_string(f.rule_index) + " errno " +
         std::to_string(f.err) + " [" + std::to_string(f.offset) + ", +" +
         std::to_string(f.length) + ") " + f.detail;
}

std::vector<std::string> Ops(const std::vector<faultfs::TraceEntry>& trace) {
  std::vector<std::string> out;
  for (const auto& e : trace) out.push_back(OpText(e));
  return out;
}

std::vector<std::string> Faults(
    const std::vector<faultfs::InjectedFault>& faults) {
  std::vector<std::string> out;
  for (const auto& f : faults) out.push_back(FaultText(f));
  return out;
}

// The first difference of two sequences, for readable failures.
std::string FirstDifference(const std::vector<std::string>& sim,
                            const std::vector<std::string>& fuse) {
  for (size_t i = 0; i < std::max(sim.size(), fuse.size()); ++i) {
    std::string a = i < sim.size() ? sim[i] : "(none)";
    std::string b = i < fuse.size() ? fuse[i] : "(none)";
    if (a != b) {
      return "at #" + std::to_string(i) + " (of " + std::to_string(sim.size()) +
             " sim, " + std::to_string(fuse.size()) + " fuse): sim " + a +
             " | fuse " + b;
    }
  }
  return "";
}

std::vector<std::string> Acks(const WorkloadRun& run) {
  std::vector<std::string> out;
  for (const auto& s : run.oracle.sessions()) {
    for (const auto& a : s.acks)
      out.push_back(std::to_string(a.at) + ":" + std::to_string(a.durable_lsn));
  }
  return out;
}

std::vector<std::string> Acks(const WorkerReport& r) {
  std::vector<std::string> out;
  for (const auto& a : r.acks)
    out.push_back(std::to_string(a.at) + ":" + std::to_string(a.durable_lsn));
  return out;
}

std::vector<std::string> CheckpointAcks(const WorkloadRun& run) {
  std::vector<std::string> out;
  for (const auto& s : run.oracle.sessions()) {
    for (const auto& a : s.checkpoint_acks)
      out.push_back(std::to_string(a.at) + ":" + a.id);
  }
  return out;
}

std::vector<std::string> CheckpointAcks(const WorkerReport& r) {
  std::vector<std::string> out;
  for (const auto& a : r.checkpoint_acks)
    out.push_back(std::to_string(a.at) + ":" + a.id);
  return out;
}

std::vector<std::string> Steps(const std::vector<StepSpan>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) {
    out.push_back(std::to_string(s.step) + " [" + std::to_string(s.begin) +
                  ", " + std::to_string(s.end) + ") " + s.outcome);
  }
  return out;
}

std::vector<std::string> Problems(
    const std::vector<engine::Problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.ToString());
  return out;
}

// Compares a fuse recovery with the simulator's on the same image.
void ExpectSameRecovery(const RecoveryOutcome& sim,
                        const RecoveryOutcome& fuse) {
  EXPECT_EQ(fuse.threw, sim.threw) << fuse.exception;
  EXPECT_EQ(fuse.ok, sim.ok)
      << "fuse: " << fuse.status << " | sim: " << sim.status;
  EXPECT_EQ(fuse.status, sim.status);
  EXPECT_TRUE(fuse.dump == sim.dump)
      << "recovered state differs (" << fuse.dump.kv.size() << " vs "
      << sim.dump.kv.size() << " keys)";
  EXPECT_EQ(fuse.catalog, sim.catalog);
  EXPECT_EQ(fuse.result.checkpoint_id, sim.result.checkpoint_id);
  EXPECT_EQ(fuse.result.records_replayed, sim.result.records_replayed);
  EXPECT_EQ(Problems(fuse.result.problems), Problems(sim.result.problems));
  EXPECT_EQ(fuse.deleted, sim.deleted);
  EXPECT_EQ(FirstDifference(Ops(sim.trace), Ops(fuse.trace)), "");
  EXPECT_EQ(FirstDifference(Faults(sim.faults), Faults(fuse.faults)), "");
  EXPECT_EQ(fuse.catalog_present, sim.catalog_present);
  EXPECT_EQ(fuse.catalog_ok, sim.catalog_ok);
  EXPECT_EQ(fuse.newest_id, sim.newest_id);
  EXPECT_EQ(Problems(fuse.newest_problems), Problems(sim.newest_problems));
}

std::vector<std::string> MountArgs(const Scenario& sc) {
  return {"--direct-io", "--model",
          sc.metadata == faultfs::MetadataModel::kImmediate
              ? "metadata-immediate"
              : "strict"};
}

// Every shipped scenario file (scenarios/*.json, scenarios/unsafe/*.json).
std::vector<std::string> ShippedScenarios() {
  std::vector<std::string> out;
  for (const char* dir : {"scenarios", "scenarios/unsafe"}) {
    fs::path d = fs::path(CRASHLAB_SOURCE_DIR) / dir;
    if (!fs::is_directory(d)) continue;
    for (const auto& e : fs::directory_iterator(d)) {
      std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.ends_with(".json") &&
          !name.ends_with(".schema.json")) {
        out.push_back(e.path().string());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ShippedScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenario, WorkerAgreesWithSimulatorOpForOp) {
  ParseOutcome p = LoadScenario(GetParam());
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  const Scenario& sc = p.scenario;
  if (std::find(sc.modes.begin(), sc.modes.end(), "fuse") == sc.modes.end()) {
    GTEST_SKIP() << sc.file << ": its modes exclude fuse";
  }
  FUSE_TEST_SETUP(mount, MountArgs(sc)[0], MountArgs(sc)[1], MountArgs(sc)[2]);

  WorkloadRun sim = RunWorkload(sc, sc.seed);
  Finished fuse = RunToEnd(WorkerArgv("workload", sc, *mount));
  ASSERT_EQ(fuse.problems, "");
  ASSERT_EQ(fuse.exit_code, 0) << fuse.report.error;
  ASSERT_TRUE(fuse.report.done_ops.has_value());
  EXPECT_EQ(*fuse.report.done_ops, sim.op_count());
  EXPECT_EQ(FirstDifference(Ops(sim.trace), Ops(fuse.report.ops)), "");
  EXPECT_EQ(FirstDifference(Acks(sim), Acks(fuse.report)), "");
  EXPECT_EQ(FirstDifference(CheckpointAcks(sim), CheckpointAcks(fuse.report)),
            "");
  EXPECT_EQ(FirstDifference(Steps(sim.steps), Steps(fuse.report.steps)), "");
  EXPECT_EQ(FirstDifference(Faults(sim.faults), Faults(fuse.report.faults)),
            "");
  EXPECT_EQ(fuse.report.notes, sim.notes);
  EXPECT_EQ(fuse.report.exception.has_value(), sim.exception.has_value());

  // Power cut (drop) after the last operation, then recovery in a new process.
  mount->Crash("drop");
  ASSERT_TRUE(mount->Ctl({{"cmd", "restart"}}).value("ok", false));
  RecoveryOutcome sim_rec = RunRecovery(
      RecoveryRequest{.scenario = &sc, .seed = sc.seed},
      PostCrashState(sim.states.back(), faultfs::CrashMode::Drop()));
  Finished rec = RunToEnd(WorkerArgv("recover", sc, *mount));
  ASSERT_EQ(rec.problems, "");
  ASSERT_EQ(rec.exit_code, 0) << rec.report.error;
  ASSERT_TRUE(rec.recovery.has_value());
  ExpectSameRecovery(sim_rec, *rec.recovery);
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string rel =
      fs::relative(info.param, fs::path(CRASHLAB_SOURCE_DIR) / "scenarios")
          .string();
  std::string out;
  for (char c : rel.substr(0, rel.size() - 5))
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedScenario,
                         ::testing::ValuesIn(ShippedScenarios()), TestName);

// --stop-after P: the crash_point event comes right after op P, the worker
// then blocks (no further operation), and after SIGKILL + a drop power cut a
// recovery in a new process gives what the simulator gives at that point.
TEST(FuseWorker, StopAfterBlocksAtTheCrashPoint) {
  ParseOutcome p = LoadScenario(std::string(CRASHLAB_SOURCE_DIR) +
                                "/scenarios/basic-put-sync.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  const Scenario& sc = p.scenario;
  FUSE_TEST_SETUP(mount, "--direct-io");
  WorkloadRun sim = RunWorkload(sc, sc.seed);
  ASSERT_GT(sim.op_count(), 10u);
  uint64_t point = sim.op_count() / 2;

  auto child = Spawn(WorkerArgv("workload", sc, *mount, point));
  ASSERT_TRUE(child);
  WorkerReport report;
  while (!report.crash_point) {
    auto line = child->ReadLine();
    ASSERT_TRUE(line.has_value()) << "the worker ended before its crash point";
    auto ev = ParseWorkerEvent(*line);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    ASSERT_TRUE(AddWorkerEvent(*ev, &report).ok());
  }
  EXPECT_EQ(*report.crash_point, point);
  ASSERT_EQ(report.ops.size(), point + 1);
  EXPECT_EQ(report.ops.back().index, point);
  EXPECT_FALSE(report.done_ops.has_value());
  std::vector<faultfs::TraceEntry> prefix(
      sim.trace.begin(), sim.trace.begin() + static_cast<long>(point + 1));
  EXPECT_EQ(FirstDifference(Ops(prefix), Ops(report.ops)), "");

  // Blocked: alive, silent, and the daemon sees no more operations.
  uint64_t daemon_ops =
      mount->Ctl({{"cmd", "status"}}).value("ops", uint64_t{0});
  EXPECT_FALSE(child->ReadLine(500).has_value());
  EXPECT_EQ(waitpid(child->pid, nullptr, WNOHANG), 0)
      << "the worker did not block";
  EXPECT_EQ(mount->Ctl({{"cmd", "status"}}).value("ops", uint64_t{0}),
            daemon_ops);

  kill(child->pid, SIGKILL);
  EXPECT_EQ(child->Wait(), -SIGKILL);
  mount->Crash("drop");
  RecoveryOutcome sim_rec = RunRecovery(
      RecoveryRequest{.scenario = &sc, .seed = sc.seed},
      PostCrashState(sim.StateAfter(point), faultfs::CrashMode::Drop()));
  Finished rec = RunToEnd(WorkerArgv("recover", sc, *mount));
  ASSERT_EQ(rec.problems, "");
  ASSERT_EQ(rec.exit_code, 0) << rec.report.error;
  ASSERT_TRUE(rec.recovery.has_value());
  ExpectSameRecovery(sim_rec, *rec.recovery);
}

// CountingVfs against SimVfs directly, on calls and rules the shipped suite
// does not make: faults on stat, close and sync (carried out by the worker),
// an error on an open the kernel fails before the daemon sees it, short and
// ENOSPC writes, persistent and transient corruption (random values drawn
// from the worker's injector), fsync_lie, error_after on readdir, delay, a
// crash rule and the restart. Same trace, same faults, same results, same
// files before and after a power cut.
std::vector<std::string> Script(faultfs::Vfs& v,
                                const std::function<void()>& power_cut,
                                const std::function<void()>& restart) {
  using faultfs::OpenOptions;
  std::vector<std::string> log;
  auto st = [&](const std::string& what, const faultfs::Status& s) {
    log.push_back(what + ": " + (s.ok() ? std::string("ok") : s.ToString()));
  };
  auto read_all = [&](const std::string& path) {
    auto r = faultfs::ReadFile(v, path);
    log.push_back("read " + path + ": " +
                  (r.ok() ? *r : r.status().ToString()));
  };
  st("mkdir d", v.Mkdir("d"));
  st("syncdir root", v.SyncDir(""));
  auto f = v.Open("d/a", OpenOptions::CreateTruncate());
  st("create d/a", f.status());
  if (!f.ok()) return log;
  std::string data = "0123456789abcdefghij";
  for (int i = 0; i < 3; ++i) {
    auto n = (*f)->Write(static_cast<uint64_t>(i) * data.size(), data.data(),
                         data.size());
    log.push_back("write " + std::to_string(i) + ": " +
                  (n.ok() ? std::to_string(*n) : n.status().ToString()));
  }
  st("fsync d/a", (*f)->Sync());
  auto stat = v.Stat("d/a");
  log.push_back("stat d/a: " + (stat.ok() ? std::to_string(stat->size)
                                          : stat.status().ToString()));
  stat = v.Stat("d/a");
  log.push_back("stat d/a: " + (stat.ok() ? std::to_string(stat->size)
                                          : stat.status().ToString()));
  st("open d/missing", v.Open("d/missing", OpenOptions::ReadOnly()).status());
  st("close d/a", (*f)->Close());
  read_all("d/a");
  read_all("d/a");
  st("rename", v.Rename("d/a", "d/b"));
  st("syncdir d", v.SyncDir("d"));
  st("sync", v.SyncAll());
  auto list = v.ListDir("d");
  log.push_back("readdir d: " + (list.ok() ? std::to_string(list->size())
                                           : list.status().ToString()));
  auto g = v.Open("d/c", OpenOptions::CreateTruncate());
  st("create d/c", g.status());
  if (g.ok()) st("write d/c", faultfs::WriteAll(**g, 0, "unsynced"));
  st("unlink d/b", v.Unlink("d/b"));  // the crash rule fires here
  st("stat after crash", v.Stat("d").status());
  if (g.ok()) st("write after crash", faultfs::WriteAll(**g, 8, "x"));
  restart();
  read_all("d/b");
  read_all("d/c");
  power_cut();
  read_all("d/b");
  auto after = v.ListDir("d");
  log.push_back("after power cut: " + (after.ok()
                                           ? std::to_string(after->size())
                                           : after.status().ToString()));
  return log;
}

std::vector<faultfs::FaultRule> ScriptRules() {
  std::vector<faultfs::FaultRule> rules;
  for (
      const char* text : {
          R"({"op":"stat","path":"d/a","action":"error","errno":"EACCES","nth":1})",
          R"({"op":"open","path":"d/missing","action":"error","errno":"EIO","nth":1})",
          R"({"op":"close","path":"d/a","action":"error_after","errno":"EIO","nth":1})",
          R"({"op":"write","path":"d/a","action":"short_write","bytes":3,"nth":1})",
          R"({"op":"write","path":"d/a","action":"enospc_after_bytes","bytes":25})",
          R"({"op":"stat","path":"d/a","action":"corrupt","corrupt":{"bitflips":3,"garbage":[1,4]},"persistent":true,"nth":2})",
          R"({"op":"read","path":"d/a","action":"corrupt","corrupt":{"bitflips":2,"garbage":[0,2]},"nth":3})",
          R"({"op":"sync","path":"**","action":"fsync_lie","nth":1})",
          R"({"op":"readdir","path":"d","action":"error_after","errno":"ENOMEM","nth":1})",
          R"({"op":"fsyncdir","path":"d","action":"delay","delay_ms":1})",
          R"({"op":"unlink","path":"d/b","action":"crash","mode":"drop","nth":1})",
      }) {
    auto r = faultfs::FaultRule::Parse(text);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) rules.push_back(*r);
  }
  return rules;
}

TEST(CountingVfs, SameTraceFaultsAndStateAsSimVfs) {
  FUSE_TEST_SETUP(mount, "--direct-io");
  const uint64_t seed = 42;
  faultfs::SimVfs sim(faultfs::SimVfs::Options{.seed = seed});
  for (const auto& r : ScriptRules()) sim.faults().Add(r);
  std::vector<std::string> sim_log = Script(
      sim, [&] { sim.Crash(faultfs::CrashMode::Drop()); },
      [&] { sim.Restart(); });

  auto posix = faultfs::PosixVfs::Create(mount->mnt());
  ASSERT_TRUE(posix.ok()) << posix.status().ToString();
  auto control = faultfs::ControlClient::Connect(mount->socket());
  ASSERT_TRUE(control.ok()) << control.status().ToString();
  faultfs::CountingVfs counting(**posix, **control, seed);
  for (const auto& r : ScriptRules()) counting.faults().Add(r);
  std::vector<std::string> fuse_log = Script(
      counting,
      [&] { ASSERT_TRUE(counting.Crash(faultfs::CrashMode::Drop()).ok()); },
      [&] { ASSERT_TRUE(counting.Restart().ok()); });
  EXPECT_TRUE(counting.control_error().ok())
      << counting.control_error().ToString();

  EXPECT_EQ(FirstDifference(sim_log, fuse_log), "");
  EXPECT_EQ(FirstDifference(Ops(sim.trace()), Ops(counting.trace())), "");
  EXPECT_EQ(FirstDifference(Faults(sim.faults().log()),
                            Faults(counting.faults().log())),
            "");
  std::set<faultfs::ActionKind> fired;
  for (const auto& f : counting.faults().log()) fired.insert(f.action);
  EXPECT_EQ(fired.size(), 8u) << "every kind of rule in the script fires";
  EXPECT_EQ(counting.faults().log().size(), 12u);
}

// Bad arguments exit 2; a mount that is not there exits 3; both say why.
TEST(FuseWorker, BadArgumentsAndMissingMount) {
  Finished bad =
      RunToEnd({CRASHLAB_BINARY, "worker", "workload", "--seed", "1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.report.error, "");
  Finished kind = RunToEnd({CRASHLAB_BINARY, "worker", "sideways"});
  EXPECT_EQ(kind.exit_code, 2);
  std::string file =
      std::string(CRASHLAB_SOURCE_DIR) + "/scenarios/basic-put-sync.json";
  Finished env = RunToEnd({CRASHLAB_BINARY, "worker", "workload", "--scenario",
                           file, "--seed", "1", "--root", "/nonexistent/mount",
                           "--control", "/nonexistent/ctl.sock"});
  EXPECT_EQ(env.exit_code, 3);
  EXPECT_NE(env.report.error, "");
  EXPECT_EQ(env.report.ops.size(), 0u);
}

}  // namespace
}  // namespace crashlab::harness
