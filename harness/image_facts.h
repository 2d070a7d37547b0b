#pragma once
// Facts read straight from a simulator image, without going through a Vfs
// (so nothing is traced and no fault fires): files, the engine's catalog,
// the paths a set of checkpoints needs, and a fingerprint of the whole image.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faultfs/sim_state.h"

namespace crashlab::harness {

// Content of a regular file; nullopt if absent or not a regular file.
std::optional<std::string> ReadImageFile(const faultfs::Image& image, std::string_view path);

// Ids in the engine's CATALOG.json (engine dir = image root); nullopt when
// the catalog is absent or does not parse.
std::optional<std::vector<std::string>> CatalogIds(const faultfs::Image& image);

// Every path the checkpoints `ids` need: their directory, MANIFEST.json,
// COMMITTED, and each state file their manifests list (inherited ones too).
std::set<std::string> ProtectedPaths(const faultfs::Image& image,
                                     const std::vector<std::string>& ids);

// Checkpoint directories (ids) holding a COMMITTED marker.
std::vector<std::string> CommittedDirs(const faultfs::Image& image);

// A 128-bit fingerprint of every path, type and content: equal images give
// equal fingerprints.
using Fingerprint = std::pair<uint64_t, uint64_t>;
Fingerprint ImageFingerprint(const faultfs::Image& image);

// The state right after a power cut in `mode` at `state`: visible = durable =
// the post-crash image, nothing pending.
faultfs::SimState PostCrashState(const faultfs::SimState& state, const faultfs::CrashMode& mode);

}  // namespace crashlab::harness
