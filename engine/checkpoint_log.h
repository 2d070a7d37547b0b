#pragma once
// The checkpoint log and HEAD (ironwal's checkpoint manager), derived from
// the catalog and cross-checked against it at every Open:
//
//   checkpoints/CHECKPOINTS.log  append-only; one framed record per committed
//                                checkpoint, appended and fdatasync'd after
//                                the catalog commit
//   checkpoints/HEAD             the newest committed id, replaced atomically
//                                (tmp, fsync, rename, fsync checkpoints/)
//
// Record: "CKL1" | fixed32 payload length | fixed32 crc32c(payload) |
// payload = JSON {"info": CheckpointInfo, "partitions": N}.
//
// The catalog stays the single source of truth (its rename is the commit
// point); the log is the history index rebuilt on open, HEAD the fast
// pointer. Both are checked against the catalog, repaired from it when they
// disagree, and never override it (unsafe mode trust-head does).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/checkpoint_info.h"
#include "engine/problem.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

struct LogRecord {
  CheckpointInfo info;
  uint32_t partitions = 0;  // partition (shard) count of the checkpoint
  uint64_t offset = 0;      // byte offset of the record in the log
  bool operator==(const LogRecord&) const = default;
};

// What a scan of the log found.
struct LogScan {
  bool present = false;  // the file exists
  std::vector<LogRecord> records;
  uint64_t valid_bytes = 0;  // length of the intact prefix
  uint64_t file_bytes = 0;
  // "ok", "missing", "torn-tail" (an incomplete last record), "corrupt" (a
  // bad record; everything from it on is ignored).
  std::string status = "missing";
  std::string detail;  // what was wrong and where (byte offset)
};

// What a log compaction did.
struct LogCompaction {
  uint64_t records_before = 0, records_after = 0;
  uint64_t bytes_before = 0, bytes_after = 0;
};

std::string EncodeLogRecord(const CheckpointInfo& info, uint32_t partitions);

// Scans a log image (no I/O): every intact record up to the first bad one.
LogScan ScanLogBytes(std::string_view data, const std::string& path);
// Reads and scans DIR/checkpoints/CHECKPOINTS.log; an absent log is a scan
// with present = false. Other I/O errors are returned.
faultfs::Result<LogScan> ScanCheckpointLog(faultfs::Vfs& vfs,
                                           std::string_view dir);

// Appends `record` at byte `offset` (the intact length) and fdatasyncs.
faultfs::Status AppendCheckpointLog(faultfs::Vfs& vfs, std::string_view dir,
                                    uint64_t offset, std::string_view record);

// Replaces the log with `records` (re-encoded, in order): tmp, fsync,
// rename, fsync checkpoints/ (directory fsync skipped when !sync_dir).
// Returns the new log size in `bytes`.
faultfs::Status RewriteCheckpointLog(faultfs::Vfs& vfs, std::string_view dir,
                                     const std::vector<LogRecord>& records,
                                     bool sync_dir, uint64_t* bytes);

// HEAD: "<id>\n".
faultfs::Status WriteHead(faultfs::Vfs& vfs, std::string_view dir,
                          const std::string& id, bool sync_dir);
// The id HEAD names; nullopt if HEAD is absent. Corruption if it does not
// hold a checkpoint id.
faultfs::Result<std::optional<std::string>> ReadHead(faultfs::Vfs& vfs,
                                                     std::string_view dir);

}  // namespace crashlab::engine
