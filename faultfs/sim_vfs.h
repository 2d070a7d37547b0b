#pragma once
// SimVfs: an in-memory Vfs that implements the crash model (docs/design.md,
// "The crash model") exactly, applies fault rules, and records a trace.
// Recovery code runs on it after Crash() exactly as it would after a real power
// cut.
//
// Thread safety: all methods may be called from several threads; one mutex
// serialises them, except that a `delay` rule's sleep runs without it (only
// the delayed operation waits). The hook runs with that mutex held and must not
// call back into this SimVfs except through the SimState it is given.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "faultfs/crash_loss.h"
#include "faultfs/crash_mode.h"
#include "faultfs/fault_rule.h"
#include "faultfs/sim_state.h"
#include "faultfs/trace.h"
#include "faultfs/vfs.h"

namespace crashlab::faultfs {

// Everything stat(2) needs about a node (for the FUSE daemon).
struct NodeAttr {
  FileType type = FileType::kRegular;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission bits
  uint32_t nlink = 1;
  uint32_t uid = 0;
  uint32_t gid = 0;
  Ino ino = 0;
  timespec atime{};
  timespec mtime{};
  timespec ctime{};
};

// chmod/chown/utimens in one call; unset fields stay as they are. A time
// whose tv_nsec is UTIME_NOW means the current time.
struct AttrChange {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<timespec> atime;
  std::optional<timespec> mtime;
};

// What became durable since the last notification (see SetDurableListener).
struct DurableChange {
  const std::vector<PendingOp>&
      applied;  // ops applied to the durable image, in order
  const std::set<Ino>&
      rewritten;  // durable content changed in place (persistent damage)
  const std::set<Ino>& attrs;  // durable attributes (mode, owner, times)
                               // changed: the node was fsync'd or synced
  // Set when a crash replaced the durable image: the image before the crash
  // (the listener diffs it against `durable`) and the visible image before
  // the crash (whose paths the kernel may have cached).
  const Image* before_crash_durable = nullptr;
  const Image* before_crash_visible = nullptr;
  const Image& durable;
};

// rename(2) flags for SimVfs::Rename.
enum RenameFlags : unsigned {
  kRenameNoReplace =
      1,  // RENAME_NOREPLACE: fail with EEXIST if the target exists
};

class SimVfs final : public Vfs {
 public:
  struct Options {
    MetadataModel model = MetadataModel::kStrict;
    uint64_t seed = 0;  // for probabilistic rules and corruption
    bool record_trace = true;
    // Keep at most this many trace entries in memory, the latest ones (the
    // FUSE daemon runs for hours); 0: every entry.
    size_t trace_limit = 0;
    uint64_t max_file_size = uint64_t{1}
                             << 44;  // 16 TiB, as ext4; larger: EFBIG
    // Whether error/error_after rules may fire on close. The FUSE daemon
    // turns it off: its close (FUSE release) runs after close(2) returned,
    // so no caller could see the error (see daemon/rules_file.h).
    bool close_errors = true;
    // Explain every crash (ExplainCrash, crash_loss.h) before it happens:
    // LastCrashLoss(). Costs a walk of the image per crash; the FUSE daemon
    // turns it on.
    bool explain_crashes = false;
  };

  SimVfs() : SimVfs(Options{}) {}
  explicit SimVfs(Options options);
  // Starts from a saved state (pending operations included).
  SimVfs(Options options, SimState state);
  ~SimVfs() override;

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
  std::string Describe() const override { return "sim"; }

  // --- extra file-system calls (used by the FUSE daemon) ---
  Result<std::string> ReadLink(std::string_view path);
  Status Chmod(std::string_view path, uint32_t mode);
  // readdir and fsync on an open directory (opened read-only with Open()):
  // they follow the directory through renames. Traced as readdir/fsyncdir.
  // With `attrs`, also each entry's attributes (same order).
  Result<std::vector<DirEntry>> ListDir(File& dir,
                                        std::vector<NodeAttr>* attrs = nullptr);
  Status SyncDir(File& dir);
  // rename(2) with `flags` (RenameFlags); unknown flags give EINVAL.
  Status Rename(std::string_view from, std::string_view to, unsigned flags);
  // Attributes of a path (lstat) or of an open file (fstat; works after
  // unlink). Not traced and not matched by rules (the kernel asks for them
  // constantly); EIO while crashed().
  Result<NodeAttr> GetAttr(std::string_view path);
  Result<NodeAttr> GetAttr(
      File& file);  // REQUIRES: `file` was opened by this SimVfs
  // chmod/chown/utimens on a path, or on `file` when it is not null.
  // Visible at once; durable when the node is next fsync'd (fsync of the
  // file, of a directory for a directory, or SyncAll): a crash before that
  // drops the change. Not traced.
  Status SetAttr(std::string_view path, File* file, const AttrChange& change);
  // The owner given to nodes created by the calling thread (default: the
  // process's effective ids). The FUSE daemon sets the requesting process's.
  static void SetCaller(uint32_t uid, uint32_t gid);

  // Called with the internal mutex held at the end of every operation that
  // changed the durable image (fsync, fsyncdir, sync, a crash, persistent
  // damage, any namespace op under MetadataModel::kImmediate).
  // The FUSE daemon writes the change to its backing directory here, so the
  // backing directory always holds the durable state. The listener must not
  // call back into this SimVfs.
  //
  // A listener that could not store the change (a full backing disk:
  // ENOSPC) returns the error: the operation then fails with it and what it
  // made durable goes back to pending (durable image, pending ops and
  // pending attributes as before the operation; the visible state keeps
  // it). A crash the listener refuses leaves the pre-crash durable image as
  // the post-crash state (a drop crash of what the listener last stored);
  // refused persistent damage stays visible only.
  using DurableListener = std::function<Status(const DurableChange& change)>;
  void SetDurableListener(DurableListener listener);

  // --- crash model ---
  // Power cut: the visible state becomes the post-crash state of `mode`,
  // pending ops are gone, files opened before fail with EIO, the crashed
  // flag is cleared. Also used by tests to crash at will.
  void Crash(const CrashMode& mode = CrashMode::Drop());
  // True after a `crash` rule fired: every operation fails with EIO until
  // Restart().
  bool crashed() const;
  // Ends the crashed period started by a `crash` rule (the state already is
  // the post-crash state).
  void Restart();

  // Persistent damage whose random parts were drawn elsewhere (fuse mode: the
  // harness worker counts the rules with the simulator's FaultInjector and
  // draws bit flips and garbage bytes from it). `rule` is a lose, truncate or
  // persistent corrupt rule; `draws` are the values Damage() would take from
  // the injector's generator, exactly DamageDraws(rule, size of the file)
  // of them. Applied to inode `ino` like a firing rule (visible and durable
  // copy); returns the fault detail, or "" when `ino` is not a regular file
  // (nothing happens, as with a firing rule). Not traced, not logged.
  Result<std::string> ApplyDamage(Ino ino, const FaultRule& rule,
                                  const std::vector<uint64_t>& draws);
  // How many random values damaging a file of `size` bytes with `rule` takes.
  static uint64_t DamageDraws(const FaultRule& rule, uint64_t size);

  // What the last crash took (Options::explain_crashes; nullopt before the
  // first crash or when off), and what a crash in `mode` would take now.
  std::optional<CrashLoss> LastCrashLoss() const;
  CrashLoss ExplainCrashNow(const CrashMode& mode) const;

  // A copy of the whole state (cheap: shares nodes and pages).
  SimState Snapshot() const;
  Tree VisibleTree() const;
  Tree DurableTree() const;  // what a drop crash would leave
  std::vector<PendingOp> PendingOps() const;
  // Post-crash trees for every prefix:K (K = 0..pending), drop, torn:seed and
  // random:seed — the states reachable at this point under each mode.
  std::vector<std::pair<CrashMode, Tree>> EnumerateCrashStates(
      uint64_t seed, uint64_t random_samples = 4) const;

  // --- faults and trace ---
  FaultInjector& faults() { return faults_; }
  // The trace entries kept in memory (all, or the latest trace_limit).
  std::vector<TraceEntry> trace() const;
  // The kept entries from position `from` on (positions count every entry
  // ever recorded: a cursor for streaming the trace to a file), and the
  // number recorded so far (kept or not). Entries before trace_dropped()
  // are gone from memory; `first`, if given, gets the position of the first
  // entry returned (of the end when none is).
  std::vector<TraceEntry> TraceSince(size_t from,
                                     size_t* first = nullptr) const;
  size_t trace_size() const;
  size_t trace_dropped() const;
  // For a consumer that streams the trace (the daemon's --trace FILE): from
  // now on only entries before position `upto` (already streamed) may be
  // dropped by trace_limit, so the stream misses nothing; memory then holds
  // at most trace_limit entries plus those not yet streamed.
  void SetTraceStreamed(size_t upto);
  uint64_t op_count() const;  // index the next operation will get
  // Called before every operation with its would-be trace entry (result not
  // yet known) and the state before it: the crash point "just before op N".
  using Hook =
      std::function<void(const TraceEntry& next_op, const SimState& state)>;
  void SetHook(Hook hook);

 private:
  class SimFile;
  struct Handle;
  friend class SimFile;

  // Everything below requires mu_ held.
  // Starts an operation: assigns its index, runs the hook, refuses it after a
  // crash, and evaluates the fault rules. Actions that need no knowledge of
  // the operation (error, crash, delay, lose, truncate, persistent corrupt)
  // are carried out here; a non-ok return has already been traced. Other
  // firings are left in `firing` for the operation to carry out.
  // Also starts the durable undo log when a durable listener is set (ended
  // by Finish()).
  Status Begin(TraceEntry& entry, std::optional<Firing>& firing, Ino ino = 0);
  Status BeginOp(TraceEntry& entry, std::optional<Firing>& firing, Ino ino);
  // Ends an operation: applies error_after, records the trace entry.
  Status Finish(TraceEntry& entry, Status st,
                const std::optional<Firing>& firing);
  void RecordFault(TraceEntry& entry, const Firing& firing, std::string detail);
  void TrimTraceLocked();  // drops entries over trace_limit (streamed ones)
  void CrashLocked(const CrashMode& mode);
  Result<Ino> LookupLocked(std::string_view norm_path) const;
  // The directory inode holding `norm_path` and the final name.
  Result<std::pair<Ino, std::string>> ParentLocked(
      std::string_view norm_path) const;
  void AddNamespaceOp(PendingOp op);
  void AddDataOp(PendingOp op);
  void DropLink(Ino ino);  // one name fewer; frees the node when unused
  Ino VisibleIno(std::string_view path) const;  // 0 if absent
  // Unlink/rmdir: removes dir/name -> ino from the visible image and records
  // the pending namespace op.
  void RemoveEntryLocked(uint64_t op_index, Ino dir, const std::string& name,
                         Ino ino);
  // Runs the durable listener if something changed; when it fails and the
  // undo log runs, rolls the durable changes back. Returns its status.
  Status NotifyDurable();
  Status RenameLocked(std::string_view from, std::string_view to,
                      unsigned flags);
  NodeAttr AttrOf(Ino ino) const;
  // The bodies of ListDir/SyncDir after Begin(); `e.path` names the directory.
  Result<std::vector<DirEntry>> ListDirLocked(
      TraceEntry& e, std::optional<Firing>& firing, Ino ino,
      std::vector<NodeAttr>* attrs = nullptr);
  Status SyncDirLocked(TraceEntry& e, std::optional<Firing>& firing, Ino ino);
  void Touch(Ino ino);  // mtime = ctime = now on the visible node
  void Damage(Ino ino, const Firing& firing, TraceEntry& entry);
  // The damage itself, random values from `draw`; nullopt when `ino` is not
  // a regular file. Returns the detail for the fault log.
  std::optional<std::string> DamageLocked(
      Ino ino, const FaultRule& rule, const std::function<uint64_t()>& draw);
  // File operations, called by SimFile with mu_ held.
  Result<size_t> FileRead(SimFile& f, uint64_t offset, void* buf, size_t n);
  Result<size_t> FileWrite(SimFile& f, std::optional<uint64_t> offset,
                           const void* buf, size_t n);
  Status FileTruncate(SimFile& f, uint64_t size);
  Status FileSync(SimFile& f, OpKind op);
  Result<FileStat> FileStatLocked(SimFile& f);
  Status FileClose(SimFile& f);
  Status CheckHandle(const SimFile& f, bool want_write) const;

  Options options_;
  mutable std::mutex mu_;
  SimState state_;                    // GUARDED_BY(mu_)
  std::deque<TraceEntry> trace_;      // GUARDED_BY(mu_)
  size_t trace_dropped_ = 0;          // GUARDED_BY(mu_); popped off trace_
  size_t trace_streamed_ = SIZE_MAX;  // GUARDED_BY(mu_); SetTraceStreamed
  uint64_t next_index_ = 0;           // GUARDED_BY(mu_)
  uint64_t generation_ = 0;           // GUARDED_BY(mu_); bumped by every crash
  bool crashed_ = false;              // GUARDED_BY(mu_)
  std::map<Ino, int> open_count_;     // GUARDED_BY(mu_)
  std::vector<uint64_t> flip_bits_;   // GUARDED_BY(mu_); scratch for Damage()
  std::string garbage_;               // GUARDED_BY(mu_); scratch for Damage()
  Hook hook_;                         // GUARDED_BY(mu_)
  DurableListener durable_listener_;  // GUARDED_BY(mu_)
  std::set<Ino> durable_rewritten_;   // GUARDED_BY(mu_); pending notification
  std::optional<CrashLoss> last_crash_loss_;  // GUARDED_BY(mu_)
  FaultInjector faults_;
};

}  // namespace crashlab::faultfs
