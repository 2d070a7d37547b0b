#pragma once
// The LATEST pointer (laminar's object-store layout): checkpoints/LATEST
// holds the id of the newest committed checkpoint, "<id>\n". It is a hint
// for readers that want the newest checkpoint without the catalog, never
// the truth: the catalog (CATALOG.json) decides.
//
//   write: after the catalog commit (and HEAD), tmp + fsync + rename +
//          fsync checkpoints/, so a LATEST once read survives a power cut;
//          a failure is a warning (the checkpoint stands)
//   read:  at every Open, compared with the checkpoint recovery chose from
//          the catalog; a hint that is garbage, names an id the catalog
//          does not list, one that failed verification or an older one is
//          reported (RecoveryResult::latest_status and a named warning) and
//          ignored. Unsafe mode trust-latest believes it instead.

#include <optional>
#include <string>
#include <vector>

#include "faultfs/vfs.h"

namespace crashlab::engine {

// What LATEST held.
struct LatestHint {
  bool present = false;  // the file exists
  bool valid = false;    // it holds exactly one checkpoint id
  std::string id;        // that id (valid only)
  std::string detail;    // why it is not valid (present && !valid)
};

// Replaces LATEST with "<id>\n": LATEST.tmp, fsync, rename, fsync
// checkpoints/ (the directory fsync skipped when !sync_dir).
faultfs::Status WriteLatest(faultfs::Vfs& vfs, std::string_view dir,
                            const std::string& id, bool sync_dir);

// Reads LATEST. An absent file is present = false; content that is not one
// checkpoint id (garbage, torn, empty) is present && !valid with `detail`;
// other I/O errors are returned (errno and path kept).
faultfs::Result<LatestHint> ReadLatest(faultfs::Vfs& vfs, std::string_view dir);

// How a hint compares with the checkpoint recovery chose ("" = none).
// "ok" (names it), "none" (no hint, no checkpoint), "missing" (no hint, a
// checkpoint), "invalid" (not a checkpoint id), "unverified" (names a
// checkpoint in `skipped`: it failed verification), "stale" (names an older
// catalog entry), "unknown" (names an id the catalog does not list).
// `catalog_ids` are the catalog's entries as read from disk.
std::string ClassifyLatestHint(const LatestHint& hint,
                               const std::string& chosen,
                               const std::vector<std::string>& catalog_ids,
                               const std::vector<std::string>& skipped);

}  // namespace crashlab::engine
