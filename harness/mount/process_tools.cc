#include "harness/mount/process_tools.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <thread>

#include "faultfs/client/mountinfo.h"

namespace crashlab::harness {

namespace fs = std::filesystem;

void ResetChildSignals() {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

int RunQuiet(const std::vector<std::string>& argv, int log_fd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ResetChildSignals();
    int fd = log_fd >= 0 ? log_fd : open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Unmount(const std::string& mountpoint, int log_fd) {
  if (!faultfs::IsMountPoint(mountpoint)) return true;
  RunQuiet({"fusermount3", "-u", mountpoint}, log_fd);
  if (!faultfs::IsMountPoint(mountpoint)) return true;
  RunQuiet({"fusermount3", "-u", "-z", mountpoint}, log_fd);
  return !faultfs::IsMountPoint(mountpoint);
}

bool ReapChild(int pid, double seconds, bool kill_it) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!kill_it) return false;
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return false;
}

std::string RealPathOr(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) != nullptr) return buf;
  return fs::absolute(path).lexically_normal().string();
}

std::vector<StaleMount> FindStaleMounts(const std::string& dir) {
  std::vector<StaleMount> out;
  if (dir.empty()) return out;
  std::string base = RealPathOr(dir);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  for (const auto& m : faultfs::ReadMountInfo()) {
    if (m.fstype != faultfs::kFaultfsFsType) continue;
    if (m.mountpoint == base ||
        m.mountpoint.starts_with(base == "/" ? base : base + "/")) {
      out.push_back(StaleMount{m.mountpoint, "fusermount3 -u " + m.mountpoint});
    }
  }
  return out;
}

}  // namespace crashlab::harness
