#include "harness/mount/cleanup_registry.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "harness/mount/process_tools.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;

// Every live mount and registered child, for the interrupt cleanup thread.
struct Registry {
  std::mutex mu;
  uint64_t next_id = 1;
  std::map<uint64_t, MountCleanup> mounts;  // GUARDED_BY(mu)
  std::set<int> children;                   // GUARDED_BY(mu)
  std::set<std::string> temp_dirs;          // GUARDED_BY(mu)
};

Registry& TheRegistry() {
  static Registry* r = new Registry();  // never destroyed: used until exit
  return *r;
}

int g_signal_pipe[2] = {-1, -1};

void OnSignal(int sig) {
  unsigned char b = static_cast<unsigned char>(sig);
  ssize_t n = write(g_signal_pipe[1], &b, 1);  // async-signal-safe
  (void)n;
}

// Runs on its own thread: waits for a signal number from OnSignal, cleans up
// everything registered, then dies of that signal.
void CleanupLoop() {
  unsigned char b = 0;
  for (;;) {
    ssize_t n = read(g_signal_pipe[0], &b, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
  int sig = b;
  Registry& reg = TheRegistry();
  std::vector<MountCleanup> mounts;
  std::vector<int> children;
  std::vector<std::string> dirs;
  {
    std::lock_guard lock(reg.mu);
    for (const auto& [id, m] : reg.mounts) mounts.push_back(m);
    children.assign(reg.children.begin(), reg.children.end());
    dirs.assign(reg.temp_dirs.begin(), reg.temp_dirs.end());
  }
  // Programs first (their open files would keep the mount busy), then the
  // mounts, then the daemons, then what they left in the temporary dirs.
  for (int pid : children) kill(pid, SIGKILL);
  for (int pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
  }
  bool all_unmounted = true;
  for (const auto& m : mounts) {
    if (!Unmount(m.mountpoint)) {
      all_unmounted = false;
      std::cerr << "crashlab: could not unmount " << m.mountpoint
                << "; remove it with: fusermount3 -u -z " << m.mountpoint
                << "\n";
    }
  }
  for (const auto& m : mounts) {
    if (m.daemon_pid > 0) ReapChild(m.daemon_pid, 3);
    if (!m.control.empty()) unlink(m.control.c_str());
  }
  if (all_unmounted) {
    for (const auto& d : dirs) {
      if (FindStaleMounts(d).empty()) {
        std::error_code ec;
        fs::remove_all(d, ec);
      }
    }
  }
  std::cerr << "crashlab: interrupted (" << strsignal(sig) << "); cleaned up "
            << mounts.size() << " mount(s) and " << children.size()
            << " process(es)\n";
  std::cerr.flush();
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
  raise(sig);
  _exit(128 + sig);
}

}  // namespace

void InstallInterruptCleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
      std::cerr << "crashlab: cannot install the interrupt cleanup: "
                << std::strerror(errno) << "\n";
      return;
    }
    std::thread(CleanupLoop).detach();
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
  });
}

void RegisterChild(int pid) {
  Registry& reg = TheRegistry();
  std::lock_guard lock(reg.mu);
  reg.children.insert(pid);
}

void UnregisterChild(int pid) {
  Registry& reg = TheRegistry();
  std::lock_guard lock(reg.mu);
  reg.children.erase(pid);
}

void RegisterTempDir(const std::string& dir) {
  Registry& reg = TheRegistry();
  std::lock_guard lock(reg.mu);
  reg.temp_dirs.insert(dir);
}

void UnregisterTempDir(const std::string& dir) {
  Registry& reg = TheRegistry();
  std::lock_guard lock(reg.mu);
  reg.temp_dirs.erase(dir);
}

uint64_t RegisterMountWhile(const std::string& mountpoint,
                            const std::string& control,
                            const std::function<int()>& start, int* pid_out) {
  Registry& reg = TheRegistry();
  std::lock_guard lock(reg.mu);
  int pid = start();
  *pid_out = pid;
  if (pid <= 0) return 0;
  uint64_t id = reg.next_id++;
  reg.mounts[id] = MountCleanup{mountpoint, control, pid};
  return id;
}

void UnregisterMount(uint64_t id) {
  Registry& reg = TheRegistry();
  std::lock_guard lock(reg.mu);
  reg.mounts.erase(id);
}

}  // namespace crashlab::harness
