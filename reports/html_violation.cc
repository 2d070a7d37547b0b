#include "reports/html_violation.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "faultfs/json_util.h"
#include "reports/format_util.h"
#include "reports/html_timeline.h"
#include "reports/loss_text.h"
#include "reports/text_escape.h"

namespace crashlab::reports {

namespace {

std::string H(const std::string& s) { return HtmlEscape(s); }

std::string Image(const FileImage& f) {
  if (!f.exists) return "<span class=\"lost\">absent</span>";
  std::string out = H(f.kind.empty() ? "file" : f.kind);
  if (f.kind != "dir") out += ", " + FormatCount(f.size) + " B";
  if (!f.digest.empty())
    out +=
        " <span class=\"mono muted\">" + H(Truncate(f.digest, 23)) + "</span>";
  return out;
}

void Trace(std::ostringstream& h, const Violation& v) {
  h << "<h3>Timeline</h3>" << RenderTimelineSvg(v.trace, v.crash_point)
    << "<div class=\"legend\"><i style=\"background:#667085\"></i>operation"
    << "<i style=\"background:#16794c;border-radius:1px\"></i>persistence point"
    << "<i style=\"background:#dc6803\"></i>fault injected<i "
       "style=\"background:#d92d20\"></i>error returned"
    << "</div>";
  if (v.trace.empty()) return;
  h << "<table class=\"trace\"><thead><tr><th "
       "class=\"num\">#</th><th>op</th><th>path</th><th>to</th>"
    << "<th class=\"num\">offset</th><th "
       "class=\"num\">length</th><th>result</th><th>fault</th></tr></"
       "thead><tbody>";
  bool crash_row_done = false;
  auto crash_row = [&]() {
    h << "<tr class=\"crash\"><td colspan=\"8\">\u26A1 power cut after op "
      << v.crash_point << " — crash mode " << H(v.crash_mode) << "</td></tr>";
    crash_row_done = true;
  };
  for (const auto& op : v.trace) {
    if (!crash_row_done && op.index > v.crash_point) crash_row();
    std::string cls = op.index > v.crash_point
                          ? "after"
                          : (op.index == v.crash_point ? "at" : "");
    if (!op.fault.empty()) cls += " faulted";
    h << "<tr class=\"" << cls << "\"><td class=\"num mono\">" << op.index
      << "</td><td class=\"op mono\">" << H(op.op)
      << (op.persistence_point ? " \u25C6" : "") << "</td><td class=\"mono\">"
      << H(op.path) << "</td><td class=\"mono\">" << H(op.path2)
      << "</td><td class=\"num mono\">"
      << (op.length || op.offset ? std::to_string(op.offset) : "")
      << "</td><td class=\"num mono\">"
      << (op.length || op.offset ? std::to_string(op.length) : "")
      << "</td><td class=\"mono" << (op.result != "ok" ? " err" : "") << "\">"
      << H(op.result) << "</td><td class=\"mono\">" << H(op.fault)
      << "</td></tr>";
  }
  if (!crash_row_done) crash_row();
  h << "</tbody></table>";
}

void Files(std::ostringstream& h, const Violation& v) {
  if (v.files.empty()) return;
  h << "<h3>Files involved: visible vs "
       "durable</h3><table><thead><tr><th>path</th>"
    << "<th>visible at the crash</th><th>durable (after the power "
       "cut)</th><th></th></tr></thead><tbody>";
  for (const auto& f : v.files) {
    bool same = f.durable == f.visible;
    h << "<tr><td class=\"mono\">" << H(f.path) << "</td><td>"
      << Image(f.visible) << "</td><td>" << Image(f.durable) << "</td><td>"
      << (same ? "<span class=\"same\">same</span>"
               : "<span class=\"lost\">differs</span>")
      << "</td></tr>";
  }
  h << "</tbody></table>";
}

void CatalogDiffBlock(std::ostringstream& h, const Violation& v) {
  h << "<div><h3>Checkpoint catalog: expected vs recovered</h3><pre "
       "class=\"diff\">";
  std::vector<std::string> recovered, expected;
  for (const auto& c : v.catalog_recovered) recovered.push_back(c.id);
  for (const auto& c : v.catalog_expected) expected.push_back(c.id);
  if (expected.empty() && recovered.empty())
    h << "<span class=\"ctx\">(both empty)</span>";
  for (const auto& id : expected) {
    bool kept =
        std::find(recovered.begin(), recovered.end(), id) != recovered.end();
    h << "<span class=\"" << (kept ? "ctx" : "del") << "\">"
      << (kept ? "  " : "- ") << H(id) << "</span>";
  }
  for (const auto& id : recovered) {
    if (std::find(expected.begin(), expected.end(), id) == expected.end()) {
      h << "<span class=\"add\">+ " << H(id) << "</span>";
    }
  }
  h << "</pre><div class=\"legend\">- expected but not recovered · + recovered "
       "but not expected</div></div>";
}

void StateDiffBlock(std::ostringstream& h, const Violation& v) {
  h << "<div><h3>State: expected vs recovered</h3><pre class=\"diff\">";
  if (v.state.differences.empty())
    h << "<span class=\"ctx\">(no key differs)</span>";
  for (const auto& d : v.state.differences) {
    if (d.expected)
      h << "<span class=\"del\">- " << H(d.key) << " = "
        << H(Truncate(*d.expected, 200)) << "</span>";
    if (d.recovered) {
      h << "<span class=\"add\">+ " << H(d.key) << " = "
        << H(Truncate(*d.recovered, 200)) << "</span>";
    }
  }
  h << "</pre><div class=\"legend\">" << FormatCount(v.state.matching)
    << " keys match · - expected (oracle) · + recovered</div></div>";
}

void Wal(std::ostringstream& h, const Violation& v) {
  const WalView& w = v.wal;
  h << "<h3>Acknowledged operations vs recovered WAL prefix</h3><p>"
    << FormatCount(w.issued)
    << " operations issued before the crash; recovered state ";
  if (w.recovered_prefix) {
    h << "matches the first <b>" << FormatCount(*w.recovered_prefix) << "</b>.";
  } else {
    h << "<span class=\"lost\">matches no prefix of the issued "
         "operations</span>.";
  }
  h << "</p>";
  if (w.acknowledged.empty()) return;
  h << "<table><thead><tr><th "
       "class=\"num\">seq</th><th>op</th><th>key</th><th>after "
       "recovery</th></tr>"
    << "</thead><tbody>";
  for (const auto& a : w.acknowledged) {
    bool lost = !w.recovered_prefix || a.seq >= *w.recovered_prefix;
    h << "<tr><td class=\"num mono\">" << a.seq << "</td><td class=\"mono\">"
      << H(a.op) << "</td><td class=\"mono\">" << H(a.key) << "</td><td>"
      << (lost ? "<span class=\"lost\">lost</span>"
               : "<span class=\"same\">recovered</span>")
      << "</td></tr>";
  }
  h << "</tbody></table>";
}

void CheckpointFilesTable(std::ostringstream& h, const Violation& v) {
  if (v.checkpoint_files.empty()) return;
  auto list = [](const std::vector<std::string>& xs) {
    std::string out;
    for (const auto& x : xs) out += (out.empty() ? "" : "<br>") + H(x);
    return out.empty() ? std::string("<span class=\"muted\">—</span>") : out;
  };
  h << "<h3>Files per "
       "checkpoint</h3><table><thead><tr><th>checkpoint</th><th>kept</"
       "th><th>removed</th>"
    << "<th>missing</th></tr></thead><tbody>";
  for (const auto& c : v.checkpoint_files) {
    h << "<tr><td class=\"mono\">" << H(c.checkpoint)
      << "</td><td class=\"mono\">" << list(c.kept)
      << "</td><td class=\"mono\">" << list(c.removed)
      << "</td><td class=\"mono lost\">" << list(c.missing) << "</td></tr>";
  }
  h << "</tbody></table>";
}

void Faults(std::ostringstream& h, const Violation& v) {
  h << "<h3>Injected faults</h3>";
  if (v.faults.empty()) {
    h << "<p class=\"muted\">none — the crash alone caused this.</p>";
    return;
  }
  h << "<table><thead><tr><th "
       "class=\"num\">op</th><th>kind</th><th>operation</th><th>path</th>"
    << "<th class=\"num\">offset</th><th "
       "class=\"num\">length</th><th>errno</th><th>detail</th></tr></"
       "thead><tbody>";
  for (const auto& f : v.faults) {
    h << "<tr><td class=\"num mono\">" << f.index << "</td><td class=\"mono\">"
      << H(f.kind) << "</td><td class=\"mono\">" << H(f.op)
      << "</td><td class=\"mono\">" << H(f.path)
      << "</td><td class=\"num mono\">" << f.offset
      << "</td><td class=\"num mono\">" << f.length
      << "</td><td class=\"mono\">" << H(f.errno_name) << "</td><td>"
      << H(f.detail) << "</td></tr>";
  }
  h << "</tbody></table>";
}

// exec mode: what the power cut took, one row per file.
void Loss(std::ostringstream& h, const Violation& v) {
  if (!v.loss.is_object()) return;
  h << "<h3>What the power cut took</h3><p>" << H(LossHeadline(v.loss))
    << ".</p>";
  auto files = v.loss.find("files");
  if (files == v.loss.end() || !files->is_array() || files->empty()) {
    h << "<p class=\"muted\">nothing: every operation was durable.</p>";
    return;
  }
  auto cell = [](const std::vector<std::string>& xs) {
    std::string out;
    for (const auto& x : xs) out += (out.empty() ? "" : "<br>") + H(x);
    return out.empty() ? std::string("<span class=\"muted\">—</span>") : out;
  };
  h << "<table class=\"loss\"><thead><tr><th>file</th><th>namespace "
       "operations rolled back (directory not fsync'd)</th><th>unsynced data "
       "dropped</th><th>last fsync</th></tr></thead><tbody>";
  for (const auto& f : *files) {
    if (!f.is_object()) continue;
    std::string path = JsonString(f, "path");
    bool visible = JsonBool(f, "visible", true);
    h << "<tr><td class=\"mono\">" << H(path)
      << (visible ? ""
                  : " <span class=\"muted\">(no name before the "
                    "crash)</span>")
      << "</td><td class=\"mono lost\">" << cell(LossRolledBack(f))
      << "</td><td class=\"mono\">" << cell(LossDropped(f))
      << "</td><td class=\"mono\">" << H(LossLastFsync(f)) << "</td></tr>";
  }
  h << "</tbody></table>";
  if (uint64_t more = JsonCount(v.loss, "files_omitted"); more > 0)
    h << "<p class=\"muted\">…and " << FormatCount(more) << " more files.</p>";
}

// exec mode: the program's run, step by step (the violation's
// recovery_result is the run as ExecRunToJson wrote it).
void ProgramRun(std::ostringstream& h, const Violation& v) {
  const nlohmann::json& run = v.recovery_result;
  if (!run.is_object()) return;
  auto steps = run.find("steps");
  if (steps == run.end() || !steps->is_array()) return;
  h << "<h3>Program run: " << H(JsonString(run, "run")) << "</h3>";
  if (auto cut = run.find("power_cut");
      cut != run.end() && cut->is_string() && !cut->get<std::string>().empty())
    h << "<p>" << H(cut->get<std::string>()) << "</p>";
  h << "<table><thead><tr><th class=\"num\">step</th><th>op</th><th>name</th>"
       "<th>outcome</th><th>detail</th></tr></thead><tbody>";
  for (const auto& s : *steps) {
    if (!s.is_object()) continue;
    std::string outcome = JsonString(s, "outcome");
    bool bad = outcome == "violated" || outcome == "failed" ||
               outcome == "error" || outcome == "timed out";
    h << "<tr><td class=\"num mono\">" << JsonCount(s, "step")
      << "</td><td class=\"mono\">" << H(JsonString(s, "op"))
      << "</td><td class=\"mono\">" << H(JsonString(s, "name")) << "</td><td"
      << (bad ? " class=\"lost\"" : "") << ">" << H(outcome) << "</td><td>"
      << H(Truncate(JsonString(s, "detail"), 400));
    std::string err = JsonString(s, "stderr");
    std::string out = JsonString(s, "stdout");
    if (bad && !(err.empty() && out.empty()))
      h << "<pre>" << H(Truncate(err.empty() ? out : err, 1000)) << "</pre>";
    h << "</td></tr>";
  }
  h << "</tbody></table>";
}

}  // namespace

std::string RenderViolationDetail(const Violation& v, size_t id, bool expected,
                                  bool open) {
  std::ostringstream h;
  const std::string cmd_id = "cmd-" + std::to_string(id);
  h << "<details class=\"violation\" id=\"violation-" << id << "\" data-ok=\""
    << (expected ? 1 : 0) << "\"" << (open ? " open" : "")
    << "><summary><span class=\"pill " << (expected ? "caught" : "fail")
    << "\">" << H(v.invariant) << "</span><span class=\"msg\">"
    << H(Truncate(v.message, 400)) << "</span>"
    << "<span class=\"muted\">" << H(v.scenario) << " [" << H(v.mode)
    << "] · crash after op " << v.crash_point << " · " << H(v.crash_mode)
    << (expected ? " · expected (unsafe mode caught)" : "")
    << "</span></summary>"
    << "<div class=\"vbody\"><div class=\"repro\"><pre><code id=\"" << cmd_id
    << "\">" << H(v.reproduce_command)
    << "</code></pre><button class=\"copy\" type=\"button\" data-target=\""
    << cmd_id << "\">Copy</button></div>";
  if (!v.reproducer.empty()) {
    h << "<div class=\"muted\">reproducer: <span class=\"mono\">"
      << H(v.reproducer) << "</span> · scenario file: <span class=\"mono\">"
      << H(v.scenario_file) << "</span></div>";
  }
  Trace(h, v);
  if (v.mode == "exec") {
    // A program, not the engine: no catalog, WAL or engine recovery result
    // to show; what the power cut took and the program's steps instead.
    Loss(h, v);
    Files(h, v);
    Faults(h, v);
    ProgramRun(h, v);
    h << "</div></details>";
    return h.str();
  }
  Files(h, v);
  Loss(h, v);
  h << "<div class=\"grid2\">";
  CatalogDiffBlock(h, v);
  StateDiffBlock(h, v);
  h << "</div>";
  Wal(h, v);
  CheckpointFilesTable(h, v);
  Faults(h, v);
  if (!v.recovery_result.is_null() &&
      !(v.recovery_result.is_object() && v.recovery_result.empty())) {
    h << "<h3>Engine recovery result</h3><pre class=\"json\">"
      << H(faultfs::DumpJson(v.recovery_result, 2)) << "</pre>";
  }
  h << "</div></details>";
  return h.str();
}

}  // namespace crashlab::reports
