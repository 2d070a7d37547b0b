#pragma once
// Facts read straight from a simulator image, without going through a Vfs
// (so nothing is traced and no fault fires): files, the engine's catalog,
// the paths a set of checkpoints needs, and a fingerprint of the whole image.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faultfs/sim_state.h"

namespace crashlab::harness {

// Content of a regular file; nullopt if absent or not a regular file.
std::optional<std::string> ReadImageFile(const faultfs::Image& image,
                                         std::string_view path);

// What the engine's catalog and manifest files read as (with the harness's own
// readers, written_files.h, never the engine's parsers), memoised by node:
// images share nodes copy-on-write and never change a shared node, and the
// cache holds a reference to every node it saw (so its address cannot be
// reused), hence one address always means the same bytes. Crash states of
// one workload share most of these files. Thread-safe.
class FactsCache {
 public:
  // A parse result (null: absent or unparseable).
  using Paths = std::shared_ptr<const std::vector<std::string>>;
  // `parse` maps the node's bytes to the cached value.
  Paths Get(const std::shared_ptr<faultfs::Node>& node, int kind,
            const std::function<Paths(const faultfs::Node&)>& parse);

 private:
  struct Entry {
    std::shared_ptr<const faultfs::Node> pin;
    Paths value;
  };
  std::mutex mu_;
  std::map<std::pair<const faultfs::Node*, int>, Entry> entries_;
};

// Ids in the engine's CATALOG.json (engine dir = image root); nullopt when
// the catalog is absent or does not parse. `cache` may be null.
std::optional<std::vector<std::string>> CatalogIds(const faultfs::Image& image,
                                                   FactsCache* cache = nullptr);

// Every path the checkpoints `ids` need: their directory, MANIFEST.json,
// COMMITTED, and each state file their manifests list (inherited ones too).
// `cache` may be null.
std::set<std::string> ProtectedPaths(const faultfs::Image& image,
                                     const std::vector<std::string>& ids,
                                     FactsCache* cache = nullptr);

// Checkpoint directories (ids) holding a COMMITTED marker.
std::vector<std::string> CommittedDirs(const faultfs::Image& image);

// A 128-bit fingerprint of every path, type and content: equal images give
// equal fingerprints.
using Fingerprint = std::pair<uint64_t, uint64_t>;
Fingerprint ImageFingerprint(const faultfs::Image& image);

// The state right after a power cut in `mode` at `state`: visible = durable =
// the post-crash image, nothing pending.
faultfs::SimState PostCrashState(const faultfs::SimState& state,
                                 const faultfs::CrashMode& mode);

// True if a data write is among `state`'s pending operations (torn needs one).
bool HasPendingWrites(const faultfs::SimState& state);

}  // namespace crashlab::harness
