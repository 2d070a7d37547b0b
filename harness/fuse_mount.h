#pragma once
// A faultfs mount owned by the harness (fuse and exec modes): starts the
// `faultfs` daemon on a fresh backing directory, talks to its control socket,
// and takes everything down again on every exit path. Every live mount is
// also listed in a process-wide registry so that a SIGINT/SIGTERM handler
// (InstallInterruptCleanup) unmounts it before the process exits.
//
//   auto m = FuseMount::Start({.work_dir = dir, .seed = 7});
//   if (!m.ok()) ...                       // errno + path, or a message saying
//   what to do run programs under (*m)->mountpoint();
//   (*m)->Crash("drop"); (*m)->Restart();  // power cut, then the machine comes
//   back
//   (*m)->Stop();                          // also done by the destructor
//
// Layout under work_dir: backing/ (the durable state after a crash: what a
// disk would show), mnt/ (the mount point), control.sock, daemon.log.
//
// REQUIRES: /dev/fuse and the faultfs binary (FindFaultfsBinary()).
// Thread safety: one FuseMount is used by one thread at a time; the registry
// is internally synchronised.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/fault_rule.h"
#include "faultfs/status.h"

namespace crashlab::harness {

struct FuseMountOptions {
  std::string
      work_dir;       // created if missing; must be empty of a previous mount
  uint64_t seed = 0;  // faultfs --seed
  std::string metadata = "strict";  // "strict" | "immediate" (faultfs --model)
  std::vector<faultfs::FaultRule> rules;  // active from mount time
  bool direct_io = true;       // every file direct I/O: one FUSE op per syscall
  std::string faultfs_binary;  // "" = FindFaultfsBinary()
  double start_timeout_s = 10;  // waiting for the mount to appear
};

class FuseMount {
 public:
  // Mounts; fails with a Status naming errno and path (or saying what to do,
  // e.g. "no /dev/fuse: ...") without leaving a mount or a daemon behind.
  static faultfs::Result<std::unique_ptr<FuseMount>> Start(
      const FuseMountOptions& options);
  ~FuseMount();  // Stop(), errors reported to stderr
  FuseMount(const FuseMount&) = delete;
  FuseMount& operator=(const FuseMount&) = delete;

  const std::string& mountpoint() const { return mountpoint_; }
  const std::string& backing() const { return backing_; }
  const std::string& control() const { return control_; }
  const std::string& work_dir() const { return work_dir_; }
  int daemon_pid() const { return daemon_pid_; }  // -1 once stopped

  // One control-socket request ({"cmd": ...}); returns the reply object, or
  // an error if the daemon is unreachable or replied {"ok": false}.
  faultfs::Result<nlohmann::json> Control(const nlohmann::json& request);
  faultfs::Status Crash(const std::string& mode = "drop");  // ctl crash
  faultfs::Status Restart();                                // ctl restart
  faultfs::Status Inject(const faultfs::FaultRule& rule);   // ctl inject
  faultfs::Status Clear();                                  // ctl clear

  // Unmounts (fusermount3 -u, falling back to a lazy unmount), waits for the
  // daemon (SIGKILL after a grace period), removes the socket. Idempotent.
  faultfs::Status Stop();

 private:
  FuseMount() = default;
  std::string work_dir_, backing_, mountpoint_, control_;
  int daemon_pid_ = -1;
  uint64_t registry_id_ = 0;
  bool stopped_ = false;
};

// The faultfs binary: $CRASHLAB_FAULTFS, then next to this executable
// (../faultfs/faultfs in a build tree, ./faultfs installed), then PATH.
faultfs::Result<std::string> FindFaultfsBinary();

// Why FUSE cannot be used here, with what to do about it ("" when /dev/fuse
// opens and fusermount3 is installed).
std::string FuseUnavailableReason();

// FUSE mounts of faultfs at or under `dir` (from /proc/self/mountinfo):
// stale mounts of an earlier, killed run. Each comes with the command that
// removes it ("fusermount3 -u PATH").
struct StaleMount {
  std::string path;
  std::string remove_command;
};
std::vector<StaleMount> FindStaleMounts(const std::string& dir);

// Installs SIGINT/SIGTERM/SIGHUP handlers that unmount every live FuseMount,
// kill registered child processes, then re-raise the signal. Idempotent.
void InstallInterruptCleanup();
// Child processes (engine workers, exec commands) to kill on interrupt.
void RegisterChild(int pid);
void UnregisterChild(int pid);
// Temporary directories removed on interrupt (after every mount is gone;
// never while a mount is still under them).
void RegisterTempDir(const std::string& dir);
void UnregisterTempDir(const std::string& dir);
// For code that forks children: call in the child between fork and exec
// (async-signal-safe) so it does not inherit the cleanup handlers.
void ResetChildSignals();

}  // namespace crashlab::harness
