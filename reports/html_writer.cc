#include "reports/html_writer.h"

#include <set>
#include <sstream>
#include <tuple>

#include "reports/format_util.h"
#include "reports/html_assets.h"
#include "reports/html_violation.h"
#include "reports/invariant_outcome.h"
#include "reports/text_escape.h"

namespace crashlab::reports {

namespace {

using ExpectedSet =
    std::set<std::tuple<std::string, std::string, std::string, std::string>>;

std::string H(const std::string& s) { return HtmlEscape(s); }

void Header(std::ostringstream& h, const RunRecord& r, const Totals& t) {
  const RunInfo& run = r.run;
  h << "<header><h1>crashlab recovery report</h1><div class=\"sub\">"
    << H(run.started) << " · " << Plural(t.scenarios, "scenario", "scenarios")
    << " · " << Plural(t.crash_states, "case", "cases") << " (point × mode)"
    << "</div></header><main>";
  if (t.expectation_unmet == 0) {
    h << "<div class=\"banner ok\">\u2714 Every scenario met its "
         "expectation.</div>";
  } else {
    h << "<div class=\"banner bad\">\u2716 " << FormatCount(t.expectation_unmet)
      << " of " << Plural(t.scenarios, "scenario", "scenarios")
      << " did not meet expectations.</div>";
  }
  auto card = [&](uint64_t n, const std::string& label, bool bad) {
    h << "<div class=\"card" << (bad && n > 0 ? " bad" : "")
      << "\"><div class=\"n\">" << FormatCount(n) << "</div><div class=\"l\">"
      << label << "</div></div>";
  };
  h << "<div class=\"cards\">";
  card(t.scenarios, "scenarios", false);
  card(t.expectation_unmet, "unmet expectations", true);
  card(t.errors, "errors", true);
  card(t.crash_points, "crash points", false);
  card(t.crash_states, "cases (point × mode)", false);
  card(t.distinct_images, "distinct post-crash images", false);
  card(t.recoveries, "recoveries run", false);
  card(t.nested_crashes, "nested recovery crashes", false);
  card(t.violations, "violations", false);
  h << "</div>";
  h << "<section><h2>Run</h2><dl class=\"meta\">"
    << "<dt>crashlab</dt><dd>" << H(run.crashlab_version) << "</dd>"
    << "<dt>commit</dt><dd>" << (run.commit.empty() ? "unknown" : H(run.commit))
    << "</dd>"
    << "<dt>seed</dt><dd>" << run.seed << "</dd>"
    << "<dt>modes</dt><dd>";
  for (size_t i = 0; i < run.modes.size(); ++i)
    h << (i ? ", " : "") << H(run.modes[i]);
  h << "</dd><dt>shard</dt><dd>" << run.shard.ToString() << "</dd>"
    << "<dt>machine</dt><dd>" << H(run.machine.hostname) << " · "
    << H(run.machine.kernel) << " · " << run.machine.cores << " cores</dd>"
    << "<dt>started</dt><dd>" << H(run.started) << "</dd>"
    << "<dt>finished</dt><dd>" << H(run.finished) << " ("
    << FormatSeconds(run.duration_seconds) << " s)</dd>"
    << "</dl></section>";
}

std::string ExpectedText(const Expectation& e) {
  if (e.verdict == Verdict::kPass) return "pass";
  std::string out = "violates ";
  for (size_t i = 0; i < e.violated.size(); ++i)
    out += (i ? ", " : "") + e.violated[i];
  return out;
}

void ScenarioTable(std::ostringstream& h, const RunRecord& r) {
  h << "<section id=\"scenarios\"><h2>Scenarios</h2><div class=\"controls\">"
    << "<label><input type=\"checkbox\" id=\"only-failures\"> show only "
       "failures</label>"
    << "<input type=\"search\" id=\"filter\" placeholder=\"filter by scenario, "
       "file, invariant…\">"
    << "</div><table><thead><tr><th>scenario</th><th>file</th><th>mode</"
       "th><th>expected</th><th>result</th>"
    << "<th class=\"num\">crash points</th><th class=\"num\">cases "
       "(point × mode)</th><th class=\"num\">recoveries</th>"
       "<th>invariants (violated/explored)</th>"
    << "<th class=\"num\">time</th></tr></thead><tbody>";
  for (const auto& s : r.scenarios) {
    const bool met = s.expectation_met();
    std::string pill =
        s.verdict == Verdict::kError ? "error" : (met ? "pass" : "fail");
    std::string label =
        s.verdict == Verdict::kError ? "error" : (met ? "met" : "unmet");
    h << "<tr data-ok=\"" << (met ? 1 : 0) << "\"><td><b>" << H(s.name)
      << "</b>";
    if (!s.error.empty())
      h << "<div class=\"lost\">" << H(Truncate(s.error, 300)) << "</div>";
    h << "</td><td class=\"mono\">" << H(s.file) << "</td><td>" << H(s.mode)
      << "</td><td>" << H(ExpectedText(s.expected))
      << "</td><td><span class=\"pill " << pill << "\">" << label
      << "</span></td><td class=\"num\">"
      << FormatCount(s.crash_points_explored()) << "</td><td class=\"num\">"
      << FormatCount(s.crash_states) << "</td><td class=\"num\">"
      << FormatCount(s.recoveries) << "</td><td>";
    for (const auto& o : InvariantOutcomes(s)) {
      const char* cls = o.kind == InvariantOutcome::Kind::kExpectedViolation
                            ? " caught"
                        : o.failed() ? " bad"
                                     : "";
      h << "<span class=\"chip" << cls << "\" title=\"held " << o.held
        << ", violated " << o.violated << "\">" << H(o.id) << " "
        << FormatCount(o.violated) << "/" << FormatCount(o.held + o.violated)
        << "</span>";
    }
    h << "</td><td class=\"num\">" << FormatSeconds(s.duration_seconds)
      << "</td></tr>";
  }
  h << "</tbody></table></section>";
}

void ViolationRow(std::ostringstream& h, const Violation& v, bool expected) {
  h << "<tr data-ok=\"" << (expected ? 1 : 0) << "\"><td>" << H(v.scenario)
    << " [" << H(v.mode) << "]</td><td>" << H(v.invariant)
    << "</td><td class=\"num\">" << v.crash_point << "</td><td class=\"mono\">"
    << H(v.crash_mode) << "</td><td>" << H(Truncate(v.message, 200))
    << "</td><td class=\"mono\">" << H(v.reproduce_command) << "</td></tr>";
}

void Violations(std::ostringstream& h, const RunRecord& r) {
  ExpectedSet expected;
  for (const auto& s : r.scenarios) {
    for (const auto& o : InvariantOutcomes(s)) {
      if (o.kind == InvariantOutcome::Kind::kExpectedViolation)
        expected.emplace(s.file, s.name, s.mode, o.id);
    }
  }
  auto is_expected = [&](const Violation& v) {
    return expected.count({v.scenario_file, v.scenario, v.mode, v.invariant}) >
           0;
  };
  h << "<section id=\"violations\"><h2>Violations ("
    << FormatCount(r.violations.size()) << ")</h2>";
  if (r.violations.empty()) {
    h << "<p class=\"muted\">No invariant was violated in any explored crash "
         "state.</p></section>";
    return;
  }
  size_t detailed = 0, id = 0;
  std::vector<std::pair<const Violation*, bool>> rest;
  // Unexpected violations first, then expected ones (unsafe modes caught).
  for (int pass = 0; pass < 2; ++pass) {
    const bool want_expected = pass == 1;
    for (const auto& v : r.violations) {
      const bool exp = is_expected(v);
      if (exp != want_expected) continue;
      if (detailed < kHtmlMaxDetailed) {
        h << RenderViolationDetail(v, id++, exp, detailed == 0 && !exp);
        ++detailed;
      } else {
        rest.emplace_back(&v, exp);
      }
    }
  }
  if (!rest.empty()) {
    h << "<h3>" << FormatCount(rest.size())
      << " more (summary only)</h3><table><thead><tr><th>scenario</th>"
      << "<th>invariant</th><th "
         "class=\"num\">op</th><th>mode</th><th>message</th><th>reproduce</"
         "th></tr>"
      << "</thead><tbody>";
    for (const auto& [v, exp] : rest) ViolationRow(h, *v, exp);
    h << "</tbody></table>";
  }
  h << "</section>";
}

}  // namespace

std::string RenderHtml(const RunRecord& record) {
  const Totals t = ComputeTotals(record);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, "
       "initial-scale=1\">"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
       "'none'; style-src 'unsafe-inline'; "
    << "script-src 'unsafe-inline'; img-src data:\">"
    << "<title>crashlab report — "
    << (t.expectation_unmet == 0 ? "all met"
                                 : FormatCount(t.expectation_unmet) + " unmet")
    << "</title><style>" << kHtmlStyle << "</style></head><body>";
  Header(h, record, t);
  ScenarioTable(h, record);
  Violations(h, record);
  h << "<footer>generated by crashlab " << H(record.run.crashlab_version)
    << " · report format " << kFormatName << "/" << record.format_version
    << " · raw data in report.json</footer></main>"
    << "<script>" << kHtmlScript << "</script></body></html>\n";
  return h.str();
}

}  // namespace crashlab::reports
