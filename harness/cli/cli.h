#pragma once
// The crashlab subcommands. Each takes argv with argv[0] = the subcommand's
// name and returns one of the exit codes of common/exit_codes.h.

#include <ostream>

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

// `crashlab ARGS...`: dispatches on argv[1].
int Main(int argc, const char* const* argv, std::ostream& out,
         std::ostream& err);

}  // namespace crashlab::harness
