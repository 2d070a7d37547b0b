#pragma once
// The built-in checks of exec mode, evaluated on the mounted file system
// through a Vfs rooted at the mount (after the restart that follows a crash):
//   file_exists    the path is a regular file; with `content`, its bytes are
//                  exactly that; with `content_sha256`, their SHA-256 is that
//   file_absent    the path does not exist (ENOENT); any other error is a
//                  failure, not absence
//   listing        the directory's entries are exactly `listing_entries`
// Command checks (`command`/`shell`) are run by exec_mode.cc.

#include <string>

#include "faultfs/vfs.h"
#include "harness/scenario/scenario.h"

namespace crashlab::harness {

struct CheckVerdict {
  bool held = false;
  std::string detail;  // one line: what was found
};

// REQUIRES: `step` is a built-in check (file_exists, file_absent or listing_dir
// set).
CheckVerdict EvaluateBuiltinCheck(faultfs::Vfs& mount, const Step& step);

// "file_exists test.db", "listing d", ...: what a built-in check looks at.
std::string DescribeBuiltinCheck(const Step& step);

}  // namespace crashlab::harness
