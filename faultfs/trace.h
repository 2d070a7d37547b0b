#pragma once
// The operation trace: one entry per file-system call, serialisable to JSON
// lines. Shared by SimVfs and the FUSE daemon.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "faultfs/fault_rule.h"

namespace crashlab::faultfs {

struct TraceEntry {
  uint64_t index = 0;
  OpKind op = OpKind::kAny;
  std::string path;
  std::string path2;  // rename/link destination, symlink target
  uint64_t offset = 0;
  uint64_t length = 0;
  int result = 0;                  // 0 or the errno returned
  bool persistence_point = false;  // fsync/fdatasync/fsyncdir/sync
  std::string fault;               // the injected action's name, if any

  nlohmann::json ToJson() const;
  static TraceEntry FromJson(const nlohmann::json& j);
  bool operator==(const TraceEntry&) const = default;
};

std::string TraceToJsonLines(const std::vector<TraceEntry>& trace);

}  // namespace crashlab::faultfs
