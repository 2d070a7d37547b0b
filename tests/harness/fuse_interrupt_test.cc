// `crashlab run --mode fuse` cleans up on every exit path: interrupted by
// SIGINT or SIGTERM while a mount exists, or ending with a failure, it
// leaves no mount, no faultfs daemon and no engine worker behind. Label
// `fuse`.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/mount/fuse_mount.h"
#include "tests/harness/fuse_test_env.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;

// Processes whose command line mentions `needle` (other than this test).
std::vector<std::string> ProcessesMentioning(const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::stoi(name) == getpid()) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
    for (auto& ch : cmd) {
      if (ch == '\0') ch = ' ';
    }
    if (cmd.find(needle) != std::string::npos) out.push_back(name + ": " + cmd);
  }
  return out;
}

// Starts crashlab with `args`, output to `log`; returns its pid.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(CRASHLAB_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

class FuseInterruptTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    setenv("CRASHLAB_FAULTFS", FAULTFS_BINARY, 1);
    char tmpl[] = "/tmp/crashlab-fuse-interrupt-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const auto& m : FindStaleMounts(dir_))
      std::system((m.remove_command + " -z 2>/dev/null").c_str());
    std::error_code ec;
    if (FindStaleMounts(dir_).empty()) fs::remove_all(dir_, ec);
    unsetenv("CRASHLAB_FAULTFS");
    unsetenv("CRASHLAB_BINARY");
  }
  // Nothing of a run under `dir_` is left: mounts, daemons, workers.
  void ExpectNothingLeft() {
    EXPECT_TRUE(FindStaleMounts(dir_).empty());
    std::vector<std::string> procs;
    for (int i = 0; i < 100;
         ++i) {  // reaped children disappear at once; allow a moment anyway
      procs = ProcessesMentioning(dir_);
      if (procs.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& p : procs) ADD_FAILURE() << "left behind: " << p;
  }
  std::string dir_;
};

TEST_P(FuseInterruptTest, SignalWhileMountedLeavesNothing) {
  FUSE_OR_SKIP();
  int sig = GetParam();
  std::string work = dir_ + "/work";
  std::string log = dir_ + "/run.log";
  pid_t pid =
      Spawn({"run", "--mode", "fuse", "scenarios/unsynced-writes-dropped.json",
             "--work-dir", work, "--fuse-sample", "50", "--progress", "never"},
            log);
  ASSERT_GT(pid, 0);
  // Wait until a mount exists (the run is in the middle of a crash point).
  bool mounted = false;
  for (int i = 0; i < 3000 && !mounted; ++i) {
    mounted = !FindStaleMounts(work).empty();
    if (!mounted) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(mounted) << Slurp(log);
  ASSERT_EQ(kill(pid, sig), 0);
  int status = 0;
  pid_t r = -1;
  for (int i = 0; i < 3000; ++i) {
    r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (r != pid) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "crashlab did not exit within 30 s of the signal: " << Slurp(log);
  }
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig)
      << "status " << status << ": " << Slurp(log);
  EXPECT_NE(Slurp(log).find("interrupted"), std::string::npos) << Slurp(log);
  ExpectNothingLeft();
}

INSTANTIATE_TEST_SUITE_P(Signals, FuseInterruptTest,
                         ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return info.param == SIGINT ? "SIGINT" : "SIGTERM";
                         });

using FuseFailingRunTest = FuseInterruptTest;

TEST_F(FuseFailingRunTest, WorkersThatCannotRunLeaveNothing) {
  FUSE_OR_SKIP();
  setenv("CRASHLAB_BINARY", "/bin/false", 1);  // every worker fails at once
  std::string work = dir_ + "/work";
  fs::create_directories(work);
  std::string log = dir_ + "/run.log";
  pid_t pid = Spawn({"run", "--mode", "fuse", "scenarios/basic-put-sync.json",
                     "--work-dir", work, "--progress", "never"},
                    log);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3)
      << status << ": " << Slurp(log);
  ExpectNothingLeft();
  EXPECT_TRUE(fs::exists(work));            // the user's work dir stays...
  EXPECT_TRUE(fs::is_empty(work)) << work;  // ...emptied of what the run made
}

TEST_F(FuseFailingRunTest, AnUnexpectedViolationLeavesNothing) {
  FUSE_OR_SKIP();
  // An unsafe engine in a scenario that expects it to pass: exit 1.
  std::string scenario = dir_ + "/unexpected.json";
  {
    std::ifstream in("scenarios/unsafe/skip-dir-fsync.json");
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    const std::string expect =
        R"("expect": ["acknowledged-durable", "state-matches-oracle"])";
    auto at = text.find(expect);
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, expect.size(), R"("expect": "pass")");
    std::ofstream(scenario) << text;
  }
  std::string log = dir_ + "/run.log";
  setenv("TMPDIR", dir_.c_str(), 1);  // the default work dir goes under dir_
  pid_t pid = Spawn({"run", "--mode", "fuse", scenario, "--fuse-sample", "1",
                     "--progress", "never", "--repro-dir", dir_ + "/repro"},
                    log);
  unsetenv("TMPDIR");
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1)
      << status << ": " << Slurp(log);
  EXPECT_NE(Slurp(log).find("UNEXPECTED"), std::string::npos) << Slurp(log);
  ExpectNothingLeft();
  for (const auto& e :
       fs::directory_iterator(dir_)) {  // the temporary work dir is gone
    EXPECT_EQ(e.path().filename().string().find("crashlab-fuse-"),
              std::string::npos)
        << e.path();
  }
}

}  // namespace
}  // namespace crashlab::harness
