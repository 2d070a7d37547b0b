#pragma once
// The crashlab subcommands. Each takes argv with argv[0] = the subcommand's
// name and returns the exit code of DESIGN.md: 0 all held, 1 a violation or
// an unmet expectation, 2 bad input or usage, 3 environment problem.

#include <ostream>

namespace crashlab::harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitEnvironment = 3;

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

// `crashlab ARGS...`: dispatches on argv[1].
int Main(int argc, const char* const* argv, std::ostream& out,
         std::ostream& err);

}  // namespace crashlab::harness
