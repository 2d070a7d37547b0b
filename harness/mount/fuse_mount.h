#pragma once
// A faultfs mount owned by the harness (fuse and exec modes): starts the
// `faultfs` daemon on a fresh backing directory, talks to its control socket,
// and takes everything down again on every exit path. Every live mount is
// also listed in the process-wide cleanup registry (cleanup_registry.h) so
// that a SIGINT/SIGTERM handler unmounts it before the process exits.
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

#include "faultfs/crash_mode.h"
#include "faultfs/fault_rule.h"
#include "faultfs/status.h"
#include "harness/mount/cleanup_registry.h"
#include "harness/mount/process_tools.h"

namespace crashlab::harness {

struct FuseMountOptions {
  std::string
      work_dir;       // created if missing; must be empty of a previous mount
  uint64_t seed = 0;  // faultfs --seed
  faultfs::MetadataModel metadata = faultfs::MetadataModel::kStrict;
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
  // The phases of Start(): the faultfs binary to run (options checked), the
  // work dir's layout, the daemon process, its mount and control socket up.
  static faultfs::Result<std::string> CheckStart(
      const FuseMountOptions& options);
  faultfs::Status PrepareWorkDir(const FuseMountOptions& options);
  faultfs::Status SpawnDaemon(const std::string& binary,
                              const FuseMountOptions& options);
  faultfs::Status WaitUntilMounted(double timeout_s);
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

}  // namespace crashlab::harness
