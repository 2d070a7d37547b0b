#include "faultfs/posix_vfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace crashlab::faultfs {
namespace {

FileType TypeFromMode(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

FileStat FromStat(const struct stat& st) {
  return FileStat{.type = TypeFromMode(st.st_mode),
                  .size = static_cast<uint64_t>(st.st_size),
                  .mode = static_cast<uint32_t>(st.st_mode & 07777),
                  .nlink = static_cast<uint32_t>(st.st_nlink),
                  .ino = static_cast<uint64_t>(st.st_ino)};
}

// openat2(RESOLVE_BENEATH) keeps symlinks from leading out of the root.
int OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH;
  int fd = static_cast<int>(
      syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how)));
  if (fd < 0 && errno == ENOSYS) fd = openat(dirfd, path.c_str(), flags, mode);
  return fd;
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path, bool append)
      : fd_(fd), path_(std::move(path)), append_(append) {}
  ~PosixFile() override {
    Close().IgnoreError();
  }  // errors reported by explicit Close()

  Result<size_t> Read(uint64_t offset, void* buf, size_t n) override {
    if (fd_ < 0) return Status::IoError(EBADF, path_, "read after close");
    for (;;) {
      ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Status::IoError(errno, path_, "pread");
    }
  }
  Result<size_t> Write(uint64_t offset, const void* buf, size_t n) override {
    if (fd_ < 0) return Status::IoError(EBADF, path_, "write after close");
    if (append_) return Append(buf, n);
    for (;;) {
      ssize_t r = ::pwrite(fd_, buf, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Status::IoError(errno, path_, "pwrite");
    }
  }
  Result<size_t> Append(const void* buf, size_t n) override {
    if (fd_ < 0) return Status::IoError(EBADF, path_, "append after close");
    if (!append_) {
      struct stat st;
      if (::fstat(fd_, &st) != 0)
        return Status::IoError(errno, path_, "fstat before append");
      append_offset_ = static_cast<uint64_t>(st.st_size);
      for (;;) {
        ssize_t r = ::pwrite(fd_, buf, n, static_cast<off_t>(append_offset_));
        if (r >= 0) return static_cast<size_t>(r);
        if (errno != EINTR) return Status::IoError(errno, path_, "append");
      }
    }
    for (;;) {
      ssize_t r = ::write(fd_, buf, n);  // O_APPEND positions at the end
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Status::IoError(errno, path_, "append");
    }
  }
  Status Truncate(uint64_t size) override {
    if (fd_ < 0) return Status::IoError(EBADF, path_, "truncate after close");
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return Status::IoError(errno, path_, "ftruncate");
    return Status::Ok();
  }
  Status Sync() override {
    if (fd_ < 0) return Status::IoError(EBADF, path_, "fsync after close");
    if (::fsync(fd_) != 0) return Status::IoError(errno, path_, "fsync");
    return Status::Ok();
  }
  Status DataSync() override {
    if (fd_ < 0) return Status::IoError(EBADF, path_, "fdatasync after close");
    if (::fdatasync(fd_) != 0)
      return Status::IoError(errno, path_, "fdatasync");
    return Status::Ok();
  }
  Result<FileStat> Stat() override {
    if (fd_ < 0) return Status::IoError(EBADF, path_, "fstat after close");
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::IoError(errno, path_, "fstat");
    return FromStat(st);
  }
  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Status::IoError(errno, path_, "close");
    return Status::Ok();
  }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
  bool append_;
  uint64_t append_offset_ = 0;
};

}  // namespace

Result<std::unique_ptr<PosixVfs>> PosixVfs::Create(std::string root) {
  if (root.empty())
    return Status::InvalidArgument(root, "empty root directory");
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, root, "opening root directory");
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return std::unique_ptr<PosixVfs>(new PosixVfs(std::move(root), fd));
}

PosixVfs::~PosixVfs() { ::close(root_fd_); }

Result<std::string> PosixVfs::Resolve(std::string_view path) const {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  if (norm->empty()) return std::string(".");
  return std::move(norm).value();
}

Result<std::unique_ptr<File>> PosixVfs::Open(std::string_view path,
                                             const OpenOptions& opts) {
  auto rel = Resolve(path);
  if (!rel.ok()) return rel.status();
  int fd = OpenBeneath(root_fd_, *rel, opts.ToPosixFlags(), opts.mode);
  if (fd < 0) return Status::IoError(errno, *rel, "open");
  return std::unique_ptr<File>(new PosixFile(fd, *rel, opts.append));
}

Status PosixVfs::Rename(std::string_view from, std::string_view to) {
  auto a = Resolve(from);
  if (!a.ok()) return a.status();
  auto b = Resolve(to);
  if (!b.ok()) return b.status();
  if (::renameat(root_fd_, a->c_str(), root_fd_, b->c_str()) != 0) {
    return Status::IoError(errno, *a, "rename to " + *b);
  }
  return Status::Ok();
}

Status PosixVfs::Link(std::string_view existing, std::string_view new_path) {
  auto a = Resolve(existing);
  if (!a.ok()) return a.status();
  auto b = Resolve(new_path);
  if (!b.ok()) return b.status();
  if (::linkat(root_fd_, a->c_str(), root_fd_, b->c_str(), 0) != 0) {
    return Status::IoError(errno, *b, "link from " + *a);
  }
  return Status::Ok();
}

Status PosixVfs::Symlink(std::string_view target, std::string_view link_path) {
  auto b = Resolve(link_path);
  if (!b.ok()) return b.status();
  if (::symlinkat(std::string(target).c_str(), root_fd_, b->c_str()) != 0) {
    return Status::IoError(errno, *b, "symlink");
  }
  return Status::Ok();
}

Status PosixVfs::Unlink(std::string_view path) {
  auto rel = Resolve(path);
  if (!rel.ok()) return rel.status();
  if (::unlinkat(root_fd_, rel->c_str(), 0) != 0)
    return Status::IoError(errno, *rel, "unlink");
  return Status::Ok();
}

Status PosixVfs::Mkdir(std::string_view path, uint32_t mode) {
  auto rel = Resolve(path);
  if (!rel.ok()) return rel.status();
  if (::mkdirat(root_fd_, rel->c_str(), mode) != 0)
    return Status::IoError(errno, *rel, "mkdir");
  return Status::Ok();
}

Status PosixVfs::Rmdir(std::string_view path) {
  auto rel = Resolve(path);
  if (!rel.ok()) return rel.status();
  if (::unlinkat(root_fd_, rel->c_str(), AT_REMOVEDIR) != 0)
    return Status::IoError(errno, *rel, "rmdir");
  return Status::Ok();
}

Status PosixVfs::Truncate(std::string_view path, uint64_t size) {
  auto file = Open(path, OpenOptions::ReadWrite());
  if (!file.ok()) return file.status();
  CRASHLAB_RETURN_IF_ERROR((*file)->Truncate(size));
  return (*file)->Close();
}

Result<std::vector<DirEntry>> PosixVfs::ListDir(std::string_view path) {
  auto rel = Resolve(path);
  if (!rel.ok()) return rel.status();
  int fd = OpenBeneath(root_fd_, *rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(errno, *rel, "opendir");
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    ::close(fd);
    return Status::IoError(err, *rel, "fdopendir");
  }
  std::vector<DirEntry> out;
  errno = 0;
  while (struct dirent* de = ::readdir(dir)) {
    std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    FileType type = FileType::kOther;
    switch (de->d_type) {
      case DT_REG:
        type = FileType::kRegular;
        break;
      case DT_DIR:
        type = FileType::kDirectory;
        break;
      case DT_LNK:
        type = FileType::kSymlink;
        break;
      default: {
        struct stat st;
        if (::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
          type = TypeFromMode(st.st_mode);
      }
    }
    out.push_back(DirEntry{std::move(name), type});
    errno = 0;
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return Status::IoError(err, *rel, "readdir");
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) {
    return a.name < b.name;
  });
  return out;
}

Result<FileStat> PosixVfs::Stat(std::string_view path) {
  auto rel = Resolve(path);
  if (!rel.ok()) return rel.status();
  struct stat st;
  if (::fstatat(root_fd_, rel->c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::IoError(errno, *rel, "stat");
  }
  return FromStat(st);
}

Status PosixVfs::SyncDir(std::string_view path) {
  auto rel = Resolve(path);
  if (!rel.ok()) return rel.status();
  int fd = OpenBeneath(root_fd_, *rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(errno, *rel, "open directory for fsync");
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoError(err, *rel, "fsync directory");
  return Status::Ok();
}

Status PosixVfs::SyncAll() {
  if (::syncfs(root_fd_) != 0) return Status::IoError(errno, root_, "syncfs");
  return Status::Ok();
}

}  // namespace crashlab::faultfs
