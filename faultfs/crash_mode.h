#pragma once
// Crash modes: which of the pending (not yet durable) operations survive a
// power cut. Every mode keeps the model's one ordering rule: a namespace
// operation never persists without an earlier pending namespace operation on
// the same directory entry (both entries of a rename).
//   drop          exactly the durable state (default)
//   prefix:K      also the first K pending operations in issue order
//   torn[:SEED]   each pending write persists a seeded subset of its 512-byte
//                 sectors; every other pending operation persists or not
//                 (seeded), namespace operations in a dependency-closed subset
//   random:SEED   each pending operation persists or not (seeded), namespace
//                 operations in a dependency-closed subset; a rename is one
//                 operation, so it stays atomic
// (Scenario files spell a fixed seed torn@SEED / random@SEED; there torn:N and
// random:N mean N seeds per crash point, see
// harness/scenario/crash_mode_list.h.)

#include <cstdint>
#include <string>
#include <string_view>

#include "faultfs/status.h"

namespace crashlab::faultfs {

struct CrashMode {
  enum class Kind { kDrop, kPrefix, kTorn, kRandom };
  Kind kind = Kind::kDrop;
  uint64_t arg = 0;  // K for prefix, the seed for torn and random

  static CrashMode Drop() { return {}; }
  static CrashMode Prefix(uint64_t k) { return {Kind::kPrefix, k}; }
  static CrashMode Torn(uint64_t seed = 0) { return {Kind::kTorn, seed}; }
  static CrashMode Random(uint64_t seed) { return {Kind::kRandom, seed}; }

  // "drop", "prefix:3", "torn", "torn:7", "random:42".
  static Result<CrashMode> Parse(std::string_view text);
  std::string ToString() const;
  bool operator==(const CrashMode&) const = default;
};

constexpr uint64_t kSectorSize = 512;

// When namespace operations become durable.
enum class MetadataModel {
  kStrict,     // when the parent directory is fsync'd (strict POSIX)
  kImmediate,  // at once (some journaling file systems)
};
// "strict"; "immediate" or "metadata-immediate".
Result<MetadataModel> ParseMetadataModel(std::string_view text);
// "strict" or "immediate" (the scenario file's names).
std::string_view MetadataModelName(MetadataModel model);

}  // namespace crashlab::faultfs
