#include "harness/fuse/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "harness/mount/fuse_mount.h"

namespace crashlab::harness {

using faultfs::Result;
using faultfs::Status;

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::Spawn(
    const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty())
    return Status::InvalidArgument("", "WorkerProcess::Spawn: empty argv");
  int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return Status::IoError(errno, log_path, "creating the worker log");
  int out[2], in[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    int err = errno;
    close(log_fd);
    return Status::IoError(err, argv[0], "pipe");
  }
  if (pipe2(in, O_CLOEXEC) != 0) {
    int err = errno;
    close(log_fd);
    close(out[0]);
    close(out[1]);
    return Status::IoError(err, argv[0], "pipe");
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    ResetChildSignals();
    // Dies with crashlab (even a SIGKILLed one), so it never outlives the run.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(log_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  int fork_err = errno;
  close(log_fd);
  close(in[0]);
  close(out[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    return Status::IoError(fork_err, argv[0], "fork");
  }
  RegisterChild(pid);
  std::unique_ptr<WorkerProcess> w(new WorkerProcess());
  w->pid_ = pid;
  w->out_fd_ = out[0];
  w->in_fd_ = in[1];
  return w;
}

WorkerProcess::~WorkerProcess() {
  Kill();
  if (out_fd_ >= 0) close(out_fd_);
  if (in_fd_ >= 0) close(in_fd_);
}

void WorkerProcess::Reaped(int status) {
  UnregisterChild(pid_);
  pid_ = -1;
  end_ = WIFEXITED(status)     ? WEXITSTATUS(status)
         : WIFSIGNALED(status) ? -WTERMSIG(status)
                               : -1;
}

Result<std::optional<std::string>> WorkerProcess::ReadLine(Deadline deadline) {
  for (;;) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return std::optional<std::string>(std::move(line));
    }
    if (eof_ || out_fd_ < 0) {
      if (!buffer_.empty()) {
        std::string line = std::move(buffer_);
        buffer_.clear();
        return std::optional<std::string>(std::move(line));
      }
      return std::optional<std::string>();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Status::IoError(ETIMEDOUT, "worker " + std::to_string(pid_),
                             "no output before the deadline");
    pollfd p{out_fd_, POLLIN, 0};
    int r =
        poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno != EINTR)
      return Status::IoError(errno, "worker " + std::to_string(pid_), "poll");
    if (r <= 0) continue;
    char buf[65536];
    ssize_t n = read(out_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return Status::IoError(errno, "worker " + std::to_string(pid_),
                             "reading its output");
    if (n == 0) {
      eof_ = true;
    } else {
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }
}

Result<int> WorkerProcess::Wait(Deadline deadline) {
  if (in_fd_ >= 0) {
    close(in_fd_);
    in_fd_ = -1;
  }
  while (pid_ > 0) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      Reaped(status);
      break;
    }
    if (r < 0 && errno != EINTR) {
      int err = errno;
      UnregisterChild(pid_);
      pid_ = -1;
      return Status::IoError(err, "worker", "waitpid");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      int pid = pid_;
      Kill();
      return Status::IoError(ETIMEDOUT, "worker " + std::to_string(pid),
                             "did not exit before the deadline (killed)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return end_;
}

int WorkerProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    if (r == pid_) {
      Reaped(status);
    } else {
      UnregisterChild(pid_);
      pid_ = -1;
      end_ = -SIGKILL;
    }
  }
  return end_;
}

}  // namespace crashlab::harness
