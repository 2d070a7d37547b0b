// exec mode (label `fuse`): user commands on a faultfs mount. The shipped
// sqlite3 examples give their verdicts through `crashlab run --mode fuse`;
// built-in checks hold and fail as they should; a timeout is reported; a
// crash point cuts the power right after its operation; bad exec and check
// fields are input errors (exit 2, FILE:LINE:COL).
#include "harness/exec/exec_mode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "harness/exec/exec_record.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/scenario_parser.h"
#include "tests/harness/fuse_test_env.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;

bool HaveSqlite() {
  return std::system("command -v sqlite3 >/dev/null 2>&1") == 0;
}

class TempDir : public testing::ScratchDir {
 public:
  TempDir() : ScratchDir("crashlab-exec-test") {}
};

Scenario Parse(const std::string& text) {
  ParseOutcome p = ParseScenario(text, "test.json");
  EXPECT_TRUE(p.ok()) << JoinErrors(p.errors);
  return p.scenario;
}

ExecOptions Options(const TempDir& tmp) {
  ExecOptions o;
  o.work_root = tmp.path();
  o.faultfs_binary = FAULTFS_BINARY;
  return o;
}

const ExecStepOutcome& StepOf(const ExecRun& run, size_t step) {
  for (const auto& o : run.steps) {
    if (o.step == step) return o;
  }
  static const ExecStepOutcome none;
  ADD_FAILURE() << "step " << step << " did not run";
  return none;
}

std::string Dump(const ExecResult& r) {
  std::string out;
  for (const auto& run : r.runs) out += ExecRunToJson(run).dump(1) + "\n";
  return out;
}

struct CliResult {
  int code = -1;
  std::string output;
};

CliResult Crashlab(std::vector<std::string> args) {
  args.insert(args.begin(), CRASHLAB_BINARY);
  CliResult r;
  r.code = faultfs::testing::RunCommand(args, &r.output);
  return r;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ExecMode, SqliteExamplesGiveTheirVerdicts) {
  FUSE_OR_SKIP();
  if (!HaveSqlite())
    GTEST_SKIP()
        << "sqlite3 is not installed (scripts/install-deps.sh installs it)";
  TempDir tmp;
  auto t0 = std::chrono::steady_clock::now();
  CliResult r =
      Crashlab({"run", "--mode", "fuse", "--progress", "never", "--report-dir",
                tmp.path() + "/report", "scenarios/examples/sqlite3-full.json",
                "scenarios/examples/sqlite3-off.json",
                "scenarios/examples/shell-durable-rename.json"});
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "PASS   sqlite3-full")) << r.output;
  EXPECT_TRUE(Contains(r.output, "CAUGHT sqlite3-off")) << r.output;
  EXPECT_TRUE(Contains(r.output, "PASS   shell-durable-rename")) << r.output;
  EXPECT_TRUE(
      Contains(r.output, "20 commits acknowledged, 0 rows after the power cut"))
      << r.output;
  std::cerr << "examples took " << secs << " s\n";
  // The report records every run, its steps and its checks.
  std::ifstream in(tmp.path() + "/report/report.json");
  ASSERT_TRUE(in.good());
  auto report = nlohmann::json::parse(in);
  bool saw_off = false;
  for (const auto& s : report["scenarios"]) {
    EXPECT_EQ(s["mode"], "exec");
    ASSERT_TRUE(s["runs"].is_array()) << s.dump();
    if (s["name"] != "sqlite3-off") continue;
    saw_off = true;
    const auto& steps = s["runs"][0]["steps"];
    ASSERT_EQ(steps.size(), 5u) << s.dump(1);
    EXPECT_EQ(steps[1]["name"], "insert-commits");
    EXPECT_EQ(steps[1]["exit_code"], 0);
    EXPECT_EQ(steps[2]["op"], "crash");
    EXPECT_EQ(steps[4]["invariant"], "acknowledged-durable");
    EXPECT_EQ(steps[4]["violated"], true);
    EXPECT_TRUE(Contains(steps[4]["stdout"].get<std::string>(),
                         "20 commits acknowledged"))
        << steps[4].dump();
  }
  EXPECT_TRUE(saw_off);
  bool violation = false;
  for (const auto& v : report["violations"]) {
    if (v["scenario"] == "sqlite3-off") {
      violation = true;
      EXPECT_EQ(v["invariant"], "acknowledged-durable");
      EXPECT_TRUE(fs::exists(v["reproducer"].get<std::string>())) << v.dump();
    }
  }
  EXPECT_TRUE(violation);
}

TEST(ExecMode, SqliteFullSurvivesEveryCrashPoint) {
  FUSE_OR_SKIP();
  if (!HaveSqlite()) GTEST_SKIP() << "sqlite3 is not installed";
  TempDir tmp;
  ParseOutcome p = LoadScenario("scenarios/examples/sqlite3-full.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  ExecResult r = RunExecScenario(p.scenario, Options(tmp));
  ASSERT_TRUE(r.error.empty()) << r.error << "\n" << Dump(r);
  EXPECT_EQ(r.runs.size(), 1u + 8u)
      << Dump(r);  // as written + 8 sampled points x drop
  for (const auto& run : r.runs) {
    std::cerr << DescribeRun(run) << "\n";
    ASSERT_TRUE(run.crash_after.has_value()) << run.label;
    EXPECT_FALSE(run.Violated("acknowledged-durable").value_or(true))
        << Dump(r);
    EXPECT_FALSE(run.Violated("check:db-intact").value_or(true)) << Dump(r);
    if (run.crash_point) {
      EXPECT_EQ(*run.crash_after, *run.crash_point) << Dump(r);
    }
  }
}

TEST(ExecMode, BuiltinChecksHoldAndFail) {
  FUSE_OR_SKIP();
  TempDir tmp;
  Scenario sc = Parse(R"({"name": "builtins", "workload": [
    {"op": "exec", "shell": "mkdir d && printf hello > d/f && printf x > gone && sync d/f d . && echo made; echo warn >&2"},
    {"op": "exec", "command": ["sh", "-c", "printf junk > junk"]},
    {"op": "crash"},
    {"op": "check", "name": "f-content", "file_exists": "d/f", "content": "hello"},
    {"op": "check", "name": "f-sha", "file_exists": "d/f",
     "content_sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
    {"op": "check", "name": "f-wrong", "file_exists": "d/f", "content": "HELLO"},
    {"op": "check", "name": "d-listing", "listing": {"dir": "d", "entries": ["f"]}},
    {"op": "check", "name": "root-listing", "listing": {"dir": ".", "entries": ["d", "gone"]}},
    {"op": "check", "name": "root-wrong", "listing": {"dir": ".", "entries": ["d", "junk"]}},
    {"op": "check", "name": "junk-absent", "file_absent": "junk"},
    {"op": "check", "name": "gone-absent", "file_absent": "gone"},
    {"op": "check", "name": "missing-exists", "file_exists": "nope"},
    {"op": "check", "name": "cmd-ok", "command": ["test", "-s", "d/f"]},
    {"op": "check", "name": "cmd-fails", "shell": "echo 'not there' >&2; test -e junk"}
  ], "expect": ["check:f-wrong", "check:root-wrong", "check:gone-absent", "check:missing-exists", "check:cmd-fails"]})");
  ExecResult r = RunExecScenario(sc, Options(tmp));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.runs.size(), 1u);
  const ExecRun& run = r.runs[0];
  EXPECT_EQ(StepOf(run, 0).out, "made\n");
  EXPECT_EQ(StepOf(run, 0).err, "warn\n");
  std::map<std::string, bool> want = {
      {"check:f-content", false},     {"check:f-sha", false},
      {"check:f-wrong", true},        {"check:d-listing", false},
      {"check:root-listing", false},  {"check:root-wrong", true},
      {"check:junk-absent", false},   {"check:gone-absent", true},
      {"check:missing-exists", true}, {"check:cmd-ok", false},
      {"check:cmd-fails", true}};
  for (const auto& [id, violated] : want) {
    std::string msg;
    EXPECT_EQ(run.Violated(id, &msg), std::optional<bool>(violated))
        << id << ": " << msg << "\n"
        << Dump(r);
  }
  std::string msg;
  run.Violated("check:root-wrong", &msg);
  EXPECT_TRUE(Contains(msg, ".: missing [junk]; unexpected [gone]")) << msg;
  run.Violated("check:gone-absent", &msg);
  EXPECT_TRUE(Contains(msg, "gone exists (a file of 0 bytes)"))
      << msg;  // its name was synced, its data not
  run.Violated("check:f-wrong", &msg);
  EXPECT_TRUE(Contains(msg, "\"hello\"")) << msg;
  run.Violated("check:cmd-fails", &msg);
  EXPECT_TRUE(Contains(msg, "exit 1: not there")) << msg;
  // After the power cut: gone's name was made durable by `sync .`, its
  // data never (an empty file); junk, created after, is gone.
  reports::ScenarioResult sr = ToExecScenarioResult(r);
  EXPECT_EQ(sr.mode, "exec");
  EXPECT_TRUE(sr.expectation_met()) << Dump(r);
  EXPECT_EQ(sr.crash_states, 1u);
}

// A violated run records what the power cut took: exactly the dropped
// range of a file written without fsync, and the create whose directory was
// not fsync'd; the violation carries it into report.json.
TEST(ExecMode, ViolationExplainsWhatThePowerCutTook) {
  FUSE_OR_SKIP();
  TempDir tmp;
  Scenario sc = Parse(R"({"name": "explain", "workload": [
    {"op": "exec", "shell": "set -e; printf hello > f; sync f .; printf 0123456789 >> f; mkdir d; sync .; printf data > d/g; sync d/g"},
    {"op": "crash"},
    {"op": "check", "name": "f-appended", "file_exists": "f", "content": "hello0123456789"},
    {"op": "check", "name": "g-exists", "file_exists": "d/g"}
  ], "expect": ["check:f-appended", "check:g-exists"]})");
  ExecResult r = RunExecScenario(sc, Options(tmp));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.runs.size(), 1u);
  const ExecRun& run = r.runs[0];
  ASSERT_TRUE(run.loss.is_object()) << Dump(r);
  const nlohmann::json& loss = run.loss;
  EXPECT_EQ(loss["mode"], "drop");
  ASSERT_EQ(loss["files"].size(), 2u) << loss.dump(1);
  const nlohmann::json& g = loss["files"][0];
  EXPECT_EQ(g["path"], "d/g");
  EXPECT_EQ(g["dropped"].size(), 0u) << g.dump();
  ASSERT_EQ(g["rolled_back"].size(), 1u) << g.dump();
  EXPECT_EQ(g["rolled_back"][0]["op"], "create");
  EXPECT_EQ(g["rolled_back"][0]["path"], "d/g");
  EXPECT_EQ(g["rolled_back"][0]["missing_fsync_of"],
            nlohmann::json::array({"d"}));
  ASSERT_TRUE(g["last_fsync"].is_number_unsigned()) << g.dump();
  const nlohmann::json& f = loss["files"][1];
  EXPECT_EQ(f["path"], "f");
  EXPECT_EQ(f["dropped"],
            nlohmann::json::parse(R"([{"offset":5,"length":10}])"))
      << f.dump();
  EXPECT_EQ(f["dropped_bytes"], 10);
  EXPECT_EQ(f["rolled_back"].size(), 0u) << f.dump();
  ASSERT_TRUE(f["last_fsync"].is_number_unsigned()) << f.dump();
  EXPECT_LT(f["last_fsync"].get<uint64_t>(), g["last_fsync"].get<uint64_t>());
  // Both violations of the run carry it.
  reports::RunRecord record;
  std::vector<std::string> errors;
  AddExecResult(r, "", &record, &errors);
  ASSERT_EQ(record.violations.size(), 2u);
  for (const auto& v : record.violations) EXPECT_EQ(v.loss, loss);
}

TEST(ExecMode, TimeoutIsReportedAndKillsTheProcessGroup) {
  FUSE_OR_SKIP();
  TempDir tmp;
  Scenario sc = Parse(R"({"name": "slow", "workload": [
    {"op": "exec", "name": "hangs", "shell": "sleep 30 & sleep 30", "timeout_ms": 300},
    {"op": "check", "file_absent": "x"}], "expect": "pass"})");
  auto t0 = std::chrono::steady_clock::now();
  ExecResult r = RunExecScenario(sc, Options(tmp));
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_LT(secs, 10.0);
  EXPECT_TRUE(Contains(r.error, "timed out after 300 ms")) << r.error;
  EXPECT_TRUE(Contains(r.error, "hangs")) << r.error;
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_TRUE(StepOf(r.runs[0], 0).timed_out);
  EXPECT_EQ(StepOf(r.runs[0], 0).outcome, "timed out");
  reports::ScenarioResult sr = ToExecScenarioResult(r);
  EXPECT_EQ(sr.verdict, reports::Verdict::kError);
  EXPECT_FALSE(sr.expectation_met());
  // allow_failure: recorded, the run goes on.
  Scenario ok = Parse(R"({"name": "slow-ok", "workload": [
    {"op": "exec", "shell": "sleep 30", "timeout_ms": 200, "allow_failure": true},
    {"op": "exec", "shell": "exit 4", "expect_exit": 4},
    {"op": "check", "file_absent": "x"}], "expect": "pass"})");
  ExecResult r2 = RunExecScenario(ok, Options(tmp));
  EXPECT_TRUE(r2.error.empty()) << r2.error;
  EXPECT_EQ(StepOf(r2.runs[0], 0).outcome, "timed out");
  EXPECT_EQ(StepOf(r2.runs[0], 1).outcome, "ok");
  EXPECT_TRUE(ToExecScenarioResult(r2).expectation_met());
}

TEST(ExecMode, CrashPointCutsThePowerRightAfterItsOperation) {
  FUSE_OR_SKIP();
  TempDir tmp;
  // Step 1 makes `a` durable; step 2 writes `b` and makes it durable at its
  // end. A power cut inside step 2 leaves only `a`.
  Scenario sc = Parse(R"({"name": "points", "workload": [
    {"op": "exec", "name": "a", "shell": "printf 1 > a && sync a ."},
    {"op": "exec", "name": "b", "shell": "printf 2 > b && sync b ."},
    {"op": "exec", "name": "after", "shell": "printf 3 > c && sync c ."},
    {"op": "crash"},
    {"op": "check", "name": "a-kept", "file_exists": "a", "content": "1"},
    {"op": "check", "name": "only-a", "listing": {"dir": ".", "entries": ["a"]}}
  ], "crash_points": {"strategy": "every-op", "steps": [1]}, "expect": ["check:only-a"]})");
  ExecResult r = RunExecScenario(sc, Options(tmp));
  ASSERT_TRUE(r.error.empty()) << r.error << Dump(r);
  const ExecRun& first = r.runs[0];
  const ExecStepOutcome& b = StepOf(first, 1);
  ASSERT_GT(b.ops_end, b.ops_begin + 2) << Dump(r);
  EXPECT_TRUE(first.Violated("check:only-a")
                  .value_or(false));  // a, b and c all survive as written
  ASSERT_EQ(r.runs.size(), 1 + (b.ops_end - b.ops_begin)) << Dump(r);
  for (size_t i = 1; i < r.runs.size(); ++i) {
    const ExecRun& run = r.runs[i];
    ASSERT_TRUE(run.crash_point && run.crash_after) << Dump(r);
    EXPECT_EQ(*run.crash_after, *run.crash_point) << run.label;
    EXPECT_EQ(StepOf(run, 2).outcome, "skipped")
        << run.label;  // the machine was down
    EXPECT_FALSE(run.Violated("check:a-kept").value_or(true))
        << run.label << Dump(r);
    if (*run.crash_point + 1 < b.ops_end) {
      EXPECT_TRUE(Contains(run.crash, "crash point at op " +
                                          std::to_string(*run.crash_point + 1)))
          << run.crash;
    }
  }
  // b becomes durable at one op (the directory fsync): before it only a
  // survives, from it on b too; the last op of the step is past it.
  std::vector<bool> b_survives;
  for (size_t i = 1; i < r.runs.size(); ++i)
    b_survives.push_back(r.runs[i].Violated("check:only-a").value_or(false));
  EXPECT_FALSE(b_survives.front()) << Dump(r);
  EXPECT_TRUE(b_survives.back()) << Dump(r);
  EXPECT_TRUE(std::is_sorted(b_survives.begin(), b_survives.end())) << Dump(r);
  reports::ScenarioResult sr = ToExecScenarioResult(r);
  EXPECT_TRUE(sr.expectation_met()) << Dump(r);
  EXPECT_EQ(sr.crash_states, r.runs.size());
}

TEST(ExecMode, CrashRuleFromTheScenarioStopsTheProgram) {
  FUSE_OR_SKIP();
  TempDir tmp;
  // The third fsync is a power cut: the loop stops at its first error (every
  // call on the mount fails with EIO until the harness kills it), the rest
  // of the workload is skipped.
  Scenario sc = Parse(
      R"({"name": "rule", "faults": [{"op": "fsync", "path": "**", "action": "crash", "nth": 3}],
    "workload": [
    {"op": "exec", "name": "loop", "shell": "set -e; for i in 1 2 3 4 5; do printf $i > f$i; sync f$i .; echo $i >> \"$CRASHLAB_STATE_DIR/done\"; done"},
    {"op": "exec", "name": "never", "shell": "touch never"},
    {"op": "crash"},
    {"op": "check", "name": "two-done", "shell": "test $(wc -l < \"$CRASHLAB_STATE_DIR/done\") -eq 2"},
    {"op": "check", "name": "f2-kept", "file_exists": "f2", "content": "2"},
    {"op": "check", "name": "f3-lost", "file_absent": "f3"}
  ], "expect": "pass"})");
  ExecResult r = RunExecScenario(sc, Options(tmp));
  ASSERT_TRUE(r.error.empty()) << r.error << Dump(r);
  const ExecRun& run = r.runs[0];
  EXPECT_EQ(StepOf(run, 0).outcome, "crashed") << Dump(r);
  EXPECT_EQ(StepOf(run, 1).outcome, "skipped");
  EXPECT_TRUE(Contains(StepOf(run, 2).detail, "already down"));
  EXPECT_TRUE(Contains(run.crash, "crash rule")) << run.crash;
  EXPECT_TRUE(ToExecScenarioResult(r).expectation_met()) << Dump(r);
}

// A program need not issue the same operations in every run. A crash point
// taken from the first run that a later run does not reach must not fire in
// a check (it used to: "a crash rule fired during check step"): its rule is
// removed before the crash step, and the run says so.
TEST(ExecMode, UnreachedCrashPointDoesNotFireInAChecks) {
  FUSE_OR_SKIP();
  TempDir tmp;
  std::string marker = tmp.path() + "/first-run-done";
  std::string text = R"({"name": "shrinking", "workload": [
    {"op": "exec", "name": "varies", "shell": "if [ -e MARKER ]; then touch a; else touch MARKER; for i in 1 2 3 4 5 6 7 8; do touch f$i; done; fi"},
    {"op": "crash"},
    {"op": "check", "name": "lists", "shell": "ls > /dev/null; ls > /dev/null; ls > /dev/null"}
  ], "crash_points": {"strategy": "list", "ops": [8]}, "crash_modes": ["drop"], "expect": "pass"})";
  text.replace(text.find("MARKER"), 6, marker);
  text.replace(text.find("MARKER"), 6, marker);
  Scenario sc = Parse(text);
  ExecResult r = RunExecScenario(sc, Options(tmp));
  ASSERT_TRUE(r.error.empty()) << r.error << Dump(r);
  ASSERT_EQ(r.runs.size(), 2u) << Dump(r);
  const ExecRun& run = r.runs[1];
  EXPECT_TRUE(run.error.empty()) << Dump(r);
  EXPECT_EQ(StepOf(run, 2).outcome, "held") << Dump(r);
  bool noted = false;
  for (const auto& n : run.notes)
    noted = noted || Contains(n, "crash point 8 was not reached");
  EXPECT_TRUE(noted) << Dump(r);
  EXPECT_TRUE(Contains(run.crash, "crash step")) << run.crash;
  EXPECT_TRUE(ToExecScenarioResult(r).expectation_met()) << Dump(r);
}

TEST(ExecMode, BadExecAndCheckFieldsAreInputErrors) {
  TempDir tmp;
  std::string bad = tmp.Write("bad.json", R"({
  "name": "bad",
  "workload": [
    {"op": "exec", "command": [], "timeout_ms": 0},
    {"op": "check", "file_exists": "../etc/passwd"},
    {"op": "check", "listing": {"dir": "d"}}
  ],
  "expect": "pass"
})");
  for (const char* cmd : {"validate", "run"}) {
    std::vector<std::string> args = {cmd};
    if (std::string(cmd) == "run") args.insert(args.end(), {"--mode", "fuse"});
    args.push_back(bad);
    CliResult r = Crashlab(args);
    if (r.code == 3) {  // run --mode fuse without FUSE
      ASSERT_TRUE(faultfs::testing::FuseUnusableReason().size() > 0)
          << r.output;
      continue;
    }
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_TRUE(Contains(
        r.output, bad + ":4:31: /workload/0/command: must name a program"))
        << r.output;
    EXPECT_TRUE(Contains(
        r.output, bad + ":4:49: /workload/0/timeout_ms: must be in 1..3600000"))
        << r.output;
    EXPECT_TRUE(Contains(r.output, bad + ":5:36: /workload/1/file_exists: must "
                                         "be a path relative to the mount"))
        << r.output;
    EXPECT_TRUE(Contains(
        r.output,
        bad + ":6:32: /workload/2/listing/entries: missing required field"))
        << r.output;
  }
}

TEST(ExecMode, SimModeSkipsExecScenariosWithTheReason) {
  CliResult r = Crashlab({"run", "--progress", "never", "scenarios/examples/"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "SKIP   sqlite3-full")) << r.output;
  EXPECT_TRUE(Contains(r.output, "--mode fuse")) << r.output;
  EXPECT_TRUE(Contains(r.output, "11 scenario(s) skipped, not counted"))
      << r.output;
}

}  // namespace
}  // namespace crashlab::harness
