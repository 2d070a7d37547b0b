#include "harness/fuse_mount.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "harness/control_client.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;
using faultfs::Result;
using faultfs::Status;

// ------------------------------------------------------------ registry

// Every live mount and registered child, for the interrupt cleanup thread.
struct Registry {
  struct MountEntry {
    std::string mountpoint;
    std::string control;
    int daemon_pid = -1;
  };
  std::mutex mu;
  uint64_t next_id = 1;
  std::map<uint64_t, MountEntry> mounts;  // GUARDED_BY(mu)
  std::set<int> children;                 // GUARDED_BY(mu)
  std::set<std::string> temp_dirs;        // GUARDED_BY(mu)
};

Registry& TheRegistry() {
  static Registry* r = new Registry();  // never destroyed: used until exit
  return *r;
}

// ------------------------------------------------------------ helpers

std::string RealPathOr(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) != nullptr) return buf;
  return fs::absolute(path).lexically_normal().string();
}

// Decodes the octal escapes of /proc/self/mountinfo ("\040" for a space).
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(
          static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct MountInfo {
  std::string mountpoint;
  std::string fstype;
};

std::vector<MountInfo> ReadMountInfo() {
  std::vector<MountInfo> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mp;
    fields >> id >> parent >> dev >> root >> mp;
    std::string tok, fstype;
    while (fields >> tok) {
      if (tok == "-") {
        fields >> fstype;
        break;
      }
    }
    out.push_back(MountInfo{Unescape(mp), fstype});
  }
  return out;
}

bool IsFaultfsType(const std::string& fstype) {
  return fstype == "fuse.faultfs";
}

bool IsMounted(const std::string& path) {
  for (const auto& m : ReadMountInfo()) {
    if (m.mountpoint == path) return true;
  }
  return false;
}

// Restores default signal dispositions in a freshly forked child (only
// async-signal-safe calls between fork and exec).
void ChildSignalsDefault() {
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

// Runs argv to completion with output discarded (or appended to `log_fd`);
// returns its exit code, 127 when it could not be started, -1 on a signal.
int RunQuiet(const std::vector<std::string>& argv, int log_fd = -1) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ChildSignalsDefault();
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

// Unmounts `mountpoint` if it is mounted: fusermount3 -u, then a lazy
// unmount. True when it is no longer mounted.
bool Unmount(const std::string& mountpoint, int log_fd = -1) {
  if (!IsMounted(mountpoint)) return true;
  RunQuiet({"fusermount3", "-u", mountpoint}, log_fd);
  if (!IsMounted(mountpoint)) return true;
  RunQuiet({"fusermount3", "-u", "-z", mountpoint}, log_fd);
  return !IsMounted(mountpoint);
}

// Waits up to `seconds` for child `pid` to exit, then (if `kill_it`)
// SIGKILLs and reaps it. Returns true if it exited on its own.
bool ReapDaemon(int pid, double seconds, bool kill_it = true) {
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

std::string Tail(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string FuseUnavailableReason() {
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return std::string("no usable /dev/fuse (") + std::strerror(errno) +
           "): install fuse3 and load the fuse module (modprobe fuse); in a "
           "container run with "
           "--device /dev/fuse --cap-add SYS_ADMIN";
  }
  close(fd);
  if (RunQuiet({"fusermount3", "-V"}) == 127) {
    return "fusermount3 is not installed: apt-get install fuse3 (or your "
           "system's fuse3 package)";
  }
  return {};
}

namespace {

bool IsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

// ------------------------------------------------------------ interrupt
// cleanup

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
  std::vector<Registry::MountEntry> mounts;
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
    if (m.daemon_pid > 0) ReapDaemon(m.daemon_pid, 3);
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

// ------------------------------------------------------------ public API

Result<std::string> FindFaultfsBinary() {
  if (const char* env = std::getenv("CRASHLAB_FAULTFS");
      env != nullptr && *env != '\0') {
    if (IsExecutable(env)) return std::string(env);
    return Status::IoError(
        ENOENT, env, "CRASHLAB_FAULTFS names no executable faultfs binary");
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    fs::path dir = fs::path(self).parent_path();
    for (const fs::path& p :
         {dir / ".." / "faultfs" / "faultfs", dir / "faultfs"}) {
      if (IsExecutable(p.string())) return p.lexically_normal().string();
    }
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::istringstream parts(path);
    std::string d;
    while (std::getline(parts, d, ':')) {
      if (d.empty()) continue;
      std::string p = d + "/faultfs";
      if (IsExecutable(p)) return p;
    }
  }
  return Status::IoError(ENOENT, "faultfs",
                         "the faultfs binary was not found next to crashlab, "
                         "in ../faultfs/ or on PATH; "
                         "build it (cmake --build BUILD --target faultfs) or "
                         "set CRASHLAB_FAULTFS=/path/to/faultfs");
}

std::vector<StaleMount> FindStaleMounts(const std::string& dir) {
  std::vector<StaleMount> out;
  if (dir.empty()) return out;
  std::string base = RealPathOr(dir);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  for (const auto& m : ReadMountInfo()) {
    if (!IsFaultfsType(m.fstype)) continue;
    if (m.mountpoint == base ||
        m.mountpoint.starts_with(base == "/" ? base : base + "/")) {
      out.push_back(StaleMount{m.mountpoint, "fusermount3 -u " + m.mountpoint});
    }
  }
  return out;
}

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

void ResetChildSignals() { ChildSignalsDefault(); }

Result<std::unique_ptr<FuseMount>> FuseMount::Start(
    const FuseMountOptions& options) {
  if (options.work_dir.empty())
    return Status::InvalidArgument("", "FuseMountOptions.work_dir is empty");
  if (options.metadata != "strict" && options.metadata != "immediate") {
    return Status::InvalidArgument(
        options.work_dir,
        "metadata must be strict or immediate, got '" + options.metadata + "'");
  }
  if (std::string why = FuseUnavailableReason(); !why.empty())
    return Status::IoError(ENODEV, "/dev/fuse", why);
  std::string binary = options.faultfs_binary;
  if (binary.empty()) {
    auto found = FindFaultfsBinary();
    if (!found.ok()) return found.status();
    binary = *found;
  } else if (!IsExecutable(binary)) {
    return Status::IoError(ENOENT, binary, "not an executable faultfs binary");
  }
  std::error_code ec;
  fs::create_directories(options.work_dir, ec);
  if (ec)
    return Status::IoError(ec.value(), options.work_dir,
                           "creating the work dir");
  std::unique_ptr<FuseMount> m(new FuseMount());
  m->work_dir_ = RealPathOr(options.work_dir);
  if (auto stale = FindStaleMounts(m->work_dir_); !stale.empty()) {
    std::string cmds;
    for (const auto& s : stale)
      cmds += (cmds.empty() ? "" : "; ") + s.remove_command;
    m->stopped_ = true;
    return Status::IoError(
        EBUSY, stale.front().path,
        "a faultfs mount of an earlier run is still there; remove it with: " +
            cmds);
  }
  m->backing_ = m->work_dir_ + "/backing";
  m->mountpoint_ = m->work_dir_ + "/mnt";
  m->control_ = m->work_dir_ + "/control.sock";
  const std::string log = m->work_dir_ + "/daemon.log";
  if (fs::exists(m->backing_) && !fs::is_empty(m->backing_, ec)) {
    m->stopped_ = true;
    return Status::IoError(
        EEXIST, m->backing_,
        "the work dir already holds a backing dir; use a fresh work dir");
  }
  for (const auto& d : {m->backing_, m->mountpoint_}) {
    fs::create_directories(d, ec);
    if (ec) {
      m->stopped_ = true;
      return Status::IoError(ec.value(), d, "creating a directory");
    }
  }
  unlink(m->control_.c_str());  // a socket left by a SIGKILLed daemon (no
                                // mount: checked above)

  std::vector<std::string> argv = {
      binary, "mount", m->backing_, m->mountpoint_, "--control", m->control_,
      "--seed", std::to_string(options.seed), "--model",
      options.metadata == "strict" ? "strict" : "metadata-immediate",
      "--foreground",
      // A SIGKILLed crashlab still leaves no mount: the daemon unmounts.
      "--exit-with", std::to_string(getpid())};
  if (options.direct_io) argv.push_back("--direct-io");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int log_fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    m->stopped_ = true;
    return Status::IoError(errno, log, "creating the daemon log");
  }
  Registry& reg = TheRegistry();
  uint64_t reg_id = 0;
  pid_t pid = -1;
  {
    // Registered before the mount can appear, so an interrupt from here on
    // unmounts it.
    std::lock_guard lock(reg.mu);
    pid = fork();
    if (pid == 0) {
      ChildSignalsDefault();
      setpgid(
          0,
          0);  // a terminal's Ctrl-C reaches crashlab, which unmounts in order
      int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (devnull >= 0) dup2(devnull, 0);
      dup2(log_fd, 1);
      dup2(log_fd, 2);
      execv(args[0], args.data());
      _exit(127);
    }
    if (pid > 0) {
      reg_id = reg.next_id++;
      reg.mounts[reg_id] =
          Registry::MountEntry{m->mountpoint_, m->control_, pid};
    }
  }
  int fork_err = errno;
  close(log_fd);
  if (pid < 0) {
    m->stopped_ = true;
    return Status::IoError(fork_err, binary, "fork");
  }
  m->daemon_pid_ = pid;
  m->registry_id_ = reg_id;

  // Wait for the mount and for the control socket to answer.
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(options.start_timeout_s);
  std::string why;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      m->daemon_pid_ = -1;
      why = "faultfs mount exited " +
            (WIFEXITED(status)
                 ? "with code " + std::to_string(WEXITSTATUS(status))
                 : "on signal " + std::to_string(WTERMSIG(status))) +
            ": " + Tail(log);
      break;
    }
    if (IsMounted(m->mountpoint_)) {
      auto st = m->Control({{"cmd", "status"}});
      if (st.ok()) break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      why = "faultfs did not mount within " +
            std::to_string(options.start_timeout_s) + " s: " + Tail(log);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!why.empty()) {
    Status st = m->Stop();
    if (!st.ok()) why += "; cleanup: " + st.ToString();
    return Status::IoError(EIO, m->mountpoint_, why);
  }
  for (const auto& rule : options.rules) {
    Status st = m->Inject(rule);
    if (!st.ok()) {
      Status stop = m->Stop();
      stop.IgnoreError();  // the inject error is the one to report
      return st;
    }
  }
  return m;
}

FuseMount::~FuseMount() {
  Status st = Stop();
  if (!st.ok())
    std::cerr << "crashlab: stopping faultfs at " << mountpoint_ << ": "
              << st.ToString() << "\n";
}

Result<nlohmann::json> FuseMount::Control(const nlohmann::json& request) {
  auto client = ControlClient::Connect(control_);
  if (!client.ok()) return client.status();
  auto reply = (*client)->Request(request);
  if (!reply.ok()) {
    const Status& st = reply.status();
    return Status::IoError(st.err(), control_,
                           "faultfs " + request.value("cmd", std::string("?")) +
                               ": " + st.message());
  }
  return reply;
}

Status FuseMount::Crash(const std::string& mode) {
  auto r = Control({{"cmd", "crash"}, {"mode", mode}});
  return r.ok() ? Status::Ok() : r.status();
}

Status FuseMount::Restart() {
  auto r = Control({{"cmd", "restart"}});
  return r.ok() ? Status::Ok() : r.status();
}

Status FuseMount::Inject(const faultfs::FaultRule& rule) {
  auto r = Control({{"cmd", "inject"}, {"rule", rule.ToJson()}});
  return r.ok() ? Status::Ok() : r.status();
}

Status FuseMount::Clear() {
  auto r = Control({{"cmd", "clear"}});
  return r.ok() ? Status::Ok() : r.status();
}

Status FuseMount::Stop() {
  if (stopped_) return Status::Ok();
  stopped_ = true;
  std::string problem;
  int log_fd = open((work_dir_ + "/daemon.log").c_str(),
                    O_WRONLY | O_APPEND | O_CLOEXEC);
  if (!Unmount(mountpoint_, log_fd))
    problem = "still mounted after fusermount3 -u and -u -z";
  if (log_fd >= 0) close(log_fd);
  if (daemon_pid_ > 0) {
    // Unmounted, the daemon ends by itself; one that never mounted (or hangs)
    // is asked to stop, then killed.
    if (!ReapDaemon(daemon_pid_, 0.5, false)) kill(daemon_pid_, SIGTERM);
    if (!ReapDaemon(daemon_pid_, 4.5)) {
      problem +=
          std::string(problem.empty() ? "" : "; ") +
          "the daemon did not exit after the unmount and SIGTERM (SIGKILLed)";
      // A killed daemon leaves a dead mount behind: clear it.
      if (!Unmount(mountpoint_))
        problem += "; the dead mount could not be removed";
    }
    daemon_pid_ = -1;
  }
  unlink(control_.c_str());
  {
    Registry& reg = TheRegistry();
    std::lock_guard lock(reg.mu);
    reg.mounts.erase(registry_id_);
  }
  if (!problem.empty()) {
    return Status::IoError(
        EBUSY, mountpoint_,
        problem + "; remove it with: fusermount3 -u -z " + mountpoint_);
  }
  return Status::Ok();
}

}  // namespace crashlab::harness
