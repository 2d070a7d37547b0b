#pragma once
// A named problem found while verifying or recovering. Codes are stable and
// meant for machines (tests, the harness, reports):
//   catalog-missing      no CATALOG.json but checkpoint directories exist
//   catalog-corrupt      CATALOG.json unreadable, malformed or checksum wrong
//   checkpoint-dir-missing  a catalog entry's directory is absent
//   marker-missing       no COMMITTED marker
//   marker-mismatch      the marker does not name this manifest's checksum
//   manifest-missing     no MANIFEST.json
//   manifest-corrupt     MANIFEST.json malformed or checksum wrong
//   schema-mismatch      the manifest's schema fingerprint differs
//   state-missing        a state file listed in the manifest is absent
//   state-size-mismatch  a state file has the wrong size
//   state-corrupt        a state file's sha256 differs or it does not parse
//   wal-corrupt          a bad WAL record followed by good ones
//   wal-gap              WAL records between the checkpoint and the log missing
//   wal-torn-tail        (informational) an incomplete tail record was cut
//   io-error             an I/O error (errno and path kept)
//   not-in-catalog       Verify() of an id the catalog does not list
//   startup-gc-skipped   (informational) startup GC did not run to the end

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "faultfs/status.h"

namespace crashlab::engine {

struct Problem {
  std::string code;     // one of the codes above
  std::string path;     // the file concerned, relative to the engine dir
  std::string message;  // human detail
  int err = 0;          // errno when the problem came from an I/O error

  std::string ToString()
      const;  // "state-missing: checkpoints/…/partition-1.snap: …"
  nlohmann::json ToJson() const;
  bool operator==(const Problem&) const = default;
};

// A status whose message starts with the problem's code, for returning a
// problem through the Status channel. Corruption unless `p.err` is set.
faultfs::Status ProblemStatus(const Problem& p);
// Codes of the problems, in order (handy in tests).
std::vector<std::string> ProblemCodes(const std::vector<Problem>& problems);

}  // namespace crashlab::engine
