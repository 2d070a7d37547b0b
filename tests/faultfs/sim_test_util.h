#pragma once
// Small helpers shared by the SimVfs tests.

#include <gtest/gtest.h>

#include <string>

#include "faultfs/sim_vfs.h"

namespace crashlab::faultfs::testing {

// Creates/overwrites `path` with `data`; fsyncs the file when `sync`.
inline void Put(Vfs& vfs, const std::string& path, const std::string& data,
                bool sync) {
  Status st = WriteFile(vfs, path, data, sync);
  ASSERT_TRUE(st.ok()) << st.ToString();
}

inline void Ok(const Status& st) { ASSERT_TRUE(st.ok()) << st.ToString(); }

inline TreeEntry FileEntry(std::string data) {
  return TreeEntry{FileType::kRegular, std::move(data)};
}
inline TreeEntry DirEntryOf() { return TreeEntry{FileType::kDirectory, ""}; }

}  // namespace crashlab::faultfs::testing
