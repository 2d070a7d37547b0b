#pragma once
// The crashlab subcommands. Each takes argv with argv[0] = the subcommand's
// name and returns one of the exit codes of common/exit_codes.h.

#include <cstdint>
#include <ostream>
#include <string_view>

#include "harness/common/exit_codes.h"

namespace crashlab::harness {

int RunCommand(int argc, const char* const* argv, std::ostream& out,
               std::ostream& err);
int ValidateCommand(int argc, const char* const* argv, std::ostream& out,
                    std::ostream& err);
int ExploreCommand(int argc, const char* const* argv, std::ostream& out,
                   std::ostream& err);
int ReplayCommand(int argc, const char* const* argv, std::ostream& out,
                  std::ostream& err);
int ShrinkCommand(int argc, const char* const* argv, std::ostream& out,
                  std::ostream& err);
int FuzzCommand(int argc, const char* const* argv, std::ostream& out,
                std::ostream& err);
int WorkerCommand(int argc, const char* const* argv, std::ostream& out,
                  std::ostream& err);  // internal (fuse mode)

// Documented bounds of the numeric options (README "Bounds"). Options are
// parsed as signed integers so that a negative count is refused, not
// wrapped around.
inline constexpr int64_t kMaxJobs = 256;
inline constexpr int64_t kMaxCount = 1'000'000'000;  // scenarios, candidates
inline constexpr int64_t kMaxContext = 100'000;      // replay --context
inline constexpr double kMaxFuzzSeconds = 7 * 24 * 3600.0;

// True when lo <= value <= hi; otherwise prints
// "crashlab CMD: --OPTION must be between LO and HI, got VALUE" to `err`.
bool InBounds(std::string_view cmd, std::string_view option, int64_t value,
              int64_t lo, int64_t hi, std::ostream& err);

// `crashlab ARGS...`: dispatches on argv[1].
int Main(int argc, const char* const* argv, std::ostream& out,
         std::ostream& err);

}  // namespace crashlab::harness
