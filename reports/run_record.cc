// RunRecord -> JSON, plus the small derived computations. The reading side is
// in run_record_read.cc. Every field is always emitted (null for an absent
// optional), so report.schema.json can require all of them.

#include "reports/run_record.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace crashlab::reports {

using nlohmann::json;

std::string Shard::ToString() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

Result<Shard> Shard::Parse(const std::string& text) {
  auto slash = text.find('/');
  Shard s;
  auto parse = [](std::string_view part, uint32_t* out) {
    auto [p, ec] =
        std::from_chars(part.data(), part.data() + part.size(), *out);
    return ec == std::errc() && p == part.data() + part.size() && !part.empty();
  };
  std::string_view t(text);
  if (slash == std::string::npos || !parse(t.substr(0, slash), &s.index) ||
      !parse(t.substr(slash + 1), &s.count) || s.count == 0 || s.index == 0 ||
      s.index > s.count) {
    return Status::BadInput(
        "shard", "expected I/N with 1 <= I <= N, got \"" + text + "\"");
  }
  return s;
}

std::string VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kError:
      return "error";
  }
  return "error";
}

bool ScenarioResult::expectation_met() const {
  if (verdict == Verdict::kError) return false;
  std::set<std::string> violated_ids;
  for (const auto& inv : invariants) {
    if (inv.violated > 0) violated_ids.insert(inv.id);
  }
  if (expected.verdict == Verdict::kPass) return violated_ids.empty();
  std::set<std::string> want(expected.violated.begin(),
                             expected.violated.end());
  return violated_ids == want;
}

bool ScenarioResult::nothing_unexpected() const {
  if (verdict == Verdict::kError) return false;
  for (const auto& inv : invariants) {
    if (inv.violated == 0) continue;
    if (expected.verdict == Verdict::kPass) return false;
    if (std::find(expected.violated.begin(), expected.violated.end(), inv.id) ==
        expected.violated.end())
      return false;
  }
  return true;
}

bool ScenarioResult::expectation_deferred(const Shard& shard) const {
  return shard.count > 1 && !expectation_met() && nothing_unexpected();
}

Totals ComputeTotals(const RunRecord& record) {
  Totals t;
  for (const auto& s : record.scenarios) {
    ++t.scenarios;
    if (s.verdict == Verdict::kPass) ++t.passed;
    if (s.verdict == Verdict::kFail) ++t.failed;
    if (s.verdict == Verdict::kError) ++t.errors;
    if (!s.expectation_met()) ++t.expectation_unmet;
    t.crash_points += s.crash_points_explored();
    t.crash_states += s.crash_states;
    t.distinct_images += s.distinct_images;
    t.recoveries += s.recoveries;
    t.nested_crashes += s.nested_crashes;
    t.checks += s.checks;
  }
  t.violations = record.violations.size();
  return t;
}

bool AllExpectationsMet(const RunRecord& record) {
  return std::all_of(
      record.scenarios.begin(), record.scenarios.end(),
      [](const ScenarioResult& s) { return s.expectation_met(); });
}

std::string VerdictTag(const ScenarioResult& s, const Shard& shard) {
  if (!s.error.empty() || s.verdict == Verdict::kError) return "ERROR";
  if (s.expectation_met())
    return s.expected.violated.empty() ? "PASS" : "CAUGHT";
  return s.expectation_deferred(shard) ? "DEFER" : "FAIL";
}

bool RunPasses(const RunRecord& record) {
  if (record.run.shard.count <= 1) return AllExpectationsMet(record);
  return std::all_of(
      record.scenarios.begin(), record.scenarios.end(),
      [](const ScenarioResult& s) { return s.nothing_unexpected(); });
}

namespace {

json Opt(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}
json Opt(const std::optional<uint64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

json ToJson(const RunInfo& r) {
  return {
      {"crashlab_version", r.crashlab_version},
      {"commit", r.commit.empty() ? json(nullptr) : json(r.commit)},
      {"seed", r.seed},
      {"modes", r.modes},
      {"shard", r.shard.ToString()},
      {"machine",
       {{"hostname", r.machine.hostname},
        {"kernel", r.machine.kernel},
        {"cores", r.machine.cores}}},
      {"started", r.started},
      {"finished", r.finished},
      {"duration_seconds", r.duration_seconds},
  };
}

json ToJson(const Totals& t) {
  return {{"scenarios", t.scenarios},
          {"passed", t.passed},
          {"failed", t.failed},
          {"errors", t.errors},
          {"expectation_unmet", t.expectation_unmet},
          {"crash_points", t.crash_points},
          {"crash_states", t.crash_states},
          {"distinct_images", t.distinct_images},
          {"recoveries", t.recoveries},
          {"nested_crashes", t.nested_crashes},
          {"checks", t.checks},
          {"violations", t.violations}};
}

json ToJson(const TraceOp& o) {
  return {{"index", o.index},   {"op", o.op},
          {"path", o.path},     {"path2", o.path2},
          {"offset", o.offset}, {"length", o.length},
          {"result", o.result}, {"persistence_point", o.persistence_point},
          {"fault", o.fault}};
}

json ToJson(const FaultEvent& f) {
  return {{"index", f.index},      {"op", f.op},         {"path", f.path},
          {"offset", f.offset},    {"length", f.length}, {"kind", f.kind},
          {"errno", f.errno_name}, {"detail", f.detail}};
}

json ToJson(const std::vector<CatalogEntry>& entries) {
  json a = json::array();
  for (const auto& e : entries)
    a.push_back({{"id", e.id}, {"detail", e.detail}});
  return a;
}

json ToJson(const WalView& w) {
  json acked = json::array();
  for (const auto& a : w.acknowledged)
    acked.push_back({{"seq", a.seq}, {"op", a.op}, {"key", a.key}});
  return {{"issued", w.issued},
          {"acknowledged", acked},
          {"recovered_prefix", Opt(w.recovered_prefix)}};
}

json ToJson(const FileImage& f) {
  return {{"exists", f.exists},
          {"kind", f.kind},
          {"size", f.size},
          {"digest", f.digest}};
}

json ToJson(const StateDiff& d) {
  json diffs = json::array();
  for (const auto& k : d.differences) {
    diffs.push_back({{"key", k.key},
                     {"expected", Opt(k.expected)},
                     {"recovered", Opt(k.recovered)}});
  }
  return {{"matching", d.matching}, {"differences", diffs}};
}

}  // namespace

json ToJson(const ScenarioResult& s) {
  json invariants = json::array();
  for (const auto& i : s.invariants) {
    invariants.push_back(
        {{"id", i.id}, {"held", i.held}, {"violated", i.violated}});
  }
  return {
      {"file", s.file},
      {"name", s.name},
      {"mode", s.mode},
      {"verdict", VerdictName(s.verdict)},
      {"error", s.error.empty() ? json(nullptr) : json(s.error)},
      {"expected",
       {{"verdict", VerdictName(s.expected.verdict)},
        {"violated", s.expected.violated}}},
      {"expectation_met", s.expectation_met()},
      {"crash_points_explored", s.crash_points_explored()},
      {"crash_points", s.crash_points},
      {"crash_states_explored", s.crash_states},
      {"distinct_images", s.distinct_images},
      {"recoveries", s.recoveries},
      {"nested_crashes", s.nested_crashes},
      {"checks", s.checks},
      {"invariants", invariants},
      {"duration_seconds", s.duration_seconds},
      {"runs", s.runs},
  };
}

json ToJson(const Violation& v) {
  json trace = json::array();
  for (const auto& o : v.trace) trace.push_back(ToJson(o));
  json faults = json::array();
  for (const auto& f : v.faults) faults.push_back(ToJson(f));
  json files_per_ckpt = json::array();
  for (const auto& c : v.checkpoint_files) {
    files_per_ckpt.push_back({{"checkpoint", c.checkpoint},
                              {"kept", c.kept},
                              {"removed", c.removed},
                              {"missing", c.missing}});
  }
  json files = json::array();
  for (const auto& f : v.files) {
    files.push_back({{"path", f.path},
                     {"durable", ToJson(f.durable)},
                     {"visible", ToJson(f.visible)}});
  }
  return {
      {"scenario_file", v.scenario_file},
      {"scenario", v.scenario},
      {"mode", v.mode},
      {"invariant", v.invariant},
      {"message", v.message},
      {"crash_point", v.crash_point},
      {"crash_mode", v.crash_mode},
      {"trace", trace},
      {"faults", faults},
      {"catalog",
       {{"expected", ToJson(v.catalog_expected)},
        {"recovered", ToJson(v.catalog_recovered)}}},
      {"wal", ToJson(v.wal)},
      {"checkpoint_files", files_per_ckpt},
      {"files", files},
      {"state", ToJson(v.state)},
      {"recovery_result", v.recovery_result},
      {"loss", v.loss},
      {"reproducer", v.reproducer},
      {"reproduce_command", v.reproduce_command},
  };
}

json ToJson(const RunRecord& record) {
  json scenarios = json::array();
  for (const auto& s : record.scenarios) scenarios.push_back(ToJson(s));
  json violations = json::array();
  for (const auto& v : record.violations) violations.push_back(ToJson(v));
  return {
      {"format", kFormatName},     {"format_version", record.format_version},
      {"run", ToJson(record.run)}, {"summary", ToJson(ComputeTotals(record))},
      {"scenarios", scenarios},    {"violations", violations},
  };
}

}  // namespace crashlab::reports
