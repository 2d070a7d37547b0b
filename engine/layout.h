#pragma once
// Names of everything the engine writes inside its directory. Only names
// produced (and recognised) here are ever deleted by GC.
//
//   wal/wal-<first lsn, 20 digits>.log
//   checkpoints/CATALOG.json  (+ .tmp while being replaced)
//   checkpoints/LATEST        (hint only; + .tmp)
//   checkpoints/CHECKPOINTS.log (+ .tmp while compacted), checkpoints/HEAD
//   (+ .tmp): derived from the catalog (checkpoint_log.h)
//   checkpoints/<id>/MANIFEST.json, COMMITTED,
//   checkpoints/<id>/operators/<op>/partition-<n>.snap|.delta

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crashlab::engine::layout {

inline constexpr std::string_view kWalDir = "wal";
inline constexpr std::string_view kCheckpointsDir = "checkpoints";
inline constexpr std::string_view kCatalog = "CATALOG.json";
inline constexpr std::string_view kCatalogTmp = "CATALOG.json.tmp";
inline constexpr std::string_view kLatest = "LATEST";
inline constexpr std::string_view kLatestTmp = "LATEST.tmp";
inline constexpr std::string_view kCheckpointLog = "CHECKPOINTS.log";
inline constexpr std::string_view kCheckpointLogTmp = "CHECKPOINTS.log.tmp";
inline constexpr std::string_view kHead = "HEAD";
inline constexpr std::string_view kHeadTmp = "HEAD.tmp";
inline constexpr std::string_view kManifest = "MANIFEST.json";
inline constexpr std::string_view kMarker = "COMMITTED";

std::string WalDir(std::string_view dir);
std::string WalSegment(std::string_view dir, uint64_t first_lsn);
std::string WalSegmentName(uint64_t first_lsn);
std::optional<uint64_t> ParseWalSegmentName(std::string_view name);

std::string CheckpointsDir(std::string_view dir);
std::string Catalog(std::string_view dir);
std::string CatalogTmp(std::string_view dir);
std::string Latest(std::string_view dir);
std::string LatestTmp(std::string_view dir);
std::string CheckpointLog(std::string_view dir);
std::string CheckpointLogTmp(std::string_view dir);
std::string Head(std::string_view dir);
std::string HeadTmp(std::string_view dir);
std::string CheckpointDir(std::string_view dir, std::string_view id);
std::string Manifest(std::string_view dir, std::string_view id);
std::string Marker(std::string_view dir, std::string_view id);

// "ckpt-0000000042"
std::string FormatId(uint64_t seq);
std::optional<uint64_t> ParseId(std::string_view name);

// "operators/<op>/partition-<n>.snap" or ".delta", relative to a checkpoint
// dir.
std::string StateFileName(std::string_view op, uint32_t partition, bool delta);
// A state file's path relative to the engine dir.
std::string StateFile(std::string_view dir, std::string_view owner,
                      std::string_view name);

}  // namespace crashlab::engine::layout
