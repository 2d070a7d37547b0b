#pragma once
// The exit codes of every crashlab command and internal process (see
// docs/design.md "Exit codes"): 0 all held, 1 a violation or an unmet
// expectation, 2 bad input or usage, 3 environment problem.

namespace crashlab::harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitEnvironment = 3;

}  // namespace crashlab::harness
