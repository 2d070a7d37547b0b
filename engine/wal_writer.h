#pragma once
// Appends records to the WAL in groups: Add() buffers, Flush() writes the
// group with one write and makes it durable with one fdatasync. A failed
// write or fdatasync poisons the writer for good: the outcome of an fsync
// that returned EIO is unknown, so it is never retried into success
// (lesson 9); the engine must be reopened (recovered).
//
// REQUIRES: external synchronization (the engine's mutex).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/wal_record.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

class WalWriter {
 public:
  struct Settings {
    uint64_t segment_bytes = 4u << 20;
    bool ack_before_fsync =
        false;  // unsafe: acknowledge, fdatasync at the next flush
  };
  // `segments`: first LSNs of the existing segments, ascending. `next_lsn`:
  // the LSN the next record will carry. No file is opened until the first
  // Flush(), which starts a new segment named after its first record.
  WalWriter(faultfs::Vfs& vfs, std::string dir, Settings settings,
            std::vector<uint64_t> segments, uint64_t next_lsn);
  ~WalWriter();

  // Buffers a record (its lsn must be the next one).
  void Add(const WalRecord& r);
  size_t pending() const { return pending_.size(); }
  faultfs::Status Flush();

  uint64_t durable_lsn() const { return durable_lsn_; }
  uint64_t written_lsn() const { return written_lsn_; }
  uint64_t bytes_appended() const { return bytes_appended_; }
  faultfs::Status health() const { return health_; }

  // Deletes every segment all of whose records have LSN <= upto (closing the
  // open segment first if that holds for it). Deleted paths are appended.
  faultfs::Status TruncateUpTo(uint64_t upto,
                               std::vector<std::string>* deleted);
  std::vector<uint64_t> segments() const { return segments_; }

  faultfs::Status Close();

 private:
  faultfs::Status Poison(faultfs::Status st);
  faultfs::Status StartSegment(uint64_t first_lsn);

  faultfs::Vfs& vfs_;
  std::string dir_;
  Settings settings_;
  std::vector<uint64_t> segments_;
  std::unique_ptr<faultfs::File> file_;  // the open (last) segment, or null
  uint64_t file_size_ = 0;
  std::vector<WalRecord> pending_;
  uint64_t written_lsn_ = 0;
  uint64_t durable_lsn_ = 0;
  uint64_t bytes_appended_ = 0;
  bool sync_owed_ =
      false;  // ack-before-fsync: the last group is not synced yet
  faultfs::Status health_;
};

}  // namespace crashlab::engine
