#include "harness/mount/fuse_mount.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "faultfs/client/control_client.h"
#include "faultfs/client/mountinfo.h"
#include "harness/mount/cleanup_registry.h"
#include "harness/mount/process_tools.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;
using faultfs::Result;
using faultfs::Status;

std::string Tail(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool IsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
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

Result<std::string> FuseMount::CheckStart(const FuseMountOptions& options) {
  if (options.work_dir.empty())
    return Status::InvalidArgument("", "FuseMountOptions.work_dir is empty");
  if (std::string why = FuseUnavailableReason(); !why.empty())
    return Status::IoError(ENODEV, "/dev/fuse", why);
  if (options.faultfs_binary.empty()) return FindFaultfsBinary();
  if (!IsExecutable(options.faultfs_binary)) {
    return Status::IoError(ENOENT, options.faultfs_binary,
                           "not an executable faultfs binary");
  }
  return options.faultfs_binary;
}

// work_dir/{backing,mnt,control.sock,daemon.log}; refuses a work dir with a
// mount or a backing dir of an earlier run in it.
Status FuseMount::PrepareWorkDir(const FuseMountOptions& options) {
  std::error_code ec;
  fs::create_directories(options.work_dir, ec);
  if (ec) {
    stopped_ = true;
    return Status::IoError(ec.value(), options.work_dir,
                           "creating the work dir");
  }
  work_dir_ = RealPathOr(options.work_dir);
  if (auto stale = FindStaleMounts(work_dir_); !stale.empty()) {
    std::string cmds;
    for (const auto& s : stale)
      cmds += (cmds.empty() ? "" : "; ") + s.remove_command;
    stopped_ = true;
    return Status::IoError(
        EBUSY, stale.front().path,
        "a faultfs mount of an earlier run is still there; remove it with: " +
            cmds);
  }
  backing_ = work_dir_ + "/backing";
  mountpoint_ = work_dir_ + "/mnt";
  control_ = work_dir_ + "/control.sock";
  if (fs::exists(backing_) && !fs::is_empty(backing_, ec)) {
    stopped_ = true;
    return Status::IoError(
        EEXIST, backing_,
        "the work dir already holds a backing dir; use a fresh work dir");
  }
  for (const auto& d : {backing_, mountpoint_}) {
    fs::create_directories(d, ec);
    if (ec) {
      stopped_ = true;
      return Status::IoError(ec.value(), d, "creating a directory");
    }
  }
  unlink(control_.c_str());  // a socket left by a SIGKILLed daemon (no
                             // mount: checked above)
  return Status::Ok();
}

// `faultfs mount ... --foreground` as a child, output to daemon.log.
Status FuseMount::SpawnDaemon(const std::string& binary,
                              const FuseMountOptions& options) {
  const std::string log = work_dir_ + "/daemon.log";
  std::vector<std::string> argv = {
      binary,
      "mount",
      backing_,
      mountpoint_,
      "--control",
      control_,
      "--seed",
      std::to_string(options.seed),
      "--model",
      options.metadata == faultfs::MetadataModel::kStrict
          ? "strict"
          : "metadata-immediate",
      "--foreground",
      // A SIGKILLed crashlab still leaves no mount: the daemon unmounts.
      "--exit-with",
      std::to_string(getpid())};
  if (options.direct_io) argv.push_back("--direct-io");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int log_fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    stopped_ = true;
    return Status::IoError(errno, log, "creating the daemon log");
  }
  // Registered before the mount can appear, so an interrupt from here on
  // unmounts it.
  pid_t pid = -1;
  uint64_t reg_id = RegisterMountWhile(
      mountpoint_, control_,
      [&] {
        pid_t child = fork();
        if (child == 0) {
          ResetChildSignals();
          // a terminal's Ctrl-C reaches crashlab, which unmounts in order
          setpgid(0, 0);
          int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
          if (devnull >= 0) dup2(devnull, 0);
          dup2(log_fd, 1);
          dup2(log_fd, 2);
          execv(args[0], args.data());
          _exit(127);
        }
        return child;
      },
      &pid);
  int fork_err = errno;
  close(log_fd);
  if (pid < 0) {
    stopped_ = true;
    return Status::IoError(fork_err, binary, "fork");
  }
  daemon_pid_ = pid;
  registry_id_ = reg_id;
  return Status::Ok();
}

// Waits for the mount and for the control socket to answer; on failure (the
// daemon exited, or the timeout) stops what started and says why.
Status FuseMount::WaitUntilMounted(double timeout_s) {
  const std::string log = work_dir_ + "/daemon.log";
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(timeout_s);
  std::string why;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(daemon_pid_, &status, WNOHANG);
    if (r == daemon_pid_) {
      daemon_pid_ = -1;
      why = "faultfs mount exited " +
            (WIFEXITED(status)
                 ? "with code " + std::to_string(WEXITSTATUS(status))
                 : "on signal " + std::to_string(WTERMSIG(status))) +
            ": " + Tail(log);
      break;
    }
    if (faultfs::IsMountPoint(mountpoint_)) {
      auto st = Control({{"cmd", "status"}});
      if (st.ok()) break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      why = "faultfs did not mount within " + std::to_string(timeout_s) +
            " s: " + Tail(log);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (why.empty()) return Status::Ok();
  Status st = Stop();
  if (!st.ok()) why += "; cleanup: " + st.ToString();
  return Status::IoError(EIO, mountpoint_, why);
}

Result<std::unique_ptr<FuseMount>> FuseMount::Start(
    const FuseMountOptions& options) {
  auto binary = CheckStart(options);
  if (!binary.ok()) return binary.status();
  std::unique_ptr<FuseMount> m(new FuseMount());
  CRASHLAB_RETURN_IF_ERROR(m->PrepareWorkDir(options));
  CRASHLAB_RETURN_IF_ERROR(m->SpawnDaemon(*binary, options));
  CRASHLAB_RETURN_IF_ERROR(m->WaitUntilMounted(options.start_timeout_s));
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
  auto client = faultfs::ControlClient::Connect(control_);
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
    if (!ReapChild(daemon_pid_, 0.5, false)) kill(daemon_pid_, SIGTERM);
    if (!ReapChild(daemon_pid_, 4.5)) {
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
  UnregisterMount(registry_id_);
  if (!problem.empty()) {
    return Status::IoError(
        EBUSY, mountpoint_,
        problem + "; remove it with: fusermount3 -u -z " + mountpoint_);
  }
  return Status::Ok();
}

}  // namespace crashlab::harness
