#pragma once
// One `crashlab worker` child of fuse mode: spawned with its stdout on a
// pipe (JSON lines, read one at a time with a deadline), stdin on a pipe the
// harness keeps open (a workload worker blocks on it at its crash point),
// stderr appended to a log file. Registered with RegisterChild while it
// lives, so an interrupted crashlab kills it; Kill() and the destructor
// SIGKILL and reap it; and it gets SIGKILL when the thread that spawned it
// ends (PR_SET_PDEATHSIG), so not even a SIGKILLed crashlab leaves it behind.
//
// Thread safety: one thread at a time per WorkerProcess.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/status.h"

namespace crashlab::harness {

class WorkerProcess {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Starts argv (argv[0] a path). An error carries errno (fork, pipe, or the
  // log file's path).
  static faultfs::Result<std::unique_ptr<WorkerProcess>> Spawn(
      const std::vector<std::string>& argv, const std::string& log_path);
  ~WorkerProcess();  // Kill()
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // The next line of its stdout without the newline; nullopt at end of
  // output (it closed stdout or exited). ETIMEDOUT at the deadline.
  faultfs::Result<std::optional<std::string>> ReadLine(Deadline deadline);

  // Closes its stdin and waits for it to exit; its exit code, or -signal
  // when a signal ended it. At the deadline it is killed: ETIMEDOUT.
  faultfs::Result<int> Wait(Deadline deadline);

  // SIGKILL and reap (idempotent). Returns how it ended, as Wait().
  int Kill();

  int pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

 private:
  WorkerProcess() = default;
  void Reaped(int status);

  int pid_ = -1;
  int out_fd_ = -1;  // its stdout
  int in_fd_ = -1;   // its stdin
  int end_ = 0;      // exit code or -signal once reaped
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace crashlab::harness
