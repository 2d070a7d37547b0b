#pragma once
// Comparing the durable state of a faultfs mount, read from its backing
// directory by faultfs::ReadBackingImage (what a disk shows after the power
// cut), with the simulator's post-crash image.
//
// Only what the crash model decides is compared: the set of paths, their
// types, file contents and symlink targets. Modes, owners, times and inode
// numbers are not (the simulator and the daemon number inodes differently).

#include <string>
#include <vector>

#include "faultfs/sim_state.h"
#include "faultfs/status.h"

namespace crashlab::harness {

// One difference between two images, e.g.
//   "wal/wal-1.log: content differs (sim 4096 bytes, fuse 3584 bytes; first
//   difference at byte 3584)".
struct ImageDifference {
  std::string path;
  std::string what;
};

// Differences between `sim` and `fuse` (the names used in the messages), in
// path order; empty when they hold the same paths, types and contents.
std::vector<ImageDifference> CompareImages(const faultfs::Image& sim,
                                           const faultfs::Image& fuse);

// Both images side by side as text (path, type, size, a short digest of the
// content or the symlink target), marking the paths that differ; at most
// `max_lines` lines.
std::string DescribeImages(const faultfs::Image& sim,
                           const faultfs::Image& fuse, size_t max_lines = 60);

}  // namespace crashlab::harness
