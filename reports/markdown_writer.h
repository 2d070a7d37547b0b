#pragma once
// summary.md: a short Markdown summary for a pull-request comment or
// $GITHUB_STEP_SUMMARY — a headline, the run line, the scenarios that did not
// meet their expectation (at most kMarkdownMaxRows) and the first
// kMarkdownMaxViolations violations with their reproduce commands. Stays
// small whatever the size of the run.

#include <string>

#include "reports/run_record.h"

namespace crashlab::reports {

inline constexpr size_t kMarkdownMaxRows = 20;
inline constexpr size_t kMarkdownMaxViolations = 5;
// Files listed per exec violation's "what the power cut took".
inline constexpr size_t kMarkdownMaxLossLines = 10;

std::string RenderMarkdown(const RunRecord& record);

}  // namespace crashlab::reports
