#include "harness/scenario/scenario_writer.h"

#include "faultfs/json_util.h"
#include "harness/scenario/exec_scenario.h"

namespace crashlab::harness {
namespace {

using nlohmann::ordered_json;

ordered_json RuleJson(const faultfs::FaultRule& r) {
  return ordered_json::parse(faultfs::DumpJson(r.ToJson()));
}

void CommandJson(const Step& s, ordered_json* j) {
  if (!s.shell.empty())
    (*j)["shell"] = s.shell;
  else
    (*j)["command"] = s.command;
  (*j)["timeout_ms"] = s.timeout_ms;
}

ordered_json StepJson(const Step& s) {
  ordered_json j;
  j["op"] = std::string(StepKindName(s.kind));
  Step d;  // defaults
  switch (s.kind) {
    case StepKind::kPut:
    case StepKind::kDelete:
      if (s.key) j["key"] = *s.key;
      if (s.value) j["value"] = *s.value;
      if (s.count != 1) j["count"] = s.count;
      if (!s.key) {
        if (s.key_size != d.key_size) j["key_size"] = s.key_size;
        if (s.kind == StepKind::kPut && s.value_size != d.value_size &&
            !s.value)
          j["value_size"] = s.value_size;
        if (s.kind == StepKind::kPut && s.key_space)
          j["key_space"] = s.key_space;
      }
      break;
    case StepKind::kCheckpoint:
      if (!s.checkpoint_kind.empty()) j["kind"] = s.checkpoint_kind;
      break;
    case StepKind::kSetOffset:
      j["source"] = s.source;
      j["offset"] = s.number;
      break;
    case StepKind::kSetWatermark:
      j["watermark"] = s.number;
      break;
    case StepKind::kCrash:
      j["mode"] = s.crash_mode;
      break;
    case StepKind::kInject:
      j["rule"] = RuleJson(s.rule);
      break;
    case StepKind::kExec:
      if (!s.name.empty()) j["name"] = s.name;
      CommandJson(s, &j);
      if (s.expect_exit != d.expect_exit) j["expect_exit"] = s.expect_exit;
      if (s.allow_failure) j["allow_failure"] = true;
      break;
    case StepKind::kCheck: {
      if (!s.name.empty()) j["name"] = s.name;
      // The parser derives "check:<name>" (or "check:step-<index>"); write
      // the id whenever it is not "check:<name>", so it survives reordering.
      if (s.name.empty() || s.invariant != "check:" + s.name)
        j["invariant"] = s.invariant;
      if (s.file_exists) {
        j["file_exists"] = *s.file_exists;
        if (s.content) j["content"] = *s.content;
        if (!s.content_sha256.empty()) j["content_sha256"] = s.content_sha256;
      } else if (s.file_absent) {
        j["file_absent"] = *s.file_absent;
      } else if (s.listing_dir) {
        j["listing"] =
            ordered_json{{"dir", s.listing_dir->empty() ? "." : *s.listing_dir},
                         {"entries", s.listing_entries}};
      } else {
        CommandJson(s, &j);
      }
      break;
    }
    default:
      break;
  }
  return j;
}

ordered_json CrashPointsJson(const CrashPoints& cp) {
  ordered_json j;
  switch (cp.strategy) {
    case CrashPointStrategy::kEveryOp:
      j["strategy"] = "every-op";
      break;
    case CrashPointStrategy::kEveryPersistencePoint:
      j["strategy"] = "every-persistence-point";
      break;
    case CrashPointStrategy::kList:
      j["strategy"] = "list";
      j["ops"] = cp.ops;
      break;
    case CrashPointStrategy::kSample:
      j["strategy"] = "sample";
      j["count"] = cp.count;
      if (cp.seed) j["seed"] = cp.seed;
      break;
  }
  if (!cp.steps.empty()) j["steps"] = cp.steps;
  return j;
}

}  // namespace

ordered_json ScenarioToJson(const Scenario& sc) {
  ordered_json j;
  j["name"] = sc.name;
  if (!sc.description.empty()) j["description"] = sc.description;
  j["seed"] = sc.seed;
  if (sc.modes != std::vector<std::string>{"sim", "fuse"})
    j["modes"] = sc.modes;
  if (sc.metadata != faultfs::MetadataModel::kStrict)
    j["metadata"] = std::string(faultfs::MetadataModelName(sc.metadata));
  const EngineSettings& e = sc.engine;
  EngineSettings d;
  ordered_json eng = ordered_json::object();
  if (e.max_retained != d.max_retained) eng["max_retained"] = e.max_retained;
  if (e.incremental != d.incremental) eng["incremental"] = e.incremental;
  if (e.max_delta_chain != d.max_delta_chain)
    eng["max_delta_chain"] = e.max_delta_chain;
  if (e.partitions != d.partitions) eng["partitions"] = e.partitions;
  if (e.wal_group_size != d.wal_group_size)
    eng["wal_group_size"] = e.wal_group_size;
  if (e.wal_segment_bytes != d.wal_segment_bytes)
    eng["wal_segment_bytes"] = e.wal_segment_bytes;
  if (e.gc_after_checkpoint != d.gc_after_checkpoint)
    eng["gc_after_checkpoint"] = e.gc_after_checkpoint;
  if (e.startup_gc != d.startup_gc) eng["startup_gc"] = e.startup_gc;
  if (e.fallback != d.fallback) eng["fallback"] = e.fallback;
  if (!e.unsafe.empty()) eng["unsafe"] = e.unsafe;
  if (!eng.empty()) j["engine"] = eng;
  if (!sc.faults.empty()) {
    j["faults"] = ordered_json::array();
    for (const auto& r : sc.faults) j["faults"].push_back(RuleJson(r));
  }
  j["workload"] = ordered_json::array();
  for (const auto& s : sc.workload) j["workload"].push_back(StepJson(s));
  if (!sc.has_exec() || HasExecCrashPoints(sc)) {
    j["crash_points"] = CrashPointsJson(sc.crash_points);
    j["crash_modes"] = sc.crash_modes;
  }
  RecoverySettings rd;
  if (sc.recovery != rd) {
    ordered_json r;
    if (!sc.recovery.faults.empty()) {
      r["faults"] = ordered_json::array();
      for (const auto& f : sc.recovery.faults)
        r["faults"].push_back(RuleJson(f));
    }
    if (sc.recovery.crash_points != rd.crash_points)
      r["crash_points"] = CrashPointsJson(sc.recovery.crash_points);
    if (sc.recovery.crash_modes != rd.crash_modes)
      r["crash_modes"] = sc.recovery.crash_modes;
    j["recovery"] = r;
  }
  if (!sc.has_exec())
    j["invariants"] = sc.invariants;  // an exec scenario's are its checks' ids
  if (sc.expect_violated.empty())
    j["expect"] = "pass";
  else
    j["expect"] = sc.expect_violated;
  if (sc.reproduce) {
    j["reproduce"] = ordered_json{{"crash_point", sc.reproduce->crash_point},
                                  {"crash_mode", sc.reproduce->crash_mode},
                                  {"invariant", sc.reproduce->invariant}};
  }
  return j;
}

std::string WriteScenario(const Scenario& scenario) {
  return faultfs::DumpJson(ScenarioToJson(scenario), 2) + "\n";
}

}  // namespace crashlab::harness
