#include "reports/markdown_writer.h"

#include <set>
#include <sstream>
#include <tuple>

#include "reports/format_util.h"
#include "reports/invariant_outcome.h"
#include "reports/loss_text.h"
#include "reports/text_escape.h"

namespace crashlab::reports {

namespace {

std::string Code(const std::string& text) {
  return "`" + MarkdownEscape(text) + "`";
}

// For a fenced code block: no escaping, but one line.
std::string OneLine(const std::string& text) {
  std::string out = SanitizeUtf8(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// exec mode: what the power cut took, per file, under a violation's item.
void LossList(std::ostringstream& md, const Violation& v) {
  if (!v.loss.is_object()) return;
  std::vector<std::string> lines = LossLines(v.loss);
  md << "\n  What the power cut took (" << MarkdownEscape(LossHeadline(v.loss))
     << ")" << (lines.empty() ? ": nothing." : ":") << "\n\n";
  size_t n = 0;
  for (const auto& line : lines) {
    if (++n > kMarkdownMaxLossLines) {
      md << "  - …and " << FormatCount(lines.size() - kMarkdownMaxLossLines)
         << " more; see report.html or report.json.\n";
      break;
    }
    md << "  - " << MarkdownEscape(Truncate(line, 400)) << "\n";
  }
}

std::string ExpectedText(const Expectation& e) {
  if (e.verdict == Verdict::kPass) return "pass";
  std::string out = "violates ";
  for (size_t i = 0; i < e.violated.size(); ++i)
    out += (i ? ", " : "") + e.violated[i];
  return out;
}

std::string ObservedText(const ScenarioResult& s) {
  if (s.verdict == Verdict::kError) return "error: " + Truncate(s.error, 120);
  std::string out;
  for (const auto& o : InvariantOutcomes(s)) {
    if (o.violated == 0) continue;
    out += (out.empty() ? "violated " : ", ") + o.id + " (" +
           FormatCount(o.violated) + ")";
  }
  return out.empty() ? "all invariants held" : out;
}

}  // namespace

std::string RenderMarkdown(const RunRecord& record) {
  const Totals t = ComputeTotals(record);
  const RunInfo& r = record.run;
  // One shard of several: expected violations outside its crash points are
  // left to `crashlab report merge` (RunPasses), not counted as unmet here.
  size_t deferred = 0;
  for (const auto& s : record.scenarios)
    deferred += s.expectation_deferred(r.shard) ? 1 : 0;
  const uint64_t unmet = t.expectation_unmet - deferred;
  std::ostringstream md;
  if (unmet == 0) {
    md << "## ✅ crashlab: " << Plural(t.scenarios, "scenario", "scenarios")
       << (deferred > 0 ? ", nothing unexpected in shard " + r.shard.ToString()
                        : std::string(", every expectation met"))
       << "\n\n";
  } else {
    md << "## ❌ crashlab: " << FormatCount(unmet) << " of "
       << Plural(t.scenarios, "scenario", "scenarios")
       << " did not meet expectations\n\n";
  }
  md << "crashlab " << MarkdownEscape(r.crashlab_version);
  if (!r.commit.empty()) md << " · commit " << Code(r.commit.substr(0, 12));
  md << " · seed " << r.seed << " · modes ";
  for (size_t i = 0; i < r.modes.size(); ++i)
    md << (i ? ", " : "") << MarkdownEscape(r.modes[i]);
  if (r.shard.count > 1) md << " · shard " << r.shard.ToString();
  md << "  \n"
     << Plural(t.crash_points, "crash point", "crash points") << " · "
     << Plural(t.crash_states, "case", "cases") << " (point × mode) · "
     << Plural(t.distinct_images, "distinct post-crash image",
               "distinct post-crash images")
     << " · " << Plural(t.recoveries, "recovery", "recoveries") << " run · "
     << Plural(t.nested_crashes, "nested recovery crash",
               "nested recovery crashes")
     << " · " << Plural(t.checks, "invariant check", "invariant checks")
     << " · " << Plural(t.violations, "violation", "violations")
     << " recorded · " << FormatSeconds(r.duration_seconds) << " s\n\n";

  if (deferred > 0) {
    md << Plural(deferred, "scenario expects", "scenarios expect")
       << " violations that are not among this shard's crash points: "
          "judged when the shards are merged (`crashlab report merge`).\n\n";
  }
  size_t rows = 0;
  for (const auto& s : record.scenarios) {
    if (s.expectation_met() || s.expectation_deferred(r.shard)) continue;
    if (rows == 0) {
      md << "| Scenario | File | Mode | Expected | Observed "
            "|\n|---|---|---|---|---|\n";
    }
    if (++rows > kMarkdownMaxRows) continue;
    md << "| " << MarkdownEscape(s.name) << " | " << Code(s.file) << " | "
       << s.mode << " | " << MarkdownEscape(ExpectedText(s.expected)) << " | "
       << MarkdownEscape(ObservedText(s)) << " |\n";
  }
  if (rows > kMarkdownMaxRows)
    md << "\n…and " << FormatCount(rows - kMarkdownMaxRows) << " more.\n";
  if (rows > 0) md << "\n";
  if (t.scenarios > rows + deferred) {
    const uint64_t others = t.scenarios - rows - deferred;
    md << FormatCount(others) << " other "
       << (others == 1 ? "scenario meets its" : "scenarios meet their")
       << " expectation.\n\n";
  }

  // Violations that break an expectation first: those are what the reader
  // must act on. Expected ones (unsafe modes caught) are only counted, but
  // for a program (exec mode) what the power cut took is listed after them.
  std::set<std::tuple<std::string, std::string, std::string, std::string>>
      expected;
  for (const auto& s : record.scenarios) {
    for (const auto& o : InvariantOutcomes(s)) {
      if (o.kind == InvariantOutcome::Kind::kExpectedViolation)
        expected.emplace(s.file, s.name, s.mode, o.id);
    }
  }
  size_t shown = 0;
  for (const auto& v : record.violations) {
    if (expected.count({v.scenario_file, v.scenario, v.mode, v.invariant}))
      continue;
    if (shown == 0) md << "### Violations\n\n";
    if (++shown > kMarkdownMaxViolations) continue;
    md << "- **" << MarkdownEscape(v.invariant) << "** in "
       << MarkdownEscape(v.scenario) << " (" << v.mode << "), crash after op "
       << v.crash_point << ", mode " << Code(v.crash_mode) << ": "
       << MarkdownEscape(Truncate(v.message, 300)) << "\n\n  ```sh\n  "
       << OneLine(v.reproduce_command) << "\n  ```\n";
    LossList(md, v);
  }
  if (shown > kMarkdownMaxViolations) {
    md << "\n…and " << FormatCount(shown - kMarkdownMaxViolations)
       << " more; see report.html in the report artifact.\n";
  }

  // Expected exec violations are explained too (once per crash state): what
  // the power cut took is the lesson a program's scenario teaches.
  std::set<std::tuple<std::string, std::string, uint64_t, std::string>> seen;
  size_t explained = 0;
  for (const auto& v : record.violations) {
    if (!v.loss.is_object() ||
        !expected.count({v.scenario_file, v.scenario, v.mode, v.invariant}))
      continue;
    if (!seen.emplace(v.scenario_file, v.scenario, v.crash_point, v.crash_mode)
             .second)
      continue;
    if (explained == 0)
      md << "\n### Expected violations of programs: what the power cut "
            "took\n\n";
    if (++explained > kMarkdownMaxViolations) continue;
    md << "- " << MarkdownEscape(v.scenario) << " (" << v.mode
       << "), crash after op " << v.crash_point << ", mode "
       << Code(v.crash_mode) << ": " << MarkdownEscape(Truncate(v.message, 200))
       << "\n";
    LossList(md, v);
  }
  if (explained > kMarkdownMaxViolations) {
    md << "\n…and " << FormatCount(explained - kMarkdownMaxViolations)
       << " more; see report.html in the report artifact.\n";
  }
  return md.str();
}

}  // namespace crashlab::reports
