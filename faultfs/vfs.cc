#include "faultfs/vfs.h"

#include <fcntl.h>

namespace crashlab::faultfs {

std::string_view FileTypeName(FileType type) {
  switch (type) {
    case FileType::kRegular:
      return "file";
    case FileType::kDirectory:
      return "dir";
    case FileType::kSymlink:
      return "symlink";
    case FileType::kOther:
      return "other";
  }
  return "other";
}

int OpenOptions::ToPosixFlags() const {
  int flags = 0;
  if (read && write) {
    flags = O_RDWR;
  } else if (write) {
    flags = O_WRONLY;
  } else {
    flags = O_RDONLY;
  }
  if (create) flags |= O_CREAT;
  if (exclusive) flags |= O_EXCL;
  if (truncate) flags |= O_TRUNC;
  if (append) flags |= O_APPEND;
  return flags | O_CLOEXEC;
}

Result<std::string> ReadFile(Vfs& vfs, std::string_view path) {
  auto file = vfs.Open(path, OpenOptions::ReadOnly());
  if (!file.ok()) return file.status();
  std::string out;
  char buf[64 * 1024];
  uint64_t off = 0;
  for (;;) {
    auto n = (*file)->Read(off, buf, sizeof(buf));
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    out.append(buf, *n);
    off += *n;
  }
  CRASHLAB_RETURN_IF_ERROR((*file)->Close());
  return out;
}

Status WriteAll(File& file, uint64_t offset, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    auto n = file.Write(offset + done, data.data() + done, data.size() - done);
    if (!n.ok()) return n.status();
    if (*n == 0)
      return Status::IoError(EIO, file.path(), "write made no progress");
    done += *n;
  }
  return Status::Ok();
}

Status AppendAll(File& file, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    auto n = file.Append(data.data() + done, data.size() - done);
    if (!n.ok()) return n.status();
    if (*n == 0)
      return Status::IoError(EIO, file.path(), "append made no progress");
    done += *n;
  }
  return Status::Ok();
}

Status WriteFile(Vfs& vfs, std::string_view path, std::string_view data,
                 bool sync) {
  auto file = vfs.Open(path, OpenOptions::CreateTruncate());
  if (!file.ok()) return file.status();
  Status st = WriteAll(**file, 0, data);
  if (st.ok() && sync) st = (*file)->Sync();
  Status close_st = (*file)->Close();
  if (!st.ok()) return st;
  return close_st;
}

Status WriteFileAtomic(Vfs& vfs, std::string_view path, std::string_view data) {
  std::string tmp = std::string(path) + ".tmp";
  CRASHLAB_RETURN_IF_ERROR(WriteFile(vfs, tmp, data, /*sync=*/true));
  CRASHLAB_RETURN_IF_ERROR(vfs.Rename(tmp, path));
  return vfs.SyncDir(ParentPath(path));
}

Result<bool> Exists(Vfs& vfs, std::string_view path) {
  auto st = vfs.Stat(path);
  if (st.ok()) return true;
  if (st.status().err() == ENOENT) return false;
  return st.status();
}

Status MkdirAll(Vfs& vfs, std::string_view path, bool sync) {
  auto norm = NormalizePath(path);
  if (!norm.ok()) return norm.status();
  if (norm->empty()) return Status::Ok();
  size_t pos = 0;
  for (;;) {
    size_t slash = norm->find('/', pos);
    std::string prefix = norm->substr(0, slash);
    auto exists = Exists(vfs, prefix);
    if (!exists.ok()) return exists.status();
    if (!*exists) {
      Status st = vfs.Mkdir(prefix);
      if (!st.ok() && st.err() != EEXIST) return st;
      if (st.ok() && sync)
        CRASHLAB_RETURN_IF_ERROR(vfs.SyncDir(ParentPath(prefix)));
    }
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return Status::Ok();
}

Result<std::string> NormalizePath(std::string_view path) {
  if (!path.empty() && path.front() == '/') {
    return Status::InvalidArgument(std::string(path),
                                   "absolute paths are not allowed");
  }
  std::string out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(pos, slash - pos);
    if (part == "." || part == "..") {
      return Status::InvalidArgument(std::string(path),
                                     "'.' and '..' components are not allowed");
    }
    if (!part.empty()) {
      if (!out.empty()) out += '/';
      out += part;
    }
    pos = slash + 1;
  }
  return out;
}

std::string ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return "";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::string(path);
  return std::string(path.substr(slash + 1));
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  if (name.empty()) return std::string(dir);
  std::string out(dir);
  out += '/';
  out += name;
  return out;
}

}  // namespace crashlab::faultfs
