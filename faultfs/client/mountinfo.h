#pragma once
// The mount table of this process (/proc/self/mountinfo), read by whoever
// needs to know what is mounted where: the faultfs daemon before it mounts,
// the harness when it unmounts and when it looks for stale mounts.

#include <string>
#include <vector>

namespace crashlab::faultfs {

struct MountInfoEntry {
  std::string mountpoint;  // octal escapes ("\040") decoded
  std::string fstype;      // e.g. "fuse.faultfs", "ext4"
};

// Every mount of /proc/self/mountinfo, in its order; empty when it cannot be
// read.
std::vector<MountInfoEntry> ReadMountInfo();

// True when something is mounted exactly at `path` (an absolute, normalised
// path).
bool IsMountPoint(const std::string& path);

// The fstype FUSE gives a faultfs mount.
inline constexpr const char* kFaultfsFsType = "fuse.faultfs";

}  // namespace crashlab::faultfs
