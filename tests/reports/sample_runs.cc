#include "tests/reports/sample_runs.h"

#include <algorithm>

#include "reports/canonical.h"

namespace crashlab::reports::testing {

namespace {

const std::vector<std::string> kInvariants = {
    "no-phantom-checkpoint", "acknowledged-durable", "state-matches-oracle",
    "errors-not-crashes"};

RunInfo SampleRunInfo(std::vector<std::string> modes) {
  RunInfo r;
  r.crashlab_version = "0.1.0";
  r.commit = "3f9c2e1d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d";
  r.seed = 1234;
  r.modes = std::move(modes);
  r.machine = {"ci-runner-7", "Linux 6.1.0-18-amd64", 4};
  r.started = "2024-05-01T12:00:00Z";
  r.finished = "2024-05-01T12:00:42Z";
  r.duration_seconds = 42.5;
  return r;
}

ScenarioResult Scenario(std::string file, std::string name, std::string mode,
                        Expectation expected = {}) {
  ScenarioResult s;
  s.file = std::move(file);
  s.name = std::move(name);
  s.mode = std::move(mode);
  s.expected = std::move(expected);
  for (const auto& id : kInvariants) s.invariants.push_back({id, 0, 0});
  s.duration_seconds = 1.25;
  return s;
}

}  // namespace

Violation SampleViolation(const ScenarioResult& s, uint64_t point,
                          const std::string& mode,
                          const std::string& invariant) {
  Violation v;
  v.scenario_file = s.file;
  v.scenario = s.name;
  v.mode = s.mode;
  v.invariant = invariant;
  v.message =
      "checkpoint \"ckpt-000003\" is listed after recovery, but its commit "
      "<rename CATALOG.json.tmp → "
      "CATALOG.json> never became durable & the in-memory catalog was not "
      "rolled back";
  v.crash_point = point;
  v.crash_mode = mode;
  const char* ops[] = {"write",  "fsync",    "create", "write", "fsync",
                       "rename", "fsyncdir", "unlink", "write"};
  uint64_t first = point >= 4 ? point - 4 : 0;
  for (uint64_t i = first; i <= point + 4; ++i) {
    TraceOp op;
    op.index = i;
    op.op = ops[i % 9];
    op.path = op.op == "fsyncdir" ? "checkpoints"
                                  : "checkpoints/ckpt-000003/MANIFEST.json";
    if (op.op == "rename") {
      op.path = "checkpoints/CATALOG.json.tmp";
      op.path2 = "checkpoints/CATALOG.json";
    }
    if (op.op == "write") {
      op.offset = 4096 * (i % 3);
      op.length = 4096;
    }
    op.persistence_point = op.op == "fsync" || op.op == "fsyncdir";
    if (i == point) {
      op.fault = "error_after";
      op.result = "EIO";
    }
    v.trace.push_back(op);
  }
  v.faults.push_back(
      {point, "rename", "checkpoints/CATALOG.json.tmp", 0, 0, "error_after",
       "EIO",
       "rule 0: {\"op\":\"rename\",\"action\":\"error_after\",\"nth\":2}"});
  v.catalog_expected = {{"ckpt-000001", {{"epoch", 1}}},
                        {"ckpt-000002", {{"epoch", 2}}}};
  v.catalog_recovered = {{"ckpt-000001", {{"epoch", 1}}},
                         {"ckpt-000002", {{"epoch", 2}}},
                         {"ckpt-000003", {{"epoch", 3}}}};
  v.wal.issued = 12;
  v.wal.acknowledged = {{3, "put", "user:17"},
                        {7, "checkpoint", "ckpt-000002"},
                        {10, "put", "user:42"}};
  v.wal.recovered_prefix = 9;
  v.checkpoint_files = {
      {"ckpt-000002", {"state-0.snap", "MANIFEST.json"}, {}, {}},
      {"ckpt-000003", {"MANIFEST.json"}, {"state-0.delta"}, {"COMMITTED"}}};
  v.files = {{"checkpoints/CATALOG.json",
              {true, "file", 311, "sha256:9a1f00c2"},
              {true, "file", 402, "sha256:77be01d4"}},
             {"checkpoints/ckpt-000003/state-0.delta",
              {false, "", 0, ""},
              {true, "file", 8192, "sha256:c0ffee00"}}};
  v.state.matching = 41;
  v.state.differences = {
      {"user:42", std::string("v=\"42\" <acked>"), std::nullopt},
      {"user:43", std::nullopt, std::string("phantom")}};
  v.recovery_result = {{"status", "ok"},
                       {"checkpoint", "ckpt-000003"},
                       {"wal_records_replayed", 2},
                       {"torn_tail", false}};
  std::string slug =
      s.name + "-" + invariant + "-op" + std::to_string(point) + "-" + mode;
  std::replace(slug.begin(), slug.end(), ':', '_');
  v.reproducer = "crashlab-report/repro/" + slug + ".json";
  v.reproduce_command = "crashlab replay " + v.reproducer;
  return v;
}

RunSpec PassingSpec() {
  RunSpec spec;
  spec.run = SampleRunInfo({"sim"});
  spec.scenarios = {
      Scenario("scenarios/catalog.json", "catalog-rename-ok", "sim"),
      Scenario("scenarios/gc.json", "gc-keeps-shared-files", "sim"),
      Scenario("scenarios/wal.json", "torn-wal-tail", "sim")};
  for (size_t s = 0; s < spec.scenarios.size(); ++s) {
    for (uint64_t p = 0; p < 6; ++p) {
      spec.states.push_back({s, p, "drop", {}});
      spec.states.push_back({s, p, "prefix:1", {}});
    }
  }
  return spec;
}

RunSpec FailingSpec() {
  RunSpec spec;
  spec.run = SampleRunInfo({"sim", "exec"});
  spec.scenarios = {
      Scenario("scenarios/catalog.json", "phantom-after-failed-rename", "sim"),
      Scenario("scenarios/catalog.json", "catalog-rename-ok", "sim"),
      Scenario("scenarios/unsafe/skip_dir_fsync.json",
               "skip-dir-fsync-is-caught", "sim",
               {Verdict::kFail, {"acknowledged-durable"}}),
      Scenario("scenarios/gc.json", "gc-keeps-shared-files", "sim"),
      Scenario("scenarios/exec/kv.json", "kv-store <exec> & friends", "exec"),
  };
  spec.scenarios[4].verdict = Verdict::kError;
  spec.scenarios[4].error =
      "exec: ./bin/kv: No such file or directory (run `make kv` first)";
  spec.scenarios[4].invariants.clear();
  for (size_t s = 0; s < 4; ++s) {
    for (uint64_t p = 0; p < 8; ++p) {
      for (const char* mode : {"drop", "prefix:1", "torn"}) {
        CrashStateSpec st{s, p, mode, {}};
        if (s == 0 && p >= 5 && std::string(mode) != "torn")
          st.violated = {"no-phantom-checkpoint"};
        if (s == 2 && p % 3 == 1) st.violated = {"acknowledged-durable"};
        spec.states.push_back(st);
      }
    }
  }
  return spec;
}

RunSpec LargeSpec(size_t states, size_t violating_every) {
  RunSpec spec;
  spec.run = SampleRunInfo({"sim"});
  for (int i = 0; i < 40; ++i) {
    spec.scenarios.push_back(
        Scenario("scenarios/bulk_" + std::to_string(i / 10) + ".json",
                 "bulk-" + std::to_string(i), "sim"));
  }
  for (size_t k = 0; k < states; ++k) {
    CrashStateSpec st{k % spec.scenarios.size(),
                      k / spec.scenarios.size(),
                      k % 2 ? "drop" : "torn",
                      {}};
    if (violating_every > 0 && k % violating_every == 0)
      st.violated = {"state-matches-oracle"};
    spec.states.push_back(st);
  }
  return spec;
}

RunRecord BuildRun(const RunSpec& spec, Shard shard) {
  RunRecord r;
  r.run = spec.run;
  r.run.shard = shard;
  r.scenarios = spec.scenarios;
  for (size_t k = 0; k < spec.states.size(); ++k) {
    if (k % shard.count != shard.index - 1) continue;
    const CrashStateSpec& st = spec.states[k];
    ScenarioResult& s = r.scenarios[st.scenario];
    s.crash_points.push_back(st.point);
    ++s.crash_states;
    for (auto& inv : s.invariants) {
      bool violated = std::find(st.violated.begin(), st.violated.end(),
                                inv.id) != st.violated.end();
      if (violated) {
        ++inv.violated;
        r.violations.push_back(SampleViolation(s, st.point, st.mode, inv.id));
      } else {
        ++inv.held;
      }
    }
  }
  for (auto& s : r.scenarios) {
    bool any =
        std::any_of(s.invariants.begin(), s.invariants.end(),
                    [](const InvariantCount& c) { return c.violated > 0; });
    if (s.verdict != Verdict::kError)
      s.verdict = any ? Verdict::kFail : Verdict::kPass;
  }
  Canonicalize(&r);
  return r;
}

std::vector<RunRecord> BuildShards(const RunSpec& spec, uint32_t count) {
  std::vector<RunRecord> shards;
  for (uint32_t i = 1; i <= count; ++i) {
    RunRecord r = BuildRun(spec, {i, count});
    r.run.duration_seconds = 10.0 + i;  // timings differ per shard
    r.run.started = "2024-05-01T12:0" + std::to_string(i) + ":00Z";
    for (auto& s : r.scenarios) s.duration_seconds = 0.5 * i;
    shards.push_back(std::move(r));
  }
  return shards;
}

RunRecord ExecViolationRun(bool expected) {
  RunRecord r = BuildRun(PassingSpec());
  ScenarioResult s;
  s.file = "scenarios/examples/lmdb-like.json";
  s.name = "lmdb-like <no dir fsync>";
  s.mode = "exec";
  s.verdict = Verdict::kFail;
  if (expected) {
    s.expected.verdict = Verdict::kFail;
    s.expected.violated = {"acknowledged-durable"};
  }
  s.crash_points = {41};
  s.crash_states = 1;
  s.invariants = {{.id = "acknowledged-durable", .held = 0, .violated = 1}};
  nlohmann::json run = {
      {"run", "as written"},
      {"crash_point", nullptr},
      {"crash_mode", "drop"},
      {"power_cut_after_op", 41},
      {"power_cut", "crash step 2 (drop): power cut right after op 41"},
      {"ops", 60},
      {"notes", nlohmann::json::array()},
      {"error", nullptr},
      {"steps",
       {{{"step", 0},
         {"op", "exec"},
         {"name", "load"},
         {"outcome", "ok"},
         {"detail", "exit 0"},
         {"ops", {0, 42}},
         {"seconds", 0.1}},
        {{"step", 1},
         {"op", "check"},
         {"name", "commits-survive"},
         {"outcome", "violated"},
         {"detail", "exit 1: k1 missing"},
         {"ops", {42, 60}},
         {"seconds", 0.1},
         {"command", {"/bin/sh", "-c", "check"}},
         {"exit_code", 1},
         {"timed_out", false},
         {"stdout", "k1 missing <gone>"},
         {"stderr", ""},
         {"invariant", "acknowledged-durable"},
         {"violated", true}}}},
      {"seconds", 0.2}};
  s.runs = nlohmann::json::array({run});
  r.scenarios.push_back(s);
  Violation v;
  v.scenario_file = s.file;
  v.scenario = s.name;
  v.mode = "exec";
  v.invariant = "acknowledged-durable";
  v.message = "as written: exit 1: k1 missing";
  v.crash_point = 41;
  v.crash_mode = "drop";
  v.trace.push_back({.index = 41,
                     .op = "fsync",
                     .path = "db/data.mdb",
                     .persistence_point = true});
  v.recovery_result = run;
  v.loss = {{"mode", "drop"},
            {"pending", 3},
            {"kept", 0},
            {"files_omitted", 0},
            {"files",
             {{{"path", "db"},
               {"visible", true},
               {"type", "dir"},
               {"last_fsync", nullptr},
               {"dropped", nlohmann::json::array()},
               {"dropped_bytes", 0},
               {"ranges_omitted", 0},
               {"truncates_dropped", nlohmann::json::array()},
               {"rolled_back",
                {{{"op_index", 0},
                  {"op", "mkdir"},
                  {"path", "db"},
                  {"dest", nullptr},
                  {"missing_fsync_of", {"."}},
                  {"held_by", nullptr}}}}},
              {{"path", "db/data.mdb"},
               {"visible", true},
               {"type", "file"},
               {"last_fsync", 40},
               {"dropped", {{{"offset", 8192}, {"length", 4096}}}},
               {"dropped_bytes", 4096},
               {"ranges_omitted", 0},
               {"truncates_dropped", nlohmann::json::array()},
               {"rolled_back",
                {{{"op_index", 3},
                  {"op", "create"},
                  {"path", "db/data.mdb"},
                  {"dest", nullptr},
                  {"missing_fsync_of", {"db"}},
                  {"held_by", nullptr}}}}}}}};
  v.reproduce_command = "crashlab run --mode fuse repro/lmdb-like.json";
  r.violations.push_back(v);
  return r;
}

}  // namespace crashlab::reports::testing
