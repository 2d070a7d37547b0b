#pragma once
// CATALOG.json: the committed checkpoints, oldest first. The catalog is the
// single source of truth; LATEST is a hint.
//   {"catalog": {"format": 1, "next_seq": N, "checkpoints": [...]},
//    "sha256": sha256(catalog.dump())}

#include <cstdint>
#include <string>
#include <vector>

#include "engine/checkpoint_info.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

struct Catalog {
  uint64_t next_seq = 1;  // no id below ckpt-<next_seq> is ever issued again
  std::vector<CheckpointInfo> checkpoints;

  std::string Serialize() const;
  static faultfs::Result<Catalog> Parse(std::string_view text,
                                        const std::string& path);
  const CheckpointInfo* Find(std::string_view id) const;
};

// Reads DIR/checkpoints/CATALOG.json. ENOENT if absent; Corruption
// ("catalog-corrupt: ...") if unreadable.
faultfs::Result<Catalog> ReadCatalog(faultfs::Vfs& vfs, std::string_view dir);

struct CatalogWrite {
  faultfs::Status status;
  // The new catalog may be visible on disk (the rename, or an in-place
  // write, was issued); a failed write must then restore the old one.
  bool maybe_replaced = false;
};
// Safe: tmp, fsync, rename over CATALOG.json, fsync checkpoints/.
// `in_place` (unsafe catalog-in-place): truncate + write + fsync CATALOG.json.
// `sync_dir` false (unsafe skip-dir-fsync): no directory fsync.
CatalogWrite WriteCatalog(faultfs::Vfs& vfs, std::string_view dir,
                          const Catalog& catalog, bool in_place, bool sync_dir);

}  // namespace crashlab::engine
