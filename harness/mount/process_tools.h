#pragma once
// Small process and mount tools shared by the harness's mount owners
// (FuseMount), the interrupt cleanup (cleanup_registry.h) and exec mode:
// running a helper quietly, reaping a child with a deadline, unmounting a
// FUSE mount, finding stale faultfs mounts.

#include <string>
#include <vector>

namespace crashlab::harness {

// For code that forks children: call in the child between fork and exec
// (async-signal-safe) so it does not inherit the cleanup handlers: default
// SIGINT/SIGTERM/SIGHUP dispositions and an empty signal mask.
void ResetChildSignals();

// Runs argv to completion with output discarded (or appended to `log_fd`);
// returns its exit code, 127 when it could not be started, -1 on a signal.
int RunQuiet(const std::vector<std::string>& argv, int log_fd = -1);

// Unmounts `mountpoint` if it is mounted: fusermount3 -u, then a lazy
// unmount. True when it is no longer mounted.
bool Unmount(const std::string& mountpoint, int log_fd = -1);

// Waits up to `seconds` for child `pid` to exit, then (if `kill_it`)
// SIGKILLs and reaps it. Returns true if it exited on its own.
bool ReapChild(int pid, double seconds, bool kill_it = true);

// realpath(3) of `path`, or its absolute normalised form when it does not
// resolve.
std::string RealPathOr(const std::string& path);

// FUSE mounts of faultfs at or under `dir` (from /proc/self/mountinfo):
// stale mounts of an earlier, killed run. Each comes with the command that
// removes it ("fusermount3 -u PATH").
struct StaleMount {
  std::string path;
  std::string remove_command;
};
std::vector<StaleMount> FindStaleMounts(const std::string& dir);

}  // namespace crashlab::harness
