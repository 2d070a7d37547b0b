#include "harness/exec/exec_record.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "harness/scenario/exec_scenario.h"
#include "harness/scenario/scenario_writer.h"

namespace crashlab::harness {
namespace {

using nlohmann::json;

bool Counted(const ExecResult& r, size_t run_index) {
  return run_index > 0 || r.count_first_run;
}

std::set<std::string> ViolatedIds(const ExecResult& r, const ExecRun& run) {
  std::set<std::string> out;
  for (const auto& id : r.scenario.invariants) {
    if (run.Violated(id).value_or(false)) out.insert(id);
  }
  return out;
}

reports::TraceOp ToTraceOp(const json& e) {
  reports::TraceOp o;
  o.index = e.value("index", uint64_t{0});
  o.op = e.value("op", "");
  o.path = e.value("path", "");
  o.path2 = e.value("path2", "");
  o.offset = e.value("offset", uint64_t{0});
  o.length = e.value("length", uint64_t{0});
  o.result = e.value("result", "ok");
  o.persistence_point = e.value("persistence_point", false);
  o.fault = e.value("fault", "");
  return o;
}

reports::FaultEvent ToFaultEvent(const json& f) {
  reports::FaultEvent e;
  e.index = f.value("op_index", uint64_t{0});
  e.op = f.value("op", "");
  e.path = f.value("path", "");
  e.offset = f.value("offset", uint64_t{0});
  e.length = f.value("length", uint64_t{0});
  e.kind = f.value("action", "");
  e.errno_name = f.contains("errno") && f["errno"].is_string()
                     ? f["errno"].get<std::string>()
                     : "";
  e.detail = f.value("detail", "");
  return e;
}

}  // namespace

json ExecRunToJson(const ExecRun& run) {
  json steps = json::array();
  for (const auto& o : run.steps) {
    json s = {{"step", o.step},
              {"op", o.op},
              {"outcome", o.outcome},
              {"detail", o.detail},
              {"ops", {o.ops_begin, o.ops_end}},
              {"seconds", o.seconds}};
    if (!o.name.empty()) s["name"] = o.name;
    if (!o.command.empty()) {
      s["command"] = o.command;
      s["exit_code"] = o.exit_code >= 0 ? json(o.exit_code) : json(nullptr);
      s["timed_out"] = o.timed_out;
      s["stdout"] = o.out;
      s["stderr"] = o.err;
    }
    if (o.op == "check") {
      s["invariant"] = o.invariant;
      s["violated"] = o.violated;
    }
    steps.push_back(std::move(s));
  }
  return {
      {"run", run.label},
      {"crash_point", run.crash_point ? json(*run.crash_point) : json(nullptr)},
      {"crash_mode",
       run.crash_mode.empty() ? json(nullptr) : json(run.crash_mode)},
      {"power_cut_after_op",
       run.crash_after ? json(*run.crash_after) : json(nullptr)},
      {"power_cut", run.crash},
      {"ops", run.ops},
      {"notes", run.notes},
      {"error", run.error.empty() ? json(nullptr) : json(run.error)},
      {"steps", steps},
      {"seconds", run.seconds}};
}

reports::ScenarioResult ToExecScenarioResult(const ExecResult& r) {
  reports::ScenarioResult s;
  s.file = r.scenario.file;
  s.name = r.scenario.name;
  s.mode = "exec";
  s.expected.verdict = r.scenario.expect_violated.empty()
                           ? reports::Verdict::kPass
                           : reports::Verdict::kFail;
  s.expected.violated = r.scenario.expect_violated;
  s.duration_seconds = r.seconds;
  for (const auto& id : r.scenario.invariants)
    s.invariants.push_back(reports::InvariantCount{.id = id});
  std::set<uint64_t> points;
  s.runs = json::array();
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const ExecRun& run = r.runs[i];
    s.runs.push_back(ExecRunToJson(run));
    if (!Counted(r, i)) continue;
    ++s.crash_states;
    if (run.crash_after) points.insert(*run.crash_after);
    for (auto& c : s.invariants) {
      auto v = run.Violated(c.id);
      if (!v) continue;
      if (*v)
        ++c.violated;
      else
        ++c.held;
    }
  }
  s.crash_points.assign(points.begin(), points.end());
  bool violated = std::any_of(
      s.invariants.begin(), s.invariants.end(),
      [](const reports::InvariantCount& c) { return c.violated > 0; });
  s.verdict = violated ? reports::Verdict::kFail : reports::Verdict::kPass;
  if (!r.error.empty()) {
    s.verdict = reports::Verdict::kError;
    s.error = r.error;
  } else if (r.stopped) {
    s.verdict = reports::Verdict::kError;
    s.error = "stopped early (--fail-fast): not every crash point was run";
  }
  return s;
}

Scenario MakeExecReproducer(const ExecResult& result, const ExecRun& run) {
  Scenario sc = result.scenario;
  sc.file.clear();
  sc.seed = result.seed;
  std::set<std::string> expect = ViolatedIds(result, result.runs.front());
  if (run.crash_point) {
    sc.crash_points = CrashPoints{.strategy = CrashPointStrategy::kList,
                                  .ops = {*run.crash_point}};
    sc.crash_modes = {run.crash_mode};
    auto more = ViolatedIds(result, run);
    expect.insert(more.begin(), more.end());
  } else {
    sc.crash_points = ExecNoCrashPoints();
    sc.crash_modes = {"drop"};
  }
  sc.expect_violated.clear();
  for (const auto& id : sc.invariants) {
    if (expect.count(id)) sc.expect_violated.push_back(id);
  }
  if (!sc.expect_violated.empty()) {
    sc.reproduce = ReproTarget{
        .crash_point = run.crash_after.value_or(0),
        .crash_mode = run.crash_mode.empty() ? "drop" : run.crash_mode,
        .invariant = *ViolatedIds(result, run).begin()};
  }
  sc.description = "Reproducer: " + run.label + " of exec scenario " +
                   result.scenario.name + " (" +
                   (run.crash.empty() ? "no power cut" : run.crash) +
                   "). Run: crashlab run --mode fuse FILE";
  return sc;
}

std::string ExecReproducerFileName(const ExecResult& result,
                                   const ExecRun& run) {
  std::string name = result.scenario.name;
  for (auto& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' &&
        ch != '_' && ch != '.')
      ch = '_';
  }
  if (!run.crash_point) return name + "--as-written.json";
  std::string mode = run.crash_mode;
  std::replace(mode.begin(), mode.end(), ':', '-');
  return name + "--p" + std::to_string(*run.crash_point) + "-" + mode + ".json";
}

void AddExecResult(const ExecResult& result, const std::string& repro_dir,
                   reports::RunRecord* record,
                   std::vector<std::string>* errors) {
  record->scenarios.push_back(ToExecScenarioResult(result));
  for (size_t i = 0; i < result.runs.size(); ++i) {
    const ExecRun& run = result.runs[i];
    if (!Counted(result, i)) continue;
    auto ids = ViolatedIds(result, run);
    if (ids.empty()) continue;
    std::string path;
    if (!repro_dir.empty()) {
      path = (std::filesystem::path(repro_dir) /
              ExecReproducerFileName(result, run))
                 .string();
      std::error_code ec;
      std::filesystem::create_directories(repro_dir, ec);
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f << WriteScenario(MakeExecReproducer(result, run));
      if (!f) errors->push_back("cannot write reproducer " + path);
    }
    for (const auto& id : result.scenario.invariants) {
      if (!ids.count(id)) continue;
      reports::Violation v;
      v.scenario_file = result.scenario.file;
      v.scenario = result.scenario.name;
      v.mode = "exec";
      v.invariant = id;
      std::string message;
      run.Violated(id, &message);
      v.message = run.label + ": " + message;
      v.crash_point = run.crash_after.value_or(run.ops ? run.ops - 1 : 0);
      v.crash_mode = run.crash_mode.empty()
                         ? "drop"
                         : run.crash_mode;  // no power cut: the state as left
      for (const auto& e : run.trace) v.trace.push_back(ToTraceOp(e));
      for (const auto& f : run.faults) v.faults.push_back(ToFaultEvent(f));
      v.recovery_result = ExecRunToJson(run);
      v.loss = run.loss;
      v.reproducer = path;
      if (!path.empty())
        v.reproduce_command = "crashlab run --mode fuse " + path;
      record->violations.push_back(std::move(v));
    }
  }
}

}  // namespace crashlab::harness
