#pragma once
// One violation as a collapsible <details> block of report.html: message,
// reproduce command with a copy button, timeline and trace table with the
// crash point, visible vs durable files, expected vs recovered catalog and
// state (as diffs), acknowledged ops vs the recovered prefix, files per
// checkpoint, injected faults, and the engine's recovery result.

#include <cstddef>
#include <string>

#include "reports/run_record.h"

namespace crashlab::reports {

// `id` makes element ids unique on the page; `expected` marks a violation the
// scenario expects (an unsafe mode caught), which the failure filter hides.
std::string RenderViolationDetail(const Violation& v, size_t id, bool expected,
                                  bool open);

}  // namespace crashlab::reports
