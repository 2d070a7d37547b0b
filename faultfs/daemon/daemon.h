#pragma once
// The faultfs daemon: a SimVfs (the visible state, the crash model and the
// fault rules, exactly as in the simulator) served through libfuse3's
// high-level API, a BackingMirror that keeps the backing directory at the
// SimVfs's durable state, the control socket, and a housekeeping thread that
// invalidates the kernel's caches after a crash and streams the trace file.
//
// Lock order: SimVfs mutex -> (BackingMirror, called inside it) ->
// Housekeeper mutex. Kernel cache invalidation never runs with the SimVfs
// mutex held (it may wait for a FUSE request that waits for that mutex).

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "faultfs/daemon/backing_mirror.h"
#include "faultfs/daemon/control_server.h"
#include "faultfs/sim_vfs.h"

struct fuse;

namespace crashlab::faultfs::daemon {

struct DaemonOptions {
  std::string backing;     // absolute
  std::string mountpoint;  // absolute
  std::string control;     // absolute; empty: no control socket
  std::string trace_file;  // absolute; empty: none
  // Trace entries and injected faults kept in memory (the latest); 0: all.
  size_t trace_memory = 65536;
  std::vector<FaultRule> rules;
  uint64_t seed = 0;
  MetadataModel model = MetadataModel::kStrict;
  bool foreground = false;
  bool allow_other = false;
  bool backing_fsync = true;
  double attr_timeout = 1.0;
  // Every file opened direct_io: each read(2)/write(2) reaches the SimVfs as
  // exactly one operation (no page cache, no readahead; up to 1 MiB).
  bool direct_io = false;
  bool debug = false;  // libfuse's -d
  // Unmount and exit (as on SIGTERM) when this process ends; 0: never.
  // crashlab passes its own pid, so a killed harness leaves no mount behind.
  pid_t exit_with = 0;
  // At a clean unmount (fusermount3 -u, SIGINT/SIGTERM/SIGHUP, --exit-with):
  // true = sync everything first (like a real file system's unmount);
  // false (default, --on-unmount drop) = keep the crash model: what was not
  // durable is lost, as at a power cut.
  bool persist_on_unmount = false;
};

// Exit codes shared by the CLI.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitEnv = 3;

class Daemon {
 public:
  explicit Daemon(DaemonOptions options) : options_(std::move(options)) {}
  ~Daemon();

  // Loads the backing directory, mounts, serves until unmounted or signalled
  // (SIGINT/SIGTERM/SIGHUP unmount cleanly). Returns an exit code; messages
  // go to stderr.
  int Run();

  // --- used by the FUSE callbacks ---
  SimVfs& vfs() { return *vfs_; }
  BackingMirror& mirror() { return *mirror_; }
  int backing_fd() const { return backing_fd_; }
  double attr_timeout() const { return options_.attr_timeout; }
  // True when a rule could damage what a read returns: such files are then
  // opened with direct_io so damaged bytes never stay in the page cache.
  bool ReadFaultsActive();
  bool direct_io() const { return options_.direct_io; }

  // --- control commands (JSON in, JSON out) ---
  nlohmann::json HandleControl(const nlohmann::json& request);

 private:
  // Kernel cache invalidation and trace streaming, off the FUSE threads.
  void HousekeeperLoop();
  uint64_t PostInvalidation(
      std::vector<std::string> paths);  // returns a ticket
  void WaitInvalidation(uint64_t ticket);
  void FlushTrace();
  faultfs::Status OnDurableChange(const DurableChange& change);

  nlohmann::json Status();
  nlohmann::json Report(const CrashMode& mode);
  nlohmann::json Faults(const nlohmann::json& request);
  nlohmann::json Damage(const nlohmann::json& request);

  DaemonOptions options_;
  std::unique_ptr<BackingMirror> mirror_;
  std::unique_ptr<SimVfs> vfs_;
  std::unique_ptr<ControlServer> control_;
  struct fuse* fuse_ = nullptr;
  int backing_fd_ = -1;
  uint64_t crashes_ =
      0;  // GUARDED_BY(SimVfs mutex): counted in OnDurableChange

  std::mutex hk_mu_;
  std::condition_variable hk_cv_;
  std::deque<std::pair<uint64_t, std::vector<std::string>>>
      inval_queue_;            // GUARDED_BY(hk_mu_)
  uint64_t inval_posted_ = 0;  // GUARDED_BY(hk_mu_)
  uint64_t inval_done_ = 0;    // GUARDED_BY(hk_mu_)
  bool hk_stop_ = false;       // GUARDED_BY(hk_mu_)
  std::thread housekeeper_;
  size_t trace_written_ = 0;  // only the housekeeper and shutdown touch it
  int trace_fd_ = -1;
  int exit_with_fd_ = -1;  // pidfd of options_.exit_with
};

// The libfuse operation table (fuse_ops.cc).
const void* FaultfsOperations();  // const fuse_operations*

}  // namespace crashlab::faultfs::daemon
