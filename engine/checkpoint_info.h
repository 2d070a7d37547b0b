#pragma once
// A committed checkpoint as listed in the catalog and in Engine::checkpoints().

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace crashlab::engine {

enum class CheckpointKind { kFull, kIncremental };
std::string_view CheckpointKindName(CheckpointKind k);  // "full", "incremental"

struct CheckpointInfo {
  // "ckpt-<seq, 10 digits>": sorts by creation time; a new id is always
  // above every name present under checkpoints/, partial ones included.
  std::string id;
  uint64_t epoch = 0;  // 1, 2, 3, ... one per committed checkpoint
  std::string parent;  // "" for a checkpoint that inherits nothing
  CheckpointKind kind = CheckpointKind::kFull;
  uint64_t wal_position = 0;  // last LSN contained
  uint64_t created_ms = 0;
  uint64_t bytes_written = 0;  // bytes of files this checkpoint wrote
  uint64_t bytes_total = 0;    // bytes of all files it needs (own + inherited)
  uint64_t files = 0;          // state files it needs
  std::string manifest_sha256;
  // Partition (shard) count of the checkpoint's state; 0 = not recorded
  // (catalogs written before the field existed).
  uint32_t partitions = 0;

  nlohmann::json ToJson() const;
  static bool FromJson(const nlohmann::json& j, CheckpointInfo* out,
                       std::string* error);
  bool operator==(const CheckpointInfo&) const = default;
};

}  // namespace crashlab::engine
