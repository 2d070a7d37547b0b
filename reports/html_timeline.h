#pragma once
// The SVG timeline of a violation: one mark per traced operation (diamond: a
// persistence point; orange: a fault was injected; red: it returned an
// error), the crash point as a dashed red line, and the operations after it
// greyed out (they never happened in the crashed world).

#include <cstdint>
#include <string>
#include <vector>

#include "reports/run_record.h"

namespace crashlab::reports {

std::string RenderTimelineSvg(const std::vector<TraceOp>& trace,
                              uint64_t crash_point);

}  // namespace crashlab::reports
