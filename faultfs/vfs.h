#pragma once
// The one file-system interface the engine is written against. Two
// implementations: PosixVfs (real system calls under a root directory, used on
// a faultfs mount or any directory) and SimVfs (in-memory crash simulator).
//
// Paths are relative to the Vfs root, '/'-separated, without "." or ".."
// components ("wal/wal-1.log"); "" names the root itself. Every error is a
// Status carrying errno and the path.

#include <fcntl.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "faultfs/status.h"

namespace crashlab::faultfs {

enum class FileType { kRegular, kDirectory, kSymlink, kOther };
// "file", "dir", "symlink", "other".
std::string_view FileTypeName(FileType type);

struct FileStat {
  FileType type = FileType::kRegular;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission bits
  uint32_t nlink = 1;
  uint64_t ino = 0;
};

struct DirEntry {
  std::string name;
  FileType type = FileType::kRegular;
  bool operator==(const DirEntry&) const = default;
};

// Open flags: a subset of open(2)'s, with the same meaning.
struct OpenOptions {
  bool read = true;
  bool write = false;
  bool create = false;     // O_CREAT
  bool exclusive = false;  // O_EXCL (with create)
  bool truncate = false;   // O_TRUNC
  bool append = false;     // O_APPEND: every write goes to the end
  uint32_t mode = 0644;

  static OpenOptions ReadOnly() { return {}; }
  static OpenOptions ReadWrite() { return {.read = true, .write = true}; }
  // O_RDWR|O_CREAT|O_TRUNC
  static OpenOptions CreateTruncate() {
    return {.read = true, .write = true, .create = true, .truncate = true};
  }
  // O_RDWR|O_CREAT|O_EXCL
  static OpenOptions CreateNew() {
    return {.read = true, .write = true, .create = true, .exclusive = true};
  }
  // O_WRONLY|O_CREAT|O_APPEND
  static OpenOptions Append() {
    return {.read = false, .write = true, .create = true, .append = true};
  }
  int ToPosixFlags() const;
};

// An open file. Not copyable; closing happens in Close() or the destructor.
// REQUIRES: the Vfs that opened it outlives it.
// Thread safety: one File may be used by one thread at a time.
class File {
 public:
  virtual ~File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Reads up to n bytes at offset; returns the count (0 at end of file).
  virtual Result<size_t> Read(uint64_t offset, void* buf, size_t n) = 0;
  // Writes n bytes at offset (or at the end for an append handle); returns the
  // count written, which may be short.
  virtual Result<size_t> Write(uint64_t offset, const void* buf, size_t n) = 0;
  // Writes n bytes at the current end of the file.
  virtual Result<size_t> Append(const void* buf, size_t n) = 0;
  virtual Status Truncate(uint64_t size) = 0;
  virtual Status Sync() = 0;      // fsync(2)
  virtual Status DataSync() = 0;  // fdatasync(2)
  virtual Result<FileStat> Stat() = 0;
  // Closes the handle; later calls fail with EBADF. Idempotent.
  virtual Status Close() = 0;
  // The path this file was opened under.
  virtual const std::string& path() const = 0;

 protected:
  File() = default;
};

class Vfs {
 public:
  virtual ~Vfs() = default;

  virtual Result<std::unique_ptr<File>> Open(std::string_view path,
                                             const OpenOptions& opts) = 0;
  virtual Status Rename(std::string_view from, std::string_view to) = 0;
  virtual Status Link(std::string_view existing, std::string_view new_path) = 0;
  virtual Status Symlink(std::string_view target,
                         std::string_view link_path) = 0;
  virtual Status Unlink(std::string_view path) = 0;
  virtual Status Mkdir(std::string_view path, uint32_t mode = 0755) = 0;
  virtual Status Rmdir(std::string_view path) = 0;
  virtual Status Truncate(std::string_view path, uint64_t size) = 0;
  // Entries of a directory, sorted by name, without "." and "..".
  virtual Result<std::vector<DirEntry>> ListDir(std::string_view path) = 0;
  // Does not follow a final symlink (lstat).
  virtual Result<FileStat> Stat(std::string_view path) = 0;
  // fsync(2) of a directory: makes its entries durable.
  virtual Status SyncDir(std::string_view path) = 0;
  // sync(2)/syncfs(2): makes everything durable.
  virtual Status SyncAll() = 0;
  // A short description for messages ("posix:/mnt/x", "sim").
  virtual std::string Describe() const = 0;
};

// Convenience helpers built only on the Vfs interface.
// Whole-file read.
Result<std::string> ReadFile(Vfs& vfs, std::string_view path);
// Creates/truncates `path`, writes `data` (retrying short writes), optionally
// fsyncs, closes. Does not fsync the parent directory.
Status WriteFile(Vfs& vfs, std::string_view path, std::string_view data,
                 bool sync);
// Writes `data` to `path`.tmp, fsyncs it, renames over `path`, fsyncs the
// parent directory: the classic atomic replace.
Status WriteFileAtomic(Vfs& vfs, std::string_view path, std::string_view data);
// Writes all n bytes at offset, looping over short writes.
Status WriteAll(File& file, uint64_t offset, std::string_view data);
// Appends all bytes, looping over short writes.
Status AppendAll(File& file, std::string_view data);
// True if the path exists (errors other than ENOENT are returned).
Result<bool> Exists(Vfs& vfs, std::string_view path);
// mkdir -p; each created directory's parent is fsync'd when `sync` is set.
Status MkdirAll(Vfs& vfs, std::string_view path, bool sync);

// Path utilities for Vfs paths.
// Normalises "a//b/" to "a/b"; rejects absolute paths and "." / ".." parts.
Result<std::string> NormalizePath(std::string_view path);
std::string ParentPath(std::string_view path);  // "a/b" -> "a", "b" -> ""
std::string BaseName(std::string_view path);    // "a/b" -> "b"
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace crashlab::faultfs
