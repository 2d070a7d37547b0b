#pragma once
// `crashlab report ...`: the report subcommands as a library function, so the
// crashlab CLI and the standalone crashlab-report binary share them.
//
//   report merge DIR_OR_JSON... [--out DIR]
//       Merges shard reports (merge.h) and writes all four files to DIR
//       (default: ./report). Exit 0 if every scenario met its expectation,
//       1 if not — the verdict of the whole sharded run.
//   report render REPORT_JSON [--html] [--junit] [--md] [--json] [--out DIR]
//       Renders the chosen files (default: html, junit and md) from a
//       report.json into DIR (default: the input's directory). Exit 0.
//
// Exit codes otherwise: 2 bad input or usage (malformed report.json is named
// as FILE:LINE:COLUMN with the field's JSON pointer), 3 environment (an
// output directory that cannot be written).

#include <ostream>

namespace crashlab::reports {

// argv[0] is the command's own name ("report" or "crashlab-report"),
// argv[1] the subcommand. Messages go to `out` and `err`.
int RunReportCommand(int argc, const char* const* argv, std::ostream& out,
                     std::ostream& err);
// The same on std::cout and std::cerr.
int RunReportCommand(int argc, char** argv);

}  // namespace crashlab::reports
