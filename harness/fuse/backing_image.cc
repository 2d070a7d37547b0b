#include "harness/fuse/backing_image.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <sstream>

#include "engine/crc32c.h"

namespace crashlab::harness {
namespace {

using faultfs::FileType;
using faultfs::Image;
using faultfs::Ino;
using faultfs::Result;
using faultfs::Status;

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

Result<std::string> ReadAll(int dirfd, const std::string& name,
                            const std::string& shown) {
  int fd = openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::IoError(errno, shown, "reading the backing dir");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return Status::IoError(err, shown, "reading the backing dir");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// Adds the entries of directory `dirfd` (path `rel` in the image, inode
// `ino`) to `image`, recursively.
Status ReadDir(int dirfd, const std::string& root, const std::string& rel,
               Ino ino, Image* image, Ino* next_ino,
               std::vector<std::string>* skipped) {
  int dup_fd = dup(dirfd);
  if (dup_fd < 0) return Status::IoError(errno, Join(root, rel), "dup");
  DIR* d = fdopendir(dup_fd);
  if (d == nullptr) {
    int err = errno;
    close(dup_fd);
    return Status::IoError(err, Join(root, rel), "listing the backing dir");
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (rel.empty() && name == ".faultfs")
      continue;  // the daemon's own journal and temp files
    names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = Join(rel, name);
    std::string shown = Join(root, path);
    struct stat st;
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return Status::IoError(errno, shown, "stat in the backing dir");
    }
    Ino child = (*next_ino)++;
    if (S_ISREG(st.st_mode)) {
      auto data = ReadAll(dirfd, name, shown);
      if (!data.ok()) return data.status();
      faultfs::Node& n =
          image->Create(child, FileType::kRegular, st.st_mode & 07777);
      n.data.Write(0, *data);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t len =
          readlinkat(dirfd, name.c_str(), target.data(), target.size());
      if (len < 0)
        return Status::IoError(errno, shown, "readlink in the backing dir");
      target.resize(static_cast<size_t>(len));
      faultfs::Node& n = image->Create(child, FileType::kSymlink, 0777);
      n.target = target;
    } else if (S_ISDIR(st.st_mode)) {
      image->Create(child, FileType::kDirectory, st.st_mode & 07777);
      int sub = openat(dirfd, name.c_str(),
                       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (sub < 0)
        return Status::IoError(errno, shown,
                               "opening a directory of the backing dir");
      Status s = ReadDir(sub, root, path, child, image, next_ino, skipped);
      close(sub);
      if (!s.ok()) return s;
    } else {
      if (skipped) skipped->push_back(path);
      --*next_ino;
      continue;
    }
    image->Mut(ino).entries[name] = child;
  }
  return Status::Ok();
}

std::string TypeName(FileType t) {
  switch (t) {
    case FileType::kRegular:
      return "file";
    case FileType::kDirectory:
      return "dir";
    case FileType::kSymlink:
      return "symlink";
    case FileType::kOther:
      return "other";
  }
  return "?";
}

std::string Hex8(uint32_t v) {
  char buf[9];
  snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

std::string Describe(const faultfs::TreeEntry& e) {
  switch (e.type) {
    case FileType::kRegular:
      return "file " + std::to_string(e.data.size()) + " bytes crc32c " +
             Hex8(engine::Crc32c(e.data));
    case FileType::kSymlink:
      return "symlink -> " + e.data;
    default:
      return TypeName(e.type);
  }
}

}  // namespace

Result<Image> ReadBackingImage(const std::string& backing,
                               std::vector<std::string>* skipped) {
  int fd = open(backing.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, backing, "opening the backing dir");
  Image image;
  Ino next = faultfs::kRootIno + 1;
  Status s =
      ReadDir(fd, backing, "", faultfs::kRootIno, &image, &next, skipped);
  close(fd);
  if (!s.ok()) return s;
  image.CollectGarbage();  // link counts
  return image;
}

std::vector<ImageDifference> CompareImages(const Image& sim,
                                           const Image& fuse) {
  faultfs::Tree a = faultfs::ImageTree(sim);
  faultfs::Tree b = faultfs::ImageTree(fuse);
  std::set<std::string> paths;
  for (const auto& [p, e] : a) paths.insert(p);
  for (const auto& [p, e] : b) paths.insert(p);
  std::vector<ImageDifference> out;
  for (const auto& p : paths) {
    auto ia = a.find(p);
    auto ib = b.find(p);
    if (ib == b.end()) {
      out.push_back({p, "only in sim (" + Describe(ia->second) + ")"});
    } else if (ia == a.end()) {
      out.push_back({p, "only in fuse (" + Describe(ib->second) + ")"});
    } else if (ia->second.type != ib->second.type) {
      out.push_back({p, "type differs: sim " + TypeName(ia->second.type) +
                            ", fuse " + TypeName(ib->second.type)});
    } else if (ia->second.data != ib->second.data) {
      const std::string& x = ia->second.data;
      const std::string& y = ib->second.data;
      if (ia->second.type == FileType::kSymlink) {
        out.push_back({p, "symlink target differs: sim " + x + ", fuse " + y});
      } else {
        size_t i = 0;
        while (i < x.size() && i < y.size() && x[i] == y[i]) ++i;
        out.push_back({p, "content differs (sim " + std::to_string(x.size()) +
                              " bytes, fuse " + std::to_string(y.size()) +
                              " bytes; first difference at byte " +
                              std::to_string(i) + ")"});
      }
    }
  }
  return out;
}

std::string DescribeImages(const Image& sim, const Image& fuse,
                           size_t max_lines) {
  faultfs::Tree a = faultfs::ImageTree(sim);
  faultfs::Tree b = faultfs::ImageTree(fuse);
  std::set<std::string> paths;
  for (const auto& [p, e] : a) paths.insert(p);
  for (const auto& [p, e] : b) paths.insert(p);
  std::ostringstream o;
  size_t lines = 0;
  for (const auto& p : paths) {
    if (lines++ == max_lines) {
      o << "  ... " << (paths.size() - max_lines) << " more path(s)\n";
      break;
    }
    auto ia = a.find(p);
    auto ib = b.find(p);
    std::string ds = ia == a.end() ? "(absent)" : Describe(ia->second);
    std::string df = ib == b.end() ? "(absent)" : Describe(ib->second);
    bool same = ia != a.end() && ib != b.end() && ia->second == ib->second;
    if (same) {
      o << "  " << p << ": " << ds << "\n";
    } else {
      o << "! " << p << "\n      sim:  " << ds << "\n      fuse: " << df
        << "\n";
    }
  }
  return o.str();
}

}  // namespace crashlab::harness
