#pragma once
// The operation trace: one entry per file-system call, serialisable to JSON
// lines. Shared by SimVfs and the FUSE daemon.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "faultfs/fault_rule.h"
#include "faultfs/status.h"

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
  // The one reader of ToJson()'s form (the daemon's `trace` reply, the
  // fuse-mode worker's op lines). Requires "index" (non-negative integer),
  // "op" (an OpName), "path" (string) and "result" ("ok", an errno name or
  // number); "path2", "offset", "length" and "fault" are optional;
  // persistence_point follows from the op. Errors are InvalidArgument("trace
  // entry", "<field> ...").
  static Result<TraceEntry> Parse(const nlohmann::json& j);
  bool operator==(const TraceEntry&) const = default;
};

std::string TraceToJsonLines(const std::vector<TraceEntry>& trace);

}  // namespace crashlab::faultfs
