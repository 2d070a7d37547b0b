#include "engine/layout.h"

#include <cstdio>

#include "faultfs/vfs.h"

namespace crashlab::engine::layout {

using faultfs::JoinPath;

namespace {
std::optional<uint64_t> ParseDigits(std::string_view s, size_t width) {
  if (s.size() != width) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}
}  // namespace

std::string WalDir(std::string_view dir) { return JoinPath(dir, kWalDir); }

std::string WalSegmentName(uint64_t first_lsn) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "wal-%020llu.log",
                static_cast<unsigned long long>(first_lsn));
  return buf;
}

std::string WalSegment(std::string_view dir, uint64_t first_lsn) {
  return JoinPath(WalDir(dir), WalSegmentName(first_lsn));
}

std::optional<uint64_t> ParseWalSegmentName(std::string_view name) {
  if (name.size() != 4 + 20 + 4 || name.substr(0, 4) != "wal-" ||
      name.substr(name.size() - 4) != ".log") {
    return std::nullopt;
  }
  return ParseDigits(name.substr(4, 20), 20);
}

std::string CheckpointsDir(std::string_view dir) {
  return JoinPath(dir, kCheckpointsDir);
}
std::string Catalog(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kCatalog);
}
std::string CatalogTmp(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kCatalogTmp);
}
std::string Latest(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kLatest);
}
std::string LatestTmp(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kLatestTmp);
}
std::string CheckpointLog(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kCheckpointLog);
}
std::string CheckpointLogTmp(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kCheckpointLogTmp);
}
std::string Head(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kHead);
}
std::string HeadTmp(std::string_view dir) {
  return JoinPath(CheckpointsDir(dir), kHeadTmp);
}
std::string CheckpointDir(std::string_view dir, std::string_view id) {
  return JoinPath(CheckpointsDir(dir), id);
}
std::string Manifest(std::string_view dir, std::string_view id) {
  return JoinPath(CheckpointDir(dir, id), kManifest);
}
std::string Marker(std::string_view dir, std::string_view id) {
  return JoinPath(CheckpointDir(dir, id), kMarker);
}

std::string FormatId(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "ckpt-%010llu",
                static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<uint64_t> ParseId(std::string_view name) {
  if (name.size() != 15 || name.substr(0, 5) != "ckpt-") return std::nullopt;
  return ParseDigits(name.substr(5), 10);
}

std::string StateFileName(std::string_view op, uint32_t partition, bool delta) {
  return "operators/" + std::string(op) + "/partition-" +
         std::to_string(partition) + (delta ? ".delta" : ".snap");
}

std::string StateFile(std::string_view dir, std::string_view owner,
                      std::string_view name) {
  return JoinPath(CheckpointDir(dir, owner), name);
}

}  // namespace crashlab::engine::layout
