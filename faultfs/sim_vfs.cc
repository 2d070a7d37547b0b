#include "faultfs/sim_vfs.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "faultfs/fault_effects.h"

namespace crashlab::faultfs {

namespace {

struct Caller {
  bool set = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
};
thread_local Caller tl_caller;

uint32_t CallerUid() {
  return tl_caller.set ? tl_caller.uid : static_cast<uint32_t>(geteuid());
}
uint32_t CallerGid() {
  return tl_caller.set ? tl_caller.gid : static_cast<uint32_t>(getegid());
}

timespec Now() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return now;
}

}  // namespace

// ---------------------------------------------------------------- SimFile

class SimVfs::SimFile final : public File {
 public:
  SimFile(SimVfs* vfs, Ino ino, std::string path, const OpenOptions& opts,
          uint64_t generation)
      : vfs_(vfs),
        ino_(ino),
        path_(std::move(path)),
        readable_(opts.read),
        writable_(opts.write),
        append_(opts.append),
        generation_(generation) {}
  ~SimFile() override {
    Close().IgnoreError();
  }  // errors reported by explicit Close()

  Result<size_t> Read(uint64_t offset, void* buf, size_t n) override {
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileRead(*this, offset, buf, n);
  }
  Result<size_t> Write(uint64_t offset, const void* buf, size_t n) override {
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileWrite(
        *this, append_ ? std::nullopt : std::optional(offset), buf, n);
  }
  Result<size_t> Append(const void* buf, size_t n) override {
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileWrite(*this, std::nullopt, buf, n);
  }
  Status Truncate(uint64_t size) override {
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileTruncate(*this, size);
  }
  Status Sync() override {
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileSync(*this, OpKind::kFsync);
  }
  Status DataSync() override {
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileSync(*this, OpKind::kFdatasync);
  }
  Result<FileStat> Stat() override {
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileStatLocked(*this);
  }
  Status Close() override {
    if (closed_) return Status::Ok();
    std::lock_guard lock(vfs_->mu_);
    return vfs_->FileClose(*this);
  }
  const std::string& path() const override { return path_; }

 private:
  friend class SimVfs;
  SimVfs* vfs_;
  Ino ino_;
  std::string path_;
  bool readable_;
  bool writable_;
  bool append_;
  uint64_t generation_;
  bool closed_ = false;
};

// ---------------------------------------------------------------- basics

SimVfs::SimVfs(Options options) : options_(options), faults_(options.seed) {}

SimVfs::SimVfs(Options options, SimState state)
    : options_(options), state_(std::move(state)), faults_(options.seed) {}

SimVfs::~SimVfs() = default;

Ino SimVfs::VisibleIno(std::string_view path) const {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return 0;
  return state_.visible.Lookup(*norm).value_or(0);
}

Status SimVfs::Begin(TraceEntry& entry, std::optional<Firing>& firing,
                     Ino ino) {
  Status st = BeginOp(entry, firing, ino);
  // After a delay rule's sleep: from here on the operation holds mu_ until
  // Finish().
  if (st.ok() && durable_listener_) state_.StartUndo();
  return st;
}

Status SimVfs::BeginOp(TraceEntry& entry, std::optional<Firing>& firing,
                       Ino ino) {
  entry.index = next_index_++;
  entry.persistence_point = IsPersistencePoint(entry.op);
  if (hook_) hook_(entry, state_);
  if (crashed_) {
    return Finish(entry, PowerCutRestartNeeded(entry.path), std::nullopt);
  }
  firing = faults_.Evaluate(OpContext{
      .op = entry.op,
      .path = entry.path,
      .dest = entry.path2,
      .offset = entry.offset,
      .length = entry.length,
      .index = entry.index,
      .no_errors = entry.op == OpKind::kClose && !options_.close_errors});
  if (!firing) return Status::Ok();
  const FaultRule& rule = firing->rule;
  switch (rule.action) {
    case ActionKind::kError: {
      RecordFault(entry, *firing, ErrorDetail(rule.err));
      return Finish(entry, InjectedError(entry.op, rule.err, entry.path),
                    std::nullopt);
    }
    case ActionKind::kCrash: {
      CrashMode m = CrashModeOf(rule);
      RecordFault(entry, *firing, CrashDetail(m));
      CrashLocked(m);
      crashed_ = true;
      return Finish(entry, PowerCutHere(entry.path), std::nullopt);
    }
    case ActionKind::kDelay: {
      RecordFault(entry, *firing, DelayDetail(rule.delay_ms));
      uint32_t delay_ms = rule.delay_ms;
      firing.reset();
      // Sleep without the mutex: only this operation waits (other files,
      // the control socket and the trace go on). The caller's lock_guard
      // holds mu_ again when it ends. What happened meanwhile is seen by
      // the operation, as by any operation that starts later; a crash in
      // between makes it fail like every operation on pre-crash state.
      uint64_t generation = generation_;
      mu_.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      mu_.lock();
      if (crashed_ || generation_ != generation) {
        return Finish(entry,
                      Status::IoError(EIO, entry.path,
                                      "power cut while the operation was "
                                      "delayed"),
                      std::nullopt);
      }
      return Status::Ok();
    }
    case ActionKind::kLose:
    case ActionKind::kTruncate:
      if (Ino target = ino != 0 ? ino : VisibleIno(entry.path); target != 0)
        Damage(target, *firing, entry);
      firing.reset();
      return Status::Ok();
    case ActionKind::kCorrupt:
      if (rule.persistent) {
        if (Ino target = ino != 0 ? ino : VisibleIno(entry.path); target != 0) {
          Damage(target, *firing, entry);
        }
        firing.reset();
      }
      return Status::Ok();
    default:
      return Status::Ok();  // carried out by the operation
  }
}

Status SimVfs::Finish(TraceEntry& entry, Status st,
                      const std::optional<Firing>& firing) {
  if (st.ok() && firing && firing->rule.action == ActionKind::kErrorAfter) {
    RecordFault(entry, *firing, ErrorAfterDetail(firing->rule.err));
    st = InjectedErrorAfter(entry.op, firing->rule.err, entry.path);
  }
  // What the backing store refused is not durable: the operation fails with
  // its error (ENOSPC for a full disk) and its durable changes are undone.
  Status stored = NotifyDurable();
  state_.EndUndo();
  if (st.ok() && !stored.ok()) st = stored;
  entry.result = st.err();
  if (options_.record_trace) {
    trace_.push_back(entry);
    TrimTraceLocked();
  }
  return st;
}

Status SimVfs::NotifyDurable() {
  if (!durable_listener_) return Status::Ok();
  if (state_.durable_log.empty() && durable_rewritten_.empty() &&
      state_.durable_attr_log.empty())
    return Status::Ok();
  Status st = durable_listener_(DurableChange{.applied = state_.durable_log,
                                              .rewritten = durable_rewritten_,
                                              .attrs = state_.durable_attr_log,
                                              .durable = state_.durable});
  if (!st.ok() && state_.undo_active()) state_.RollbackUndo();
  state_.durable_log.clear();
  durable_rewritten_.clear();
  state_.durable_attr_log.clear();
  return st;
}

void SimVfs::SetDurableListener(DurableListener listener) {
  std::lock_guard lock(mu_);
  durable_listener_ = std::move(listener);
  state_.log_durable = static_cast<bool>(durable_listener_);
  state_.durable_log.clear();
}

void SimVfs::SetCaller(uint32_t uid, uint32_t gid) {
  tl_caller = Caller{true, uid, gid};
}

void SimVfs::Touch(Ino ino) {
  if (state_.visible.Find(ino) == nullptr) return;
  Node& node = state_.visible.Mut(ino);
  node.mtime = node.ctime = Now();
  state_.MarkAttrs(ino);
}

void SimVfs::RecordFault(TraceEntry& entry, const Firing& firing,
                         std::string detail) {
  faults_.Record(MakeInjectedFault(entry, firing, std::move(detail)));
  entry.fault = std::string(ActionName(firing.rule.action));
}

void SimVfs::Damage(Ino ino, const Firing& firing, TraceEntry& entry) {
  std::optional<std::string> detail =
      DamageLocked(ino, firing.rule, [this] { return faults_.NextRandom(); });
  if (detail) RecordFault(entry, firing, std::move(*detail));
}

std::optional<std::string> SimVfs::DamageLocked(
    Ino ino, const FaultRule& rule, const std::function<uint64_t()>& draw) {
  const Node* node = state_.visible.Find(ino);
  if (node == nullptr || node->type != FileType::kRegular) return std::nullopt;
  if (rule.action == ActionKind::kLose) {
    state_.lost.insert(ino);
    return "file will be lost at the next crash";
  }
  // Persistent damage hits the visible and the durable copy alike.
  auto apply = [&](Node& n, bool durable) -> std::string {
    if (rule.action == ActionKind::kTruncate) {
      if (n.data.size() > rule.size) n.data.Resize(rule.size);
      return "cut to " + std::to_string(rule.size) + " bytes";
    }
    std::string what;
    uint64_t size = n.data.size();
    if (rule.corrupt.bitflips > 0 && size > 0) {
      for (uint32_t i = 0; i < rule.corrupt.bitflips; ++i) {
        // The same bits in both copies: draw once per flip for the visible
        // copy and replay the draws for the durable one.
        uint64_t bit = durable ? flip_bits_[i] : draw() % (size * 8);
        if (!durable) flip_bits_.push_back(bit);
        n.data.FlipBit(bit);
      }
      what += std::to_string(rule.corrupt.bitflips) + " bit flips ";
    }
    if (rule.corrupt.zero) {
      auto [off, len] = *rule.corrupt.zero;
      if (off < size)
        n.data.Write(off, std::string(std::min(len, size - off), '\0'));
      what +=
          "zeroed [" + std::to_string(off) + ", +" + std::to_string(len) + ") ";
    }
    if (rule.corrupt.garbage) {
      auto [off, len] = *rule.corrupt.garbage;
      if (off < size) {
        if (!durable) {
          garbage_.clear();
          for (uint64_t i = 0; i < std::min(len, size - off); ++i) {
            garbage_.push_back(static_cast<char>(draw()));
          }
        }
        n.data.Write(off, garbage_);
      }
      what +=
          "garbage [" + std::to_string(off) + ", +" + std::to_string(len) + ")";
    }
    return what;
  };
  flip_bits_.clear();
  std::string detail = apply(state_.visible.Mut(ino), false);
  if (state_.durable.Find(ino) != nullptr) {
    apply(state_.durable.Mut(ino), true);
    durable_rewritten_.insert(ino);
  }
  return "persistent " + detail;
}

uint64_t SimVfs::DamageDraws(const FaultRule& rule, uint64_t size) {
  return PersistentDamageDraws(rule, size);
}

Result<std::string> SimVfs::ApplyDamage(Ino ino, const FaultRule& rule,
                                        const std::vector<uint64_t>& draws) {
  bool damaging = rule.action == ActionKind::kLose ||
                  rule.action == ActionKind::kTruncate ||
                  (rule.action == ActionKind::kCorrupt && rule.persistent);
  if (!damaging) {
    return Status::InvalidArgument(
        "", "only lose, truncate and persistent corrupt damage a file");
  }
  std::lock_guard lock(mu_);
  std::string where = "inode " + std::to_string(ino);
  if (crashed_) return PowerCutRestartNeeded(where);
  const Node* node = state_.visible.Find(ino);
  if (node == nullptr || node->type != FileType::kRegular) return std::string();
  if (uint64_t need = DamageDraws(rule, node->data.size());
      need != draws.size()) {
    return Status::InvalidArgument(
        where, "the damage needs " + std::to_string(need) +
                   " random values for a file of " +
                   std::to_string(node->data.size()) + " bytes, got " +
                   std::to_string(draws.size()));
  }
  size_t next = 0;
  if (durable_listener_) state_.StartUndo();
  std::optional<std::string> detail =
      DamageLocked(ino, rule, [&] { return draws[next++]; });
  // Refused by the backing store: the durable copy stays undamaged.
  Status stored = NotifyDurable();
  state_.EndUndo();
  CRASHLAB_RETURN_IF_ERROR(stored);
  return detail.value_or(std::string());
}

void SimVfs::CrashLocked(const CrashMode& mode) {
  // What became durable before the power cut comes first (normally nothing:
  // every operation notifies in Finish()).
  NotifyDurable().IgnoreError();
  state_.EndUndo();
  std::vector<PendingFate> fates;
  Image post =
      state_.PostCrash(mode, options_.explain_crashes ? &fates : nullptr);
  if (options_.explain_crashes) {
    last_crash_loss_ = ExplainCrash(state_, mode, fates);
  }
  std::optional<Image> old_durable;
  std::optional<Image> old_visible;
  if (durable_listener_) {
    old_durable = std::move(state_.durable);
    old_visible = std::move(state_.visible);
  }
  state_.visible = post;
  state_.durable = post;
  state_.pending.clear();
  state_.lost.clear();
  state_.attrs_dirty.clear();  // pending attribute changes are lost
  open_count_.clear();
  ++generation_;
  if (durable_listener_) {
    state_.durable_log.clear();
    state_.durable_attr_log.clear();
    Status st =
        durable_listener_(DurableChange{.applied = state_.durable_log,
                                        .rewritten = durable_rewritten_,
                                        .attrs = state_.durable_attr_log,
                                        .before_crash_durable = &*old_durable,
                                        .before_crash_visible = &*old_visible,
                                        .durable = state_.durable});
    durable_rewritten_.clear();
    if (!st.ok()) {
      // The backing store still holds the durable image from before the
      // crash: that is the post-crash state (as after a drop crash).
      Image kept = *old_durable;
      kept.CollectGarbage();
      state_.visible = kept;
      state_.durable = std::move(kept);
    }
  }
}

void SimVfs::Crash(const CrashMode& mode) {
  std::lock_guard lock(mu_);
  CrashLocked(mode);
  crashed_ = false;
}

std::optional<CrashLoss> SimVfs::LastCrashLoss() const {
  std::lock_guard lock(mu_);
  return last_crash_loss_;
}

CrashLoss SimVfs::ExplainCrashNow(const CrashMode& mode) const {
  std::lock_guard lock(mu_);
  return ExplainCrash(state_, mode);
}

bool SimVfs::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

void SimVfs::Restart() {
  std::lock_guard lock(mu_);
  crashed_ = false;
}

SimState SimVfs::Snapshot() const {
  std::lock_guard lock(mu_);
  return state_;
}

Tree SimVfs::VisibleTree() const {
  std::lock_guard lock(mu_);
  return ImageTree(state_.visible);
}

Tree SimVfs::DurableTree() const {
  std::lock_guard lock(mu_);
  return ImageTree(state_.PostCrash(CrashMode::Drop()));
}

std::vector<PendingOp> SimVfs::PendingOps() const {
  std::lock_guard lock(mu_);
  return state_.pending;
}

std::vector<std::pair<CrashMode, Tree>> SimVfs::EnumerateCrashStates(
    uint64_t seed, uint64_t random_samples) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<CrashMode, Tree>> out;
  out.emplace_back(CrashMode::Drop(),
                   ImageTree(state_.PostCrash(CrashMode::Drop())));
  for (uint64_t k = 1; k <= state_.pending.size(); ++k) {
    out.emplace_back(CrashMode::Prefix(k),
                     ImageTree(state_.PostCrash(CrashMode::Prefix(k))));
  }
  out.emplace_back(CrashMode::Torn(seed),
                   ImageTree(state_.PostCrash(CrashMode::Torn(seed))));
  for (uint64_t i = 0; i < random_samples; ++i) {
    CrashMode m = CrashMode::Random(seed + i);
    out.emplace_back(m, ImageTree(state_.PostCrash(m)));
  }
  return out;
}

std::vector<TraceEntry> SimVfs::trace() const {
  std::lock_guard lock(mu_);
  return {trace_.begin(), trace_.end()};
}

std::vector<TraceEntry> SimVfs::TraceSince(size_t from, size_t* first) const {
  std::lock_guard lock(mu_);
  size_t skip =
      std::min(std::max(from, trace_dropped_) - trace_dropped_, trace_.size());
  if (first) *first = trace_dropped_ + skip;
  return std::vector<TraceEntry>(
      trace_.begin() + static_cast<std::ptrdiff_t>(skip), trace_.end());
}

size_t SimVfs::trace_size() const {
  std::lock_guard lock(mu_);
  return trace_dropped_ + trace_.size();
}

void SimVfs::TrimTraceLocked() {
  while (options_.trace_limit != 0 && trace_.size() > options_.trace_limit &&
         trace_dropped_ < trace_streamed_) {
    trace_.pop_front();
    ++trace_dropped_;
  }
}

void SimVfs::SetTraceStreamed(size_t upto) {
  std::lock_guard lock(mu_);
  trace_streamed_ = upto;
  TrimTraceLocked();
}

size_t SimVfs::trace_dropped() const {
  std::lock_guard lock(mu_);
  return trace_dropped_;
}

uint64_t SimVfs::op_count() const {
  std::lock_guard lock(mu_);
  return next_index_;
}

void SimVfs::SetHook(Hook hook) {
  std::lock_guard lock(mu_);
  hook_ = std::move(hook);
}

// ---------------------------------------------------------------- helpers

Result<Ino> SimVfs::LookupLocked(std::string_view norm_path) const {
  Ino cur = kRootIno;
  size_t pos = 0;
  while (pos < norm_path.size()) {
    size_t slash = norm_path.find('/', pos);
    if (slash == std::string_view::npos) slash = norm_path.size();
    const Node* dir = state_.visible.Find(cur);
    if (dir->type != FileType::kDirectory) {
      return Status::IoError(ENOTDIR, std::string(norm_path),
                             "a path component is not a directory");
    }
    auto it =
        dir->entries.find(std::string(norm_path.substr(pos, slash - pos)));
    if (it == dir->entries.end())
      return Status::IoError(ENOENT, std::string(norm_path));
    cur = it->second;
    pos = slash + 1;
  }
  return cur;
}

Result<std::pair<Ino, std::string>> SimVfs::ParentLocked(
    std::string_view norm_path) const {
  if (norm_path.empty())
    return Status::IoError(EBUSY, "", "the root has no parent entry");
  auto dir = LookupLocked(ParentPath(norm_path));
  if (!dir.ok()) return dir.status();
  if (state_.visible.Find(*dir)->type != FileType::kDirectory) {
    return Status::IoError(ENOTDIR, std::string(norm_path),
                           "parent is not a directory");
  }
  std::string name = BaseName(norm_path);
  if (name.size() > 255)
    return Status::IoError(ENAMETOOLONG, std::string(norm_path));
  return std::make_pair(*dir, name);
}

void SimVfs::AddNamespaceOp(PendingOp op) {
  if (options_.model == MetadataModel::kImmediate) {
    ApplyPendingOp(state_.durable, op);
    if (state_.log_durable) state_.durable_log.push_back(std::move(op));
    return;
  }
  op.needs.insert(op.dir);
  if (op.kind == PendingOp::Kind::kRename) op.needs.insert(op.dir2);
  state_.AddPending(std::move(op));
}

void SimVfs::AddDataOp(PendingOp op) { state_.AddPending(std::move(op)); }

void SimVfs::DropLink(Ino ino) {
  Node& node = state_.visible.Mut(ino);
  if (node.nlink > 0) --node.nlink;
  if (node.type == FileType::kDirectory) node.nlink = 0;
  if (node.nlink == 0 && open_count_[ino] == 0) {
    open_count_.erase(ino);
    state_.visible.Erase(ino);
  }
}

namespace {

Result<std::string> Norm(std::string_view path) { return NormalizePath(path); }

}  // namespace

// ---------------------------------------------------------------- namespace
// ops

Result<std::unique_ptr<File>> SimVfs::Open(std::string_view path,
                                           const OpenOptions& opts) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  auto existing = LookupLocked(*norm);
  bool creating =
      opts.create && !existing.ok() && existing.status().err() == ENOENT;
  TraceEntry e{.op = creating ? OpKind::kCreate : OpKind::kOpen, .path = *norm};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, existing.ok() ? *existing : 0));
  // Again: a delay rule lets other operations run inside Begin().
  existing = LookupLocked(*norm);
  creating = opts.create && !existing.ok() && existing.status().err() == ENOENT;
  Ino ino = 0;
  if (existing.ok()) {
    ino = *existing;
    const Node* node = state_.visible.Find(ino);
    if (opts.create && opts.exclusive)
      return Finish(e, Status::IoError(EEXIST, *norm), firing);
    if (node->type == FileType::kDirectory && opts.write) {
      return Finish(e, Status::IoError(EISDIR, *norm), firing);
    }
    if (node->type == FileType::kSymlink) {
      return Finish(e,
                    Status::IoError(ELOOP, *norm, "symlinks are not followed"),
                    firing);
    }
    if (opts.truncate && opts.write && node->data.size() > 0) {
      state_.visible.Mut(ino).data.Resize(0);
      Touch(ino);
      AddDataOp(PendingOp{.kind = PendingOp::Kind::kTruncate,
                          .op_index = e.index,
                          .ino = ino,
                          .size = 0,
                          .new_mode = node->mode,
                          .new_uid = node->uid,
                          .new_gid = node->gid});
    }
  } else if (!creating) {
    return Finish(e, existing.status(), firing);
  } else {
    auto parent = ParentLocked(*norm);
    if (!parent.ok()) return Finish(e, parent.status(), firing);
    ino = state_.next_ino++;
    Node& created =
        state_.visible.Create(ino, FileType::kRegular, opts.mode & 07777);
    created.uid = CallerUid();
    created.gid = CallerGid();
    state_.visible.Mut(parent->first).entries[parent->second] = ino;
    Touch(parent->first);
    AddNamespaceOp(PendingOp{.kind = PendingOp::Kind::kLinkEntry,
                             .op_index = e.index,
                             .ino = ino,
                             .dir = parent->first,
                             .name = parent->second,
                             .new_type = FileType::kRegular,
                             .new_mode = opts.mode & 07777,
                             .new_uid = created.uid,
                             .new_gid = created.gid,
                             .new_time = created.ctime});
  }
  Status st = Finish(e, Status::Ok(), firing);
  if (!st.ok() && firing && firing->rule.action == ActionKind::kErrorAfter)
    return st;
  ++open_count_[ino];
  return std::unique_ptr<File>(
      new SimFile(this, ino, *norm, opts, generation_));
}

Status SimVfs::Rename(std::string_view from, std::string_view to) {
  std::lock_guard lock(mu_);
  return RenameLocked(from, to, 0);
}

Status SimVfs::Rename(std::string_view from, std::string_view to,
                      unsigned flags) {
  if ((flags & ~unsigned{kRenameNoReplace}) != 0) {
    return Status::IoError(EINVAL, std::string(from),
                           "unsupported rename flags");
  }
  std::lock_guard lock(mu_);
  return RenameLocked(from, to, flags);
}

Status SimVfs::RenameLocked(std::string_view from, std::string_view to,
                            unsigned flags) {
  auto a = Norm(from);
  if (!a.ok()) return a.status();
  auto b = Norm(to);
  if (!b.ok()) return b.status();
  TraceEntry e{.op = OpKind::kRename, .path = *a, .path2 = *b};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto src = ParentLocked(*a);
  if (!src.ok()) return Finish(e, src.status(), firing);
  auto dst = ParentLocked(*b);
  if (!dst.ok()) return Finish(e, dst.status(), firing);
  auto ino = LookupLocked(*a);
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  const Node* node = state_.visible.Find(*ino);
  bool is_dir = node->type == FileType::kDirectory;
  if (is_dir && (*b == *a || b->starts_with(*a + "/"))) {
    if (*b == *a) return Finish(e, Status::Ok(), firing);
    return Finish(
        e, Status::IoError(EINVAL, *a, "cannot move a directory into itself"),
        firing);
  }
  Ino replaced = 0;
  auto target = LookupLocked(*b);
  if (target.ok() && (flags & kRenameNoReplace) != 0) {
    return Finish(
        e,
        Status::IoError(EEXIST, *b, "RENAME_NOREPLACE and the target exists"),
        firing);
  }
  if (target.ok()) {
    if (*target == *ino)
      return Finish(e, Status::Ok(), firing);  // same file: nothing to do
    const Node* t = state_.visible.Find(*target);
    if (is_dir && t->type != FileType::kDirectory)
      return Finish(e, Status::IoError(ENOTDIR, *b), firing);
    if (!is_dir && t->type == FileType::kDirectory)
      return Finish(e, Status::IoError(EISDIR, *b), firing);
    if (t->type == FileType::kDirectory && !t->entries.empty()) {
      return Finish(e, Status::IoError(ENOTEMPTY, *b), firing);
    }
    replaced = *target;
  }
  state_.visible.Mut(src->first).entries.erase(src->second);
  state_.visible.Mut(dst->first).entries[dst->second] = *ino;
  Touch(src->first);
  Touch(dst->first);
  if (replaced != 0) DropLink(replaced);
  AddNamespaceOp(PendingOp{.kind = PendingOp::Kind::kRename,
                           .op_index = e.index,
                           .ino = *ino,
                           .dir = src->first,
                           .name = src->second,
                           .dir2 = dst->first,
                           .name2 = dst->second,
                           .new_type = node->type,
                           .new_mode = node->mode,
                           .replaced = replaced});
  return Finish(e, Status::Ok(), firing);
}

Status SimVfs::Link(std::string_view existing, std::string_view new_path) {
  auto a = Norm(existing);
  if (!a.ok()) return a.status();
  auto b = Norm(new_path);
  if (!b.ok()) return b.status();
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kLink, .path = *a, .path2 = *b};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto ino = LookupLocked(*a);
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  if (state_.visible.Find(*ino)->type == FileType::kDirectory) {
    return Finish(
        e,
        Status::IoError(EPERM, *a, "hard links to directories are not allowed"),
        firing);
  }
  auto dst = ParentLocked(*b);
  if (!dst.ok()) return Finish(e, dst.status(), firing);
  if (LookupLocked(*b).ok())
    return Finish(e, Status::IoError(EEXIST, *b), firing);
  state_.visible.Mut(dst->first).entries[dst->second] = *ino;
  Node& node = state_.visible.Mut(*ino);
  ++node.nlink;
  AddNamespaceOp(PendingOp{.kind = PendingOp::Kind::kLinkEntry,
                           .op_index = e.index,
                           .ino = *ino,
                           .dir = dst->first,
                           .name = dst->second,
                           .new_type = node.type,
                           .new_mode = node.mode});
  return Finish(e, Status::Ok(), firing);
}

Status SimVfs::Symlink(std::string_view target, std::string_view link_path) {
  auto b = Norm(link_path);
  if (!b.ok()) return b.status();
  std::lock_guard lock(mu_);
  TraceEntry e{
      .op = OpKind::kSymlink, .path = *b, .path2 = std::string(target)};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto dst = ParentLocked(*b);
  if (!dst.ok()) return Finish(e, dst.status(), firing);
  if (LookupLocked(*b).ok())
    return Finish(e, Status::IoError(EEXIST, *b), firing);
  Ino ino = state_.next_ino++;
  Node& created = state_.visible.Create(ino, FileType::kSymlink, 0777);
  created.target = std::string(target);
  created.uid = CallerUid();
  created.gid = CallerGid();
  state_.visible.Mut(dst->first).entries[dst->second] = ino;
  Touch(dst->first);
  AddNamespaceOp(PendingOp{.kind = PendingOp::Kind::kLinkEntry,
                           .op_index = e.index,
                           .ino = ino,
                           .dir = dst->first,
                           .name = dst->second,
                           .new_type = FileType::kSymlink,
                           .new_mode = 0777,
                           .new_uid = created.uid,
                           .new_gid = created.gid,
                           .new_target = std::string(target),
                           .new_time = created.ctime});
  return Finish(e, Status::Ok(), firing);
}

Status SimVfs::Unlink(std::string_view path) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kUnlink, .path = *norm};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto parent = ParentLocked(*norm);
  if (!parent.ok()) return Finish(e, parent.status(), firing);
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  if (state_.visible.Find(*ino)->type == FileType::kDirectory) {
    return Finish(e, Status::IoError(EISDIR, *norm, "unlink of a directory"),
                  firing);
  }
  RemoveEntryLocked(e.index, parent->first, parent->second, *ino);
  return Finish(e, Status::Ok(), firing);
}

void SimVfs::RemoveEntryLocked(uint64_t op_index, Ino dir,
                               const std::string& name, Ino ino) {
  state_.visible.Mut(dir).entries.erase(name);
  Touch(dir);
  if (state_.visible.Find(ino) != nullptr) {
    state_.visible.Mut(ino).ctime = Now();
    state_.MarkAttrs(ino);
  }
  DropLink(ino);
  AddNamespaceOp(PendingOp{.kind = PendingOp::Kind::kUnlinkEntry,
                           .op_index = op_index,
                           .ino = ino,
                           .dir = dir,
                           .name = name});
}

Status SimVfs::Mkdir(std::string_view path, uint32_t mode) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kMkdir, .path = *norm};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto parent = ParentLocked(*norm);
  if (!parent.ok()) return Finish(e, parent.status(), firing);
  if (LookupLocked(*norm).ok())
    return Finish(e, Status::IoError(EEXIST, *norm), firing);
  Ino ino = state_.next_ino++;
  Node& created =
      state_.visible.Create(ino, FileType::kDirectory, mode & 07777);
  created.uid = CallerUid();
  created.gid = CallerGid();
  state_.visible.Mut(parent->first).entries[parent->second] = ino;
  Touch(parent->first);
  AddNamespaceOp(PendingOp{.kind = PendingOp::Kind::kLinkEntry,
                           .op_index = e.index,
                           .ino = ino,
                           .dir = parent->first,
                           .name = parent->second,
                           .new_type = FileType::kDirectory,
                           .new_mode = mode & 07777,
                           .new_uid = created.uid,
                           .new_gid = created.gid,
                           .new_time = created.ctime});
  return Finish(e, Status::Ok(), firing);
}

Status SimVfs::Rmdir(std::string_view path) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kRmdir, .path = *norm};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto parent = ParentLocked(*norm);
  if (!parent.ok()) return Finish(e, parent.status(), firing);
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  const Node* node = state_.visible.Find(*ino);
  if (node->type != FileType::kDirectory)
    return Finish(e, Status::IoError(ENOTDIR, *norm), firing);
  if (!node->entries.empty())
    return Finish(e, Status::IoError(ENOTEMPTY, *norm), firing);
  RemoveEntryLocked(e.index, parent->first, parent->second, *ino);
  return Finish(e, Status::Ok(), firing);
}

Status SimVfs::Truncate(std::string_view path, uint64_t size) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  auto ino = LookupLocked(*norm);
  TraceEntry e{.op = OpKind::kTruncate, .path = *norm, .offset = size};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, ino.ok() ? *ino : 0));
  ino = LookupLocked(*norm);  // again: a delay lets other operations run
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  const Node* node = state_.visible.Find(*ino);
  if (node->type == FileType::kDirectory)
    return Finish(e, Status::IoError(EISDIR, *norm), firing);
  if (size > options_.max_file_size)
    return Finish(e, Status::IoError(EFBIG, *norm), firing);
  state_.visible.Mut(*ino).data.Resize(size);
  Touch(*ino);
  AddDataOp(PendingOp{.kind = PendingOp::Kind::kTruncate,
                      .op_index = e.index,
                      .ino = *ino,
                      .size = size,
                      .new_mode = node->mode,
                      .new_uid = node->uid,
                      .new_gid = node->gid});
  return Finish(e, Status::Ok(), firing);
}

Result<std::vector<DirEntry>> SimVfs::ListDir(std::string_view path) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kReaddir, .path = *norm};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  return ListDirLocked(e, firing, *ino);
}

Result<std::vector<DirEntry>> SimVfs::ListDir(File& dir,
                                              std::vector<NodeAttr>* attrs) {
  auto& f = static_cast<SimFile&>(dir);
  std::lock_guard lock(mu_);
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, false));
  TraceEntry e{.op = OpKind::kReaddir, .path = f.path_};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, f.ino_));
  if (state_.visible.Find(f.ino_) == nullptr)
    return Finish(e, Status::IoError(ENOENT, f.path_), firing);
  return ListDirLocked(e, firing, f.ino_, attrs);
}

Result<std::vector<DirEntry>> SimVfs::ListDirLocked(
    TraceEntry& e, std::optional<Firing>& firing, Ino ino,
    std::vector<NodeAttr>* attrs) {
  const std::string norm = e.path;
  const Node* node = state_.visible.Find(ino);
  if (node->type != FileType::kDirectory)
    return Finish(e, Status::IoError(ENOTDIR, norm), firing);
  std::vector<DirEntry> out;
  out.reserve(node->entries.size());
  for (const auto& [name, child] : node->entries) {
    out.push_back(DirEntry{name, state_.visible.Find(child)->type});
    if (attrs != nullptr) attrs->push_back(AttrOf(child));
  }
  Status st = Finish(e, Status::Ok(), firing);
  if (!st.ok()) return st;
  return out;
}

Result<FileStat> SimVfs::Stat(std::string_view path) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kStat, .path = *norm};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  const Node* node = state_.visible.Find(*ino);
  FileStat st{.type = node->type,
              .size = node->type == FileType::kSymlink ? node->target.size()
                                                       : node->data.size(),
              .mode = node->mode,
              .nlink = node->nlink,
              .ino = *ino};
  Status s = Finish(e, Status::Ok(), firing);
  if (!s.ok()) return s;
  return st;
}

Status SimVfs::SyncDir(std::string_view path) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kFsyncDir, .path = *norm};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return Finish(e, ino.status(), firing);
  return SyncDirLocked(e, firing, *ino);
}

Status SimVfs::SyncDir(File& dir) {
  auto& f = static_cast<SimFile&>(dir);
  std::lock_guard lock(mu_);
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, false));
  TraceEntry e{.op = OpKind::kFsyncDir, .path = f.path_};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, f.ino_));
  if (state_.visible.Find(f.ino_) == nullptr)
    return Finish(e, Status::Ok(), firing);  // removed: nothing to do
  return SyncDirLocked(e, firing, f.ino_);
}

Status SimVfs::SyncDirLocked(TraceEntry& e, std::optional<Firing>& firing,
                             Ino ino) {
  const std::string norm = e.path;
  if (state_.visible.Find(ino)->type != FileType::kDirectory) {
    return Finish(e, Status::IoError(ENOTDIR, norm), firing);
  }
  if (firing && firing->rule.action == ActionKind::kFsyncLie) {
    RecordFault(e, *firing,
                "fsync of the directory returned 0 but persisted nothing");
    return Finish(e, Status::Ok(), std::nullopt);
  }
  if (firing && firing->rule.action == ActionKind::kFsyncgate) {
    // The pending entries of this directory are dropped: never durable.
    std::erase_if(state_.pending, [&](const PendingOp& op) {
      return !op.is_data() && op.needs.count(ino);
    });
    RecordFault(
        e, *firing,
        "fsync of the directory failed; its pending entries were dropped");
    return Finish(e, InjectedFsyncgate(norm), std::nullopt);
  }
  state_.SyncDirectory(ino);
  state_.SyncAttrs(ino);  // a directory's fsync persists its attributes
  state_.last_sync[ino] = e.index;
  return Finish(e, Status::Ok(), firing);
}

Status SimVfs::SyncAll() {
  std::lock_guard lock(mu_);
  TraceEntry e{.op = OpKind::kSync, .path = ""};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing));
  if (firing && firing->rule.action == ActionKind::kFsyncLie) {
    RecordFault(e, *firing, std::string(kSyncLieDetail));
    return Finish(e, Status::Ok(), std::nullopt);
  }
  state_.SyncEverything();
  state_.last_sync_all = e.index;
  return Finish(e, Status::Ok(), firing);
}

Result<std::string> SimVfs::ReadLink(std::string_view path) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return ino.status();
  const Node* node = state_.visible.Find(*ino);
  if (node->type != FileType::kSymlink)
    return Status::IoError(EINVAL, *norm, "not a symlink");
  return node->target;
}

Status SimVfs::Chmod(std::string_view path, uint32_t mode) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return ino.status();
  state_.visible.Mut(*ino).mode = mode & 07777;
  state_.visible.Mut(*ino).ctime = Now();
  state_.MarkAttrs(*ino);
  return Status::Ok();
}

NodeAttr SimVfs::AttrOf(Ino ino) const {
  const Node* node = state_.visible.Find(ino);
  uint64_t size = node->type == FileType::kSymlink ? node->target.size()
                                                   : node->data.size();
  if (node->type == FileType::kDirectory) size = 4096;
  return NodeAttr{.type = node->type,
                  .size = size,
                  .mode = node->mode,
                  .nlink = node->nlink,
                  .uid = node->uid,
                  .gid = node->gid,
                  .ino = ino,
                  .atime = node->atime,
                  .mtime = node->mtime,
                  .ctime = node->ctime};
}

Result<NodeAttr> SimVfs::GetAttr(std::string_view path) {
  auto norm = Norm(path);
  if (!norm.ok()) return norm.status();
  std::lock_guard lock(mu_);
  if (crashed_) return PowerCutRestartNeeded(*norm);
  auto ino = LookupLocked(*norm);
  if (!ino.ok()) return ino.status();
  return AttrOf(*ino);
}

Result<NodeAttr> SimVfs::GetAttr(File& file) {
  auto& f = static_cast<SimFile&>(file);
  std::lock_guard lock(mu_);
  if (crashed_) return PowerCutRestartNeeded(f.path_);
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, false));
  if (state_.visible.Find(f.ino_) == nullptr)
    return Status::IoError(ESTALE, f.path_);
  return AttrOf(f.ino_);
}

Status SimVfs::SetAttr(std::string_view path, File* file,
                       const AttrChange& change) {
  std::lock_guard lock(mu_);
  Ino ino = 0;
  std::string where(path);
  if (file != nullptr) {
    auto& f = static_cast<SimFile&>(*file);
    CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, false));
    ino = f.ino_;
    where = f.path_;
  } else {
    auto norm = Norm(path);
    if (!norm.ok()) return norm.status();
    auto found = LookupLocked(*norm);
    if (!found.ok()) return found.status();
    ino = *found;
  }
  if (crashed_) return PowerCutRestartNeeded(where);
  if (state_.visible.Find(ino) == nullptr)
    return Status::IoError(ESTALE, where);
  timespec now = Now();
  auto resolve = [&](const timespec& t) {
    return t.tv_nsec == UTIME_NOW ? now : t;
  };
  // Visible at once, durable when the node is fsync'd (SimState::SyncAttrs).
  Node& node = state_.visible.Mut(ino);
  if (change.mode) node.mode = *change.mode & 07777;
  if (change.uid) node.uid = *change.uid;
  if (change.gid) node.gid = *change.gid;
  if (change.atime && change.atime->tv_nsec != UTIME_OMIT)
    node.atime = resolve(*change.atime);
  if (change.mtime && change.mtime->tv_nsec != UTIME_OMIT)
    node.mtime = resolve(*change.mtime);
  node.ctime = now;
  state_.MarkAttrs(ino);
  return Status::Ok();
}

// ---------------------------------------------------------------- file ops

Status SimVfs::CheckHandle(const SimFile& f, bool want_write) const {
  if (f.closed_) return Status::IoError(EBADF, f.path_, "file is closed");
  if (f.generation_ != generation_) {
    return Status::IoError(EIO, f.path_, "file was opened before a crash");
  }
  if (want_write && !f.writable_)
    return Status::IoError(EBADF, f.path_, "file not open for writing");
  return Status::Ok();
}

Result<size_t> SimVfs::FileRead(SimFile& f, uint64_t offset, void* buf,
                                size_t n) {
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, false));
  if (!f.readable_)
    return Status::IoError(EBADF, f.path_, "file not open for reading");
  TraceEntry e{
      .op = OpKind::kRead, .path = f.path_, .offset = offset, .length = n};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, f.ino_));
  const Node* node = state_.visible.Find(f.ino_);
  if (node->type == FileType::kDirectory)
    return Finish(e, Status::IoError(EISDIR, f.path_), firing);
  size_t got = node->data.Read(offset, buf, n);
  if (firing && firing->rule.action == ActionKind::kCorrupt && got > 0) {
    // Transient: only the bytes handed back are damaged.
    CorruptReadBytes(firing->rule.corrupt, offset, static_cast<char*>(buf), got,
                     [this] { return faults_.NextRandom(); });
    RecordFault(e, *firing, std::string(kReadDamagedDetail));
  }
  Status st = Finish(e, Status::Ok(), firing);
  if (!st.ok()) return st;
  return got;
}

Result<size_t> SimVfs::FileWrite(SimFile& f, std::optional<uint64_t> offset,
                                 const void* buf, size_t n) {
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, true));
  const Node* node = state_.visible.Find(f.ino_);
  uint64_t off = offset.value_or(node->data.size());
  TraceEntry e{
      .op = OpKind::kWrite, .path = f.path_, .offset = off, .length = n};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, f.ino_));
  node = state_.visible.Find(f.ino_);
  if (node->type == FileType::kDirectory)
    return Finish(e, Status::IoError(EISDIR, f.path_), firing);
  if (!offset && node->data.size() != off) {
    off = node->data.size();  // appended to meanwhile (during a delay)
    e.offset = off;
  }
  if (off + n > options_.max_file_size || off + n < off) {
    return Finish(
        e,
        Status::IoError(EFBIG, f.path_, "write beyond the maximum file size"),
        firing);
  }
  size_t count = n;
  uint64_t torn_keep = UINT64_MAX;
  if (firing) {
    const FaultRule& rule = firing->rule;
    switch (rule.action) {
      case ActionKind::kShortWrite:
        count = static_cast<size_t>(std::min<uint64_t>(n, rule.bytes));
        RecordFault(e, *firing,
                    "short write: " + std::to_string(count) + " of " +
                        std::to_string(n) + " bytes");
        break;
      case ActionKind::kEnospcAfterBytes:
        count =
            static_cast<size_t>(std::min<uint64_t>(n, firing->bytes_allowed));
        faults_.ConsumeBytes(firing->rule_index, count);
        RecordFault(e, *firing,
                    count == 0 ? "ENOSPC"
                               : "wrote " + std::to_string(count) +
                                     " bytes before ENOSPC");
        if (count == 0)
          return Finish(e, InjectedNoSpace(f.path_), std::nullopt);
        break;
      case ActionKind::kTorn:
        torn_keep =
            rule.bytes != 0 ? rule.bytes : (n / 2) / kSectorSize * kSectorSize;
        RecordFault(e, *firing,
                    "torn: only " +
                        std::to_string(std::min<uint64_t>(torn_keep, n)) +
                        " bytes will reach durable storage");
        break;
      default:
        break;
    }
  }
  std::string_view data(static_cast<const char*>(buf), count);
  Node& wnode = state_.visible.Mut(f.ino_);
  wnode.data.Write(off, data);
  wnode.mtime = wnode.ctime = Now();
  state_.MarkAttrs(f.ino_);
  if (count > 0) {
    AddDataOp(PendingOp{.kind = PendingOp::Kind::kWrite,
                        .op_index = e.index,
                        .ino = f.ino_,
                        .offset = off,
                        .bytes = std::make_shared<const WriteData>(
                            WriteData::Capture(wnode.data, off, data)),
                        .torn_keep = torn_keep,
                        .new_mode = wnode.mode,
                        .new_uid = wnode.uid,
                        .new_gid = wnode.gid});
  }
  Status st = Finish(e, Status::Ok(), firing);
  if (!st.ok()) return st;
  return count;
}

Status SimVfs::FileTruncate(SimFile& f, uint64_t size) {
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, true));
  TraceEntry e{.op = OpKind::kTruncate, .path = f.path_, .offset = size};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, f.ino_));
  if (size > options_.max_file_size)
    return Finish(e, Status::IoError(EFBIG, f.path_), firing);
  Node& node = state_.visible.Mut(f.ino_);
  node.data.Resize(size);
  node.mtime = node.ctime = Now();
  state_.MarkAttrs(f.ino_);
  AddDataOp(PendingOp{.kind = PendingOp::Kind::kTruncate,
                      .op_index = e.index,
                      .ino = f.ino_,
                      .size = size,
                      .new_mode = node.mode,
                      .new_uid = node.uid,
                      .new_gid = node.gid});
  return Finish(e, Status::Ok(), firing);
}

Status SimVfs::FileSync(SimFile& f, OpKind op) {
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, false));
  TraceEntry e{.op = op, .path = f.path_};
  std::optional<Firing> firing;
  CRASHLAB_RETURN_IF_ERROR(Begin(e, firing, f.ino_));
  if (firing && firing->rule.action == ActionKind::kFsyncLie) {
    RecordFault(e, *firing, "returned 0 but persisted nothing");
    return Finish(e, Status::Ok(), std::nullopt);
  }
  if (firing && firing->rule.action == ActionKind::kFsyncgate) {
    state_.DropPendingData(f.ino_);
    RecordFault(e, *firing,
                "failed with EIO; the dirty data was dropped and will never be "
                "durable");
    return Finish(e, InjectedFsyncgate(f.path_), std::nullopt);
  }
  if (state_.visible.Find(f.ino_)->type == FileType::kDirectory) {
    state_.SyncDirectory(f.ino_);
  } else {
    state_.SyncData(f.ino_);
  }
  // fsync also makes the attributes durable; fdatasync only the data.
  if (op == OpKind::kFsync) state_.SyncAttrs(f.ino_);
  state_.last_sync[f.ino_] = e.index;
  return Finish(e, Status::Ok(), firing);
}

Result<FileStat> SimVfs::FileStatLocked(SimFile& f) {
  CRASHLAB_RETURN_IF_ERROR(CheckHandle(f, false));
  const Node* node = state_.visible.Find(f.ino_);
  return FileStat{.type = node->type,
                  .size = node->data.size(),
                  .mode = node->mode,
                  .nlink = node->nlink,
                  .ino = f.ino_};
}

Status SimVfs::FileClose(SimFile& f) {
  f.closed_ = true;
  if (f.generation_ != generation_)
    return Status::Ok();  // opened before a crash
  TraceEntry e{.op = OpKind::kClose, .path = f.path_};
  std::optional<Firing> firing;
  Status st = Begin(e, firing, f.ino_);
  auto it = open_count_.find(f.ino_);
  if (it != open_count_.end() && --it->second == 0) {
    open_count_.erase(it);
    const Node* node = state_.visible.Find(f.ino_);
    if (node != nullptr && node->nlink == 0) state_.visible.Erase(f.ino_);
  }
  if (!st.ok()) return st;
  return Finish(e, Status::Ok(), firing);
}

}  // namespace crashlab::faultfs
