#pragma once
// Reading WAL segments for replay and inspection. Never writes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/problem.h"
#include "engine/wal_record.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

enum class SegmentTail {
  kClean,    // the file ends exactly after the last good record
  kTorn,     // an incomplete or damaged final group: cut it
  kCorrupt,  // a damaged record followed by a later, good group
};

struct SegmentScan {
  std::string path;
  uint64_t first_lsn = 0;  // from the file name
  uint64_t file_size = 0;
  uint64_t valid_bytes = 0;  // end of the last good record
  // The bytes [replay_offset, valid_bytes) of the records kept in `records`
  // (lsn > skip_upto); empty when none is kept.
  uint64_t replay_offset = 0;
  std::string replay_bytes;
  uint64_t last_lsn = 0;  // LSN of the last good record (first_lsn - 1 if none)
  std::vector<WalRecord> records;
  SegmentTail tail = SegmentTail::kClean;
  std::string detail;  // why the tail is torn/corrupt
};

// Parses one segment. Records must carry consecutive LSNs starting at
// `first_lsn` (a mismatch is corruption). Only records with lsn > skip_upto
// are kept in `records` (all are still checked). `trust_torn` = unsafe
// trust-torn-wal: CRCs are not checked.
faultfs::Result<SegmentScan> ScanSegment(faultfs::Vfs& vfs,
                                         const std::string& path,
                                         uint64_t first_lsn, uint64_t skip_upto,
                                         bool trust_torn);

struct WalSegmentName {
  std::string path;
  uint64_t first_lsn = 0;
};
// Segments under DIR/wal sorted by first LSN; missing wal dir = none.
faultfs::Result<std::vector<WalSegmentName>> ListWalSegments(
    faultfs::Vfs& vfs, std::string_view dir);

// The encoded bytes of replayed records as they are in one segment.
struct WalRange {
  std::string path;
  uint64_t offset = 0;
  std::string bytes;
};

struct WalReplay {
  std::vector<WalRecord> records;  // lsn > from, in order
  std::vector<WalRange>
      ranges;                // where `records` are stored, segment by segment
  uint64_t last_lsn = 0;     // last good LSN overall (>= from when ok)
  std::string torn_segment;  // segment whose tail must be cut
  uint64_t torn_valid_bytes = 0;  // its new length
  uint64_t bytes_cut = 0;
  std::vector<Problem> problems;  // wal-torn-tail (informational)
};

// Reads every record after LSN `from` across the segments, checking
// continuity. Errors: wal-corrupt, wal-gap (as Problem in the status
// message), I/O errors with errno and path.
faultfs::Result<WalReplay> ReadWal(faultfs::Vfs& vfs, std::string_view dir,
                                   uint64_t from, bool trust_torn,
                                   std::vector<Problem>* problems);

}  // namespace crashlab::engine
