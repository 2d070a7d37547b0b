#pragma once
// MANIFEST.json of one checkpoint:
//   {"manifest": {...body...}, "sha256": sha256(body.dump())}
// The body lists every state file the checkpoint needs — its own and those
// inherited from its parent chain — so that it can be verified and loaded
// without reading any other manifest.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/checkpoint_info.h"
#include "faultfs/status.h"

namespace crashlab::engine {

struct ManifestFile {
  std::string name;   // "operators/kv/partition-3.delta"
  std::string owner;  // id of the checkpoint whose directory holds it
  uint32_t partition = 0;
  bool delta = false;
  uint64_t size = 0;
  std::string sha256;
  bool operator==(const ManifestFile&) const = default;
};

struct Manifest {
  int format = 1;
  std::string id;
  uint64_t epoch = 0;
  std::string parent;
  CheckpointKind kind = CheckpointKind::kFull;
  uint64_t created_ms = 0;
  uint64_t wal_position = 0;
  uint64_t watermark = 0;
  std::map<std::string, uint64_t> source_offsets;
  std::string schema_fingerprint;
  std::string op;  // operator name
  uint32_t partitions = 0;
  // Per partition in chain order (a .snap, then its .deltas), partitions
  // ascending.
  std::vector<ManifestFile> files;
  uint64_t bytes_written = 0;

  std::string Serialize() const;
  // Parses and checks the self-checksum; errors are Corruption naming `path`.
  static faultfs::Result<Manifest> Parse(std::string_view text,
                                         const std::string& path);
  // Files of one partition, in chain order.
  std::vector<ManifestFile> PartitionFiles(uint32_t p) const;
  uint64_t bytes_total() const;
};

}  // namespace crashlab::engine
