// `crashlab run --mode fuse|all` end to end: the shipped suite (scenarios/
// and scenarios/unsafe/) on real faultfs mounts with sampled crash points
// gives the expected verdicts; environment problems are exit 3 with a
// message saying what to do. Label `fuse`.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "harness/mount/fuse_mount.h"
#include "reports/report_io.h"
#include "tests/harness/fuse_test_env.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;
using faultfs::testing::RunCommand;

class FuseModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("CRASHLAB_FAULTFS", FAULTFS_BINARY, 1);
    char tmpl[] = "/tmp/crashlab-fuse-mode-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty() && FindStaleMounts(dir_).empty())
      fs::remove_all(dir_, ec);
    unsetenv("CRASHLAB_FAULTFS");
  }
  std::string dir_;
};

const reports::ScenarioResult* Find(const reports::RunRecord& rec,
                                    const std::string& name,
                                    const std::string& mode) {
  for (const auto& s : rec.scenarios) {
    if (s.name == name && s.mode == mode) return &s;
  }
  return nullptr;
}

TEST_F(FuseModeTest, ShippedSuiteGivesTheExpectedVerdicts) {
  FUSE_OR_SKIP();
  // The shipped suite: scenarios/*.json and scenarios/unsafe/*.json (not the
  // exec examples, which are exec mode's).
  std::vector<std::string> args = {CRASHLAB_BINARY, "run",
                                   "--mode",        "fuse",
                                   "--report-dir",  dir_ + "/report",
                                   "--work-dir",    dir_ + "/fuse-work",
                                   "--fuse-sample", "1",
                                   "--progress",    "never",
                                   "--jobs",        "2"};
  for (const char* d : {"scenarios", "scenarios/unsafe"}) {
    for (const auto& e : fs::directory_iterator(d)) {
      std::string f = e.path().string();
      if (e.is_regular_file() && f.ends_with(".json") &&
          !f.ends_with(".schema.json"))
        args.push_back(f);
    }
  }
  std::string out;
  int rc = RunCommand(args, &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("sample seed"), std::string::npos) << out;
  auto rec = reports::ReadReportFile(dir_ + "/report/report.json");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->run.modes, std::vector<std::string>{"fuse"});
  size_t fuse = 0, caught = 0;
  for (const auto& s : rec->scenarios) {
    ASSERT_EQ(s.mode, "fuse") << s.name;
    ++fuse;
    EXPECT_TRUE(s.expectation_met()) << s.name;
    EXPECT_TRUE(s.error.empty()) << s.name << ": " << s.error;
    EXPECT_FALSE(s.crash_points.empty()) << s.name;
    bool agreement_counted = false;
    for (const auto& ic : s.invariants) {
      if (ic.id != "sim-fuse-agreement") continue;
      agreement_counted = true;
      EXPECT_EQ(ic.violated, 0u) << s.name;
      EXPECT_EQ(ic.held, s.crash_points.size()) << s.name;
    }
    EXPECT_TRUE(agreement_counted) << s.name;
    if (!s.expected.violated.empty()) ++caught;
  }
  EXPECT_GE(fuse, 30u);
  // Every unsafe mode whose violation shows in drop mode is caught for real
  // (trust-torn-wal needs torn writes, catalog-in-place a prefix of the
  // pending writes: sim mode's job).
  for (const char* name :
       {"unsafe-ack-before-fsync", "unsafe-gc-ignores-children",
        "unsafe-gc-ignores-manifest-errors", "unsafe-gc-when-catalog-missing",
        "unsafe-no-rollback-on-commit-error", "unsafe-skip-dir-fsync",
        "unsafe-skip-verify", "unsafe-truncate-wal-early"}) {
    const auto* s = Find(*rec, name, "fuse");
    ASSERT_NE(s, nullptr) << name;
    EXPECT_FALSE(s->expected.violated.empty()) << name;
    EXPECT_EQ(s->verdict, reports::Verdict::kFail) << name;
  }
  EXPECT_GE(caught, 9u);  // the eight above and fsync-lie-wal
  // The work dir is removed (nothing mounted under it).
  EXPECT_TRUE(FindStaleMounts(dir_).empty());
  EXPECT_FALSE(fs::exists(dir_ + "/fuse-work/0-basic-put-sync"));
}

TEST_F(FuseModeTest, AllModeRunsSimThenFuse) {
  FUSE_OR_SKIP();
  std::string out;
  int rc = RunCommand(
      {CRASHLAB_BINARY, "run", "--mode", "all",
       "scenarios/unsafe/skip-dir-fsync.json", "--report-dir", dir_ + "/report",
       "--fuse-sample", "1", "--progress", "never"},
      &out);
  ASSERT_EQ(rc, 0) << out;
  auto rec = reports::ReadReportFile(dir_ + "/report/report.json");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->run.modes, (std::vector<std::string>{"fuse", "sim"}));
  const auto* sim = Find(*rec, "unsafe-skip-dir-fsync", "sim");
  const auto* fuse = Find(*rec, "unsafe-skip-dir-fsync", "fuse");
  ASSERT_NE(sim, nullptr);
  ASSERT_NE(fuse, nullptr);
  EXPECT_TRUE(sim->expectation_met());
  EXPECT_TRUE(fuse->expectation_met());
  EXPECT_EQ(fuse->verdict,
            reports::Verdict::kFail);  // caught on a real mount too
  bool fuse_violation = false;
  for (const auto& v : rec->violations) {
    if (v.mode != "fuse") continue;
    fuse_violation = true;
    EXPECT_EQ(v.crash_mode, "drop");
    EXPECT_EQ(v.reproduce_command.rfind("crashlab run --mode fuse ", 0), 0u)
        << v.reproduce_command;
    EXPECT_TRUE(fs::exists(v.reproducer)) << v.reproducer;
  }
  EXPECT_TRUE(fuse_violation);
}

TEST_F(FuseModeTest, ListScenarioRunsExactlyItsPoints) {
  FUSE_OR_SKIP();
  std::string scenario = dir_ + "/list.json";
  {
    std::ofstream f(scenario);
    f << R"({"name": "list-points", "workload": [{"op": "put", "count": 3}, {"op": "sync"}, {"op": "checkpoint"}],
             "crash_points": {"strategy": "list", "ops": [2, 5, 9]}, "expect": "pass"})";
  }
  std::string out;
  int rc = RunCommand({CRASHLAB_BINARY, "run", "--mode", "fuse", scenario,
                       "--report-dir", dir_ + "/report", "--progress", "never"},
                      &out);
  ASSERT_EQ(rc, 0) << out;
  auto rec = reports::ReadReportFile(dir_ + "/report/report.json");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(rec->scenarios.size(), 1u);
  EXPECT_EQ(rec->scenarios[0].crash_points, (std::vector<uint64_t>{2, 5, 9}));
}

TEST_F(FuseModeTest, MissingFaultfsIsAnEnvironmentError) {
  FUSE_OR_SKIP();
  setenv("CRASHLAB_FAULTFS", "/nonexistent/faultfs", 1);
  std::string out;
  int rc = RunCommand({CRASHLAB_BINARY, "run", "--mode", "fuse",
                       "scenarios/basic-put-sync.json"},
                      &out);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("CRASHLAB_FAULTFS"), std::string::npos) << out;
}

TEST_F(FuseModeTest, StaleMountInTheWorkDirIsReportedWithItsRemovalCommand) {
  FUSE_OR_SKIP();
  std::string work = dir_ + "/fuse-work";
  FuseMountOptions o;
  o.work_dir = work + "/leftover";
  o.faultfs_binary = FAULTFS_BINARY;
  auto m = FuseMount::Start(o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(kill((*m)->daemon_pid(), SIGKILL),
            0);  // a run killed without cleanup
  std::string out;
  int rc = RunCommand({CRASHLAB_BINARY, "run", "--mode", "fuse",
                       "scenarios/basic-put-sync.json", "--work-dir", work},
                      &out);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("fusermount3 -u " + (*m)->mountpoint()), std::string::npos)
      << out;
  EXPECT_TRUE((*m)->Stop().ok());
  EXPECT_TRUE(FindStaleMounts(dir_).empty());
}

}  // namespace
}  // namespace crashlab::harness
