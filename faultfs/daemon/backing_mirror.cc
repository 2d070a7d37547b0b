#include "faultfs/daemon/backing_mirror.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace crashlab::faultfs::daemon {
namespace {

constexpr Ino kTmpDir = UINT64_MAX - 1;  // model inode of .faultfs/tmp
constexpr const char* kTmpPath = ".faultfs/tmp";
constexpr const char* kJournalPath = ".faultfs/journal";
constexpr const char* kPidPath = ".faultfs/pid";  // the lock holder's pid
// FFJ2: steps carry atime and mtime (FFJ1 journals are discarded as torn).
constexpr char kMagic[4] = {'F', 'F', 'J', '2'};
constexpr size_t kHeaderSize =
    40;  // magic, reserved, progress, count, payload length, checksum
constexpr int kMaxDepth = 4096;

const char* At(const std::string& path) {
  return path.empty() ? "." : path.c_str();
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

uint64_t Fnv1a(const std::string& data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void PutU32(std::string& out, uint32_t v) {
  out.append(reinterpret_cast<const char*>(&v), 4);
}
void PutU64(std::string& out, uint64_t v) {
  out.append(reinterpret_cast<const char*>(&v), 8);
}
void PutStr(std::string& out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

struct Reader {
  const std::string& data;
  size_t pos = 0;
  bool ok = true;
  template <typename T>
  T Get() {
    T v{};
    if (pos + sizeof(T) > data.size()) {
      ok = false;
      return v;
    }
    std::memcpy(&v, data.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  std::string Str() {
    uint32_t n = Get<uint32_t>();
    if (!ok || pos + n > data.size()) {
      ok = false;
      return {};
    }
    std::string s = data.substr(pos, n);
    pos += n;
    return s;
  }
};

Status Errno(const std::string& path, const std::string& what) {
  return Status::IoError(errno, path, "backing dir: " + what);
}

// rm -rf of `name` under `dirfd`; a missing path is fine.
int RemoveTreeAt(int parent_fd, const char* name) {
  struct stat st;
  if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode))
    return unlinkat(parent_fd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
  int fd =
      openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return -1;
  }
  std::vector<std::string> names;
  while (struct dirent* de = readdir(dir)) {
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      names.emplace_back(de->d_name);
  }
  int rc = 0;
  for (const auto& n : names) rc |= RemoveTreeAt(dirfd(dir), n.c_str());
  closedir(dir);
  if (rc != 0) return -1;
  return unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0
                                                                         : -1;
}

Status WriteAllAt(int fd, const char* data, size_t n, uint64_t off,
                  const std::string& path) {
  while (n > 0) {
    ssize_t w = pwrite(fd, data, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno(path, "pwrite");
    }
    data += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

// pwritev of `iov` at `off`, all of it (short writes are continued).
Status WritevAllAt(int fd, std::vector<iovec>& iov, uint64_t off,
                   const std::string& path) {
  size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t w = pwritev(fd, iov.data() + first, count, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno(path, "pwrite");
    }
    off += static_cast<uint64_t>(w);
    auto left = static_cast<size_t>(w);
    while (first < iov.size() && left >= iov[first].iov_len)
      left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------- open / load

Result<std::unique_ptr<BackingMirror>> BackingMirror::Open(
    const std::string& backing, Options options, std::string* replay_report) {
  int fd = open(backing.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno(backing, "opening the backing directory");
  std::unique_ptr<BackingMirror> m(new BackingMirror(backing, fd, options));
  // Before anything is read or written (a journal replay included).
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return Errno(backing, "flock");
    std::string holder = "unknown pid";
    int pid_fd = openat(fd, kPidPath, O_RDONLY | O_CLOEXEC);
    if (pid_fd >= 0) {
      char buf[32] = {};
      ssize_t n = read(pid_fd, buf, sizeof(buf) - 1);
      close(pid_fd);
      std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
      if (!text.empty() &&
          text.find_first_not_of("0123456789") == std::string::npos)
        holder = "pid " + text;
    }
    return Status::IoError(EBUSY, backing,
                           "in use by another faultfs daemon (" + holder +
                               "): unmount that mount first (faultfs unmount "
                               "MOUNTPOINT) or use another backing dir");
  }
  if (mkdirat(fd, kHiddenDir, 0700) != 0 && errno != EEXIST)
    return Errno(kHiddenDir, "mkdir");
  if (mkdirat(fd, kTmpPath, 0700) != 0 && errno != EEXIST)
    return Errno(kTmpPath, "mkdir");
  CRASHLAB_RETURN_IF_ERROR(m->RecordOwner(getpid()));
  m->journal_fd_ = openat(fd, kJournalPath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m->journal_fd_ < 0) return Errno(kJournalPath, "open");
  CRASHLAB_RETURN_IF_ERROR(m->Replay(replay_report));
  m->model_[kRootIno] = MNode{.type = FileType::kDirectory};
  m->model_[kTmpDir] = MNode{.type = FileType::kDirectory};
  return m;
}

Status BackingMirror::RecordOwner(pid_t pid) {
  int fd = openat(root_fd_, kPidPath,
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(kPidPath, "open");
  std::string text = std::to_string(pid) + "\n";
  Status st = WriteAllAt(fd, text.data(), text.size(), 0, kPidPath);
  close(fd);
  return st;
}

BackingMirror::~BackingMirror() {
  for (int fd : batch_open_) close(fd);
  if (journal_fd_ >= 0) close(journal_fd_);
  close(root_fd_);
}

Result<SimState> BackingMirror::Load(std::vector<std::string>* skipped) {
  auto image = ReadBackingImageAt(root_fd_, backing_, skipped);
  if (!image.ok()) return image.status();
  SimState state;
  state.visible = std::move(image).value();
  // The mirror's model of the backing tree: every name of every inode.
  for (const auto& [dir, node] : state.visible.nodes()) {
    if (node->type != FileType::kDirectory) continue;
    for (const auto& [name, ino] : node->entries) {
      MNode& m = model_[ino];
      m.type = state.visible.Find(ino)->type;
      m.locs.insert({dir, name});
      model_[dir].entries[name] = ino;
    }
  }
  state.next_ino = state.visible.nodes().rbegin()->first + 1;
  state.durable = state.visible;
  return state;
}

// ---------------------------------------------------------------- model
// helpers

std::string BackingMirror::PathOf(Ino dir) const {
  if (dir == kRootIno) return "";
  if (dir == kTmpDir) return kTmpPath;
  const MNode& m = model_.at(dir);
  const auto& loc = *m.locs.begin();
  return EntryPath(loc.first, loc.second);
}

std::string BackingMirror::EntryPath(Ino dir, const std::string& name) const {
  return Join(PathOf(dir), name);
}

bool BackingMirror::IsDir(Ino ino) const {
  auto it = model_.find(ino);
  return it != model_.end() && it->second.type == FileType::kDirectory &&
         (ino == kRootIno || ino == kTmpDir || !it->second.locs.empty());
}

void BackingMirror::ForgetName(Ino ino, Ino dir, const std::string& name) {
  Save(dir);
  model_.at(dir).entries.erase(name);
  Save(ino);
  auto it = model_.find(ino);
  if (it == model_.end()) return;
  it->second.locs.erase({dir, name});
  if (it->second.locs.empty()) {
    if (it->second.type == FileType::kDirectory) {
      ForgetTree(ino);
    } else {
      model_.erase(it);
    }
  }
}

void BackingMirror::ForgetTree(Ino ino) {
  Save(ino);
  auto it = model_.find(ino);
  if (it == model_.end()) return;
  std::map<std::string, Ino> entries = std::move(it->second.entries);
  model_.erase(it);
  for (const auto& [name, child] : entries) {
    Save(child);
    auto c = model_.find(child);
    if (c == model_.end()) continue;
    c->second.locs.erase({ino, name});
    if (!c->second.locs.empty()) continue;
    if (c->second.type == FileType::kDirectory) {
      ForgetTree(child);
    } else {
      model_.erase(c);
    }
  }
}

// ---------------------------------------------------------------- planning

void BackingMirror::PlanRemoveEntry(Ino dir, const std::string& name) {
  auto& entries = model_.at(dir).entries;
  auto it = entries.find(name);
  if (it == entries.end()) return;
  Ino ino = it->second;
  std::string path = EntryPath(dir, name);
  if (IsDir(ino)) {
    plan_.push_back(Step{.kind = Step::Kind::kRemoveTree, .a = path});
  } else {
    plan_.push_back(Step{.kind = Step::Kind::kUnlink, .a = path});
  }
  ForgetName(ino, dir, name);
}

void BackingMirror::PlanPlace(Ino dir, const std::string& name, Ino ino,
                              const Image& img, int depth) {
  const Node* n = img.Find(ino);
  if (n == nullptr || depth > kMaxDepth) return;
  std::string dst = EntryPath(dir, name);
  Save(ino);
  Save(dir);
  auto existing = model_.find(ino);
  if (existing != model_.end() && !existing->second.locs.empty()) {
    auto old = *existing->second.locs.begin();
    if (existing->second.type != FileType::kDirectory) {  // one more hard link
      plan_.push_back(Step{.kind = Step::Kind::kLink,
                           .a = EntryPath(old.first, old.second),
                           .b = dst});
      existing->second.locs.insert({dir, name});
    } else {  // a directory moved here
      plan_.push_back(Step{.kind = Step::Kind::kRename,
                           .a = EntryPath(old.first, old.second),
                           .b = dst});
      Save(old.first);
      model_.at(old.first).entries.erase(old.second);
      existing->second.locs = {{dir, name}};
    }
    model_.at(dir).entries[name] = ino;
    return;
  }
  switch (n->type) {
    case FileType::kSymlink:
      plan_.push_back(Step{.kind = Step::Kind::kSymlink,
                           .a = dst,
                           .b = n->target,
                           .uid = n->uid,
                           .gid = n->gid});
      model_[ino] = MNode{.type = n->type, .locs = {{dir, name}}};
      PlanAttr(ino, *n, true);
      break;
    case FileType::kRegular: {
      std::string tmp = Join(kTmpPath, std::to_string(++tmp_counter_));
      plan_.push_back(Step{.kind = Step::Kind::kFill,
                           .a = tmp,
                           .mode = n->mode,
                           .uid = n->uid,
                           .gid = n->gid,
                           .node = n});
      plan_.push_back(Step{.kind = Step::Kind::kRename, .a = tmp, .b = dst});
      filled_.insert(ino);
      model_[ino] = MNode{.type = n->type, .locs = {{dir, name}}};
      break;
    }
    case FileType::kDirectory: {
      if (n->entries.empty()) {
        plan_.push_back(Step{.kind = Step::Kind::kMkdir,
                             .a = dst,
                             .mode = n->mode,
                             .uid = n->uid,
                             .gid = n->gid});
        model_[ino] = MNode{.type = n->type, .locs = {{dir, name}}};
        PlanAttr(ino, *n, true);
        break;
      }
      // Built complete under tmp, then renamed into place in one step.
      std::string tmp_name = std::to_string(++tmp_counter_);
      std::string tmp = Join(kTmpPath, tmp_name);
      plan_.push_back(Step{.kind = Step::Kind::kMkdir,
                           .a = tmp,
                           .mode = n->mode,
                           .uid = n->uid,
                           .gid = n->gid});
      model_[ino] = MNode{.type = n->type, .locs = {{kTmpDir, tmp_name}}};
      Save(kTmpDir);
      model_.at(kTmpDir).entries[tmp_name] = ino;
      for (const auto& [child_name, child] : n->entries)
        PlanPlace(ino, child_name, child, img, depth + 1);
      plan_.push_back(Step{.kind = Step::Kind::kRename, .a = tmp, .b = dst});
      model_.at(kTmpDir).entries.erase(tmp_name);
      model_.at(ino).locs = {{dir, name}};
      PlanAttr(ino, *n, true);  // after its entries: they changed its mtime
      break;
    }
    case FileType::kOther:
      return;
  }
  model_.at(dir).entries[name] = ino;
}

void BackingMirror::PlanOp(const PendingOp& op, const Image& durable) {
  using K = PendingOp::Kind;
  switch (op.kind) {
    case K::kWrite:
    case K::kTruncate: {
      auto it = model_.find(op.ino);
      if (it == model_.end() || it->second.locs.empty() ||
          it->second.type != FileType::kRegular)
        return;
      if (filled_.count(op.ino) != 0)
        return;  // already written with its final content
      const auto& loc = *it->second.locs.begin();
      std::string path = EntryPath(loc.first, loc.second);
      if (op.kind == K::kTruncate) {
        plan_.push_back(
            Step{.kind = Step::Kind::kTruncate, .a = path, .len = op.size});
      } else {
        uint64_t keep = std::min<uint64_t>(op.bytes->size(), op.torn_keep);
        if (keep > 0)
          plan_.push_back(Step{.kind = Step::Kind::kWrite,
                               .a = path,
                               .off = op.offset,
                               .len = keep,
                               .bytes = op.bytes});
      }
      return;
    }
    case K::kLinkEntry: {
      if (!IsDir(op.dir))
        return;  // the directory is not (yet) in the durable tree
      auto& entries = model_.at(op.dir).entries;
      auto it = entries.find(op.name);
      if (it != entries.end()) {
        if (it->second == op.ino) return;
        PlanRemoveEntry(op.dir, op.name);
      }
      PlanPlace(op.dir, op.name, op.ino, durable, 0);
      return;
    }
    case K::kUnlinkEntry: {
      if (!IsDir(op.dir)) return;
      auto& entries = model_.at(op.dir).entries;
      auto it = entries.find(op.name);
      if (it != entries.end() && it->second == op.ino)
        PlanRemoveEntry(op.dir, op.name);
      return;
    }
    case K::kRename: {
      bool src_ok = false;
      if (IsDir(op.dir)) {
        auto& e = model_.at(op.dir).entries;
        auto it = e.find(op.name);
        src_ok = it != e.end() && it->second == op.ino;
      }
      bool dst_ok = IsDir(op.dir2);
      if (src_ok && dst_ok) {
        auto& d2 = model_.at(op.dir2).entries;
        auto it = d2.find(op.name2);
        if (it != d2.end()) {
          Ino y = it->second;
          if (y == op.ino) {  // the source was another name of the same file
            PlanRemoveEntry(op.dir, op.name);
            return;
          }
          bool src_dir = IsDir(op.ino);
          bool dst_dir = IsDir(y);
          bool compatible =
              (!src_dir && !dst_dir) ||
              (src_dir && dst_dir && model_.at(y).entries.empty());
          if (!compatible) PlanRemoveEntry(op.dir2, op.name2);
        }
        plan_.push_back(Step{.kind = Step::Kind::kRename,
                             .a = EntryPath(op.dir, op.name),
                             .b = EntryPath(op.dir2, op.name2)});
        Save(op.dir);
        Save(op.dir2);
        Save(op.ino);
        auto replaced = model_.at(op.dir2).entries.find(op.name2);
        if (replaced != model_.at(op.dir2).entries.end())
          ForgetName(replaced->second, op.dir2, op.name2);
        model_.at(op.dir).entries.erase(op.name);
        MNode& m = model_.at(op.ino);
        m.locs.erase({op.dir, op.name});
        m.locs.insert({op.dir2, op.name2});
        model_.at(op.dir2).entries[op.name2] = op.ino;
      } else if (src_ok) {
        PlanRemoveEntry(op.dir, op.name);  // moved somewhere not durable
      } else if (dst_ok) {
        auto& d2 = model_.at(op.dir2).entries;
        auto it = d2.find(op.name2);
        if (it != d2.end()) {
          if (it->second == op.ino) return;
          PlanRemoveEntry(op.dir2, op.name2);
        }
        PlanPlace(op.dir2, op.name2, op.ino, durable, 0);
      }
      return;
    }
  }
}

void BackingMirror::PlanResync(Ino dir, const Image& before, const Image& after,
                               int depth) {
  const Node* n = after.Find(dir);
  if (n == nullptr || n->type != FileType::kDirectory || depth > kMaxDepth ||
      !IsDir(dir))
    return;
  std::map<std::string, Ino> mirrored = model_.at(dir).entries;
  for (const auto& [name, ino] : mirrored) {
    auto it = n->entries.find(name);
    if (it == n->entries.end() || it->second != ino ||
        after.Find(ino) == nullptr)
      PlanRemoveEntry(dir, name);
  }
  for (const auto& [name, ino] : n->entries) {
    const Node* child = after.Find(ino);
    if (child == nullptr) continue;
    auto& entries = model_.at(dir).entries;
    if (entries.find(name) == entries.end()) {
      PlanPlace(dir, name, ino, after, depth + 1);
      continue;
    }
    if (child->type == FileType::kDirectory) {
      PlanResync(ino, before, after, depth + 1);
    } else if (child->type == FileType::kRegular && filled_.count(ino) == 0) {
      const Node* old = before.Find(ino);
      if (old == nullptr || !(old->data == child->data)) {
        plan_.push_back(Step{.kind = Step::Kind::kFill,
                             .a = EntryPath(dir, name),
                             .mode = child->mode,
                             .uid = child->uid,
                             .gid = child->gid,
                             .node = child});
        filled_.insert(ino);
      }
    }
  }
}

// ---------------------------------------------------------------- apply

void BackingMirror::Fail(Status st) {
  std::lock_guard lock(error_mu_);
  if (error_.ok()) error_ = st;
  last_error_ = std::move(st);
  broken_.store(true);
}

Status BackingMirror::error() const {
  std::lock_guard lock(error_mu_);
  return error_;
}

Status BackingMirror::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void BackingMirror::Save(Ino ino) {
  if (!undo_on_ || undo_.count(ino) != 0) return;
  auto it = model_.find(ino);
  if (it == model_.end()) {
    undo_.emplace(ino, std::nullopt);
  } else {
    undo_.emplace(ino, it->second);
  }
}

void BackingMirror::RollbackModel() {
  for (auto& [ino, node] : undo_) {
    if (node) {
      model_[ino] = std::move(*node);
    } else {
      model_.erase(ino);
    }
  }
  undo_.clear();
  undo_on_ = false;
}

namespace {

bool Independent(const std::string& path, const std::string& other) {
  if (other.empty()) return true;
  if (path == other) return false;
  if (other.starts_with(path + "/")) return false;
  if (path.starts_with(other + "/")) return false;
  return true;
}

// Whether `err` means the file system cannot reserve space this way (the
// reservation is then skipped, not failed).
bool Unsupported(int err) {
  return err == EOPNOTSUPP || err == ENOSYS || err == EINVAL;
}

// fn(offset, length) for each run of stored pages of `data` (holes take no
// space, so only these are reserved), clipped to its size.
template <typename Fn>
void ForEachStoredRun(const Content& data, Fn&& fn) {
  uint64_t size = data.size();
  uint64_t run_off = 0;
  uint64_t run_len = 0;
  data.ForEachPage([&](uint64_t index, const char*) {
    uint64_t off = index * Content::kPageSize;
    if (off >= size) return;
    uint64_t len = std::min<uint64_t>(Content::kPageSize, size - off);
    if (run_len > 0 && run_off + run_len == off) {
      run_len += len;
      return;
    }
    if (run_len > 0) fn(run_off, run_len);
    run_off = off;
    run_len = len;
  });
  if (run_len > 0) fn(run_off, run_len);
}

// fallocate of every stored run of `data` into `fd` with `mode`; 0 or an
// errno (not one of Unsupported()).
int ReserveRuns(int fd, int mode, const Content& data) {
  int err = 0;
  ForEachStoredRun(data, [&](uint64_t off, uint64_t len) {
    if (err != 0) return;
    if (fallocate(fd, mode, static_cast<off_t>(off), static_cast<off_t>(len)) !=
            0 &&
        !Unsupported(errno)) {
      err = errno;
    }
  });
  return err;
}

}  // namespace

size_t BackingMirror::HoistRemovals() {
  std::vector<Step> removals;
  std::vector<Step> rest;
  for (auto& step : plan_) {
    bool removal = step.kind == Step::Kind::kUnlink ||
                   step.kind == Step::Kind::kRemoveTree;
    if (removal) {
      bool free = std::all_of(rest.begin(), rest.end(), [&](const Step& e) {
        return Independent(step.a, e.a) && Independent(step.a, e.b);
      });
      if (free) {
        removals.push_back(std::move(step));
        continue;
      }
    }
    rest.push_back(std::move(step));
  }
  size_t hoisted = removals.size();
  if (hoisted == 0) {
    plan_ = std::move(rest);
    return 0;
  }
  for (auto& step : rest) removals.push_back(std::move(step));
  plan_ = std::move(removals);
  return hoisted;
}

uint64_t BackingMirror::BytesNeeded(size_t from, size_t to) const {
  uint64_t n = 0;
  for (size_t i = from; i < to && i < plan_.size(); ++i) {
    const Step& s = plan_[i];
    if (s.kind == Step::Kind::kWrite) n += s.len;
    if (s.kind == Step::Kind::kFill)
      ForEachStoredRun(s.node->data, [&](uint64_t, uint64_t len) { n += len; });
  }
  return n;
}

uint64_t BackingMirror::BytesFreed(size_t n) const {
  uint64_t freed = 0;
  for (size_t i = 0; i < n && i < plan_.size(); ++i) {
    if (plan_[i].kind != Step::Kind::kUnlink) continue;
    struct stat st;
    if (fstatat(root_fd_, At(plan_[i].a), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && st.st_nlink == 1) {
      freed += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return freed;
}

Status BackingMirror::OpenInPlace(const std::string& path, InPlace** out) {
  // One descriptor per path for the whole batch (a sync of many writes to
  // one file opens it once). The path names the file as it is before the
  // batch; a step whose file an earlier step creates is not reserved.
  if (auto it = reserved_in_place_.find(path); it != reserved_in_place_.end()) {
    *out = &it->second;
    return Status::Ok();
  }
  int fd = openat(root_fd_, At(path), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::Ok();
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status err = Errno(path, "stat");
    close(fd);
    return err;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  *out = &(reserved_in_place_[path] =
               InPlace{.fd = fd, .old_size = size, .end = size});
  return Status::Ok();
}

Status BackingMirror::Reserve(size_t from, size_t to, size_t* reserved_upto) {
  for (size_t i = from; i < to; ++i) {
    *reserved_upto = i;
    const Step& s = plan_[i];
    if (s.kind == Step::Kind::kFill) {
      // Files built under .faultfs/tmp are created here; one filled in place
      // (after a crash or damage) is truncated by its step, so only its
      // range is reserved.
      bool fresh = s.a.starts_with(std::string(kTmpPath) + "/");
      uint64_t size = s.node->data.size();
      if (fresh) {
        int fd =
            openat(root_fd_, At(s.a),
                   O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) return Errno(s.a, "create");
        reserved_new_[s.a] = fd;
        if (int err = ReserveRuns(fd, 0, s.node->data); err != 0) {
          errno = err;
          return Errno(s.a, "reserve " + std::to_string(size) + " bytes for");
        }
        continue;
      }
      if (size == 0) continue;
      InPlace* r = nullptr;
      CRASHLAB_RETURN_IF_ERROR(OpenInPlace(s.a, &r));
      if (r == nullptr) continue;  // the step reports it
      r->end = std::max(r->end, size);
      if (int err = ReserveRuns(r->fd, FALLOC_FL_KEEP_SIZE, s.node->data);
          err != 0) {
        errno = err;
        return Errno(s.a, "reserve " + std::to_string(size) + " bytes for");
      }
    } else if (s.kind == Step::Kind::kWrite && s.len > 0) {
      InPlace* r = nullptr;
      CRASHLAB_RETURN_IF_ERROR(OpenInPlace(s.a, &r));
      if (r == nullptr) continue;  // the step reports it
      r->end = std::max(r->end, s.off + s.len);
      if (fallocate(r->fd, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(s.off),
                    static_cast<off_t>(s.len)) != 0 &&
          !Unsupported(errno)) {
        return Errno(s.a, "reserve " + std::to_string(s.len) + " bytes at " +
                              std::to_string(s.off) + " for");
      }
    }
  }
  *reserved_upto = to;
  return Status::Ok();
}

void BackingMirror::Unreserve(bool punch) {
  for (auto& [path, fd] : reserved_new_) {
    close(fd);
    unlinkat(root_fd_, At(path), 0);  // best effort: CleanScratch at mount
  }
  reserved_new_.clear();
  for (auto& [key, r] : reserved_in_place_) {
    // What was reserved past the old end of the file (KEEP_SIZE) is freed;
    // the file's size and content are untouched.
    if (punch && r.end > r.old_size) {
      fallocate(r.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                static_cast<off_t>(r.old_size),
                static_cast<off_t>(r.end - r.old_size));
    }
    close(r.fd);
  }
  reserved_in_place_.clear();
}

Status BackingMirror::Apply(const DurableChange& change) {
  if (broken_.load()) {
    return Status::IoError(EIO, backing_,
                           "the backing dir is out of sync since an earlier "
                           "error (" +
                               error().ToString() + "); remount");
  }
  plan_.clear();
  filled_.clear();
  undo_.clear();
  undo_on_ = true;
  for (const auto& op : change.applied) PlanOp(op, change.durable);
  if (change.before_crash_durable != nullptr)
    PlanResync(kRootIno, *change.before_crash_durable, change.durable, 0);
  for (Ino ino : change.rewritten) {
    auto it = model_.find(ino);
    const Node* n = change.durable.Find(ino);
    if (it == model_.end() || it->second.locs.empty() || n == nullptr ||
        filled_.count(ino) != 0)
      continue;
    const auto& loc = *it->second.locs.begin();
    plan_.push_back(Step{.kind = Step::Kind::kFill,
                         .a = EntryPath(loc.first, loc.second),
                         .mode = n->mode,
                         .uid = n->uid,
                         .gid = n->gid,
                         .node = n});
    filled_.insert(ino);
  }
  // Attributes last: the steps above changed backing mtimes. A file whose
  // data became durable without its attributes (fdatasync) gets its durable
  // times back.
  std::set<Ino> data_only;
  for (const auto& op : change.applied) {
    if (op.is_data() && change.attrs.count(op.ino) == 0)
      data_only.insert(op.ino);
  }
  for (Ino ino : data_only) {
    if (const Node* n = change.durable.Find(ino)) PlanAttr(ino, *n, true);
  }
  for (Ino ino : change.attrs) {
    if (const Node* n = change.durable.Find(ino)) PlanAttr(ino, *n, false);
  }
  if (plan_.empty()) {
    undo_.clear();
    undo_on_ = false;
    return Status::Ok();
  }
  size_t hoisted = HoistRemovals();
  bool journal = std::any_of(plan_.begin(), plan_.end(), [](const Step& s) {
    return s.redoable() && s.kind != Step::Kind::kTruncate &&
           s.kind != Step::Kind::kAttr;
  });
  // Nothing visible in the backing dir changes before every reservation
  // holds: a refused batch leaves it (and the model of it) as it was.
  auto refuse = [&](Status st) -> Status {
    Unreserve(true);
    if (journal) ClearJournal();
    RollbackModel();
    plan_.clear();
    ++refused_;
    std::lock_guard lock(error_mu_);
    last_error_ = st;
    return st;
  };
  if (journal) {
    Status st = WriteJournal();
    if (!st.ok()) return refuse(st);
  }
  size_t reserved_upto = 0;
  size_t done = 0;
  Status reserve = Reserve(hoisted, plan_.size(), &reserved_upto);
  if (!reserve.ok()) {
    // Enough room once the batch's own removals ran? Then run them (they
    // are journalled and come first) and reserve the rest.
    bool no_space = reserve.err() == ENOSPC || reserve.err() == EDQUOT;
    struct statvfs vfs;
    bool fits = false;
    if (no_space && hoisted > 0 && fstatvfs(root_fd_, &vfs) == 0) {
      uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
      fits = avail + BytesFreed(hoisted) >=
             BytesNeeded(reserved_upto, plan_.size());
    }
    if (!fits) return refuse(reserve);
    undo_.clear();
    undo_on_ = false;
    for (; done < hoisted; ++done) {
      Status st = Execute(plan_[done], false);
      if (!st.ok()) {
        Unreserve(false);
        Fail(st);
        return st;
      }
      ++steps_;
      if (journal) UpdateProgress(done + 1);
    }
    size_t from = reserved_upto;
    reserve = Reserve(from, plan_.size(), &reserved_upto);
    if (!reserve.ok()) {
      Unreserve(false);
      Fail(reserve);
      return reserve;
    }
  }
  undo_.clear();
  undo_on_ = false;
  ++batches_;
  for (size_t i = done; i < plan_.size(); ++i) {
    Status st = Execute(plan_[i], false);
    if (!st.ok()) {
      Unreserve(false);
      Fail(st);
      return st;
    }
    ++steps_;
    if (journal) UpdateProgress(i + 1);
  }
  Status st = FinishBatch();
  if (!st.ok()) {
    Fail(st);
    return st;
  }
  if (journal) ClearJournal();
  plan_.clear();
  return Status::Ok();
}

void BackingMirror::PlanAttr(Ino ino, const Node& n, bool times_only) {
  auto it = model_.find(ino);
  if (it == model_.end() || it->second.locs.empty()) return;
  const auto& loc = *it->second.locs.begin();
  bool keep_mode = times_only || n.type == FileType::kSymlink;
  plan_.push_back(Step{.kind = Step::Kind::kAttr,
                       .a = EntryPath(loc.first, loc.second),
                       .mode = keep_mode ? 0u : n.mode,
                       .uid = times_only ? UINT32_MAX : n.uid,
                       .gid = times_only ? UINT32_MAX : n.gid,
                       .atime = n.atime,
                       .mtime = n.mtime});
}

int BackingMirror::FileFd(const std::string& path) {
  auto it = batch_fds_.find(path);
  if (it != batch_fds_.end()) return it->second;
  int fd = openat(root_fd_, At(path), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    batch_fds_[path] = fd;
    batch_open_.push_back(fd);
  }
  return fd;
}

Status BackingMirror::Execute(const Step& s, bool replay) {
  using K = Step::Kind;
  // Restoring the times of a file changes no name (and a file written in
  // this batch is fsync'd with its times at the end of it).
  bool times_only = s.kind == K::kAttr && s.mode == 0 && s.uid == UINT32_MAX;
  if (s.kind != K::kWrite && s.kind != K::kTruncate && !times_only) {
    // Paths may change meaning: cached descriptors stay open for the final
    // fsync but are no longer found by path.
    batch_fds_.clear();
    // Scratch directories under .faultfs need no fsync: what is built there
    // is renamed out (and fsync'd at its destination) in the same batch.
    auto note_dir = [&](const std::string& path) {
      std::string dir = ParentPath(path);
      if (dir != kHiddenDir && !dir.starts_with(std::string(kHiddenDir) + "/"))
        batch_dirs_.insert(dir);
    };
    note_dir(s.a);
    if (s.kind == K::kRename || s.kind == K::kLink) note_dir(s.b);
  }
  switch (s.kind) {
    case K::kRename:
      if (renameat(root_fd_, At(s.a), root_fd_, At(s.b)) != 0 &&
          !(replay && errno == ENOENT)) {
        return Errno(s.a, "rename to " + s.b);
      }
      return Status::Ok();
    case K::kLink:
      if (linkat(root_fd_, At(s.a), root_fd_, At(s.b), 0) != 0 &&
          !(replay && errno == EEXIST)) {
        return Errno(s.b, "link from " + s.a);
      }
      return Status::Ok();
    case K::kUnlink:
      if (unlinkat(root_fd_, At(s.a), 0) != 0 && !(replay && errno == ENOENT))
        return Errno(s.a, "unlink");
      return Status::Ok();
    case K::kRemoveTree:
      if (RemoveTreeAt(root_fd_, At(s.a)) != 0)
        return Errno(s.a, "remove tree");
      return Status::Ok();
    case K::kMkdir:
      if (mkdirat(root_fd_, At(s.a), s.mode) != 0) {
        if (!(replay && errno == EEXIST)) return Errno(s.a, "mkdir");
      }
      if (fchmodat(root_fd_, At(s.a), s.mode, 0) != 0)
        return Errno(s.a, "chmod");
      if (fchownat(root_fd_, At(s.a), s.uid, s.gid, AT_SYMLINK_NOFOLLOW) != 0 &&
          errno != EPERM) {
        return Errno(s.a, "chown");
      }
      return Status::Ok();
    case K::kSymlink:
      if (symlinkat(s.b.c_str(), root_fd_, At(s.a)) != 0 &&
          !(replay && errno == EEXIST)) {
        return Errno(s.a, "symlink");
      }
      if (fchownat(root_fd_, At(s.a), s.uid, s.gid, AT_SYMLINK_NOFOLLOW) != 0 &&
          errno != EPERM) {
        return Errno(s.a, "chown");
      }
      return Status::Ok();
    case K::kAttr: {
      if (s.mode != 0 && fchmodat(root_fd_, At(s.a), s.mode, 0) != 0 &&
          !(replay && errno == ENOENT)) {
        return Errno(s.a, "chmod");
      }
      bool owner = s.uid != UINT32_MAX || s.gid != UINT32_MAX;
      if (owner &&
          fchownat(root_fd_, At(s.a), s.uid, s.gid, AT_SYMLINK_NOFOLLOW) != 0 &&
          errno != EPERM && !(replay && errno == ENOENT)) {
        return Errno(s.a, "chown");
      }
      // chown clears set-user/group-id bits: set the mode again after it.
      if (owner && s.mode != 0 && (s.mode & 06000) != 0 &&
          fchmodat(root_fd_, At(s.a), s.mode, 0) != 0 &&
          !(replay && errno == ENOENT)) {
        return Errno(s.a, "chmod");
      }
      timespec times[2] = {s.atime, s.mtime};
      if (utimensat(root_fd_, At(s.a), times, AT_SYMLINK_NOFOLLOW) != 0 &&
          !(replay && errno == ENOENT)) {
        return Errno(s.a, "set times of");
      }
      return Status::Ok();
    }
    case K::kTruncate: {
      int fd = FileFd(s.a);
      if (fd < 0)
        return (replay && errno == ENOENT) ? Status::Ok()
                                           : Errno(s.a, "open for truncate");
      if (ftruncate(fd, static_cast<off_t>(s.len)) != 0)
        return Errno(s.a, "ftruncate");
      return Status::Ok();
    }
    case K::kWrite: {
      int fd = FileFd(s.a);
      if (fd < 0) return Errno(s.a, "open for write");
      // The pieces of the write (shared pages) go out in one pwritev.
      std::vector<iovec> iov;
      s.bytes->ForEach(s.len, [&](uint64_t, std::string_view piece) {
        iov.push_back(iovec{const_cast<char*>(piece.data()), piece.size()});
      });
      return WritevAllAt(fd, iov, s.off, s.a);
    }
    case K::kFill: {
      int fd = -1;
      if (auto r = reserved_new_.find(s.a); r != reserved_new_.end()) {
        fd = r->second;  // created and fallocate'd by Reserve()
        reserved_new_.erase(r);
      } else {
        fd =
            openat(root_fd_, At(s.a),
                   O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) return Errno(s.a, "create");
      }
      batch_open_.push_back(fd);
      const Content& data = s.node->data;
      uint64_t size = data.size();
      // Contiguous pages are written together (pwritev straight from the
      // pages), up to 256 pages at a time.
      std::vector<iovec> run;
      uint64_t run_off = 0;
      uint64_t run_len = 0;
      Status st;
      auto flush = [&] {
        if (!run.empty() && st.ok()) st = WritevAllAt(fd, run, run_off, s.a);
        run.clear();
        run_len = 0;
      };
      data.ForEachPage([&](uint64_t index, const char* bytes) {
        uint64_t off = index * Content::kPageSize;
        if (off >= size) return;
        size_t len = static_cast<size_t>(
            std::min<uint64_t>(Content::kPageSize, size - off));
        if (!run.empty() && (run_off + run_len != off || run.size() >= 256))
          flush();
        if (run.empty()) run_off = off;
        run.push_back(iovec{const_cast<char*>(bytes), len});
        run_len += len;
      });
      flush();
      CRASHLAB_RETURN_IF_ERROR(st);
      if (ftruncate(fd, static_cast<off_t>(size)) != 0)
        return Errno(s.a, "ftruncate");
      if (fchown(fd, s.uid, s.gid) != 0 && errno != EPERM)
        return Errno(s.a, "chown");
      if (fchmod(fd, s.mode) != 0) return Errno(s.a, "chmod");
      timespec times[2] = {s.node->atime, s.node->mtime};
      if (futimens(fd, times) != 0) return Errno(s.a, "set times of");
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status BackingMirror::FinishBatch() {
  // The in-place reservations are used up (their steps ran).
  for (auto& [key, r] : reserved_in_place_) close(r.fd);
  reserved_in_place_.clear();
  Status st;
  for (int fd : batch_open_) {
    if (options_.fsync && st.ok() && fsync(fd) != 0)
      st = Errno("", "fsync of a written file");
    close(fd);
  }
  batch_open_.clear();
  batch_fds_.clear();
  if (options_.fsync) {
    for (const auto& dir : batch_dirs_) {
      if (!st.ok()) break;
      int fd = openat(root_fd_, At(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) {
        if (errno == ENOENT) continue;  // removed later in the batch
        st = Errno(dir, "open directory for fsync");
        break;
      }
      if (fsync(fd) != 0) st = Errno(dir, "fsync directory");
      close(fd);
    }
  }
  batch_dirs_.clear();
  return st;
}

// ---------------------------------------------------------------- journal

Status BackingMirror::WriteJournal() {
  std::string payload;
  for (const auto& s : plan_) {
    payload.push_back(static_cast<char>(s.kind));
    PutStr(payload, s.a);
    PutStr(payload, s.b);
    PutU64(payload, s.off);
    PutU64(payload, s.len);
    PutU32(payload, s.mode);
    PutU32(payload, s.uid);
    PutU32(payload, s.gid);
    PutU64(payload, static_cast<uint64_t>(s.atime.tv_sec));
    PutU64(payload, static_cast<uint64_t>(s.atime.tv_nsec));
    PutU64(payload, static_cast<uint64_t>(s.mtime.tv_sec));
    PutU64(payload, static_cast<uint64_t>(s.mtime.tv_nsec));
  }
  std::string out(kMagic, 4);
  PutU32(out, 0);
  PutU64(out, 0);  // progress
  PutU64(out, plan_.size());
  PutU64(out, payload.size());
  PutU64(out, Fnv1a(payload));
  out += payload;
  if (ftruncate(journal_fd_, 0) != 0) return Errno(kJournalPath, "truncate");
  return WriteAllAt(journal_fd_, out.data(), out.size(), 0, kJournalPath);
}

void BackingMirror::UpdateProgress(uint64_t done) {
  // Best effort: a lost progress update only makes replay redo a step, and
  // every redoable step tolerates having been done already.
  if (pwrite(journal_fd_, &done, sizeof(done), 8) != sizeof(done)) {
    Fail(Errno(kJournalPath, "journal progress"));
  }
}

void BackingMirror::ClearJournal() {
  if (ftruncate(journal_fd_, 0) != 0) Fail(Errno(kJournalPath, "truncate"));
}

void BackingMirror::CleanScratch() {
  int fd = openat(root_fd_, kTmpPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* de = readdir(dir)) {
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      names.emplace_back(de->d_name);
  }
  for (const auto& n : names) RemoveTreeAt(dirfd(dir), n.c_str());
  closedir(dir);
}

Status BackingMirror::Replay(std::string* report) {
  struct stat st;
  if (fstat(journal_fd_, &st) != 0) return Errno(kJournalPath, "stat");
  std::string data(static_cast<size_t>(st.st_size), '\0');
  if (!data.empty() && pread(journal_fd_, data.data(), data.size(), 0) !=
                           static_cast<ssize_t>(data.size())) {
    return Errno(kJournalPath, "read");
  }
  if (data.empty()) {
    CleanScratch();
    return Status::Ok();
  }
  Reader r{data};
  r.pos = 4;
  r.Get<uint32_t>();
  uint64_t progress = r.Get<uint64_t>();
  uint64_t count = r.Get<uint64_t>();
  uint64_t len = r.Get<uint64_t>();
  uint64_t sum = r.Get<uint64_t>();
  bool valid = r.ok && std::memcmp(data.data(), kMagic, 4) == 0 &&
               kHeaderSize + len == data.size() &&
               Fnv1a(data.substr(kHeaderSize)) == sum;
  if (!valid) {
    // The daemon died while writing the journal: no step of that batch ran.
    ClearJournal();
    if (report != nullptr) {
      *report =
          "faultfs: backing dir is at its durable state (discarded an "
          "incomplete journal; its sync had not started)";
    }
    CleanScratch();
    return Status::Ok();
  }
  std::vector<Step> steps;
  for (uint64_t i = 0; i < count && r.ok; ++i) {
    Step s;
    s.kind = static_cast<Step::Kind>(r.Get<uint8_t>());
    s.a = r.Str();
    s.b = r.Str();
    s.off = r.Get<uint64_t>();
    s.len = r.Get<uint64_t>();
    s.mode = r.Get<uint32_t>();
    s.uid = r.Get<uint32_t>();
    s.gid = r.Get<uint32_t>();
    s.atime.tv_sec = static_cast<time_t>(r.Get<uint64_t>());
    s.atime.tv_nsec = static_cast<long>(r.Get<uint64_t>());
    s.mtime.tv_sec = static_cast<time_t>(r.Get<uint64_t>());
    s.mtime.tv_nsec = static_cast<long>(r.Get<uint64_t>());
    steps.push_back(std::move(s));
  }
  uint64_t replayed = 0;
  uint64_t dropped = 0;
  for (uint64_t i = progress; i < steps.size(); ++i) {
    if (!steps[i].redoable()) {
      dropped = steps.size() - i;
      break;
    }
    CRASHLAB_RETURN_IF_ERROR(Execute(steps[i], true));
    ++replayed;
  }
  CRASHLAB_RETURN_IF_ERROR(FinishBatch());
  ClearJournal();
  CleanScratch();
  if (report != nullptr) {
    *report = "faultfs: backing dir brought to durable state (replayed " +
              std::to_string(replayed) + " journal entries";
    if (dropped > 0) {
      *report += "; " + std::to_string(dropped) +
                 " later entries needed data that lived only in the killed "
                 "daemon's memory, so the "
                 "interrupted sync is kept up to its first " +
                 std::to_string(steps.size() - dropped) + " steps";
    }
    *report += ")";
  }
  return Status::Ok();
}

}  // namespace crashlab::faultfs::daemon
