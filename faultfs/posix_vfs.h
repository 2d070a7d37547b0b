#pragma once
// PosixVfs: the Vfs over real system calls, confined to a root directory.
// The only engine-side code that calls the operating system's file API.

#include <string>

#include "faultfs/vfs.h"

namespace crashlab::faultfs {

class PosixVfs final : public Vfs {
 public:
  // `root` must be an existing directory; Create() checks it.
  static Result<std::unique_ptr<PosixVfs>> Create(std::string root);
  ~PosixVfs() override;

  Result<std::unique_ptr<File>> Open(std::string_view path,
                                     const OpenOptions& opts) override;
  Status Rename(std::string_view from, std::string_view to) override;
  Status Link(std::string_view existing, std::string_view new_path) override;
  Status Symlink(std::string_view target, std::string_view link_path) override;
  Status Unlink(std::string_view path) override;
  Status Mkdir(std::string_view path, uint32_t mode = 0755) override;
  Status Rmdir(std::string_view path) override;
  Status Truncate(std::string_view path, uint64_t size) override;
  Result<std::vector<DirEntry>> ListDir(std::string_view path) override;
  Result<FileStat> Stat(std::string_view path) override;
  Status SyncDir(std::string_view path) override;
  Status SyncAll() override;
  std::string Describe() const override { return "posix:" + root_; }

  const std::string& root() const { return root_; }

 private:
  PosixVfs(std::string root, int root_fd)
      : root_(std::move(root)), root_fd_(root_fd) {}
  // Normalised relative path for the *at() calls ("." for the root), or an
  // error for paths that would escape the root.
  Result<std::string> Resolve(std::string_view path) const;

  std::string root_;
  int root_fd_;  // O_PATH|O_DIRECTORY descriptor of the root; owned
};

}  // namespace crashlab::faultfs
