#include "faultfs/client/counting_vfs.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "faultfs/fault_effects.h"

namespace crashlab::faultfs {

namespace {

// Does SimVfs act on `action` for `op` after Begin() (so that forwarding it
// to the daemon changes something)?
bool ActsAfterBegin(ActionKind action, OpKind op) {
  switch (action) {
    case ActionKind::kError:
    case ActionKind::kErrorAfter:
      return true;
    case ActionKind::kShortWrite:
    case ActionKind::kEnospcAfterBytes:
    case ActionKind::kTorn:
      return op == OpKind::kWrite;
    case ActionKind::kFsyncLie:
    case ActionKind::kFsyncgate:
      return op == OpKind::kFsync || op == OpKind::kFdatasync ||
             op == OpKind::kFsyncDir;
    default:
      return false;
  }
}

}  // namespace

std::string ExactGlob(std::string_view path) {
  if (path.empty())
    return "**";  // only the root's own operations: the one in flight
  std::string out;
  for (char c : path) {
    if (c == '\\' || c == '*' || c == '?' || c == '[') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// ---------------------------------------------------------------- CountingFile

class CountingVfs::CountingFile final : public File {
 public:
  CountingFile(CountingVfs* vfs, std::unique_ptr<File> inner, std::string path,
               const OpenOptions& opts, uint64_t generation)
      : vfs_(vfs),
        inner_(std::move(inner)),
        path_(std::move(path)),
        readable_(opts.read),
        writable_(opts.write),
        append_(opts.append),
        generation_(generation) {}
  ~CountingFile() override {
    Close().IgnoreError();
  }  // as SimFile: errors reported by explicit Close()

  Result<size_t> Read(uint64_t offset, void* buf, size_t n) override {
    CRASHLAB_RETURN_IF_ERROR(vfs_->CheckHandle(*this, false));
    if (!readable_)
      return Status::IoError(EBADF, path_, "file not open for reading");
    Op op;
    op.e = TraceEntry{
        .op = OpKind::kRead, .path = path_, .offset = offset, .length = n};
    CRASHLAB_RETURN_IF_ERROR(
        vfs_->Begin(op, Target{.file = inner_.get()}, true));
    auto got = inner_->Read(offset, buf, n);
    if (got.ok() && *got > 0 && op.firing &&
        op.firing->rule.action == ActionKind::kCorrupt) {
      DamageRead(op, offset, static_cast<char*>(buf), *got);
    }
    Status st = vfs_->Finish(op, got.ok() ? Status::Ok() : got.status());
    if (!st.ok()) return st;
    return *got;
  }
  Result<size_t> Write(uint64_t offset, const void* buf, size_t n) override {
    return DoWrite(append_ ? std::nullopt : std::optional(offset), buf, n);
  }
  Result<size_t> Append(const void* buf, size_t n) override {
    return DoWrite(std::nullopt, buf, n);
  }
  Status Truncate(uint64_t size) override {
    CRASHLAB_RETURN_IF_ERROR(vfs_->CheckHandle(*this, true));
    Op op;
    op.e = TraceEntry{.op = OpKind::kTruncate, .path = path_, .offset = size};
    CRASHLAB_RETURN_IF_ERROR(
        vfs_->Begin(op, Target{.file = inner_.get()}, true));
    return vfs_->Finish(op, inner_->Truncate(size));
  }
  Status Sync() override { return DoSync(OpKind::kFsync); }
  Status DataSync() override { return DoSync(OpKind::kFdatasync); }
  Result<FileStat> Stat() override {  // not an operation, as in SimVfs
    CRASHLAB_RETURN_IF_ERROR(vfs_->CheckHandle(*this, false));
    return inner_->Stat();
  }
  Status Close() override {
    if (closed_) return Status::Ok();
    closed_ = true;
    if (generation_ != vfs_->generation_) {
      // Opened before a power cut: SimVfs counts nothing; the descriptor is
      // stale on the daemon too, so what close(2) says does not matter.
      inner_->Close().IgnoreError();
      return Status::Ok();
    }
    Op op;
    op.e = TraceEntry{.op = OpKind::kClose, .path = path_};
    Status begun = vfs_->Begin(op, Target{.file = inner_.get()}, false);
    Status closed = inner_->Close();  // closed even when the operation failed
    if (!begun.ok()) return begun;
    return vfs_->Finish(op, closed);
  }
  const std::string& path() const override { return path_; }

 private:
  friend class CountingVfs;

  Result<size_t> DoWrite(std::optional<uint64_t> offset, const void* buf,
                         size_t n) {
    CRASHLAB_RETURN_IF_ERROR(vfs_->CheckHandle(*this, true));
    uint64_t off = 0;
    if (offset) {
      off = *offset;
    } else {
      auto st = inner_->Stat();  // an append writes at the current end
      if (!st.ok()) return st.status();
      off = st->size;
    }
    Op op;
    op.e = TraceEntry{
        .op = OpKind::kWrite, .path = path_, .offset = off, .length = n};
    CRASHLAB_RETURN_IF_ERROR(
        vfs_->Begin(op, Target{.file = inner_.get()}, true));
    auto wrote =
        offset ? inner_->Write(*offset, buf, n) : inner_->Append(buf, n);
    Status st = vfs_->Finish(op, wrote.ok() ? Status::Ok() : wrote.status());
    if (!st.ok()) return st;
    return *wrote;
  }

  Status DoSync(OpKind kind) {
    CRASHLAB_RETURN_IF_ERROR(vfs_->CheckHandle(*this, false));
    Op op;
    op.e = TraceEntry{.op = kind, .path = path_};
    CRASHLAB_RETURN_IF_ERROR(
        vfs_->Begin(op, Target{.file = inner_.get()}, true));
    return vfs_->Finish(
        op, kind == OpKind::kFsync ? inner_->Sync() : inner_->DataSync());
  }

  // A transient read corruption, exactly as SimVfs::FileRead: the bytes
  // handed back are damaged with values from the injector's generator.
  void DamageRead(Op& op, uint64_t offset, char* bytes, size_t got) {
    CorruptReadBytes(op.firing->rule.corrupt, offset, bytes, got,
                     [this] { return vfs_->faults_.NextRandom(); });
    Firing firing = *op.firing;
    op.firing.reset();
    vfs_->Record(op, firing, std::string(kReadDamagedDetail));
  }

  CountingVfs* vfs_;
  std::unique_ptr<File> inner_;
  std::string path_;
  bool readable_;
  bool writable_;
  bool append_;
  uint64_t generation_;
  bool closed_ = false;
};

// ---------------------------------------------------------------- core

CountingVfs::CountingVfs(Vfs& inner, ControlClient& control, uint64_t seed,
                         Listener listener)
    : inner_(inner),
      control_(control),
      listener_(std::move(listener)),
      faults_(seed) {}

CountingVfs::~CountingVfs() = default;

Status CountingVfs::Fail(const Status& st) {
  if (control_error_.ok()) control_error_ = st;
  return st;
}

Status CountingVfs::CheckHandle(const CountingFile& f, bool want_write) const {
  if (f.closed_) return Status::IoError(EBADF, f.path_, "file is closed");
  if (f.generation_ != generation_)
    return Status::IoError(EIO, f.path_, "file was opened before a crash");
  if (want_write && !f.writable_)
    return Status::IoError(EBADF, f.path_, "file not open for writing");
  return Status::Ok();
}

void CountingVfs::Record(Op& op, const Firing& firing, std::string detail) {
  InjectedFault fault = MakeInjectedFault(op.e, firing, std::move(detail));
  op.e.fault = std::string(ActionName(firing.rule.action));
  if (listener_.on_fault) listener_.on_fault(fault);
  faults_.Record(std::move(fault));
}

Status CountingVfs::Begin(Op& op, const Target& target, bool daemon_sees) {
  TraceEntry& e = op.e;
  e.index = next_index_++;
  e.persistence_point = IsPersistencePoint(e.op);
  if (listener_.on_begin) listener_.on_begin(e.index);
  if (crashed_) return FinishEntry(op, PowerCutRestartNeeded(e.path));
  op.firing = faults_.Evaluate(OpContext{.op = e.op,
                                         .path = e.path,
                                         .dest = e.path2,
                                         .offset = e.offset,
                                         .length = e.length,
                                         .index = e.index});
  if (!op.firing) return Status::Ok();
  const FaultRule& rule = op.firing->rule;
  switch (rule.action) {
    case ActionKind::kCrash: {
      Firing firing = *op.firing;
      op.firing.reset();
      CrashMode m = CrashModeOf(rule);
      Record(op, firing, CrashDetail(m));
      if (Status st = Crash(m); !st.ok()) return FinishEntry(op, st);
      crashed_ = true;
      return FinishEntry(op, PowerCutHere(e.path));
    }
    case ActionKind::kDelay: {
      Firing firing = *op.firing;
      op.firing.reset();
      Record(op, firing, DelayDetail(firing.rule.delay_ms));
      std::this_thread::sleep_for(
          std::chrono::milliseconds(firing.rule.delay_ms));
      return Status::Ok();
    }
    case ActionKind::kLose:
    case ActionKind::kTruncate: {
      Firing firing = *op.firing;
      op.firing.reset();
      return Damage(op, firing, target);
    }
    case ActionKind::kCorrupt:
      if (rule.persistent) {
        Firing firing = *op.firing;
        op.firing.reset();
        return Damage(op, firing, target);
      }
      return Status::Ok();  // a read damages what it returns
                            // (CountingFile::Read)
    case ActionKind::kError:
      if (!daemon_sees) {
        Firing firing = *op.firing;
        op.firing.reset();
        Record(op, firing, ErrorDetail(rule.err));
        return FinishEntry(op, InjectedError(e.op, rule.err, e.path));
      }
      return Forward(op);
    default:
      if (daemon_sees && ActsAfterBegin(rule.action, e.op)) return Forward(op);
      return Status::Ok();
  }
}

Status CountingVfs::Forward(Op& op) {
  const Firing& firing = *op.firing;
  FaultRule r = firing.rule;
  r.op = op.e.op == OpKind::kCreate ? OpKind::kOpen
                                    : op.e.op;  // an open rule matches both
  r.path = ExactGlob(op.e.path);
  r.dest.reset();
  if (op.e.op == OpKind::kRename || op.e.op == OpKind::kLink)
    r.dest = ExactGlob(op.e.path2);
  r.nth = 1;
  r.after.reset();
  r.times.reset();
  r.probability.reset();
  if (r.action == ActionKind::kEnospcAfterBytes)
    r.bytes = firing.bytes_allowed;  // the budget left
  if (Status st = ValidateGlob(r.path); !st.ok()) {
    op.firing.reset();
    return FinishEntry(
        op, Fail(Status::InvalidArgument(
                op.e.path,
                "cannot forward a fault rule for this path: " + st.message())));
  }
  auto reply = control_.Request({{"cmd", "inject"}, {"rule", r.ToJson()}});
  if (!reply.ok()) {
    op.firing.reset();
    return FinishEntry(op, Fail(reply.status()));
  }
  op.forwarded = true;
  op.daemon_faults = reply->value("faults", uint64_t{0});
  return Status::Ok();
}

Status CountingVfs::Damage(Op& op, const Firing& firing, const Target& target) {
  auto st =
      target.file != nullptr ? target.file->Stat() : inner_.Stat(op.e.path);
  // No such file, or not a regular one: SimVfs does nothing (and logs nothing).
  if (!st.ok() || st->type != FileType::kRegular) return Status::Ok();
  std::vector<uint64_t> draws;
  for (uint64_t i = PersistentDamageDraws(firing.rule, st->size); i > 0; --i) {
    draws.push_back(faults_.NextRandom());
  }
  auto reply = control_.Request({{"cmd", "damage"},
                                 {"ino", st->ino},
                                 {"rule", firing.rule.ToJson()},
                                 {"draws", draws}});
  if (!reply.ok()) return FinishEntry(op, Fail(reply.status()));
  std::string detail = reply->value("detail", std::string());
  if (!detail.empty()) Record(op, firing, std::move(detail));
  return Status::Ok();
}

Status CountingVfs::SimError(const Op& op, const Status& st) const {
  if (st.ok()) return st;
  return Status::IoError(st.err(), op.e.path);
}

Status CountingVfs::Finish(Op& op, Status st) {
  TraceEntry& e = op.e;
  std::optional<InjectedFault> daemon;
  if (op.forwarded) {
    op.forwarded = false;
    auto reply = control_.Request(
        {{"cmd", "faults"}, {"since", op.daemon_faults}, {"clear", true}});
    if (!reply.ok()) {
      st = Fail(reply.status());
    } else if (const auto& list = (*reply)["faults"];
               list.is_array() && !list.empty()) {
      daemon = InjectedFault{.detail = list[0].value("detail", std::string())};
    }
  }
  if (op.firing) {
    const Firing firing = *op.firing;
    op.firing.reset();
    const FaultRule& rule = firing.rule;
    if (daemon) {
      // The daemon carried the action out; say it as SimVfs does.
      Record(op, firing, daemon->detail);
      if (rule.action == ActionKind::kEnospcAfterBytes) {
        faults_.ConsumeBytes(
            firing.rule_index,
            std::min<uint64_t>(e.length, firing.bytes_allowed));
      }
      if (rule.action == ActionKind::kError && st.err() == rule.err) {
        return FinishEntry(op, InjectedError(e.op, rule.err, e.path));
      }
      if (rule.action == ActionKind::kErrorAfter && st.err() == rule.err) {
        return FinishEntry(op, InjectedErrorAfter(e.op, rule.err, e.path));
      }
      if (rule.action == ActionKind::kEnospcAfterBytes && st.err() == ENOSPC) {
        return FinishEntry(op, InjectedNoSpace(e.path));
      }
      if (rule.action == ActionKind::kFsyncgate && st.err() == EIO) {
        return FinishEntry(op, InjectedFsyncgate(e.path));
      }
      return FinishEntry(op, SimError(op, st));
    }
    // The daemon did not see the operation (the kernel failed it first, or
    // it is one the daemon never sees): results only, as SimVfs.
    if (rule.action == ActionKind::kError) {
      Record(op, firing, ErrorDetail(rule.err));
      return FinishEntry(op, InjectedError(e.op, rule.err, e.path));
    }
    if (rule.action == ActionKind::kErrorAfter && st.ok()) {
      Record(op, firing, ErrorAfterDetail(rule.err));
      return FinishEntry(op, InjectedErrorAfter(e.op, rule.err, e.path));
    }
  }
  return FinishEntry(op, SimError(op, st));
}

Status CountingVfs::FinishEntry(Op& op, Status st) {
  op.e.result = st.err();
  trace_.push_back(op.e);
  if (listener_.on_op) listener_.on_op(op.e);
  return st;
}

Status CountingVfs::Crash(const CrashMode& mode) {
  auto reply = control_.Request({{"cmd", "crash"}, {"mode", mode.ToString()}});
  if (!reply.ok()) return Fail(reply.status());
  ++generation_;
  crashed_ = false;
  return Status::Ok();
}

Status CountingVfs::Restart() {
  auto reply = control_.Request({{"cmd", "restart"}});
  if (!reply.ok()) return Fail(reply.status());
  crashed_ = false;
  return Status::Ok();
}

// ---------------------------------------------------------------- Vfs calls

Result<std::unique_ptr<File>> CountingVfs::Open(std::string_view path,
                                                const OpenOptions& opts) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  auto existing =
      inner_.Stat(*norm);  // SimVfs names the op by whether the file exists
  bool creating =
      opts.create && !existing.ok() && existing.status().err() == ENOENT;
  Op op;
  op.e = TraceEntry{.op = creating ? OpKind::kCreate : OpKind::kOpen,
                    .path = *norm};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm}, true));
  auto file = inner_.Open(*norm, opts);
  Status st = Finish(op, file.ok() ? Status::Ok() : file.status());
  if (!st.ok())
    return st;  // a handle opened anyway (error_after) is closed here,
                // uncounted
  return std::unique_ptr<File>(new CountingFile(this, std::move(file).value(),
                                                *norm, opts, generation_));
}

Status CountingVfs::Rename(std::string_view from, std::string_view to) {
  auto a = NormalizePath(from);
  if (!a.ok()) return a.status();
  auto b = NormalizePath(to);
  if (!b.ok()) return b.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kRename, .path = *a, .path2 = *b};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *a}, true));
  return Finish(op, inner_.Rename(*a, *b));
}

Status CountingVfs::Link(std::string_view existing, std::string_view new_path) {
  auto a = NormalizePath(existing);
  if (!a.ok()) return a.status();
  auto b = NormalizePath(new_path);
  if (!b.ok()) return b.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kLink, .path = *a, .path2 = *b};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *a}, true));
  return Finish(op, inner_.Link(*a, *b));
}

Status CountingVfs::Symlink(std::string_view target,
                            std::string_view link_path) {
  auto b = NormalizePath(link_path);
  if (!b.ok()) return b.status();
  Op op;
  op.e = TraceEntry{
      .op = OpKind::kSymlink, .path = *b, .path2 = std::string(target)};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *b}, true));
  return Finish(op, inner_.Symlink(target, *b));
}

Status CountingVfs::Unlink(std::string_view path) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kUnlink, .path = *norm};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm}, true));
  return Finish(op, inner_.Unlink(*norm));
}

Status CountingVfs::Mkdir(std::string_view path, uint32_t mode) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kMkdir, .path = *norm};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm}, true));
  return Finish(op, inner_.Mkdir(*norm, mode));
}

Status CountingVfs::Rmdir(std::string_view path) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kRmdir, .path = *norm};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm}, true));
  return Finish(op, inner_.Rmdir(*norm));
}

Status CountingVfs::Truncate(std::string_view path, uint64_t size) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kTruncate, .path = *norm, .offset = size};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm}, true));
  return Finish(op, inner_.Truncate(*norm, size));
}

Result<std::vector<DirEntry>> CountingVfs::ListDir(std::string_view path) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kReaddir, .path = *norm};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm}, true));
  auto entries = inner_.ListDir(*norm);
  Status st = Finish(op, entries.ok() ? Status::Ok() : entries.status());
  if (!st.ok()) return st;
  return std::move(entries).value();
}

Result<FileStat> CountingVfs::Stat(std::string_view path) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kStat, .path = *norm};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm},
                                 false));  // a FUSE getattr is no daemon op
  auto st = inner_.Stat(*norm);
  Status s = Finish(op, st.ok() ? Status::Ok() : st.status());
  if (!s.ok()) return s;
  return *st;
}

Status CountingVfs::SyncDir(std::string_view path) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  Op op;
  op.e = TraceEntry{.op = OpKind::kFsyncDir, .path = *norm};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{.path = *norm}, true));
  return Finish(op, inner_.SyncDir(*norm));
}

Status CountingVfs::SyncAll() {
  Op op;
  op.e = TraceEntry{.op = OpKind::kSync, .path = ""};
  CRASHLAB_RETURN_IF_ERROR(Begin(op, Target{}, false));
  if (op.firing && op.firing->rule.action == ActionKind::kFsyncLie) {
    Firing firing = *op.firing;
    op.firing.reset();
    Record(op, firing, std::string(kSyncLieDetail));
    return Finish(op, Status::Ok());
  }
  // syncfs(2) on a FUSE mount does not reach the daemon: ask it directly.
  auto reply = control_.Request({{"cmd", "sync"}});
  return Finish(op, reply.ok() ? Status::Ok() : Fail(reply.status()));
}

}  // namespace crashlab::faultfs
