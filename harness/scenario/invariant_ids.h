#pragma once
// The stable invariant ids (docs/design.md "Invariants"), in canonical order.

#include <string>
#include <string_view>
#include <vector>

namespace crashlab::harness {

inline constexpr std::string_view kNoPhantomCheckpoint =
    "no-phantom-checkpoint";
inline constexpr std::string_view kNoOrphanDeletion = "no-orphan-deletion";
inline constexpr std::string_view kMissingStateDetected =
    "missing-state-detected";
inline constexpr std::string_view kAcknowledgedDurable = "acknowledged-durable";
inline constexpr std::string_view kStateMatchesOracle = "state-matches-oracle";
inline constexpr std::string_view kRecoveryIdempotent = "recovery-idempotent";
inline constexpr std::string_view kErrorsNotCrashes = "errors-not-crashes";

// Every id, in the order above.
const std::vector<std::string>& AllInvariantIds();
bool IsInvariantId(std::string_view id);

}  // namespace crashlab::harness
