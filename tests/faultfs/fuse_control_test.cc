// The control socket and the CLI under bad input, and a bounded load test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "faultfs/daemon/control_server.h"
#include "tests/faultfs/fuse_test_util.h"

namespace crashlab::faultfs::testing {
namespace {

int Connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends raw bytes, returns the first reply line ("" if the server closed).
std::string Raw(const std::string& sock, const std::string& bytes) {
  int fd = Connect(sock);
  if (fd < 0) return "<connect failed>";
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::string reply;
  char c;
  while (recv(fd, &c, 1, 0) == 1 && c != '\n') reply.push_back(c);
  close(fd);
  return reply;
}

void ExpectError(const std::string& reply, const std::string& needle) {
  auto j = nlohmann::json::parse(reply, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << reply;
  EXPECT_FALSE(j.value("ok", true)) << reply;
  EXPECT_NE(j.value("error", "").find(needle), std::string::npos) << reply;
}

// The socket is refused in a directory other users could write to (no
// FUSE needed: Listen() checks before anything is mounted).
TEST(ControlSocketDir, WorldWritableWithoutStickyBitIsRefused) {
  char tmpl[] = "/tmp/crashlab-sockdir-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string sock = dir + "/ctl.sock";
  ASSERT_EQ(chmod(dir.c_str(), 0777), 0);
  auto refused = daemon::ControlServer::Listen(sock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().err(), EPERM);
  EXPECT_EQ(refused.status().path(), dir);
  EXPECT_NE(refused.status().message().find("sticky"), std::string::npos);
  struct stat st;
  EXPECT_NE(lstat(sock.c_str(), &st), 0);   // nothing was created
  ASSERT_EQ(chmod(dir.c_str(), 01777), 0);  // like /tmp: allowed
  {
    auto ok = daemon::ControlServer::Listen(sock);
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    ASSERT_EQ(lstat(sock.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  ASSERT_EQ(chmod(dir.c_str(), 0700), 0);
  {
    auto ok = daemon::ControlServer::Listen(sock);
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  }
  EXPECT_NE(lstat(sock.c_str(), &st), 0);  // removed on destruction
  rmdir(dir.c_str());
}

// --exit-with PID: when the owner (crashlab) is SIGKILLed, the daemon
// unmounts by itself; no mount is left behind.
TEST(FuseControl, ExitWithUnmountsWhenTheOwnerIsKilled) {
  pid_t owner = fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    alarm(120);  // never outlives a broken test
    pause();
    _exit(0);
  }
  FUSE_TEST_SETUP(m, "--exit-with", std::to_string(owner));
  ASSERT_TRUE(IsMounted(m->mnt()));
  ASSERT_EQ(kill(owner, SIGKILL), 0);
  ASSERT_EQ(waitpid(owner, nullptr, 0), owner);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gone = !IsMounted(m->mnt());
  }
  EXPECT_TRUE(gone) << "the mount outlived its --exit-with process";
}

// --trace-memory N: the daemon keeps only the latest N operations and
// faults in memory (its memory stays flat over hours); `faults` numbers
// every fault ever recorded.
TEST(FuseControl, TraceMemoryKeepsTheLatestOperations) {
  FUSE_TEST_SETUP(m, "--trace-memory", "8");
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "data", true), 0);
  m->Inject(R"({"op":"open","path":"f","action":"error","errno":"EIO"})");
  for (int i = 0; i < 30; ++i) {
    errno = 0;
    EXPECT_LT(open(m->mnt("f").c_str(), O_RDONLY), 0);
    EXPECT_EQ(errno, EIO);
  }
  auto trace = m->Ctl({{"cmd", "trace"}});
  ASSERT_TRUE(trace.value("ok", false)) << trace.dump();
  ASSERT_EQ(trace["trace"].size(), 8u) << trace.dump();
  EXPECT_GT(trace["trace_dropped"].get<uint64_t>(), 0u);
  EXPECT_EQ(trace["faults"].size(), 8u);
  EXPECT_EQ(trace["faults_dropped"].get<uint64_t>(), 22u);
  uint64_t last = trace["trace"].back()["index"];
  EXPECT_EQ(trace["trace"].front()["index"].get<uint64_t>(), last - 7);
  EXPECT_EQ(trace["trace"].back()["fault"], "error");
  auto faults = m->Ctl({{"cmd", "faults"}, {"since", 1}});
  ASSERT_TRUE(faults.value("ok", false)) << faults.dump();
  EXPECT_EQ(faults["count"], 30u);
  EXPECT_EQ(faults["dropped"], 22u);
  EXPECT_EQ(faults["faults"].size(), 8u);
  faults = m->Ctl({{"cmd", "faults"}, {"since", 28}});
  EXPECT_EQ(faults["faults"].size(), 2u) << faults.dump();
  auto status = m->Ctl({{"cmd", "status"}});
  EXPECT_EQ(status["faults"], 30u) << status.dump();
}

// With --trace FILE the ring drops only what the file already has: the file
// gets every operation however small --trace-memory is.
TEST(FuseControl, TraceFileGetsEveryOperationWithASmallRing) {
  std::string trace_file =
      ::testing::TempDir() + "/trace-memory-" + std::to_string(getpid());
  unlink(trace_file.c_str());
  {
    FUSE_TEST_SETUP(m, "--trace-memory", "8", "--trace", trace_file);
    ASSERT_EQ(WriteFileAt(m->mnt("f"), "data", true), 0);
    m->Inject(R"({"op":"open","path":"f","action":"error","errno":"EIO"})");
    for (int i = 0; i < 30; ++i)
      EXPECT_LT(open(m->mnt("f").c_str(), O_RDONLY), 0);
  }  // unmounted, the daemon gone: the trace file is complete
  std::string lines = ReadFileAt(trace_file);
  std::vector<uint64_t> indexes;
  size_t at = 0;
  while ((at = lines.find("\"index\":", at)) != std::string::npos) {
    at += 8;
    indexes.push_back(std::stoull(lines.substr(at)));
  }
  ASSERT_GE(indexes.size(), 30u) << lines;
  for (size_t i = 0; i < indexes.size(); ++i)
    EXPECT_EQ(indexes[i], i) << "the trace file misses operations: " << lines;
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'),
            static_cast<std::ptrdiff_t>(indexes.size()));
  unlink(trace_file.c_str());
}

TEST(FuseControl, TraceMemoryOutOfBoundsIsRefused) {
  std::string why = FuseUnusableReason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::string err;
  EXPECT_EQ(FaultfsMount::Start({"--trace-memory", "16777217"}, &err), nullptr);
  EXPECT_NE(err.find("--trace-memory must be between 0 and 16777216"),
            std::string::npos)
      << err;
}

TEST(FuseControl, ExitWithANonexistentProcessIsRefused) {
  std::string why = FuseUnusableReason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::string err;
  auto m = FaultfsMount::Start({"--exit-with", "4194304"}, &err);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(err.find("--exit-with 4194304: no such process"), std::string::npos)
      << err;
}

TEST(FuseControl, BadInputGetsErrorRepliesAndTheDaemonSurvives) {
  FUSE_TEST_SETUP(m);
  const std::string& s = m->socket();
  ExpectError(Raw(s, "{not json\n"), "malformed JSON");
  ExpectError(Raw(s, "[1,2,3]\n"), "JSON object");
  ExpectError(Raw(s, "{\"cmd\":\"explode\"}\n"), "unknown command");
  ExpectError(Raw(s, "{\"nocmd\":1}\n"), "missing \"cmd\"");
  ExpectError(Raw(s,
                  "{\"cmd\":\"inject\",\"rule\":{\"op\":\"rename\",\"action\":"
                  "\"teleport\"}}\n"),
              "bad rule");
  ExpectError(Raw(s, "{\"cmd\":\"inject\",\"rule\":\"{broken\"}\n"),
              "bad rule");
  ExpectError(Raw(s, "{\"cmd\":\"crash\",\"mode\":\"sideways\"}\n"),
              "bad crash mode");
  ExpectError(Raw(s, std::string(2 << 20, 'x')),
              "longer than");  // oversized, no newline
  // A client that disconnects mid-request.
  int fd = Connect(s);
  ASSERT_GE(fd, 0);
  ASSERT_GT(send(fd, "{\"cmd\":\"sta", 11, MSG_NOSIGNAL), 0);
  close(fd);
  // Two requests in one write, both answered.
  fd = Connect(s);
  std::string two = "{\"cmd\":\"status\"}\n{\"cmd\":\"clear\"}\n";
  ASSERT_EQ(send(fd, two.data(), two.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(two.size()));
  std::string got;
  char c;
  while (std::count(got.begin(), got.end(), '\n') < 2 &&
         recv(fd, &c, 1, 0) == 1)
    got.push_back(c);
  close(fd);
  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 2);
  auto status = m->Ctl({{"cmd", "status"}});
  EXPECT_TRUE(status.value("ok", false)) << status.dump();
  EXPECT_EQ(status["rules"], 0);
  ASSERT_EQ(WriteFileAt(m->mnt("still-works"), "yes", false), 0);
}

TEST(FuseControl, CliExitCodes) {
  FUSE_TEST_SETUP(m);
  std::string out;
  EXPECT_EQ(
      RunCommand({FAULTFS_BINARY, "ctl", "--control", m->socket(), "status"},
                 &out),
      0)
      << out;
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "ctl", "--control", m->socket(),
                        "inject", "{\"op\":\"nope\"}"},
                       &out),
            2)
      << out;
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "ctl", "--control", m->socket(),
                        "crash", "--mode", "prefix:0"},
                       &out),
            0)
      << out;
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "ctl", "--control", "/nonexistent/sock",
                        "status"},
                       &out),
            3)
      << out;
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "bogus"}, &out), 2);
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "--help"}, &out), 0);
  EXPECT_NE(out.find("--rules"), std::string::npos);
  // The mountpoint is busy: exit 3 with a hint.
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "mount", m->backing(), m->mnt()}, &out),
            3)
      << out;
  EXPECT_NE(out.find("busy"), std::string::npos) << out;
  // Not a directory: exit 3. Missing backing dir: exit 2.
  EXPECT_EQ(
      RunCommand({FAULTFS_BINARY, "mount", m->backing(), m->socket()}, &out), 3)
      << out;
  EXPECT_EQ(
      RunCommand({FAULTFS_BINARY, "mount", "/nonexistent/backing", "/tmp"},
                 &out),
      2)
      << out;
  // A bad rules file: exit 2 with file:line:col.
  std::string rules =
      "/tmp/faultfs-bad-rules-" + std::to_string(getpid()) + ".jsonl";
  {
    std::ofstream f(rules);
    f << "# comment\n{\"op\":\"fsync\",\"action\":\"crash\",\"nth\":1}\n  "
         "{\"op\":\"write\",\"action\":\"short_write\"}\n";
  }
  std::string other = m->backing() + "-mnt2";
  std::filesystem::create_directories(other);
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "mount", m->backing(), other, "--rules",
                        rules},
                       &out),
            2)
      << out;
  EXPECT_NE(out.find(rules + ":3:3:"), std::string::npos) << out;
  std::filesystem::remove(rules);
  std::filesystem::remove(other);
}

// Several processes write, rename and fsync for a bounded time; then a crash.
// Every acknowledged (fsync'd) record and state must be there afterwards.
TEST(FuseControl, ConcurrentLoadThenCrashKeepsWhatWasSynced) {
  FUSE_TEST_SETUP(m);
  constexpr int kProcs = 4;
  constexpr int kRecord = 16;
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      close(pipefd[0]);
      alarm(60);  // a deadlock kills the child instead of hanging the test
      std::string dir = m->mnt("p" + std::to_string(p));
      if (mkdir(dir.c_str(), 0755) != 0 || FsyncPath(m->mnt()) != 0) _exit(2);
      std::string log = dir + "/log";
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd < 0 || fsync(fd) != 0 || FsyncPath(dir) != 0) _exit(3);
      auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      for (int i = 0; std::chrono::steady_clock::now() < end; ++i) {
        char rec[kRecord + 1];
        std::snprintf(rec, sizeof(rec), "%d:%013d\n", p, i);
        if (write(fd, rec, kRecord) != kRecord || fsync(fd) != 0) _exit(4);
        std::string ack =
            "L " + std::to_string(p) + " " + std::to_string(i) + "\n";
        if (write(pipefd[1], ack.data(), ack.size()) < 0) _exit(5);
        WriteFileAt(dir + "/junk", "not synced",
                    false);  // its data is never durable
        if (i % 5 == 0) {
          if (WriteFileAt(dir + "/state.tmp", std::to_string(i), true) != 0)
            _exit(6);
          if (rename((dir + "/state.tmp").c_str(), (dir + "/state").c_str()) !=
              0)
            _exit(7);
          if (FsyncPath(dir) != 0) _exit(8);
          ack = "S " + std::to_string(p) + " " + std::to_string(i) + "\n";
          if (write(pipefd[1], ack.data(), ack.size()) < 0) _exit(9);
        }
      }
      close(fd);
      _exit(0);
    }
    pids.push_back(pid);
  }
  close(pipefd[1]);
  std::map<int, int> last_log, last_state;
  FILE* acks = fdopen(pipefd[0], "r");
  char kind;
  int p, i;
  while (fscanf(acks, " %c %d %d", &kind, &p, &i) == 3)
    (kind == 'L' ? last_log : last_state)[p] = i;
  fclose(acks);
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "status " << status;
  }
  m->Crash();
  for (int q = 0; q < kProcs; ++q) {
    std::string dir = m->mnt("p" + std::to_string(q));
    std::string log = ReadFileAt(dir + "/log");
    ASSERT_EQ(log.size() % kRecord, 0u) << log.substr(0, 64);
    EXPECT_EQ(static_cast<int>(log.size() / kRecord), last_log[q] + 1);
    for (size_t r = 0; r < log.size() / kRecord; ++r) {
      char rec[32];
      std::snprintf(rec, sizeof(rec), "%d:%013d\n", q, static_cast<int>(r));
      ASSERT_EQ(log.substr(r * kRecord, kRecord), std::string(rec, kRecord));
    }
    EXPECT_EQ(ReadFileAt(dir + "/state"), std::to_string(last_state[q]));
    std::string junk = ReadFileAt(
        dir + "/junk");  // the name may be durable (dir fsync), the data not
    EXPECT_TRUE(junk.empty() || junk.rfind("<errno", 0) == 0) << junk;
    EXPECT_EQ(ReadFileAt(m->backing("p" + std::to_string(q) + "/log")), log);
  }
  EXPECT_TRUE(m->Ctl({{"cmd", "status"}})["mirror"]["ok"].get<bool>());
}

// --- misuse: a second daemon, close errors, unmount policy -----------------

TEST(FuseMisuse, SecondDaemonOnTheSameBackingDirIsRefused) {
  FUSE_TEST_SETUP(m);
  ASSERT_GT(m->pid(), 0);
  std::string other = m->backing() + "-mnt2";
  std::filesystem::create_directories(other);
  std::string out;
  int rc = RunCommand({FAULTFS_BINARY, "mount", m->backing(), other,
                       "--control", m->socket() + "2"},
                      &out);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("pid " + std::to_string(m->pid())), std::string::npos)
      << out;
  EXPECT_FALSE(IsMounted(other));
  std::filesystem::remove(other);
  // The first daemon is unharmed; once it is gone the dir can be mounted.
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "x", true), 0);
  m->Unmount();
  ASSERT_TRUE(m->Mount());
}

TEST(FuseMisuse, CloseErrorRulesAreRefusedAndAnyRulesSkipClose) {
  FUSE_TEST_SETUP(m);
  for (const char* action : {"error", "error_after"}) {
    auto r = m->Ctl({{"cmd", "inject"},
                     {"rule",
                      {{"op", "close"},
                       {"path", "**"},
                       {"action", action},
                       {"errno", "EIO"}}}});
    EXPECT_FALSE(r.value("ok", true)) << r.dump();
    EXPECT_NE(r.value("error", "").find("unsupported"), std::string::npos)
        << r.dump();
  }
  // Also in a rules file: exit 2, FILE:LINE:COL and the reason.
  std::string rules =
      "/tmp/faultfs-close-rules-" + std::to_string(getpid()) + ".jsonl";
  {
    std::ofstream f(rules);
    f << R"({"op":"close","path":"**","action":"error","errno":"EIO"})"
      << "\n";
  }
  std::string out;
  std::string other = m->backing() + "-mnt3";
  std::filesystem::create_directories(other);
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "mount", m->backing(), other, "--rules",
                        rules},
                       &out),
            2)
      << out;
  std::filesystem::remove(other);
  EXPECT_NE(out.find(rules + ":1:1:"), std::string::npos) << out;
  EXPECT_NE(out.find("unsupported"), std::string::npos) << out;
  std::filesystem::remove(rules);
  // A rule on op "any" fires on the operations whose result reaches the
  // caller, never on close: the fault log holds only faults callers saw.
  ASSERT_EQ(WriteFileAt(m->mnt("x"), "data", true), 0);
  int fd = open(m->mnt("x").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  m->Inject(R"({"op":"any","path":"x","action":"error","errno":"EIO"})");
  EXPECT_EQ(close(fd), 0);
  // Wait for the daemon's close (FUSE release comes after close(2)).
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    nlohmann::json trace = m->Ctl({{"cmd", "trace"}});
    for (const auto& e : trace["trace"])
      closed |= e.value("op", "") == "close" && e.value("path", "") == "x";
    if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(closed) << "the daemon never saw the close";
  EXPECT_EQ(m->Ctl({{"cmd", "faults"}})["count"], 0)
      << m->Ctl({{"cmd", "faults"}}).dump();
  // The rule is live: the next open fails, and that fault is logged.
  errno = 0;
  EXPECT_LT(open(m->mnt("x").c_str(), O_RDONLY | O_CLOEXEC), 0);
  EXPECT_EQ(errno, EIO);
  auto faults = m->Ctl({{"cmd", "faults"}});
  ASSERT_EQ(faults["count"], 1) << faults.dump();
  EXPECT_EQ(faults["faults"][0].value("op", ""), "open") << faults.dump();
}

// README "Safety against misuse": sync(2)/syncfs(2) never reach a FUSE
// server; `faultfs ctl sync` is the way to make everything durable.
TEST(FuseMisuse, HostSyncDoesNotReachTheDaemonCtlSyncDoes) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "unsynced", false), 0);
  int fd = open(m->mnt().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(syncfs(fd), 0);
  close(fd);
  sync();
  EXPECT_FALSE(Exists(m->backing("f")));
  std::string out;
  EXPECT_EQ(
      RunCommand({FAULTFS_BINARY, "ctl", "--control", m->socket(), "sync"},
                 &out),
      0)
      << out;
  EXPECT_EQ(ReadFileAt(m->backing("f")), "unsynced");
}

TEST(FuseMisuse, OnUnmountPersistSyncsEverything) {
  FUSE_TEST_SETUP(m, "--on-unmount", "persist");
  ASSERT_EQ(mkdir(m->mnt("d").c_str(), 0755), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("d/f"), "never fsync'd", false), 0);
  EXPECT_FALSE(Exists(m->backing("d")));
  m->Unmount();
  EXPECT_EQ(ReadFileAt(m->backing("d/f")), "never fsync'd");
}

TEST(FuseMisuse, OnUnmountDropIsTheDefaultAndLosesWhatIsNotDurable) {
  for (bool explicit_drop : {false, true}) {
    std::unique_ptr<FaultfsMount> m;
    if (explicit_drop) {
      FUSE_TEST_SETUP(mm, "--on-unmount", "drop");
      m = std::move(mm);
    } else {
      FUSE_TEST_SETUP(mm);
      m = std::move(mm);
    }
    ASSERT_EQ(WriteFileAt(m->mnt("kept"), "durable", true), 0);
    ASSERT_EQ(FsyncPath(m->mnt()), 0);
    ASSERT_EQ(WriteFileAt(m->mnt("kept"), "not durable", false), 0);
    ASSERT_EQ(WriteFileAt(m->mnt("lost"), "not durable", false), 0);
    m->Unmount();
    EXPECT_EQ(ReadFileAt(m->backing("kept")), "durable") << explicit_drop;
    EXPECT_FALSE(Exists(m->backing("lost"))) << explicit_drop;
  }
}

TEST(FuseMisuse, OnUnmountBadValueIsExit2) {
  std::string out;
  EXPECT_EQ(RunCommand({FAULTFS_BINARY, "mount", "/tmp", "/tmp", "--on-unmount",
                        "keep"},
                       &out),
            2)
      << out;
  EXPECT_NE(out.find("--on-unmount"), std::string::npos) << out;
}

// --- delay isolation: a delay holds up only the operation it matches -------

TEST(FuseDelay, DelayOnOneFileDoesNotStallOthersOrTheControlSocket) {
  FUSE_TEST_SETUP(m, "--direct-io");
  ASSERT_EQ(WriteFileAt(m->mnt("a"), "file a", true), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("b"), "file b", true), 0);
  m->Inject(
      R"({"op":"read","path":"a","action":"delay","delay_ms":2000,"times":1})");
  std::atomic<bool> a_done{false};
  std::string a_data;
  std::thread reader([&] {
    a_data = ReadFileAt(m->mnt("a"));
    a_done = true;
  });
  // The delay is logged when it starts: wait for it over the control socket
  // (which must answer while the read of a sleeps).
  bool delaying = false;
  for (int i = 0; i < 1000 && !delaying; ++i) {
    delaying = m->Ctl({{"cmd", "faults"}}).value("count", 0) >= 1;
    if (!delaying) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(delaying) << "the delay never started";
  // While a's read is held up: b reads, and status answers.
  EXPECT_EQ(ReadFileAt(m->mnt("b")), "file b");
  auto status = m->Ctl({{"cmd", "status"}});
  EXPECT_TRUE(status.value("ok", false)) << status.dump();
  bool a_still_blocked = !a_done.load();
  reader.join();
  EXPECT_TRUE(a_still_blocked)
      << "the read of b or the status request waited for the delayed read of "
         "a";
  EXPECT_EQ(a_data, "file a");
  auto faults = m->Ctl({{"cmd", "faults"}});
  ASSERT_EQ(faults.value("count", 0), 1) << faults.dump();
  EXPECT_EQ(faults["faults"][0].value("path", ""), "a") << faults.dump();
}

}  // namespace
}  // namespace crashlab::faultfs::testing
