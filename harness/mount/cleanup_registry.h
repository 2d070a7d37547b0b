#pragma once
// The process-wide cleanup registry: every live faultfs mount, child process
// and temporary directory of this process, so that a SIGINT/SIGTERM/SIGHUP
// takes them all down in order (programs, then mounts, then daemons, then
// the temporary dirs) before the process dies of the signal.
//
// Thread safety: every function is internally synchronised.

#include <cstdint>
#include <functional>
#include <string>

namespace crashlab::harness {

// Installs SIGINT/SIGTERM/SIGHUP handlers that unmount every registered
// mount, kill registered child processes, remove registered temporary dirs,
// then re-raise the signal. Idempotent.
void InstallInterruptCleanup();

// Child processes (engine workers, exec commands) to kill on interrupt.
void RegisterChild(int pid);
void UnregisterChild(int pid);

// Temporary directories removed on interrupt (after every mount is gone;
// never while a mount is still under them).
void RegisterTempDir(const std::string& dir);
void UnregisterTempDir(const std::string& dir);

// A mount to take down on interrupt: unmounted, then its daemon reaped and
// its control socket removed.
struct MountCleanup {
  std::string mountpoint;
  std::string control;
  int daemon_pid = -1;
};

// Runs `start` (which forks the daemon and returns its pid, or -1) with the
// registry locked, so the signal handler's thread cannot see the process
// before it is registered; registers {mountpoint, control, pid} when pid > 0.
// Returns the registration id (0 when nothing was registered).
uint64_t RegisterMountWhile(const std::string& mountpoint,
                            const std::string& control,
                            const std::function<int()>& start, int* pid_out);
void UnregisterMount(uint64_t id);

}  // namespace crashlab::harness
