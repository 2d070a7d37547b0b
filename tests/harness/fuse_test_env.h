#pragma once
// What the harness's FUSE tests need from the build and the machine: the
// built binaries (FAULTFS_BINARY, CRASHLAB_BINARY from CMake) and a usable
// /dev/fuse. FUSE_OR_SKIP() skips a test with the reason when FUSE is
// unusable, or fails it when CRASHLAB_REQUIRE_FUSE=1 (the faultfs tests'
// helper decides both).

#include <gtest/gtest.h>

#include <string>

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
