#include "faultfs/backing_image.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <string_view>
#include <utility>

namespace crashlab::faultfs {
namespace {

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

FileType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

void SetAttrs(const struct stat& st, Node* node) {
  node->mode = st.st_mode & 07777;
  node->uid = st.st_uid;
  node->gid = st.st_gid;
  node->atime = st.st_atim;
  node->mtime = st.st_mtim;
  node->ctime = st.st_ctim;
}

class TreeReader {
 public:
  TreeReader(std::string shown, std::vector<std::string>* skipped)
      : shown_(std::move(shown)), skipped_(skipped), buf_(1 << 20) {}

  Result<Image> Read(int root_fd) {
    struct stat root_st;
    if (fstat(root_fd, &root_st) != 0) return Errno("", "stat");
    SetAttrs(root_st, &image_.Mut(kRootIno));
    int fd = dup(root_fd);
    if (fd < 0) return Errno("", "dup");
    // Depth-first over (directory fd, inode, relative path).
    std::vector<Frame> stack{{fd, kRootIno, ""}};
    while (!stack.empty()) {
      Frame f = stack.back();
      stack.pop_back();
      Status st = ReadDir(f, &stack);
      if (!st.ok()) {
        for (const Frame& left : stack) close(left.fd);
        return st;
      }
    }
    image_.CollectGarbage();
    return std::move(image_);
  }

 private:
  struct Frame {
    int fd;
    Ino ino;
    std::string path;
  };

  Status Errno(const std::string& rel, const std::string& what) const {
    return Status::IoError(errno, Join(shown_, rel), "backing dir: " + what);
  }

  // Adds the entries of directory `f` to the image; subdirectories go on
  // `stack`. Takes ownership of f.fd.
  Status ReadDir(const Frame& f, std::vector<Frame>* stack) {
    DIR* dir = fdopendir(f.fd);
    if (dir == nullptr) {
      Status s = Errno(f.path, "opendir");
      close(f.fd);
      return s;
    }
    std::vector<std::string> names;
    while (struct dirent* de = readdir(dir)) {
      std::string name = de->d_name;
      if (name == "." || name == "..") continue;
      if (f.ino == kRootIno && name == kHiddenDir) continue;
      names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    Status st = Status::Ok();
    for (const auto& name : names) {
      st = ReadEntry(f, name, stack);
      if (!st.ok()) break;
    }
    closedir(dir);
    return st;
  }

  Status ReadEntry(const Frame& f, const std::string& name,
                   std::vector<Frame>* stack) {
    std::string rel = Join(f.path, name);
    struct stat st;
    if (fstatat(f.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Errno(rel, "stat");
    FileType type = TypeOf(st.st_mode);
    if (type == FileType::kOther) {
      if (skipped_ != nullptr) skipped_->push_back(rel);
      return Status::Ok();
    }
    auto key = std::make_pair(st.st_dev, st.st_ino);
    if (type == FileType::kRegular) {
      if (auto it = seen_.find(key); it != seen_.end()) {  // a hard link
        image_.Mut(f.ino).entries[name] = it->second;
        return Status::Ok();
      }
    }
    Ino ino = next_ino_++;
    seen_[key] = ino;
    Node& node = image_.Create(ino, type, st.st_mode & 07777);
    SetAttrs(st, &node);
    image_.Mut(f.ino).entries[name] = ino;
    switch (type) {
      case FileType::kSymlink:
        return ReadLink(f.fd, name, rel, st, ino);
      case FileType::kDirectory: {
        int sub = openat(f.fd, name.c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) return Errno(rel, "open directory");
        stack->push_back({sub, ino, rel});
        return Status::Ok();
      }
      default:
        return ReadFile(f.fd, name, rel, st, ino);
    }
  }

  Status ReadLink(int dir_fd, const std::string& name, const std::string& rel,
                  const struct stat& st, Ino ino) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) return Errno(rel, "readlink");
    target.resize(static_cast<size_t>(n));
    image_.Mut(ino).target = std::move(target);
    return Status::Ok();
  }

  // Only the data extents are read: holes stay sparse.
  Status ReadFile(int dir_fd, const std::string& name, const std::string& rel,
                  const struct stat& st, Ino ino) {
    int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Errno(rel, "open");
    Content& data = image_.Mut(ino).data;
    off_t pos = 0;
    off_t size = st.st_size;
    Status result = Status::Ok();
    while (pos < size && result.ok()) {
      off_t data_start = lseek(fd, pos, SEEK_DATA);
      if (data_start < 0) break;  // ENXIO: the rest is a hole
      off_t hole = lseek(fd, data_start, SEEK_HOLE);
      if (hole < 0) hole = size;
      for (off_t p = data_start; p < hole;) {
        ssize_t n = pread(
            fd, buf_.data(),
            std::min<off_t>(static_cast<off_t>(buf_.size()), hole - p), p);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          result = Errno(rel, "read");
          break;
        }
        if (n == 0) break;
        data.Write(static_cast<uint64_t>(p),
                   std::string_view(buf_.data(), static_cast<size_t>(n)));
        p += n;
      }
      pos = hole;
    }
    data.Resize(static_cast<uint64_t>(size));
    close(fd);
    return result;
  }

  std::string shown_;
  std::vector<std::string>* skipped_;
  std::vector<char> buf_;
  Image image_;
  Ino next_ino_ = kRootIno + 1;
  std::map<std::pair<dev_t, ino_t>, Ino> seen_;
};

}  // namespace

Result<Image> ReadBackingImageAt(int dir_fd, const std::string& shown,
                                 std::vector<std::string>* skipped) {
  return TreeReader(shown, skipped).Read(dir_fd);
}

Result<Image> ReadBackingImage(const std::string& backing,
                               std::vector<std::string>* skipped) {
  int fd = open(backing.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IoError(errno, backing,
                           "backing dir: opening the backing directory");
  }
  auto image = ReadBackingImageAt(fd, backing, skipped);
  close(fd);
  return image;
}

}  // namespace crashlab::faultfs
