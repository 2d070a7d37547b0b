// Engine: construction, writes, reads, durability. The commit protocol is in
// engine_checkpoint.cc, GC in engine_gc.cc, recovery in engine_recover.cc.
#include "engine/engine.h"

#include <chrono>

#include "engine/crc32c.h"
#include "engine/engine_impl.h"
#include "engine/layout.h"
#include "engine/verify.h"

namespace crashlab::engine {

Engine::Impl::Impl(faultfs::Vfs& vfs, std::string dir, Options options)
    : vfs_(vfs),
      dir_(std::move(dir)),
      opt_(std::move(options)),
      dirty_(opt_.partitions) {}

Engine::Impl::~Impl() { StopFlusher(); }

uint64_t Engine::Impl::Now() const {
  if (opt_.clock) return opt_.clock();
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

uint32_t Engine::Impl::PartitionOf(std::string_view key) const {
  return Crc32c(key) % opt_.partitions;
}

void Engine::Impl::Apply(const WalRecord& r) {
  switch (r.type) {
    case RecordType::kPut:
      kv_[r.key] = r.value;
      dirty_[PartitionOf(r.key)].insert(r.key);
      break;
    case RecordType::kDelete:
      kv_.erase(r.key);
      dirty_[PartitionOf(r.key)].insert(r.key);
      break;
    case RecordType::kOffset:
      offsets_[r.key] = r.number;
      break;
    case RecordType::kWatermark:
      watermark_ = r.number;
      break;
  }
}

Result<Lsn> Engine::Impl::Append(WalRecord r) {
  CRASHLAB_RETURN_IF_ERROR(wal_->health());
  r.lsn = ++last_lsn_;
  r.epoch = max_epoch_;
  wal_->Add(r);
  Apply(r);
  if (!opt_.background_flush && wal_->pending() >= opt_.wal_group_size) {
    CRASHLAB_RETURN_IF_ERROR(wal_->Flush());
  }
  return r.lsn;
}

Status Engine::Impl::FlushWal() { return wal_->Flush(); }

void Engine::Impl::StartFlusher() {
  if (!opt_.background_flush) return;
  flusher_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::microseconds(opt_.flush_interval_us));
      if (stop_) break;
      // A failure poisons the writer; the next caller sees it via health().
      if (wal_->pending() > 0) wal_->Flush().IgnoreError();
    }
  });
}

void Engine::Impl::StopFlusher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<Lsn> Engine::Put(std::string_view key, std::string_view value) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  WalRecord r;
  r.type = RecordType::kPut;
  r.key.assign(key);
  r.value.assign(value);
  return impl_->Append(std::move(r));
}

Result<Lsn> Engine::Delete(std::string_view key) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  WalRecord r;
  r.type = RecordType::kDelete;
  r.key.assign(key);
  return impl_->Append(std::move(r));
}

Result<Lsn> Engine::SetSourceOffset(std::string_view source, uint64_t offset) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  WalRecord r;
  r.type = RecordType::kOffset;
  r.key.assign(source);
  r.number = offset;
  return impl_->Append(std::move(r));
}

Result<Lsn> Engine::SetWatermark(uint64_t watermark) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  WalRecord r;
  r.type = RecordType::kWatermark;
  r.number = watermark;
  return impl_->Append(std::move(r));
}

Status Engine::Sync() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->FlushWal();
}

Status Engine::WaitDurable(Lsn lsn) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  if (impl_->wal_->durable_lsn() >= lsn) return impl_->wal_->health();
  return impl_->FlushWal();
}

Lsn Engine::last_lsn() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->last_lsn_;
}

Lsn Engine::durable_lsn() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  // UNSAFE frozen-durable-lsn: what Open recovered, whatever was synced since.
  if (impl_->unsafe(UnsafeMode::kFrozenDurableLsn))
    return impl_->recovered_lsn_;
  return impl_->wal_->durable_lsn();
}

std::optional<std::string> Engine::Get(std::string_view key) const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  auto it = impl_->kv_.find(std::string(key));
  if (it == impl_->kv_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, std::string>> Engine::Scan(
    std::string_view start, std::string_view end, size_t limit) const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = impl_->kv_.lower_bound(std::string(start));
       it != impl_->kv_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (limit != 0 && out.size() >= limit) break;
    out.emplace_back(it->first, it->second);
  }
  return out;
}

std::map<std::string, uint64_t> Engine::source_offsets() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->offsets_;
}

uint64_t Engine::watermark() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->watermark_;
}

StateDump Engine::Dump() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return {impl_->kv_, impl_->offsets_, impl_->watermark_};
}

uint64_t Engine::epoch() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->catalog_.checkpoints.empty()
             ? 0
             : impl_->catalog_.checkpoints.back().epoch;
}

std::vector<CheckpointInfo> Engine::checkpoints() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->catalog_.checkpoints;
}

std::vector<LogRecord> Engine::checkpoint_log() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->log_index_;
}

Result<LogCompaction> Engine::CompactCheckpointLog() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->DoCompactLog();
}

uint64_t Engine::wal_bytes_since_checkpoint() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->wal_->bytes_appended() - impl_->wal_bytes_at_checkpoint_;
}

Result<CheckpointResult> Engine::Checkpoint() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->DoCheckpoint(impl_->opt_.incremental
                                 ? CheckpointKind::kIncremental
                                 : CheckpointKind::kFull);
}

Result<CheckpointResult> Engine::Checkpoint(CheckpointKind kind) {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->DoCheckpoint(kind);
}

Result<std::optional<CheckpointResult>> Engine::MaybeCheckpoint() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  const Options& o = impl_->opt_;
  uint64_t wal_bytes =
      impl_->wal_->bytes_appended() - impl_->wal_bytes_at_checkpoint_;
  bool by_size =
      o.checkpoint_wal_bytes != 0 && wal_bytes >= o.checkpoint_wal_bytes;
  bool by_time =
      o.checkpoint_interval_ms != 0 &&
      impl_->Now() >= impl_->last_checkpoint_ms_ + o.checkpoint_interval_ms;
  if (!by_size && !by_time) return std::optional<CheckpointResult>();
  auto r = impl_->DoCheckpoint(o.incremental ? CheckpointKind::kIncremental
                                             : CheckpointKind::kFull);
  if (!r.ok()) return r.status();
  return std::optional<CheckpointResult>(std::move(*r));
}

Result<GcResult> Engine::Gc() {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->DoGc();
}

VerifyReport Engine::Verify(std::string_view id) const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  const auto& list = impl_->catalog_.checkpoints;
  VerifyReport rep;
  const CheckpointInfo* info = id.empty()
                                   ? (list.empty() ? nullptr : &list.back())
                                   : impl_->catalog_.Find(id);
  if (!info) {
    rep.id = std::string(id);
    rep.problems.push_back(
        {"not-in-catalog", std::string(id), "no such committed checkpoint"});
    return rep;
  }
  return VerifyCheckpoint(impl_->vfs_, impl_->dir_, info->id,
                          info->manifest_sha256, impl_->opt_.schema_fingerprint,
                          /*keep_contents=*/false,
                          impl_->unsafe(UnsafeMode::kVerifyPassesAll))
      .report;
}

Status Engine::Close() {
  impl_->StopFlusher();
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->wal_->Close();
}

Status Engine::health() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->wal_->health();
}

}  // namespace crashlab::engine
