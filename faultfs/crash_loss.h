#pragma once
// What a power cut takes: given the simulator's state just before a crash and
// the crash mode, per file the unsynced byte ranges that did not persist, the
// namespace operations rolled back (with the directories whose fsync was
// missing) and the file's last fsync. Pure: computed from a SimState alone,
// with the crash mode's own draws (SimState::PostCrash), so it names exactly
// what that crash dropped. The FUSE daemon attaches it to the `crash` reply
// and `report` (what a crash now would take); exec mode records it for every
// run whose checks were violated.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/crash_mode.h"
#include "faultfs/sim_state.h"
#include "faultfs/status.h"

namespace crashlab::faultfs {

// A namespace operation the crash rolled back.
struct RolledBackOp {
  uint64_t op_index = 0;  // trace index of the operation
  // "create", "mkdir", "symlink", "link", "unlink", "rmdir", "rename"
  std::string op;
  std::string path;  // the entry it made or removed (rename: the source)
  std::string dest;  // rename: the destination; "" otherwise
  // Directories whose fsync was missing ("." is the mount's root), sorted;
  // empty when every directory was fsync'd but an earlier rolled-back
  // operation on the same entry held this one back (held_by).
  std::vector<std::string> missing_fsync_of;
  std::optional<uint64_t> held_by;  // op index of that earlier operation
  bool operator==(const RolledBackOp&) const = default;
};

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator==(const ByteRange&) const = default;
};

struct DroppedTruncate {
  uint64_t op_index = 0;
  uint64_t size = 0;  // the size it set
  bool operator==(const DroppedTruncate&) const = default;
};

// What the crash took from one file (inode).
struct FileLoss {
  // Its path just before the crash; for a file no longer visible then, its
  // durable path, or "<inode N>" when it never had a durable name.
  std::string path;
  bool visible = true;  // it had a name just before the crash
  std::string type;     // "file", "dir", "symlink"
  // Trace index of the last fsync/fdatasync of it (or of a sync of
  // everything) that succeeded; nullopt: never, since the mount.
  std::optional<uint64_t> last_fsync;
  // Unsynced bytes that did not persist: the union of the lost parts of the
  // dropped writes, sorted, at most kMaxRanges (ranges_omitted: the rest).
  std::vector<ByteRange> dropped;
  uint64_t dropped_bytes = 0;  // total length of all lost ranges (union)
  uint64_t ranges_omitted = 0;
  std::vector<DroppedTruncate> truncates_dropped;  // in issue order
  std::vector<RolledBackOp> rolled_back;           // in issue order
  bool operator==(const FileLoss&) const = default;
};

struct CrashLoss {
  std::string mode;             // CrashMode::ToString()
  uint64_t pending = 0;         // pending operations just before the crash
  uint64_t kept = 0;            // of which the crash kept (whole)
  std::vector<FileLoss> files;  // sorted by path, then inode
  uint64_t files_omitted = 0;   // over kMaxFiles

  static constexpr size_t kMaxRanges = 64;
  static constexpr size_t kMaxFiles = 256;

  nlohmann::json ToJson() const;
  // Reads ToJson()'s form; errors name the field.
  static Result<CrashLoss> FromJson(const nlohmann::json& j);
  bool operator==(const CrashLoss&) const = default;
};

// ino -> one path of it in `image` (breadth first, names in order: the
// shortest, first path); the root is "".
std::map<Ino, std::string> PathIndex(const Image& image);

// What a crash in `mode` takes from `state` (the state just before it).
// Files are listed only when the crash took something of theirs; a rule's
// `lose` (state.lost) is not covered (it is logged as an injected fault).
CrashLoss ExplainCrash(const SimState& state, const CrashMode& mode);
// The same from the fates state.PostCrash(mode, &fates) gave (for a caller
// that applies the crash anyway and should not compute it twice).
CrashLoss ExplainCrash(const SimState& state, const CrashMode& mode,
                       const std::vector<PendingFate>& fates);

// One line per file, for people: "db/data.mdb: created by op 12, rolled
// back (no fsync of db); 8192 unsynced bytes dropped in 2 ranges ...".
std::vector<std::string> DescribeCrashLoss(const CrashLoss& loss);

}  // namespace crashlab::faultfs
