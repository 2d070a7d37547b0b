#pragma once
// What the harness's FUSE tests need from the build and the machine: the
// built binaries (FAULTFS_BINARY, CRASHLAB_BINARY from CMake) and a usable
// /dev/fuse. FUSE_OR_SKIP() skips a test with the reason when FUSE is
// unusable, or fails it when CRASHLAB_REQUIRE_FUSE=1 (the faultfs tests'
// helper decides both).

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "harness/mount/fuse_mount.h"
#include "tests/faultfs/fuse_test_util.h"

#define FUSE_OR_SKIP()                                                         \
  do {                                                                         \
    std::string _why = ::crashlab::faultfs::testing::FuseUnusableReason();     \
    if (!_why.empty()) {                                                       \
      if (::crashlab::faultfs::testing::FuseRequired()) FAIL() << _why;        \
      GTEST_SKIP() << _why                                                     \
                   << " (set CRASHLAB_REQUIRE_FUSE=1 to make this a failure)"; \
    }                                                                          \
  } while (0)

namespace crashlab::harness::testing {

// A fresh directory under the system's temporary dir, removed at the end
// unless a faultfs mount is still inside it (never delete under a mount).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX"))
            .string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty() && FindStaleMounts(path_).empty())
      std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes TEXT to PATH/NAME and returns that path.
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

}  // namespace crashlab::harness::testing
