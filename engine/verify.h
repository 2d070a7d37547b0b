#pragma once
// Verification of one checkpoint directory and loading of its state.

#include <map>
#include <optional>
#include <string>

#include "engine/manifest.h"
#include "engine/verify_report.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

struct VerifiedCheckpoint {
  VerifyReport report;  // report.ok: marker, manifest and all files good
  std::optional<Manifest> manifest;             // when the manifest parsed
  std::map<std::string, std::string> contents;  // file path -> bytes (if kept)
};

// Checks, in order: the directory, the COMMITTED marker (it must hold the
// manifest's sha256), the manifest (self-checksum, id, and `expected_sha`
// from the catalog if not empty), the schema fingerprint (if `fingerprint`
// is not empty), then every listed file's presence, size and sha256. Each
// failure is one named Problem; I/O errors keep errno and path.
// `pass_everything` (unsafe verify-passes-all) skips every check of content
// (marker, manifest sha256, schema, size, sha256) and keeps what it read: only
// what cannot be read at all is a problem.
VerifiedCheckpoint VerifyCheckpoint(faultfs::Vfs& vfs, std::string_view dir,
                                    const std::string& id,
                                    const std::string& expected_sha,
                                    const std::string& fingerprint,
                                    bool keep_contents,
                                    bool pass_everything = false);

// Rebuilds key/value state from a manifest's file chains. `contents` holds
// the files' bytes; with `missing_is_empty` (unsafe skip-verify) an absent
// file is skipped instead of being an error. Problems: state-missing,
// state-corrupt.
bool LoadCheckpointState(std::string_view dir, const Manifest& manifest,
                         const std::map<std::string, std::string>& contents,
                         bool missing_is_empty,
                         std::map<std::string, std::string>* kv,
                         std::vector<Problem>* problems);

}  // namespace crashlab::engine
