// The gallery of real programs (label `fuse`): every scenario in
// scenarios/examples/ run by `crashlab run --mode fuse` meets its
// expectation, with the verdict scenarios/README.md explains; and, with real
// programs, a check that hangs is killed at its timeout and reported, and a
// daemon that leaves its process group (redis-server --daemonize yes) is
// killed when its step ends instead of leaking into the next crash state.
// Needs the programs scripts/install-deps.sh installs (sqlite3, git,
// lmdb-utils, redis-server); skips without a usable /dev/fuse unless
// CRASHLAB_REQUIRE_FUSE=1.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/exec/exec_mode.h"
#include "harness/exec/exec_record.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/scenario_parser.h"
#include "tests/harness/fuse_test_env.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;

class TempDir : public testing::ScratchDir {
 public:
  TempDir() : ScratchDir("crashlab-gallery-test") {}
};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The programs the gallery runs that are missing ("" = all there).
std::string MissingPrograms() {
  std::string missing;
  for (const char* p : {"sqlite3", "git", "mdb_load", "mdb_dump", "mdb_stat",
                        "redis-server", "redis-cli", "stdbuf"}) {
    std::string cmd = std::string("command -v ") + p + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) missing += std::string(" ") + p;
  }
  return missing;
}

// A process is gone once it no longer exists or is a zombie.
bool ProcessGone(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return true;
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ||
         stat[close + 2] == 'Z';
}

// Expected verdicts, as scenarios/README.md ("The gallery") explains them.
const std::map<std::string, std::string>& Expected() {
  static const std::map<std::string, std::string> m = {
      {"shell-durable-rename", "pass"},
      {"sqlite3-full", "pass"},
      {"sqlite3-off", "acknowledged-durable"},
      {"sqlite3-wal-normal", "acknowledged-durable"},
      {"git-fsync-none", "acknowledged-durable check:fsck"},
      {"git-fsync-committed", "acknowledged-durable check:fsck"},
      {"lmdb", "pass"},
      {"lmdb-no-dir-fsync", "acknowledged-durable check:env-readable"},
      {"redis-aof-always", "acknowledged-durable"},
      {"redis-aof-always-dir-synced", "pass"},
      {"redis-aof-everysec", "acknowledged-durable"},
  };
  return m;
}

TEST(ExecGallery, EveryScenarioMeetsItsExpectation) {
  FUSE_OR_SKIP();
  std::string missing = MissingPrograms();
  ASSERT_TRUE(missing.empty())
      << "missing program(s):" << missing
      << " (scripts/install-deps.sh installs sqlite3, git, lmdb-utils, "
         "redis-server)";
  TempDir tmp;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> args = {CRASHLAB_BINARY,
                                   "run",
                                   "--mode",
                                   "fuse",
                                   "--jobs",
                                   "2",
                                   "--progress",
                                   "never",
                                   "--report-dir",
                                   tmp.path() + "/report",
                                   "--repro-dir",
                                   tmp.path() + "/repro",
                                   "scenarios/examples/"};
  std::string output;
  int code = faultfs::testing::RunCommand(args, &output);
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  std::cerr << "gallery took " << secs << " s\n";
  EXPECT_EQ(code, 0) << output;
  std::ifstream in(tmp.path() + "/report/report.json");
  ASSERT_TRUE(in.good()) << output;
  auto report = nlohmann::json::parse(in);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& s : report["scenarios"]) by_name[s["name"]] = s;
  EXPECT_EQ(by_name.size(), Expected().size()) << output;
  for (const auto& [name, want] : Expected()) {
    ASSERT_TRUE(by_name.count(name)) << name << " did not run\n" << output;
    const auto& s = by_name[name];
    EXPECT_EQ(s["mode"], "exec") << name;
    EXPECT_TRUE(s["error"].is_null()) << name << ": " << s["error"];
    EXPECT_TRUE(s["expectation_met"].get<bool>()) << name << "\n" << output;
    std::vector<std::string> violated;
    for (const auto& inv : s["invariants"]) {
      if (inv["violated"].get<uint64_t>() > 0) violated.push_back(inv["id"]);
    }
    std::sort(violated.begin(), violated.end());
    std::string got;
    for (const auto& v : violated) got += (got.empty() ? "" : " ") + v;
    EXPECT_EQ(got.empty() ? "pass" : got, want) << name << "\n" << output;
    // Every run of the scenario ran to its checks (no run ended in error).
    for (const auto& run : s["runs"]) {
      EXPECT_TRUE(run["error"].is_null()) << name << ": " << run.dump(1);
    }
  }
  // redis-server daemonizes (setsid): each step that started it reports
  // that the harness killed it when the step ended.
  ASSERT_TRUE(by_name.count("redis-aof-always-dir-synced"));
  size_t killed = 0;
  for (const auto& run : by_name["redis-aof-always-dir-synced"]["runs"]) {
    for (const auto& step : run["steps"]) {
      if (Contains(step.value("detail", ""),
                   "left running outside its process group: redis-server"))
        ++killed;
    }
  }
  EXPECT_GE(killed, by_name["redis-aof-always-dir-synced"]["runs"].size())
      << output;
}

ExecOptions Options(const TempDir& tmp) {
  ExecOptions o;
  o.work_root = tmp.path();
  o.faultfs_binary = FAULTFS_BINARY;
  return o;
}

// A real daemon left behind by one step is gone before the next step, and a
// real check that hangs (redis-cli BLPOP waits forever) is killed at its
// timeout and reported as a violation with the reason.
TEST(ExecGallery, DaemonIsKilledAndHangingCheckTimesOut) {
  FUSE_OR_SKIP();
  if (std::system("command -v redis-server >/dev/null 2>&1") != 0)
    FAIL() << "redis-server is missing (scripts/install-deps.sh installs it)";
  TempDir tmp;
  const std::string start =
      "redis-server --port 0 --unixsocket \"$CRASHLAB_STATE_DIR/r.sock\" "
      "--dir \"$CRASHLAB_MOUNT\" --save '' --appendonly no --daemonize yes "
      "--pidfile \"$CRASHLAB_STATE_DIR/r.pid\" --logfile "
      "\"$CRASHLAB_STATE_DIR/r.log\"; for t in $(seq 1 100); do redis-cli -s "
      "\"$CRASHLAB_STATE_DIR/r.sock\" ping >/dev/null 2>&1 && break; sleep "
      "0.05; done";
  nlohmann::json sc = {
      {"name", "daemon-and-hang"},
      {"workload",
       nlohmann::json::array(
           {{{"op", "exec"},
             {"name", "start-daemon"},
             {"shell", start + "; cat \"$CRASHLAB_STATE_DIR/r.pid\" > "
                               "\"$CRASHLAB_STATE_DIR/first.pid\""}},
            {{"op", "exec"},
             {"name", "daemon-gone"},
             {"shell",
              "p=$(cat \"$CRASHLAB_STATE_DIR/first.pid\"); ! redis-cli -s "
              "\"$CRASHLAB_STATE_DIR/r.sock\" ping 2>/dev/null && { test ! -e "
              "/proc/$p || grep -q '^State:.*Z' /proc/$p/status; }"}},
            {{"op", "crash"}},
            {{"op", "check"},
             {"name", "hangs"},
             {"timeout_ms", 1500},
             {"shell",
              start + "; cat \"$CRASHLAB_STATE_DIR/r.pid\" > "
                      "\"$CRASHLAB_STATE_DIR/second.pid\"; redis-cli -s "
                      "\"$CRASHLAB_STATE_DIR/r.sock\" blpop nothing 0"}}})},
      {"expect", nlohmann::json::array({"check:hangs"})}};
  ParseOutcome p = ParseScenario(sc.dump(), "daemon-and-hang.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  ExecOptions o = Options(tmp);
  o.keep_work_dirs = true;  // to read the pid files afterwards
  auto t0 = std::chrono::steady_clock::now();
  ExecResult r = RunExecScenario(p.scenario, o);
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.runs.size(), 1u);
  const ExecRun& run = r.runs[0];
  ASSERT_EQ(run.steps.size(), 4u);
  EXPECT_EQ(run.steps[0].outcome, "ok");
  EXPECT_TRUE(Contains(run.steps[0].detail,
                       "killed 1 process(es) it left running outside its "
                       "process group: redis-server"))
      << run.steps[0].detail;
  EXPECT_EQ(run.steps[1].outcome, "ok") << run.steps[1].detail;
  const ExecStepOutcome& hang = run.steps[3];
  EXPECT_TRUE(hang.timed_out);
  EXPECT_EQ(hang.outcome, "violated");
  EXPECT_TRUE(Contains(hang.detail, "timed out after 1500 ms")) << hang.detail;
  EXPECT_TRUE(Contains(hang.detail, "redis-server")) << hang.detail;
  EXPECT_LT(secs, 60.0);
  EXPECT_TRUE(ToExecScenarioResult(r).expectation_met());
  // Both servers are gone (pid files are outside the mount, in the state
  // directory of the kept work directory).
  size_t pids = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp.path())) {
    std::string n = e.path().filename().string();
    if (n != "first.pid" && n != "second.pid") continue;
    std::ifstream f(e.path());
    pid_t pid = 0;
    f >> pid;
    ASSERT_GT(pid, 0) << e.path();
    EXPECT_TRUE(ProcessGone(pid)) << n << ": redis-server pid " << pid;
    ++pids;
  }
  EXPECT_EQ(pids, 2u);
}

}  // namespace
}  // namespace crashlab::harness
