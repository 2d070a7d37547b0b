// crashlab-report: the `crashlab report` subcommands as a standalone binary.
#include "reports/report_command.h"

int main(int argc, char** argv) {
  return crashlab::reports::RunReportCommand(argc, argv);
}
