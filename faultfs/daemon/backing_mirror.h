#pragma once
// BackingMirror keeps a backing directory equal to the *durable* image of a
// SimVfs: SimVfs calls Apply() (through its durable listener) every time
// something becomes durable, and Apply() replays that change on the real
// directory. Load() reads the directory back into a SimState at mount.
//
// Only what changed is written: the ops SimVfs applied to its durable image
// (a write becomes a pwrite, a durable rename a rename(2), a newly durable
// name a file built from the in-memory content under .faultfs/tmp and renamed
// into place), plus a path-by-path diff after a crash.
//
// Crash safety: before a batch with namespace steps runs, its steps are
// written to BACKING/.faultfs/journal with a progress counter updated after
// each step. If the daemon dies mid-batch, Open() finishes the batch (every
// namespace step can be redone from the journal; data lives only in memory,
// so replay stops at the first step that needs data it no longer has and the
// directory is left at the state after a prefix of the interrupted sync -
// a state a real disk can show too). At the end of every batch the touched
// files and directories are fsync'd unless Options::fsync is off.
//
// A full backing disk: before a batch changes anything visible in the
// backing directory, the space its data needs is reserved (files built under
// .faultfs/tmp are created and fallocate'd, in-place writes get their ranges
// fallocate'd). When that fails (ENOSPC, EDQUOT...), everything reserved is
// given back, the model of the backing tree is restored and Apply() returns
// the error: the backing directory is exactly as before, the mirror stays
// usable, and SimVfs keeps the change pending. Removals that no earlier step
// of the batch depends on run first, so a batch that deletes files to make
// room can succeed. A step that fails after the batch started (rare: e.g.
// ENOSPC for a new directory block) breaks the mirror as before: every later
// Apply() fails with EIO until a remount, whose journal replay brings the
// directory to a state a crash could leave.
//
// One daemon per backing directory: Open() takes an exclusive flock(2) on
// the directory (released when the process ends, however it ends) and
// records the holder's pid in BACKING/.faultfs/pid; a second Open() fails
// with EBUSY naming that pid.
//
// The hidden directory BACKING/.faultfs is never loaded into the SimVfs, so
// it is invisible through the mount; the daemon refuses to create that name
// in the mount's root.
//
// Thread safety: Apply() is called with the SimVfs mutex held, so calls are
// serialised; TakeError() may be called from any thread.

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "faultfs/backing_image.h"
#include "faultfs/sim_vfs.h"

namespace crashlab::faultfs::daemon {

class BackingMirror {
 public:
  struct Options {
    bool fsync = true;  // fsync touched backing files and directories per batch
  };

  // Opens `backing` (an existing directory), locks it (EBUSY, naming the
  // holder's pid, when another daemon holds it), creates .faultfs/ in it and
  // replays an interrupted journal. `replay_report` gets one line for the
  // user when a journal was replayed, else stays empty.
  static Result<std::unique_ptr<BackingMirror>> Open(
      const std::string& backing, Options options, std::string* replay_report);
  ~BackingMirror();
  BackingMirror(const BackingMirror&) = delete;
  BackingMirror& operator=(const BackingMirror&) = delete;

  // Reads the whole backing tree into memory (ReadBackingImage: eagerly, file
  // content lives in the SimVfs) as a state with visible == durable and
  // nothing pending, and records it as the mirrored state. Files other than
  // regular files, directories and symlinks are skipped and named in `skipped`.
  Result<SimState> Load(std::vector<std::string>* skipped);

  // Writes a durable change to the backing directory. An error before the
  // batch started (reservation: ENOSPC) leaves the directory unchanged and is
  // returned (last_error() keeps it for `status`); an error after it started
  // breaks the mirror (error(), sticky): it refuses every later batch with
  // EIO (the backing directory no longer matches what it believes) until a
  // remount.
  Status Apply(const DurableChange& change);

  // Records `pid` as the lock holder (.faultfs/pid): the daemon calls it
  // again after it forked into the background.
  Status RecordOwner(pid_t pid);

  // Ok, or the error that broke the mirror (sticky).
  Status error() const;
  // The latest error Apply() returned, broken or not ("" when none yet), and
  // how many batches were refused without breaking the mirror.
  Status last_error() const;
  uint64_t refused() const { return refused_.load(); }
  bool broken() const { return broken_.load(); }
  uint64_t batches() const { return batches_.load(); }
  uint64_t steps() const { return steps_.load(); }

 private:
  struct MNode {
    FileType type = FileType::kRegular;
    std::set<std::pair<Ino, std::string>>
        locs;  // (dir, name) names in the backing tree
    std::map<std::string, Ino> entries;  // directories
  };
  struct Step {
    enum class Kind : uint8_t {
      kRename = 1,
      kLink,
      kUnlink,
      kRemoveTree,
      kMkdir,
      kSymlink,
      kAttr,      // redoable
      kTruncate,  // redoable
      kWrite,
      kFill,  // need memory
    };
    Kind kind = Kind::kRename;
    std::string a;  // path (source for rename/link)
    std::string b;  // destination / symlink target
    uint64_t off = 0;
    uint64_t len = 0;   // write length, truncate size
    uint32_t mode = 0;  // kAttr: 0 leaves the mode alone
    uint32_t uid = 0;   // kAttr: UINT32_MAX (uid and gid) leaves the owner
    uint32_t gid = 0;
    timespec atime{.tv_sec = 0, .tv_nsec = UTIME_OMIT};  // kAttr
    timespec mtime{.tv_sec = 0, .tv_nsec = UTIME_OMIT};
    std::shared_ptr<const WriteData> bytes;  // kWrite
    const Node* node = nullptr;  // kFill: content source (alive during Apply)
    bool redoable() const { return kind < Kind::kWrite; }
  };

  BackingMirror(std::string backing, int root_fd, Options options)
      : backing_(std::move(backing)), root_fd_(root_fd), options_(options) {}

  // --- planning: simulate on the model, append steps ---
  std::string PathOf(Ino dir) const;
  std::string EntryPath(Ino dir, const std::string& name) const;
  bool IsDir(Ino ino) const;
  void PlanOp(const PendingOp& op, const Image& durable);
  void PlanRemoveEntry(Ino dir, const std::string& name);
  void PlanPlace(Ino dir, const std::string& name, Ino ino,
                 const Image& durable, int depth);
  void PlanResync(Ino dir, const Image& before, const Image& after, int depth);
  void ForgetName(Ino ino, Ino dir, const std::string& name);
  void ForgetTree(Ino ino);
  // A kAttr step giving the backing copy of `ino` the durable attributes of
  // `n` (all of them, or only the times when `times_only`).
  void PlanAttr(Ino ino, const Node& n, bool times_only);

  // --- execution ---
  Status Execute(const Step& step, bool replay);
  // Moves removals that no earlier step depends on to the front of plan_;
  // returns how many.
  size_t HoistRemovals();
  // Reserves backing space for plan_[from, to) (see the class comment);
  // `*reserved_upto` gets the first step not reserved when it fails.
  Status Reserve(size_t from, size_t to, size_t* reserved_upto);
  struct InPlace;
  // The reservation of the existing file at `path` (opened once per batch),
  // or nullptr in *out when there is no such file.
  Status OpenInPlace(const std::string& path, InPlace** out);
  // Gives back what Reserve() took and forgets it; `punch` (nothing of the
  // batch ran yet) also frees what was reserved past the end of files.
  void Unreserve(bool punch);
  // Bytes the data steps of plan_[from, to) would allocate (an estimate).
  uint64_t BytesNeeded(size_t from, size_t to) const;
  // Bytes the unlinks of plan_[0, n) free (single-link regular files).
  uint64_t BytesFreed(size_t n) const;
  // Model undo while a batch is planned (Save(): the node before its first
  // change, nullopt when absent).
  void Save(Ino ino);
  void RollbackModel();
  Status WriteJournal();
  void UpdateProgress(uint64_t done);
  void ClearJournal();
  Status Replay(std::string* report);
  Status FinishBatch();
  void CleanScratch();
  int FileFd(const std::string& path);
  void Fail(Status st);

  std::string backing_;
  int root_fd_;
  Options options_;
  int journal_fd_ = -1;
  std::unordered_map<Ino, MNode> model_;  // inodes present in the backing tree
  std::set<Ino> filled_;                  // inodes written in full this batch
  std::vector<Step> plan_;
  uint64_t tmp_counter_ = 0;
  std::map<std::string, int>
      batch_fds_;                // path -> descriptor, until a namespace step
  std::vector<int> batch_open_;  // every file written this batch (fsync, close)
  std::set<std::string> batch_dirs_;  // directories changed this batch
  // Reservations of the batch being applied: descriptors of tmp files
  // created and fallocate'd (path -> fd) and of in-place files (path ->
  // descriptor, size before, end of what was reserved: the part past the
  // old size is punched out when the batch is refused).
  std::map<std::string, int> reserved_new_;
  struct InPlace {
    int fd = -1;
    uint64_t old_size = 0;
    uint64_t end = 0;
  };
  std::map<std::string, InPlace> reserved_in_place_;
  bool undo_on_ = false;
  std::unordered_map<Ino, std::optional<MNode>> undo_;
  std::atomic<bool> broken_{false};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> steps_{0};
  mutable std::mutex error_mu_;
  Status error_;       // GUARDED_BY(error_mu_)
  Status last_error_;  // GUARDED_BY(error_mu_)
};

}  // namespace crashlab::faultfs::daemon
