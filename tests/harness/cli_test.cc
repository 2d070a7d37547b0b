// The crashlab CLI's exit codes and messages.
#include "harness/cli/cli.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace crashlab::harness {
namespace {

struct Out {
  int code;
  std::string out, err;
};

Out Crashlab(std::vector<const char*> args) {
  args.insert(args.begin(), "crashlab");
  std::ostringstream out, err;
  int code = Main(static_cast<int>(args.size()), args.data(), out, err);
  return {code, out.str(), err.str()};
}

std::string TempFile(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p) << text;
  return p.string();
}

TEST(Cli, UsageAndUnknownCommand) {
  EXPECT_EQ(Crashlab({}).code, kExitBadInput);
  EXPECT_EQ(Crashlab({"--help"}).code, kExitOk);
  EXPECT_EQ(Crashlab({"frobnicate"}).code, kExitBadInput);
}

TEST(Cli, VersionNamesTheCommit) {
  Out r = Crashlab({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(
      r.out.rfind(std::string("crashlab ") + CRASHLAB_VERSION + " (commit ", 0),
      0u)
      << r.out;
  std::string commit = r.out.substr(r.out.find("(commit ") + 8);
  commit = commit.substr(0, commit.find(')'));
  EXPECT_TRUE(
      commit == "unknown" ||
      (commit.size() == 40 &&
       commit.find_first_not_of("0123456789abcdef") == std::string::npos))
      << r.out;
}

TEST(Cli, ValidateReportsFileLineColumn) {
  std::string bad =
      TempFile("crashlab_cli_bad.json",
               "{\"name\": \"x\",\n \"workload\": [{\"op\": \"put\", "
               "\"count\": -1}],\n \"expect\": \"pass\"}");
  Out r = Crashlab({"validate", bad.c_str()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find(bad + ":2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/workload/0/count"), std::string::npos) << r.err;
  EXPECT_EQ(Crashlab({"validate", "scenarios"}).code, kExitOk);
  EXPECT_EQ(Crashlab({"validate", "/nonexistent/x.json"}).code, kExitBadInput);
}

TEST(Cli, FuseModeWithoutFaultfsIsAnEnvironmentProblem) {
  setenv("CRASHLAB_FAULTFS", "/nonexistent/faultfs", 1);
  Out r = Crashlab({"run", "--mode", "fuse", "--progress", "never",
                    "scenarios/basic-put-sync.json"});
  unsetenv("CRASHLAB_FAULTFS");
  EXPECT_EQ(r.code, kExitEnvironment);
  // What to do: point CRASHLAB_FAULTFS at the binary (or, without FUSE, the
  // message says how to get /dev/fuse, or to use --mode sim).
  EXPECT_TRUE(r.err.find("CRASHLAB_FAULTFS") != std::string::npos ||
              r.err.find("--mode sim") != std::string::npos)
      << r.err;
}

TEST(Cli, RunExitCodes) {
  EXPECT_EQ(
      Crashlab({"run", "--progress", "never", "--repro-dir",
                "/tmp/crashlab_cli_repro", "scenarios/fsyncgate-wal.json"})
          .code,
      kExitOk);
  // An unsafe scenario that expects its violation: expectation met, exit 0.
  EXPECT_EQ(Crashlab({"run", "--progress", "never", "--repro-dir",
                      "/tmp/crashlab_cli_repro",
                      "scenarios/unsafe/ack-before-fsync.json"})
                .code,
            kExitOk);
  // The same workload expected to pass: exit 1, with a reproduce command.
  std::string f = TempFile(
      "crashlab_cli_abf.json",
      R"({"name": "abf", "engine": {"wal_group_size": 4, "unsafe": ["ack-before-fsync"]},
                               "workload": [{"op": "put", "count": 6}, {"op": "sync"}, {"op": "put", "count": 2}],
                               "crash_points": "every-op",
                               "expect": "pass"})");
  Out r = Crashlab({"run", "--progress", "never", "--repro-dir",
                    "/tmp/crashlab_cli_repro", f.c_str()});
  EXPECT_EQ(r.code, kExitViolation);
  EXPECT_NE(r.out.find("crashlab replay "
                       "/tmp/crashlab_cli_repro/abf--acknowledged-durable--"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Crashlab({"run", "--shard", "4/3", "scenarios"}).code,
            kExitBadInput);
  EXPECT_EQ(Crashlab({"run", "--filter", "no-such-*", "scenarios"}).code,
            kExitBadInput);
  std::filesystem::remove_all("/tmp/crashlab_cli_repro");
}

TEST(Cli, ExecScenariosAreSkippedInSimMode) {
  std::string f = TempFile(
      "crashlab_cli_exec.json",
      R"({"name": "ext", "workload": [{"op": "exec", "command": ["true"]}, {"op": "check", "file_absent": "x"}],
                               "expect": "pass"})");
  Out r = Crashlab({"run", "--progress", "never", f.c_str()});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("SKIP   ext: exec steps run only in fuse mode"),
            std::string::npos)
      << r.out;
}

TEST(Cli, ReplayAndShrink) {
  std::string dir = "/tmp/crashlab_cli_repro2";
  std::filesystem::remove_all(dir);
  ASSERT_EQ(Crashlab({"run", "--progress", "never", "--repro-dir", dir.c_str(),
                      "scenarios/unsafe/ack-before-fsync.json"})
                .code,
            kExitOk);
  std::string repro;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find("acknowledged-durable") !=
        std::string::npos)
      repro = e.path().string();
  }
  ASSERT_FALSE(repro.empty());
  Out a = Crashlab({"replay", repro.c_str()});
  Out b = Crashlab({"replay", repro.c_str()});
  EXPECT_EQ(a.code, kExitViolation);
  EXPECT_EQ(a.out, b.out);  // byte for byte
  EXPECT_NE(a.out.find("power cut here"), std::string::npos);
  std::string min = dir + "/min.json";
  Out s = Crashlab({"shrink", repro.c_str(), "--out", min.c_str()});
  EXPECT_EQ(s.code, kExitViolation) << s.err;
  EXPECT_EQ(Crashlab({"replay", min.c_str()}).code, kExitViolation);
  EXPECT_EQ(Crashlab({"replay", "scenarios/basic-put-sync.json"}).code,
            kExitBadInput);  // not a reproducer
  std::filesystem::remove_all(dir);
}

// Every count option has a documented bound (README "Bounds"); a value
// outside it, a negative one included (never wrapped to 2^32 - 1), is bad
// usage: exit 2 with a message naming the option and the bound.
TEST(Cli, CountOptionsOutOfBoundsAreBadUsage) {
  std::string sc = "scenarios/basic-put-sync.json";
  struct Case {
    std::vector<const char*> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"run", "--jobs", "0", sc.c_str()}, "--jobs must be between 1 and 256"},
      {{"run", "--jobs", "-1", sc.c_str()}, "--jobs must be between 1 and 256"},
      {{"run", "--jobs", "257", sc.c_str()}, "got 257"},
      {{"run", "--jobs", "99999999999999999999", sc.c_str()}, "--jobs"},
      {{"run", "--fuse-sample", "-3", sc.c_str()},
       "--fuse-sample must be between 0 and 1000000000"},
      {{"explore", sc.c_str(), "--jobs", "-1"},
       "--jobs must be between 1 and 256"},
      {{"shrink", sc.c_str(), "--jobs", "1000"}, "--jobs must be between"},
      {{"shrink", sc.c_str(), "--max-candidates", "0"},
       "--max-candidates must be between 1 and 1000000000"},
      {{"replay", sc.c_str(), "--context", "-1"},
       "--context must be between 0 and 100000"},
      {{"replay", sc.c_str(), "--context", "100001"}, "got 100001"},
      {{"fuzz", "--time", "0"}, "must be more than 0 and at most 7 days"},
      {{"fuzz", "--time", "8d"}, "expected a duration"},
      {{"fuzz", "--time", "169h"}, "at most 7 days"},
      {{"fuzz", "--time", "nan"}, "--time 'nan'"},
      {{"fuzz", "--time", "inf"}, "at most 7 days"},
      {{"fuzz", "--time", "1s", "--jobs", "-2"}, "--jobs must be between"},
      {{"fuzz", "--time", "1s", "--max-scenarios", "-1"},
       "--max-scenarios must be between 0 and 1000000000"},
      {{"fuzz", "--time", "1s", "--shrink-candidates", "2000000000"},
       "--shrink-candidates must be between"},
  };
  for (const auto& c : cases) {
    Out r = Crashlab(c.args);
    std::string cmd;
    for (const char* a : c.args) cmd += std::string(a) + " ";
    EXPECT_EQ(r.code, kExitBadInput) << cmd << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << cmd << r.err;
  }
  // The bounds themselves are accepted.
  Out ok =
      Crashlab({"run", "--progress", "never", "--jobs", "256", sc.c_str()});
  EXPECT_EQ(ok.code, kExitOk) << ok.err;
}

}  // namespace
}  // namespace crashlab::harness
