#pragma once
// Reading a backing directory - the durable state of a faultfs mount - into
// an Image: the one reader, used by the daemon when it mounts (BackingMirror::
// Load) and by crashlab's fuse mode to compare what a power cut left with the
// simulator's post-crash image.
//
// The image holds every regular file (content read eagerly; holes stay
// sparse), directory and symlink, with mode, owner and times; hard links of
// one file share one inode. Inodes are numbered from kRootIno + 1 in the
// order the tree is walked (not the backing file system's numbers).

#include <string>
#include <vector>

#include "faultfs/sim_state.h"
#include "faultfs/status.h"

namespace crashlab::faultfs {

// faultfs's own folder in the root of a backing directory (the mirror's
// journal and temporary files). Never part of the image, so never visible
// through the mount.
inline constexpr const char* kHiddenDir = ".faultfs";

// Reads the tree under the directory open as `dir_fd` (named `shown` in
// error messages; `dir_fd` stays open and owned by the caller). Anything that
// is not a regular file, directory or symlink is skipped and its relative
// path appended to `skipped` when given. An unreadable entry is an error
// naming its path and errno.
Result<Image> ReadBackingImageAt(int dir_fd, const std::string& shown,
                                 std::vector<std::string>* skipped = nullptr);

// The same for the directory at `backing`.
Result<Image> ReadBackingImage(const std::string& backing,
                               std::vector<std::string>* skipped = nullptr);

}  // namespace crashlab::faultfs
