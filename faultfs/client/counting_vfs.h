#pragma once
// CountingVfs: the Vfs the engine uses in fuse mode. It decorates a PosixVfs
// on a faultfs mount and numbers operations exactly as SimVfs numbers its
// trace entries, so that operation P means the same thing in both modes:
//   - every Vfs call is one operation (Open is "create" when it creates the
//     file, else "open"), except File::Stat; a call with a path NormalizePath
//     rejects is none;
//   - every File call is one operation (read, write, append = write,
//     truncate, fsync, fdatasync, close, the destructor's close included),
//     except Stat, and except calls on a closed handle or one opened before a
//     power cut (they fail with EBADF/EIO and are not counted);
//   - failed calls count; after a `crash` rule fired every counted call fails
//     with EIO until Restart().
// It evaluates the fault rules with a FaultInjector seeded like the
// simulator's, with the same operation contexts, and carries out each firing
// with the same effect on visible and durable state as SimVfs:
//   - through the daemon, as a one-shot rule for exactly that operation and
//     path (ctl inject, then `faults` to read what the daemon did and clear):
//     error, error_after, short_write, enospc_after_bytes (with the budget
//     left), fsync_lie, fsyncgate, torn - for the operations the daemon sees
//     one for one (everything but stat, close and sync);
//   - with `ctl damage` before the operation: lose, truncate, persistent
//     corrupt (bit flips and garbage bytes drawn from this injector, so the
//     damage is byte-identical to the simulator's);
//   - with `ctl crash --mode M`: crash (the operation does not happen);
//   - here: delay, a transient read corruption (drawn from this injector),
//     and every action on stat, close and sync (SyncAll is `ctl sync`: a
//     FUSE mount ignores syncfs(2)). An error the daemon never saw because
//     the kernel failed the call first is returned here, as SimVfs does.
// Errors come back as the Status SimVfs would return (errno, normalised path,
// SimVfs's message for injected faults, none otherwise), with the errno the
// mount really gave, so outcomes compare between modes.
//
// Limitation: a read or write larger than 1 MiB (the kernel's FUSE request
// limit) reaches the daemon as several operations; it is still one operation
// here, but a forwarded rule acts on its first piece only, and the daemon's
// pending-operation list (prefix:K, random crash modes) has more entries than
// the simulator's. The engine's writes in the shipped suite are far smaller.
//
// REQUIRES: the daemon has no rules of its own, serves the mount with
// --direct-io and the scenario's metadata model, and nothing else uses the
// mount while this Vfs does. Paths with glob metacharacters (*?[\) are
// escaped in forwarded rules.
// Thread safety: one thread at a time (like the workload driver).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/client/control_client.h"
#include "faultfs/crash_mode.h"
#include "faultfs/fault_rule.h"
#include "faultfs/trace.h"
#include "faultfs/vfs.h"

namespace crashlab::faultfs {

class CountingVfs final : public Vfs {
 public:
  struct Listener {
    // Before operation `index` starts (the crash point "just before op N";
    // may block, e.g. to wait for SIGKILL).
    std::function<void(uint64_t index)> on_begin;
    // After it ended: index, op, path(s), offset, length, result, fault.
    std::function<void(const TraceEntry& entry)> on_op;
    // A rule fired and was carried out (logged before the op's on_op).
    std::function<void(const InjectedFault& fault)> on_fault;
  };

  // `inner`: a PosixVfs rooted at the mount (not owned; must outlive this).
  // `control`: the daemon's control connection (not owned). `seed`: the
  // simulator's seed (SimOptions(...).seed).
  CountingVfs(Vfs& inner, ControlClient& control, uint64_t seed,
              Listener listener = {});
  ~CountingVfs() override;

  // --- Vfs ---
  Result<std::unique_ptr<File>> Open(std::string_view path,
                                     const OpenOptions& opts) override;
  Status Rename(std::string_view from, std::string_view to) override;
  Status Link(std::string_view existing, std::string_view new_path) override;
  Status Symlink(std::string_view target, std::string_view link_path) override;
  Status Unlink(std::string_view path) override;
  Status Mkdir(std::string_view path, uint32_t mode = 0755) override;
  Status Rmdir(std::string_view path) override;
  Status Truncate(std::string_view path, uint64_t size) override;
  Result<std::vector<DirEntry>> ListDir(std::string_view path) override;
  Result<FileStat> Stat(std::string_view path) override;
  Status SyncDir(std::string_view path) override;
  Status SyncAll() override;
  std::string Describe() const override {
    return "counting " + inner_.Describe();
  }

  // --- rules and power ---
  FaultInjector& faults() { return faults_; }
  uint64_t op_count() const { return next_index_; }
  const std::vector<TraceEntry>& trace() const { return trace_; }
  // A power cut now (ctl crash --mode): files opened before fail with EIO;
  // ends a crashed period, as SimVfs::Crash.
  Status Crash(const CrashMode& mode);
  bool crashed() const { return crashed_; }
  // Ends the EIO period after a `crash` rule (ctl restart).
  Status Restart();
  // The first failure to talk to the daemon (the run cannot be trusted after
  // it); ok while there was none.
  const Status& control_error() const { return control_error_; }

 private:
  class CountingFile;
  friend class CountingFile;
  // The target of a damaging rule: an open file or a path.
  struct Target {
    File* file = nullptr;
    std::string path;
  };
  // One operation in flight.
  struct Op {
    TraceEntry e;
    std::optional<Firing> firing;  // op-level action left to carry out
    bool forwarded = false;        // a one-shot rule is on the daemon
    uint64_t daemon_faults = 0;    // daemon's fault log length before it
    std::optional<InjectedFault> daemon_fault;  // what the daemon did
  };

  // Starts `op`: numbers it, runs on_begin, refuses it after a crash rule,
  // evaluates the rules and carries out the actions that come before the
  // operation. A non-ok return has been recorded: return it as is.
  Status Begin(Op& op, const Target& target, bool daemon_sees);
  // After the inner call: reads back what the daemon did, clears the
  // one-shot rule, applies a local error/error_after, records the entry.
  Status Finish(Op& op, Status st);
  // Records the trace entry with `st`'s errno and returns `st` unchanged.
  Status FinishEntry(Op& op, Status st);
  void Record(Op& op, const Firing& firing, std::string detail);
  Status Damage(Op& op, const Firing& firing, const Target& target);
  Status Forward(Op& op);
  Status Fail(const Status& st);  // notes a control failure
  // SimVfs's form of an error of the inner call.
  Status SimError(const Op& op, const Status& st) const;
  Status CheckHandle(const CountingFile& f, bool want_write) const;

  Vfs& inner_;
  ControlClient& control_;
  Listener listener_;
  FaultInjector faults_;
  uint64_t next_index_ = 0;
  uint64_t generation_ = 0;  // bumped by every power cut
  bool crashed_ = false;
  std::vector<TraceEntry> trace_;
  Status control_error_;
};

// `path` as a glob that matches exactly that path (metacharacters escaped).
std::string ExactGlob(std::string_view path);

}  // namespace crashlab::faultfs
