#pragma once
// report.html: one self-contained page (inline CSS, JS and SVG; no network).
// A verdict banner, the run's metadata, totals, a filterable scenario table
// (passing scenarios are one row each), and the violations: those that break
// an expectation first, the first open. Only the first kHtmlMaxDetailed
// violations get a full detail block; the rest are listed one row each, so
// the page stays light with thousands of crash states.

#include <string>

#include "reports/run_record.h"

namespace crashlab::reports {

inline constexpr size_t kHtmlMaxDetailed = 200;

std::string RenderHtml(const RunRecord& record);

}  // namespace crashlab::reports
