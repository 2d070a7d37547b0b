// The libfuse high-level operation table. Each callback is a thin adapter:
// it turns the FUSE arguments into a SimVfs call and the Status into -errno.
// No exception crosses into libfuse (bad_alloc -> ENOMEM, others -> EIO).
#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <sys/statvfs.h>

#include <cstring>
#include <new>

#include "faultfs/daemon/daemon.h"

namespace crashlab::faultfs::daemon {
namespace {

// One open file; fi->fh points at it.
struct Handle {
  std::unique_ptr<File> file;
  bool writable = false;
};

Daemon& D() { return *static_cast<Daemon*>(fuse_get_context()->private_data); }
Handle* H(const fuse_file_info* fi) {
  return fi == nullptr
             ? nullptr
             : reinterpret_cast<Handle*>(static_cast<uintptr_t>(fi->fh));
}
// "/a/b" -> "a/b"; "/" -> "".
std::string_view Rel(const char* path) {
  std::string_view p(path == nullptr ? "" : path);
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return p;
}
int Err(const Status& st) { return st.ok() ? 0 : -st.err(); }
// The backing directory's hidden .faultfs cannot be created in the root.
bool Reserved(const char* path) { return Rel(path) == kHiddenDir; }
void SetCaller() {
  const fuse_context* ctx = fuse_get_context();
  SimVfs::SetCaller(ctx->uid, ctx->gid);
}

template <typename Fn>
int Guard(Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  } catch (...) {
    return -EIO;
  }
}

mode_t TypeBits(FileType type) {
  switch (type) {
    case FileType::kDirectory:
      return S_IFDIR;
    case FileType::kSymlink:
      return S_IFLNK;
    default:
      return S_IFREG;
  }
}

void FillStat(const NodeAttr& a, struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_ino = a.ino;
  st->st_mode = TypeBits(a.type) | a.mode;
  st->st_nlink = a.nlink;
  st->st_uid = a.uid;
  st->st_gid = a.gid;
  st->st_size = static_cast<off_t>(a.size);
  st->st_blksize = 4096;
  st->st_blocks = static_cast<blkcnt_t>((a.size + 511) / 512);
  st->st_atim = a.atime;
  st->st_mtim = a.mtime;
  st->st_ctim = a.ctime;
}

void* Init(fuse_conn_info* conn, fuse_config* cfg) {
  Daemon* d = static_cast<Daemon*>(fuse_get_context()->private_data);
  cfg->use_ino = 1;
  cfg->nullpath_ok = 1;  // ops on open-but-unlinked files use the handle
  cfg->hard_remove =
      1;  // no .fuse_hidden files: SimVfs keeps unlinked open files
  cfg->entry_timeout =
      0;  // names are always looked up: a crash can change any of them
  cfg->negative_timeout = 0;
  cfg->attr_timeout =
      d->attr_timeout();  // attributes and data are invalidated after a crash
  cfg->kernel_cache = 0;
  cfg->direct_io = 0;
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;  // every write reaches SimVfs before
                                            // it returns
  conn->max_write =
      1 << 20;  // fewer round trips for large writes (kernel >= 4.20)
  return d;
}

int GetAttr(const char* path, struct stat* st, fuse_file_info* fi) {
  return Guard([&] {
    Handle* h = H(fi);
    auto attr = h != nullptr ? D().vfs().GetAttr(*h->file)
                             : D().vfs().GetAttr(Rel(path));
    if (!attr.ok()) return Err(attr.status());
    FillStat(*attr, st);
    return 0;
  });
}

int ReadLink(const char* path, char* buf, size_t size) {
  return Guard([&] {
    auto target = D().vfs().ReadLink(Rel(path));
    if (!target.ok()) return Err(target.status());
    if (size == 0) return -EINVAL;
    size_t n = std::min(size - 1, target->size());
    std::memcpy(buf, target->data(), n);
    buf[n] = '\0';
    return 0;
  });
}

int Mkdir(const char* path, mode_t mode) {
  return Guard([&] {
    if (Reserved(path)) return -EACCES;
    SetCaller();
    return Err(D().vfs().Mkdir(Rel(path), mode & 07777));
  });
}

int Unlink(const char* path) {
  return Guard([&] { return Err(D().vfs().Unlink(Rel(path))); });
}
int Rmdir(const char* path) {
  return Guard([&] { return Err(D().vfs().Rmdir(Rel(path))); });
}

int Symlink(const char* target, const char* path) {
  return Guard([&] {
    if (Reserved(path)) return -EACCES;
    SetCaller();
    return Err(D().vfs().Symlink(target, Rel(path)));
  });
}

int Rename(const char* from, const char* to, unsigned int flags) {
  return Guard([&] {
    if (Reserved(to)) return -EACCES;
    if ((flags & ~static_cast<unsigned>(RENAME_NOREPLACE)) != 0)
      return -EINVAL;  // EXCHANGE, WHITEOUT
    return Err(
        D().vfs().Rename(Rel(from), Rel(to),
                         (flags & RENAME_NOREPLACE) ? kRenameNoReplace : 0u));
  });
}

int Link(const char* from, const char* to) {
  return Guard([&] {
    if (Reserved(to)) return -EACCES;
    return Err(D().vfs().Link(Rel(from), Rel(to)));
  });
}

int SetAttrOp(const char* path, fuse_file_info* fi, const AttrChange& change) {
  Handle* h = H(fi);
  return Err(D().vfs().SetAttr(Rel(path),
                               h != nullptr ? h->file.get() : nullptr, change));
}

int Chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  return Guard(
      [&] { return SetAttrOp(path, fi, AttrChange{.mode = mode & 07777}); });
}

int Chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  return Guard([&] {
    AttrChange c;
    if (uid != static_cast<uid_t>(-1)) c.uid = uid;
    if (gid != static_cast<gid_t>(-1)) c.gid = gid;
    return SetAttrOp(path, fi, c);
  });
}

int Utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  return Guard([&] {
    AttrChange c;
    timespec now{0, UTIME_NOW};
    c.atime = tv == nullptr ? now : tv[0];
    c.mtime = tv == nullptr ? now : tv[1];
    return SetAttrOp(path, fi, c);
  });
}

int Truncate(const char* path, off_t size, fuse_file_info* fi) {
  return Guard([&] {
    if (size < 0) return -EINVAL;
    Handle* h = H(fi);
    if (h != nullptr && (h->writable || path == nullptr))
      return Err(h->file->Truncate(static_cast<uint64_t>(size)));
    return Err(D().vfs().Truncate(Rel(path), static_cast<uint64_t>(size)));
  });
}

OpenOptions OptionsFor(int flags) {
  OpenOptions o;
  int acc = flags & O_ACCMODE;
  o.read = acc != O_WRONLY;
  o.write = acc != O_RDONLY;
  o.truncate = (flags & O_TRUNC) != 0;
  o.append = (flags & O_APPEND) != 0;
  return o;
}

int Finish(Result<std::unique_ptr<File>> file, bool writable,
           fuse_file_info* fi) {
  if (!file.ok()) return Err(file.status());
  auto* h = new Handle{std::move(file).value(), writable};
  fi->fh = reinterpret_cast<uintptr_t>(h);
  fi->keep_cache = 0;
  fi->direct_io = D().direct_io() || D().ReadFaultsActive() ? 1 : 0;
  return 0;
}

int Open(const char* path, fuse_file_info* fi) {
  return Guard([&] {
    OpenOptions o = OptionsFor(fi->flags);
    return Finish(D().vfs().Open(Rel(path), o), o.write, fi);
  });
}

int Create(const char* path, mode_t mode, fuse_file_info* fi) {
  return Guard([&] {
    if (Reserved(path)) return -EACCES;
    SetCaller();
    OpenOptions o = OptionsFor(fi->flags);
    o.create = true;
    o.exclusive = (fi->flags & O_EXCL) != 0;
    o.mode = mode & 07777;
    return Finish(D().vfs().Open(Rel(path), o), o.write, fi);
  });
}

int Mknod(const char* path, mode_t mode, dev_t) {
  return Guard([&] {
    if (!S_ISREG(mode))
      return -EPERM;  // only regular files (no fifos or devices)
    if (Reserved(path)) return -EACCES;
    SetCaller();
    OpenOptions o = OpenOptions::CreateNew();
    o.mode = mode & 07777;
    auto f = D().vfs().Open(Rel(path), o);
    if (!f.ok()) return Err(f.status());
    return Err((*f)->Close());
  });
}

int Read(const char*, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  return Guard([&] {
    auto n = H(fi)->file->Read(static_cast<uint64_t>(off), buf, size);
    return n.ok() ? static_cast<int>(*n) : Err(n.status());
  });
}

int Write(const char*, const char* buf, size_t size, off_t off,
          fuse_file_info* fi) {
  return Guard([&] {
    auto n = H(fi)->file->Write(static_cast<uint64_t>(off), buf, size);
    return n.ok() ? static_cast<int>(*n) : Err(n.status());
  });
}

int StatFs(const char*, struct statvfs* st) {
  return Guard(
      [&] { return fstatvfs(D().backing_fd(), st) == 0 ? 0 : -errno; });
}

int Flush(const char*, fuse_file_info*) { return 0; }

int Release(const char*, fuse_file_info* fi) {
  return Guard([&] {
    std::unique_ptr<Handle> h(H(fi));
    if (h) h->file->Close().IgnoreError();  // close(2) has already returned
    return 0;
  });
}

// A sync that SimVfs accepted but the backing directory could not store is
// an EIO: the data is not durable.
int MirrorChecked(const Status& st) {
  if (!st.ok()) return Err(st);
  return D().mirror().broken() ? -EIO : 0;
}

int Fsync(const char*, int datasync, fuse_file_info* fi) {
  return Guard([&] {
    Handle* h = H(fi);
    return MirrorChecked(datasync ? h->file->DataSync() : h->file->Sync());
  });
}

// Directories are opened as SimVfs files too, so readdir and fsync follow
// the directory through renames (libfuse passes no path with nullpath_ok).
int OpenDir(const char* path, fuse_file_info* fi) {
  return Guard([&] {
    auto attr = D().vfs().GetAttr(Rel(path));
    if (!attr.ok()) return Err(attr.status());
    if (attr->type != FileType::kDirectory) return -ENOTDIR;
    auto file = D().vfs().Open(Rel(path), OpenOptions::ReadOnly());
    if (!file.ok()) return Err(file.status());
    fi->fh =
        reinterpret_cast<uintptr_t>(new Handle{std::move(file).value(), false});
    return 0;
  });
}

int ReadDir(const char*, void* buf, fuse_fill_dir_t filler, off_t,
            fuse_file_info* fi, fuse_readdir_flags) {
  return Guard([&] {
    std::vector<NodeAttr> attrs;
    Handle* h = H(fi);
    auto entries = D().vfs().ListDir(*h->file, &attrs);
    if (!entries.ok()) return Err(entries.status());
    struct stat st;
    auto self = D().vfs().GetAttr(*h->file);
    if (!self.ok()) return Err(self.status());
    FillStat(*self, &st);
    filler(buf, ".", &st, 0, static_cast<fuse_fill_dir_flags>(0));
    st.st_ino =
        1;  // the parent's number is not needed by anyone; it must not be 0
    filler(buf, "..", &st, 0, static_cast<fuse_fill_dir_flags>(0));
    for (size_t i = 0; i < entries->size(); ++i) {
      // Full attributes: READDIRPLUS then needs no LOOKUP per entry.
      FillStat(attrs[i], &st);
      if (filler(buf, (*entries)[i].name.c_str(), &st, 0, FUSE_FILL_DIR_PLUS) !=
          0)
        break;
    }
    return 0;
  });
}

int ReleaseDir(const char* path, fuse_file_info* fi) {
  return Release(path, fi);
}

int FsyncDir(const char*, int, fuse_file_info* fi) {
  return Guard([&] { return MirrorChecked(D().vfs().SyncDir(*H(fi)->file)); });
}

int Fallocate(const char*, int mode, off_t off, off_t len, fuse_file_info* fi) {
  return Guard([&] {
    if (mode != 0)
      return -EOPNOTSUPP;  // only plain allocation (posix_fallocate)
    if (off < 0 || len <= 0) return -EINVAL;
    Handle* h = H(fi);
    if (h == nullptr || !h->writable) return -EBADF;
    auto attr = D().vfs().GetAttr(*h->file);
    if (!attr.ok()) return Err(attr.status());
    uint64_t end = static_cast<uint64_t>(off) + static_cast<uint64_t>(len);
    if (end <= attr->size) return 0;
    return Err(h->file->Truncate(end));  // extends with zeros, like allocation
  });
}

fuse_operations MakeOps() {
  fuse_operations ops{};
  ops.init = Init;
  ops.getattr = GetAttr;
  ops.readlink = ReadLink;
  ops.mknod = Mknod;
  ops.mkdir = Mkdir;
  ops.unlink = Unlink;
  ops.rmdir = Rmdir;
  ops.symlink = Symlink;
  ops.rename = Rename;
  ops.link = Link;
  ops.chmod = Chmod;
  ops.chown = Chown;
  ops.truncate = Truncate;
  ops.open = Open;
  ops.read = Read;
  ops.write = Write;
  ops.statfs = StatFs;
  ops.flush = Flush;
  ops.release = Release;
  ops.fsync = Fsync;
  ops.opendir = OpenDir;
  ops.readdir = ReadDir;
  ops.releasedir = ReleaseDir;
  ops.fsyncdir = FsyncDir;
  ops.create = Create;
  ops.utimens = Utimens;
  ops.fallocate = Fallocate;
  // No xattr callbacks: the kernel then stops asking for security.capability
  // before every write (docs/design.md "The faultfs daemon": one extra round
  // trip per write otherwise).
  return ops;
}

const fuse_operations kOps = MakeOps();

}  // namespace

const void* FaultfsOperations() { return &kOps; }

}  // namespace crashlab::faultfs::daemon
