#include "harness/scenario/invariant_ids.h"

#include <algorithm>

namespace crashlab::harness {

const std::vector<std::string>& AllInvariantIds() {
  static const std::vector<std::string> ids{
      std::string(kNoPhantomCheckpoint),  std::string(kNoOrphanDeletion),
      std::string(kMissingStateDetected), std::string(kAcknowledgedDurable),
      std::string(kStateMatchesOracle),   std::string(kRecoveryIdempotent),
      std::string(kErrorsNotCrashes)};
  return ids;
}

bool IsInvariantId(std::string_view id) {
  const auto& ids = AllInvariantIds();
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace crashlab::harness
