#pragma once
// The simulator's state: a visible file-system image (what processes see), a
// durable image (what survives a power cut) and the list of pending
// operations (issued, visible, not yet durable) in issue order. Images share
// nodes and pages copy-on-write, so copying a SimState is cheap.
//
// Durability rules (strict POSIX, docs/design.md "The crash model"):
//   data ops (write, truncate) on an inode become durable when that inode is
//   fsync'd/fdatasync'd; namespace ops (create, mkdir, link, symlink, unlink,
//   rmdir, rename) when their parent directory is fsync'd - both parents for
//   a cross-directory rename. A namespace op never overtakes an earlier
//   pending op on the same directory entry. SyncAll makes everything durable.
//   Attributes (mode, owner, times) changed after a node was created are
//   pending until that node is fsync'd (not fdatasync'd) or SyncAll; a crash
//   drops them (the node keeps its durable attributes).

#include <time.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "faultfs/content.h"
#include "faultfs/crash_mode.h"
#include "faultfs/vfs.h"

namespace crashlab::faultfs {

using Ino = uint64_t;
constexpr Ino kRootIno = 1;

struct Node {
  FileType type = FileType::kRegular;
  uint32_t mode = 0644;
  uint32_t nlink = 1;  // names that refer to it (dirs: 2 + subdirs)
  Content data;        // regular files
  std::string target;  // symlinks
  std::map<std::string, Ino> entries;  // directories
  // Attributes. A change is pending (SimState::attrs_dirty) until the node
  // is fsync'd or SyncEverything() runs; then it reaches the durable node.
  uint32_t uid = 0;
  uint32_t gid = 0;
  timespec atime{};
  timespec mtime{};
  timespec ctime{};
};

// An image: inode number -> node. Nodes are shared between images and cloned
// on first write.
class Image {
 public:
  Image();  // an empty root directory
  // Copies share the nodes but not an undo log (see StartUndo).
  Image(const Image& other) : nodes_(other.nodes_) {}
  Image& operator=(const Image& other) {
    if (this != &other) {
      nodes_ = other.nodes_;
      undo_.reset();
    }
    return *this;
  }
  Image(Image&&) = default;
  Image& operator=(Image&&) = default;
  const Node* Find(Ino ino) const;
  Node& Mut(Ino ino);  // REQUIRES: Find(ino) != nullptr
  Node& Create(Ino ino, FileType type, uint32_t mode);
  // Creates an empty node of `type` if the inode is absent.
  Node& Ensure(Ino ino, FileType type, uint32_t mode);
  void Erase(Ino ino);
  // Resolves a normalised path (no symlinks followed); nullopt if absent.
  std::optional<Ino> Lookup(std::string_view path) const;
  // Drops nodes not reachable from the root and recomputes link counts.
  void CollectGarbage();
  size_t node_count() const { return nodes_.size(); }
  const std::map<Ino, std::shared_ptr<Node>>& nodes() const { return nodes_; }

  // Undo log: from StartUndo() on, the first change of each inode keeps the
  // node it replaced (nodes are copy-on-write, so the old node stays intact);
  // Rollback() puts them back, EndUndo() forgets them. Costs only the
  // inodes changed while it runs.
  void StartUndo() { undo_.emplace(); }
  // Whether the undo log holds `ino` already (its changes are undone with
  // it). MutUntracked: Mut() without the undo log, for a caller that keeps
  // its own (cheaper) undo of that node's change.
  bool InUndo(Ino ino) const { return undo_ && undo_->count(ino) != 0; }
  Node& MutUntracked(Ino ino);
  void Rollback();
  void EndUndo() { undo_.reset(); }

 private:
  void Save(Ino ino);  // records ino's node (or its absence) once

  std::map<Ino, std::shared_ptr<Node>> nodes_;
  std::optional<std::map<Ino, std::shared_ptr<Node>>> undo_;
};

// One entry of a tree listing: type and content (file data or link target).
struct TreeEntry {
  FileType type = FileType::kRegular;
  std::string data;
  bool operator==(const TreeEntry&) const = default;
};
// path -> entry for every file, directory and symlink reachable from the root
// (the root itself is not listed).
using Tree = std::map<std::string, TreeEntry>;
Tree ImageTree(const Image& image);
nlohmann::json TreeToJson(
    const Tree& tree);  // {"path": {"type":..., "size":..., "data"...}}

// A pending (visible, not yet durable) operation.
struct PendingOp {
  enum class Kind { kWrite, kTruncate, kLinkEntry, kUnlinkEntry, kRename };
  Kind kind = Kind::kWrite;
  uint64_t op_index = 0;  // trace index of the operation that issued it
  Ino ino = 0;            // target inode (data ops; linked/renamed inode)
  // data ops
  uint64_t offset = 0;
  std::shared_ptr<const WriteData> bytes;  // kWrite payload (shares whole pages
                                           // with the image it was written to)
  uint64_t size = 0;                       // kTruncate new size
  uint64_t torn_keep = UINT64_MAX;         // kWrite: bytes that really persist
  // namespace ops: entry (dir, name) -> ino; rename moves (dir, name) to (dir2,
  // name2)
  Ino dir = 0;
  std::string name;
  Ino dir2 = 0;
  std::string name2;
  FileType new_type = FileType::kRegular;  // kLinkEntry of a new inode
  uint32_t new_mode = 0644;
  uint32_t new_uid = 0;  // owner of a node this op creates
  uint32_t new_gid = 0;
  std::string new_target;  // symlink target
  timespec new_time{};     // atime = mtime = ctime of a node this op creates
                           // (zero: the time the op is applied)
  Ino replaced = 0;        // rename/link: inode the target entry held
  std::set<Ino> needs;     // directories still to fsync

  bool is_data() const {
    return kind == Kind::kWrite || kind == Kind::kTruncate;
  }
  std::string Describe() const;  // "write ino 5 [0, 4096)" ...
};

// Applies a pending op to an image (durable or post-crash).
void ApplyPendingOp(Image& image, const PendingOp& op);

// What a crash did with one pending op: kept (reached the post-crash image)
// or not; for a write, the byte ranges [offset, offset + length) of it that
// did not persist (all of it when dropped; the lost sectors of a torn write;
// the tail past torn_keep).
struct PendingFate {
  bool kept = false;
  std::vector<std::pair<uint64_t, uint64_t>> lost_ranges;  // (offset, length)
};

struct SimState {
  Image visible;
  Image durable;
  std::vector<PendingOp> pending;  // issue order
  std::set<Ino> lost;              // 'lose' action: gone at the next crash
  // Nodes whose visible attributes (mode, owner, times) changed since they
  // were last made durable: pending attribute changes.
  std::set<Ino> attrs_dirty;
  Ino next_ino = kRootIno + 1;
  // The trace index of the last fsync/fdatasync that made a node's data or
  // entries durable (SimVfs records it), and of the last sync of everything.
  std::map<Ino, uint64_t> last_sync;
  std::optional<uint64_t> last_sync_all;
  // When set, every op the Sync* calls below apply to `durable` is also
  // appended to `durable_log` (in order): the FUSE daemon replays them on
  // its backing directory.
  bool log_durable = false;
  std::vector<PendingOp> durable_log;
  std::set<Ino> durable_attr_log;  // nodes whose durable attributes changed

  // Notes a change of `ino`'s visible attributes (pending until SyncAttrs).
  void MarkAttrs(Ino ino) { attrs_dirty.insert(ino); }
  // Makes the pending attribute changes of `ino` durable: the durable node
  // (created if absent, as a data fsync of a nameless node does) gets the
  // visible node's mode, owner and times.
  void SyncAttrs(Ino ino);

  // The visible image a crash in `mode` leaves behind (garbage collected).
  // With `fates`, also what the crash did with each pending op (same order
  // as `pending`): the crash-loss explanation (crash_loss.h) reads it.
  Image PostCrash(const CrashMode& mode,
                  std::vector<PendingFate>* fates = nullptr) const;
  // Appends a pending op (keeps the index the Sync* calls use). Code that
  // changes `pending` in other ways needs no care: the index notices a
  // changed length and rebuilds itself.
  void AddPending(PendingOp op);
  // Drops every pending data op on `ino` (fsyncgate: the dirty data is lost).
  void DropPendingData(Ino ino);
  // Makes all pending data ops on `ino` durable.
  void SyncData(Ino ino);
  // Marks `dir` as fsync'd and applies every namespace op that became durable.
  void SyncDirectory(Ino dir);
  // Makes every pending op durable.
  void SyncEverything();

  // Undo of the Sync* calls above (the FUSE daemon's backing dir can refuse
  // what became durable, e.g. ENOSPC): between StartUndo() and EndUndo(),
  // RollbackUndo() puts `durable`, `pending` and `attrs_dirty` back as they
  // were at StartUndo() and empties the durable logs. Costs only what the
  // Sync* calls changed.
  void StartUndo();
  void RollbackUndo();
  void EndUndo();
  bool undo_active() const { return undo_on_; }

  // Index of `pending`, so an fsync looks only at the ops it can apply
  // rather than at every pending op: the number of pending data ops per
  // inode and of namespace ops, for `pending_indexed` ops. The Sync* calls
  // find them scanning from the newest op back.
  std::unordered_map<Ino, size_t> pending_data_count;
  size_t pending_namespace_count = 0;
  size_t pending_indexed = 0;

 private:
  void EnsureIndex();

  struct UndoRecord {
    // kContent: a data op's pages [first, last] and size before it;
    // kAttrValues: a durable node's attributes before SyncAttrs.
    enum class Kind {
      kRemoved,
      kNeeds,
      kAttrs,
      kCleared,
      kContent,
      kAttrValues
    };
    Kind kind = Kind::kRemoved;
    std::vector<size_t> positions;  // kRemoved: ascending, before removal
    std::vector<PendingOp> ops;     // kRemoved, kCleared: the removed ops
    std::vector<std::pair<size_t, Ino>> needs;  // kNeeds: (position, dir)
    Ino ino = 0;                                // kAttrs, kContent, kAttrValues
    uint64_t size = 0, first = 0, last = 0;     // kContent
    std::vector<std::pair<uint64_t, Content::PagePtr>> pages;  // kContent
    bool pages_touched = false;  // kContent: [first, last] is the range
    Node attrs;                  // kAttrValues (no data or entries)
  };
  // Applies data op `op` to the durable image, with an undo record of only
  // the pages it touches when the undo log runs (no copy of the node).
  void ApplyDataDurably(const PendingOp& op);
  // Records removing `positions` (ascending) of `pending`, about to happen.
  void SaveRemoved(const std::vector<size_t>& positions);
  bool undo_on_ = false;
  std::vector<UndoRecord> undo_log_;
};

}  // namespace crashlab::faultfs
