#pragma once
// Named unsafe modes: each one switches off exactly one step of the safe
// protocol, so that the harness can prove it catches the production failure
// that step prevents. All are off by default. See engine/README.md for the
// failure each one reproduces.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "faultfs/status.h"

namespace crashlab::engine {

enum class UnsafeMode {
  kSkipDirFsync,    // "skip-dir-fsync": no directory fsyncs in commit/catalog
  kCatalogInPlace,  // "catalog-in-place": catalog rewritten in place, no
                    // tmp+rename
  kNoRollbackOnCommitError,  // "no-rollback-on-commit-error": failed commit
                             // stays listed
  kGcWhenCatalogMissing,     // "gc-when-catalog-missing": lost catalog = "no
                             // checkpoints"
  kGcIgnoresManifestErrors,  // "gc-ignores-manifest-errors": GC skips
                             // unreadable manifests
  kGcIgnoresChildren,  // "gc-ignores-children": GC ignores files inherited by
                       // children
  kSkipVerify,  // "skip-verify": recovery trusts files; missing state loads
                // empty
  kTruncateWalEarly,  // "truncate-wal-early": WAL cut before the catalog commit
  kAckBeforeFsync,    // "ack-before-fsync": WAL group acknowledged before
                      // fdatasync
  kTrustTornWal,  // "trust-torn-wal": replay ignores CRCs, applies torn records
  kTrustHead,     // "trust-head": Open believes HEAD (else the log's newest
                  // record) over the catalog, no cross-check
  kTrustLatest,   // "trust-latest": Open loads the checkpoint LATEST names,
                  // unverified, even if older or not in the catalog
  // Engines that lie about themselves (issue 12: the harness must not take
  // the engine's word for what it promised or what verifies).
  kFrozenDurableLsn,     // "frozen-durable-lsn": durable_lsn() never advances;
                         // Sync() returns before the fdatasync
  kOmitAckedCheckpoint,  // "omit-acked-checkpoint": Checkpoint() returns ok
                         // without committing; checkpoints() omits it
  kVerifyPassesAll,      // "verify-passes-all": checkpoint verification reports
                         // every checkpoint good (recovery and Inspect)
};

// Every mode, in the order above.
const std::vector<UnsafeMode>& AllUnsafeModes();
std::string_view UnsafeModeName(UnsafeMode mode);  // "skip-dir-fsync", ...
std::optional<UnsafeMode> UnsafeModeFromName(std::string_view name);
// One line: what the deviation is.
std::string_view UnsafeModeDescription(UnsafeMode mode);

// A set of enabled unsafe modes.
class UnsafeModes {
 public:
  UnsafeModes() = default;
  UnsafeModes(std::initializer_list<UnsafeMode> modes) : modes_(modes) {}
  // Parses names; error (InvalidArgument) names the unknown mode.
  static faultfs::Result<UnsafeModes> Parse(
      const std::vector<std::string>& names);

  bool has(UnsafeMode m) const { return modes_.count(m) != 0; }
  void add(UnsafeMode m) { modes_.insert(m); }
  bool empty() const { return modes_.empty(); }
  std::vector<std::string> Names() const;
  bool operator==(const UnsafeModes&) const = default;

 private:
  std::set<UnsafeMode> modes_;
};

}  // namespace crashlab::engine
