#include "engine/wal_reader.h"

#include <algorithm>
#include <optional>

#include "engine/layout.h"

namespace crashlab::engine {

using faultfs::Result;
using faultfs::Status;

namespace {

// After a bad frame at `bad_off`, looks for later well-formed records (valid
// CRC, lsn >= expected). Returns the largest group_first_lsn among them, or
// 0 if there is none.
uint64_t FindLaterGoodRecord(std::string_view data, size_t bad_off,
                             uint64_t expected) {
  uint64_t best = 0;
  for (size_t p = bad_off + 1;
       p + kRecordHeaderSize + kRecordFixedBody <= data.size();) {
    WalRecord r;
    size_t n = 0;
    if (DecodeFrame(data.substr(p), /*check_crc=*/true, &r, &n) ==
            FrameStatus::kOk &&
        r.lsn >= expected) {
      best = std::max(best, r.group_first_lsn);
      p += n;
      continue;
    }
    ++p;
  }
  return best;
}

const char* FrameStatusName(FrameStatus s) {
  switch (s) {
    case FrameStatus::kOk:
      return "ok";
    case FrameStatus::kIncomplete:
      return "incomplete record";
    case FrameStatus::kBadLength:
      return "bad record length";
    case FrameStatus::kBadCrc:
      return "crc mismatch";
    case FrameStatus::kBadBody:
      return "malformed record body";
  }
  return "?";
}

}  // namespace

Result<SegmentScan> ScanSegment(faultfs::Vfs& vfs, const std::string& path,
                                uint64_t first_lsn, uint64_t skip_upto,
                                bool trust_torn) {
  auto data = faultfs::ReadFile(vfs, path);
  if (!data.ok()) return data.status();
  SegmentScan scan;
  scan.path = path;
  scan.first_lsn = first_lsn;
  scan.file_size = data->size();
  std::string_view in(*data);
  size_t off = 0;
  std::optional<size_t> replay_from;
  uint64_t expected = first_lsn;
  scan.last_lsn = first_lsn - 1;
  while (off < in.size()) {
    WalRecord r;
    size_t n = 0;
    FrameStatus fs = DecodeFrame(in.substr(off), !trust_torn, &r, &n);
    if (fs == FrameStatus::kOk && r.lsn != expected) {
      if (trust_torn) break;  // trusting framing only: stop quietly
      scan.tail = SegmentTail::kCorrupt;
      scan.detail = "record at offset " + std::to_string(off) + " has lsn " +
                    std::to_string(r.lsn) + ", expected " +
                    std::to_string(expected);
      return scan;
    }
    if (fs != FrameStatus::kOk) {
      if (trust_torn) {
        scan.tail = SegmentTail::kTorn;
        scan.detail = std::string(FrameStatusName(fs)) + " at offset " +
                      std::to_string(off);
        break;
      }
      uint64_t later_group = FindLaterGoodRecord(in, off, expected);
      if (later_group > expected) {
        // A later group was written after this one was synced: this record
        // was acknowledged-durable and is now damaged.
        scan.tail = SegmentTail::kCorrupt;
        scan.detail = std::string(FrameStatusName(fs)) + " at offset " +
                      std::to_string(off) + " (lsn " +
                      std::to_string(expected) + ") followed by good records";
        return scan;
      }
      scan.tail = SegmentTail::kTorn;
      scan.detail = std::string(FrameStatusName(fs)) + " at offset " +
                    std::to_string(off) +
                    (later_group ? " inside the last, unsynced group" : "");
      break;
    }
    if (r.lsn > skip_upto) {
      if (!replay_from) replay_from = off;
      scan.records.push_back(std::move(r));
    }
    off += n;
    scan.valid_bytes = off;
    scan.last_lsn = expected;
    ++expected;
  }
  scan.replay_offset = replay_from.value_or(scan.valid_bytes);
  scan.replay_bytes.assign(
      in.substr(scan.replay_offset, scan.valid_bytes - scan.replay_offset));
  return scan;
}

Result<std::vector<WalSegmentName>> ListWalSegments(faultfs::Vfs& vfs,
                                                    std::string_view dir) {
  std::vector<WalSegmentName> out;
  auto entries = vfs.ListDir(layout::WalDir(dir));
  if (!entries.ok()) {
    if (entries.status().err() == ENOENT) return out;
    return entries.status();
  }
  for (const auto& e : *entries) {
    auto first = layout::ParseWalSegmentName(e.name);
    if (!first || e.type != faultfs::FileType::kRegular) continue;
    out.push_back({layout::WalSegment(dir, *first), *first});
  }
  // Names are fixed-width, so ListDir's name order is LSN order.
  return out;
}

Result<WalReplay> ReadWal(faultfs::Vfs& vfs, std::string_view dir,
                          uint64_t from, bool trust_torn,
                          std::vector<Problem>* problems) {
  auto segs = ListWalSegments(vfs, dir);
  if (!segs.ok()) return segs.status();
  WalReplay out;
  out.last_lsn = from;
  // Segments wholly at or below `from` are truncation leftovers: skipped.
  size_t start = 0;
  while (start + 1 < segs->size() && (*segs)[start + 1].first_lsn <= from + 1)
    ++start;
  for (size_t i = start; i < segs->size(); ++i) {
    const auto& seg = (*segs)[i];
    bool last = i + 1 == segs->size();
    if (seg.first_lsn > out.last_lsn + 1) {
      Problem p{"wal-gap", seg.path,
                "segment starts at lsn " + std::to_string(seg.first_lsn) +
                    " but lsn " + std::to_string(out.last_lsn + 1) +
                    " is needed"};
      problems->push_back(p);
      return ProblemStatus(p);
    }
    auto scan = ScanSegment(vfs, seg.path, seg.first_lsn, from, trust_torn);
    if (!scan.ok()) {
      problems->push_back({"io-error", seg.path, scan.status().ToString(),
                           scan.status().err()});
      return scan.status();
    }
    if (scan->tail == SegmentTail::kCorrupt ||
        (scan->tail == SegmentTail::kTorn && !last)) {
      Problem p{"wal-corrupt", seg.path,
                scan->detail + (last ? "" : " (not the last segment)")};
      problems->push_back(p);
      return ProblemStatus(p);
    }
    uint64_t seg_last = scan->last_lsn;
    if (seg_last > out.last_lsn) out.last_lsn = seg_last;
    for (auto& r : scan->records) out.records.push_back(std::move(r));
    if (!scan->replay_bytes.empty()) {
      out.ranges.push_back(
          {seg.path, scan->replay_offset, std::move(scan->replay_bytes)});
    }
    if (scan->tail == SegmentTail::kTorn) {
      out.torn_segment = seg.path;
      out.torn_valid_bytes = scan->valid_bytes;
      out.bytes_cut = scan->file_size - scan->valid_bytes;
      Problem p{
          "wal-torn-tail", seg.path,
          scan->detail + "; " + std::to_string(out.bytes_cut) + " bytes cut"};
      problems->push_back(p);
    }
  }
  return out;
}

}  // namespace crashlab::engine
