#include "engine/wal_writer.h"

#include <algorithm>

#include "engine/layout.h"

namespace crashlab::engine {

using faultfs::Status;

WalWriter::WalWriter(faultfs::Vfs& vfs, std::string dir, Settings settings,
                     std::vector<uint64_t> segments, uint64_t next_lsn)
    : vfs_(vfs),
      dir_(std::move(dir)),
      settings_(settings),
      segments_(std::move(segments)),
      written_lsn_(next_lsn - 1),
      durable_lsn_(next_lsn - 1) {}

WalWriter::~WalWriter() {
  if (file_) file_->Close().IgnoreError();  // destructor: nothing to report to
}

void WalWriter::Add(const WalRecord& r) { pending_.push_back(r); }

Status WalWriter::Poison(Status st) {
  health_ =
      Status::IoError(st.err() ? st.err() : EIO, st.path(),
                      "WAL failed, engine must be reopened: " + st.message());
  return st;
}

Status WalWriter::StartSegment(uint64_t first_lsn) {
  if (file_) {
    Status st = file_->Close();
    file_.reset();
    if (!st.ok()) return st;
  }
  std::string path = layout::WalSegment(dir_, first_lsn);
  // A same-named segment can only hold no valid record (recovery ended
  // before its first LSN). It is replaced by a new file, not reused: its
  // directory entry may never become durable (a failed fsync of wal/ can
  // drop it for good), and the fsync below only persists pending entries.
  if (std::find(segments_.begin(), segments_.end(), first_lsn) !=
      segments_.end()) {
    Status st = vfs_.Unlink(path);
    if (!st.ok() && st.err() != ENOENT) return st;
  }
  auto f = vfs_.Open(path, faultfs::OpenOptions::CreateTruncate());
  if (!f.ok()) return f.status();
  file_ = std::move(*f);
  file_size_ = 0;
  // The segment's name must be durable before any record in it is acknowledged.
  CRASHLAB_RETURN_IF_ERROR(vfs_.SyncDir(layout::WalDir(dir_)));
  if (std::find(segments_.begin(), segments_.end(), first_lsn) ==
      segments_.end()) {
    segments_.push_back(first_lsn);
  }
  return Status::Ok();
}

Status WalWriter::Flush() {
  if (!health_.ok()) return health_;
  if (pending_.empty()) return Status::Ok();
  if (sync_owed_ && file_) {
    Status st = file_->DataSync();
    if (!st.ok()) return Poison(st);
    sync_owed_ = false;
  }
  if (!file_ || file_size_ >= settings_.segment_bytes) {
    Status st = StartSegment(pending_.front().lsn);
    if (!st.ok()) return Poison(st);
  }
  std::string buf;
  uint64_t first = pending_.front().lsn;
  for (auto& r : pending_) {
    r.group_first_lsn = first;
    EncodeRecord(r, &buf);
  }
  Status st = faultfs::AppendAll(*file_, buf);
  if (!st.ok()) return Poison(st);
  file_size_ += buf.size();
  bytes_appended_ += buf.size();
  written_lsn_ = pending_.back().lsn;
  pending_.clear();
  if (settings_.ack_before_fsync) {
    sync_owed_ = true;  // UNSAFE: acknowledged before the data is durable
    durable_lsn_ = written_lsn_;
    return Status::Ok();
  }
  st = file_->DataSync();
  if (!st.ok()) return Poison(st);
  durable_lsn_ = written_lsn_;
  return Status::Ok();
}

Status WalWriter::TruncateUpTo(uint64_t upto,
                               std::vector<std::string>* deleted) {
  if (file_ && written_lsn_ <= upto && pending_.empty() && !sync_owed_) {
    Status st = file_->Close();
    file_.reset();
    if (!st.ok()) return st;
  }
  std::vector<uint64_t> keep;
  bool any = false;
  Status result;
  for (size_t i = 0; i < segments_.size(); ++i) {
    bool is_last = i + 1 == segments_.size();
    bool all_below = is_last ? (!file_ && written_lsn_ <= upto)
                             : segments_[i + 1] <= upto + 1;
    if (!all_below || !result.ok()) {
      keep.push_back(segments_[i]);
      continue;
    }
    std::string path = layout::WalSegment(dir_, segments_[i]);
    Status st = vfs_.Unlink(path);
    if (!st.ok() && st.err() != ENOENT) {
      result = st;
      keep.push_back(segments_[i]);
      continue;
    }
    any = true;
    if (deleted) deleted->push_back(path);
  }
  segments_ = std::move(keep);
  if (any && result.ok()) result = vfs_.SyncDir(layout::WalDir(dir_));
  return result;
}

Status WalWriter::Close() {
  Status st = Flush();
  if (file_) {
    Status c = file_->Close();
    file_.reset();
    if (st.ok()) st = c;
  }
  return st;
}

}  // namespace crashlab::engine
