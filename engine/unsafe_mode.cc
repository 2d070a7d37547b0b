#include "engine/unsafe_mode.h"

namespace crashlab::engine {

namespace {
struct ModeInfo {
  UnsafeMode mode;
  std::string_view name;
  std::string_view description;
};
constexpr ModeInfo kModes[] = {
    {UnsafeMode::kSkipDirFsync, "skip-dir-fsync",
     "checkpoint commit and catalog replace skip every directory fsync"},
    {UnsafeMode::kCatalogInPlace, "catalog-in-place",
     "the catalog is truncated and rewritten in place instead of tmp + rename"},
    {UnsafeMode::kNoRollbackOnCommitError, "no-rollback-on-commit-error",
     "a failed catalog write leaves the new checkpoint in the in-memory list"},
    {UnsafeMode::kGcWhenCatalogMissing, "gc-when-catalog-missing",
     "a missing catalog is read as 'no checkpoints' and their directories are "
     "deleted"},
    {UnsafeMode::kGcIgnoresManifestErrors, "gc-ignores-manifest-errors",
     "GC skips a retained checkpoint whose manifest is unreadable instead of "
     "aborting"},
    {UnsafeMode::kGcIgnoresChildren, "gc-ignores-children",
     "GC keeps only each retained checkpoint's own files, not those it "
     "inherits"},
    {UnsafeMode::kSkipVerify, "skip-verify",
     "recovery does not verify marker, sizes or sha256; a missing state file "
     "loads empty"},
    {UnsafeMode::kTruncateWalEarly, "truncate-wal-early",
     "the WAL is truncated to the new checkpoint before the catalog commit"},
    {UnsafeMode::kAckBeforeFsync, "ack-before-fsync",
     "a WAL group is acknowledged after write(), its fdatasync deferred to the "
     "next group"},
    {UnsafeMode::kTrustTornWal, "trust-torn-wal",
     "WAL replay ignores CRCs and applies any record whose framing fits"},
    {UnsafeMode::kTrustHead, "trust-head",
     "Open takes the checkpoint HEAD (else the checkpoint log) names as the "
     "newest, without checking it against the catalog"},
    {UnsafeMode::kTrustLatest, "trust-latest",
     "Open loads the checkpoint the LATEST hint names as the newest, without "
     "verifying it and even when it is older than the catalog's newest or "
     "not in the catalog"},
    {UnsafeMode::kFrozenDurableLsn, "frozen-durable-lsn",
     "durable_lsn() never advances past what Open recovered, and Sync() "
     "returns after write() with the fdatasync deferred to the next group"},
    {UnsafeMode::kOmitAckedCheckpoint, "omit-acked-checkpoint",
     "Checkpoint() returns ok before its commit point (no catalog write), and "
     "checkpoints() omits that checkpoint"},
    {UnsafeMode::kVerifyPassesAll, "verify-passes-all",
     "checkpoint verification passes every checkpoint whose files it can "
     "read: no marker, manifest sha256, schema, size or sha256 check (in "
     "recovery and in Inspect)"},
};
}  // namespace

const std::vector<UnsafeMode>& AllUnsafeModes() {
  static const std::vector<UnsafeMode> all = [] {
    std::vector<UnsafeMode> v;
    for (const auto& m : kModes) v.push_back(m.mode);
    return v;
  }();
  return all;
}

std::string_view UnsafeModeName(UnsafeMode mode) {
  for (const auto& m : kModes) {
    if (m.mode == mode) return m.name;
  }
  return "?";
}

std::string_view UnsafeModeDescription(UnsafeMode mode) {
  for (const auto& m : kModes) {
    if (m.mode == mode) return m.description;
  }
  return "?";
}

std::optional<UnsafeMode> UnsafeModeFromName(std::string_view name) {
  for (const auto& m : kModes) {
    if (m.name == name) return m.mode;
  }
  return std::nullopt;
}

faultfs::Result<UnsafeModes> UnsafeModes::Parse(
    const std::vector<std::string>& names) {
  UnsafeModes out;
  for (const auto& n : names) {
    auto m = UnsafeModeFromName(n);
    if (!m) {
      std::string known;
      for (const auto& k : kModes)
        known += (known.empty() ? "" : ", ") + std::string(k.name);
      return faultfs::Status::InvalidArgument(
          "unsafe", "unknown unsafe mode '" + n + "' (known: " + known + ")");
    }
    out.add(*m);
  }
  return out;
}

std::vector<std::string> UnsafeModes::Names() const {
  std::vector<std::string> out;
  for (auto m : modes_) out.emplace_back(UnsafeModeName(m));
  return out;
}

}  // namespace crashlab::engine
