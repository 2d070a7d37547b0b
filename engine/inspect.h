#pragma once
// Read-only view of an engine directory for operators ("ckpt inspect"):
// the catalog, each checkpoint's files and their verification status, the
// directories no catalog entry names, and the WAL extent. Never writes.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/options.h"
#include "engine/problem.h"
#include "engine/verify_report.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

struct WalSegmentInfo {
  std::string path;
  uint64_t size = 0;
  uint64_t first_lsn = 0;  // from the name
  uint64_t last_lsn = 0;   // last valid record (0 = none)
  uint64_t records = 0;
  uint64_t valid_bytes = 0;
  std::string tail;  // "clean", "torn", "corrupt"
};

struct InspectReport {
  bool catalog_present = false;
  bool catalog_ok = false;
  std::vector<VerifyReport> checkpoints;  // catalog order, oldest first
  std::vector<std::string> uncatalogued;  // checkpoint dirs not in the catalog
  std::vector<WalSegmentInfo> wal;
  std::string latest_hint;  // content of LATEST, "" if absent
  // The hint against the catalog's newest verified checkpoint:
  // ClassifyLatestHint's status ("ok", "missing", "invalid", "stale",
  // "unverified", "unknown", ...) or "unreadable".
  std::string latest_status = "none";
  std::string latest_detail;           // why invalid/unreadable
  std::string latest_newest_verified;  // "" when no checkpoint verifies
  std::vector<Problem> problems;

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

InspectReport Inspect(faultfs::Vfs& vfs, std::string_view dir,
                      const Options& options);

}  // namespace crashlab::engine
