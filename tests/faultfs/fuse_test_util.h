#pragma once
// A real faultfs mount for tests: spawns the built `faultfs` binary
// (FAULTFS_BINARY) on a fresh temporary backing dir and mountpoint, and always
// unmounts (fusermount3 -u -z) in the destructor, so no test leaves a mount.
//
// FUSE_TEST_SETUP(mount, args...) skips the test when /dev/fuse is unusable -
// unless CRASHLAB_REQUIRE_FUSE=1, then it fails.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "faultfs/client/control_client.h"

namespace crashlab::faultfs::testing {

inline bool FuseRequired() {
  const char* v = std::getenv("CRASHLAB_REQUIRE_FUSE");
  return v != nullptr && std::string(v) == "1";
}

// Empty when FUSE looks usable, else the reason.
inline std::string FuseUnusableReason() {
  int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::string("/dev/fuse is not usable: ") + strerror(errno);
  ::close(fd);
  if (std::system("command -v fusermount3 >/dev/null 2>&1") != 0)
    return "fusermount3 is not installed";
  return {};
}

// Runs argv, returns the exit status (or -1) and captures stderr+stdout.
inline int RunCommand(const std::vector<std::string>& argv,
                      std::string* output = nullptr) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
    out.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (output != nullptr) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline bool IsMounted(const std::string& path) {
  std::ifstream in("/proc/self/mounts");
  std::string dev, mp;
  std::string rest;
  while (in >> dev >> mp && std::getline(in, rest)) {
    if (mp == path) return true;
  }
  return false;
}

class FaultfsMount {
 public:
  // Mounts a fresh faultfs. `backing` empty: a new temporary dir (else an
  // existing directory, which the destructor leaves in place).
  static std::unique_ptr<FaultfsMount> Start(
      std::vector<std::string> extra = {}, std::string* error = nullptr,
      const std::string& backing = "") {
    std::unique_ptr<FaultfsMount> m(new FaultfsMount());
    char tmpl[] = "/tmp/faultfs-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return nullptr;
    m->root_ = tmpl;
    m->backing_ = backing.empty() ? m->root_ + "/backing" : backing;
    m->mnt_ = m->root_ + "/mnt";
    m->sock_ = m->root_ + "/ctl.sock";
    std::filesystem::create_directories(m->backing_);
    std::filesystem::create_directories(m->mnt_);
    m->extra_ = std::move(extra);
    std::string out;
    if (!m->Mount(&out)) {
      if (error != nullptr) *error = out;
      return nullptr;
    }
    return m;
  }

  ~FaultfsMount() {
    Unmount();
    if (!root_.empty() && !IsMounted(mnt_)) std::filesystem::remove_all(root_);
  }

  bool Mount(std::string* out = nullptr) {
    std::vector<std::string> argv = {FAULTFS_BINARY, "mount",     backing_,
                                     mnt_,           "--control", sock_};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    std::string o;
    int rc = RunCommand(argv, &o);
    if (out != nullptr) *out = o;
    if (rc != 0) return false;
    auto st = Ctl({{"cmd", "status"}});
    pid_ = st.value("pid", 0);
    return pid_ > 0;
  }

  // Unmounts (lazily, so a dead daemon's mount goes too) and waits for the
  // daemon to exit.
  void Unmount() {
    if (IsMounted(mnt_)) RunCommand({"fusermount3", "-u", "-z", mnt_});
    if (pid_ > 0) {
      for (int i = 0; i < 200 && kill(pid_, 0) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      if (kill(pid_, 0) == 0) kill(pid_, SIGKILL);
      pid_ = 0;
    }
  }

  // SIGKILL the daemon (no cleanup at all), then clear the dead mount.
  void KillDaemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      for (int i = 0; i < 200 && kill(pid_, 0) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      pid_ = 0;
    }
    RunCommand({"fusermount3", "-u", "-z", mnt_});
  }

  nlohmann::json Ctl(const nlohmann::json& req) {
    auto client = ControlClient::Connect(sock_);
    auto reply = client.ok() ? (*client)->RequestLine(req.dump())
                             : Result<std::string>(client.status());
    if (!reply.ok())
      return {{"ok", false}, {"error", reply.status().ToString()}};
    return nlohmann::json::parse(*reply);
  }
  void Crash(const std::string& mode = "drop") {
    auto r = Ctl({{"cmd", "crash"}, {"mode", mode}});
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
  }
  void Inject(const std::string& rule) {
    auto r = Ctl({{"cmd", "inject"}, {"rule", rule}});
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
  }

  std::string mnt(const std::string& rel = "") const {
    return rel.empty() ? mnt_ : mnt_ + "/" + rel;
  }
  std::string backing(const std::string& rel = "") const {
    return rel.empty() ? backing_ : backing_ + "/" + rel;
  }
  const std::string& socket() const { return sock_; }
  pid_t pid() const { return pid_; }

 private:
  FaultfsMount() = default;
  std::string root_, backing_, mnt_, sock_;
  std::vector<std::string> extra_;
  pid_t pid_ = 0;
};

// --- small POSIX helpers (return errno on failure, 0 on success) ---
inline int WriteFileAt(const std::string& path, const std::string& data,
                       bool fsync_it,
                       int flags = O_WRONLY | O_CREAT | O_TRUNC) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return e;
    }
    done += static_cast<size_t>(n);
  }
  int rc = 0;
  if (fsync_it && ::fsync(fd) != 0) rc = errno;
  ::close(fd);
  return rc;
}

inline int FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

// Content, or "<errno N>" when it cannot be read.
inline std::string ReadFileAt(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "<errno " + std::to_string(errno) + ">";
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      out = "<errno " + std::to_string(errno) + ">";
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

inline bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace crashlab::faultfs::testing

// Mounts a faultfs into `var` (std::unique_ptr<FaultfsMount>) or skips/fails.
#define FUSE_TEST_SETUP(var, ...)                                              \
  std::unique_ptr<::crashlab::faultfs::testing::FaultfsMount> var;             \
  do {                                                                         \
    std::string _why = ::crashlab::faultfs::testing::FuseUnusableReason();     \
    std::string _err;                                                          \
    if (_why.empty()) {                                                        \
      var = ::crashlab::faultfs::testing::FaultfsMount::Start({__VA_ARGS__},   \
                                                              &_err);          \
      if (!var) _why = "faultfs mount failed: " + _err;                        \
    }                                                                          \
    if (!_why.empty()) {                                                       \
      if (::crashlab::faultfs::testing::FuseRequired()) FAIL() << _why;        \
      GTEST_SKIP() << _why                                                     \
                   << " (set CRASHLAB_REQUIRE_FUSE=1 to make this a failure)"; \
    }                                                                          \
  } while (0)
