#pragma once
// The harness's own view of the engine's checkpoint files, independent of the
// engine's parsers and verifier: every content the workload wrote to the
// catalog and to each checkpoint directory (taken from the simulator's visible
// image right after each operation that changed it; content a damaging fault
// produced is not "written"), and a reading of catalogs and manifests with the
// harness's own JSON walk. missing-state-detected and acknowledged-durable
// decide with it, so a bug in the engine's verification or catalog parsing
// cannot make the harness agree with the engine.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faultfs/fault_rule.h"
#include "faultfs/sim_state.h"
#include "faultfs/trace.h"

namespace crashlab::harness {

class WrittenFiles {
 public:
  // `states[i]`: the state just before op i (states[trace.size()]: after the
  // last op); `session_begins`: first op of every engine lifetime (a crash
  // step's post-crash image is read there: what the disk kept counts as
  // written, except on paths a damaging fault hit before).
  static WrittenFiles Record(const std::vector<faultfs::TraceEntry>& trace,
                             const std::vector<faultfs::SimState>& states,
                             const std::vector<faultfs::InjectedFault>& faults,
                             const std::vector<uint64_t>& session_begins);

  // Whether `path` is one the record follows: checkpoints/CATALOG.json and
  // everything under checkpoints/ckpt-*/.
  static bool Tracked(std::string_view path);

  // The newest content written to `path` by an op at or before `point`.
  std::optional<std::string> LatestAt(const std::string& path,
                                      uint64_t point) const;
  // Whether `content` was ever written to `path` by an op at or before `point`.
  bool WasWritten(const std::string& path, const std::string& content,
                  uint64_t point) const;
  // Adds a version by hand (tests).
  void Add(const std::string& path, uint64_t op, std::string content);

 private:
  // path -> (op index, content), in op order; consecutive versions differ.
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>>
      versions_;
};

// The checkpoint ids a catalog's text lists, oldest first (the harness's own
// reading: {"catalog": {"checkpoints": [{"id": ...}, ...]}}); nullopt if the
// text is not such a document.
std::optional<std::vector<std::string>> ReadCatalogIds(std::string_view text);

// The state files a manifest's text lists, as paths under the engine
// directory (checkpoints/<owner>/<name>); nullopt if it is not a manifest.
std::optional<std::vector<std::string>> ReadManifestFiles(
    std::string_view text);

// The catalog of a post-crash image as the harness sees it.
struct CatalogView {
  bool present = false;  // checkpoints/CATALOG.json exists
  // Its content is one the workload wrote (at or before the crash point) and
  // reads as a catalog.
  bool readable = false;
  std::string why_unreadable;
  std::vector<std::string> ids;  // when readable
};
CatalogView ViewCatalog(const faultfs::Image& post, const WrittenFiles& w,
                        uint64_t point);

// Why checkpoint `id` fails verification in the harness's view of `post` ("" if
// it verifies): its directory, MANIFEST.json, COMMITTED and every state file
// its manifest lists (as written) must be present with the content last
// written to them at or before `point`.
std::string CheckpointProblem(const faultfs::Image& post, const WrittenFiles& w,
                              uint64_t point, const std::string& id);

}  // namespace crashlab::harness
