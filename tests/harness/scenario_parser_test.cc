// The scenario parser: good files parse; every error names file, line,
// column and the field.
#include "harness/scenario/scenario_parser.h"

#include <gtest/gtest.h>

#include "harness/scenario/crash_mode_list.h"
#include "harness/scenario/invariant_ids.h"
#include "harness/scenario/scenario_files.h"
#include "harness/scenario/scenario_writer.h"

namespace crashlab::harness {
namespace {

constexpr const char* kGood = R"({
  "name": "good",
  "seed": 7,
  "engine": {"wal_group_size": 4, "unsafe": ["skip-verify"]},
  "faults": [{"op": "fsync", "path": "wal/*.log", "action": "error", "errno": "EIO", "nth": 2}],
  "workload": [
    {"op": "put", "count": 3, "value_size": 10},
    {"op": "put", "key": "a", "value": "1"},
    {"op": "delete", "key": "a"},
    {"op": "sync"},
    {"op": "checkpoint", "kind": "full"},
    {"op": "set_offset", "source": "s", "offset": 5},
    {"op": "set_watermark", "watermark": 3},
    {"op": "inject", "rule": {"op": "rename", "path": "**/CATALOG.json.tmp", "action": "error_after", "nth": 1}},
    {"op": "clear"},
    {"op": "gc"},
    {"op": "crash", "mode": "prefix:2"},
    {"op": "recover"}
  ],
  "crash_points": {"strategy": "sample", "count": 5, "seed": 3, "steps": [0, 4]},
  "crash_modes": ["drop", "prefix", "torn:4", "random"],
  "recovery": {"crash_points": "every-op", "crash_modes": ["drop", "random:2"]},
  "invariants": ["acknowledged-durable", "missing-state-detected"],
  "expect": ["missing-state-detected"]
})";

InputError OnlyError(const std::string& text) {
  ParseOutcome p = ParseScenario(text, "t.json");
  EXPECT_EQ(p.errors.size(), 1u) << JoinErrors(p.errors);
  return p.errors.empty() ? InputError{} : p.errors.front();
}

TEST(ScenarioParser, ParsesEveryField) {
  ParseOutcome p = ParseScenario(kGood, "good.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  const Scenario& s = p.scenario;
  EXPECT_EQ(s.name, "good");
  EXPECT_EQ(s.file, "good.json");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.engine.wal_group_size, 4u);
  EXPECT_EQ(s.engine.unsafe, std::vector<std::string>{"skip-verify"});
  ASSERT_EQ(s.workload.size(), 12u);
  EXPECT_EQ(s.workload[0].count, 3u);
  EXPECT_EQ(s.workload[1].key.value(), "a");
  EXPECT_EQ(s.workload[10].crash_mode, "prefix:2");
  EXPECT_EQ(s.crash_points.strategy, CrashPointStrategy::kSample);
  EXPECT_EQ(s.crash_points.steps, (std::vector<uint64_t>{0, 4}));
  EXPECT_EQ(s.recovery.crash_points.strategy, CrashPointStrategy::kEveryOp);
  EXPECT_EQ(s.recovery.crash_modes,
            (std::vector<std::string>{"drop", "random:2"}));
  EXPECT_EQ(s.expect_violated,
            std::vector<std::string>{"missing-state-detected"});
}

TEST(ScenarioParser, WriterRoundTrips) {
  ParseOutcome p = ParseScenario(kGood, "good.json");
  ASSERT_TRUE(p.ok());
  ParseOutcome q = ParseScenario(WriteScenario(p.scenario), "good.json");
  ASSERT_TRUE(q.ok()) << JoinErrors(q.errors);
  EXPECT_EQ(q.scenario, p.scenario);
}

TEST(ScenarioParser, DefaultsToAllInvariants) {
  ParseOutcome p = ParseScenario(
      R"({"name": "x", "workload": [{"op": "sync"}], "expect": "pass"})",
      "x.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  EXPECT_EQ(p.scenario.invariants, AllInvariantIds());
}

TEST(ScenarioParser, SyntaxErrorHasLineAndColumn) {
  InputError e = OnlyError("{\n  \"name\": \"x\",\n  \"workload\": [,]\n}");
  EXPECT_EQ(e.file, "t.json");
  EXPECT_EQ(e.line, 3u);
  EXPECT_GE(e.column, 15u);
  EXPECT_NE(e.message.find("syntax error"), std::string::npos) << e.ToString();
}

// Issue 15: nesting is refused before any recursion, with a position.
TEST(ScenarioParser, DeepNestingIsANamedErrorNotACrash) {
  std::string deep =
      "{\"name\": \"x\", \"workload\": " + std::string(100000, '[') +
      std::string(100000, ']') + "}";
  InputError e = OnlyError(deep);
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.column, 90u);  // level 65: the 64th [ (the outer { is level 1)
  EXPECT_NE(e.message.find("nesting deeper than 64"), std::string::npos)
      << e.ToString();
}

TEST(ScenarioParser, WorkloadVolumeIsBounded) {
  InputError e = OnlyError(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"put\", \"count\": "
      "1000000, \"value_size\": 1048576}], \"expect\": \"pass\"}");
  EXPECT_EQ(e.field, "/workload/0");
  EXPECT_NE(e.message.find("at most 268435456 per step"), std::string::npos)
      << e.ToString();
  std::string many = "{\"name\": \"x\", \"workload\": [";
  for (int i = 0; i < 5; ++i)
    many += std::string(i ? "," : "") +
            "{\"op\": \"put\", \"count\": 250, \"value_size\": 1048576}";
  many += "], \"expect\": \"pass\"}";
  InputError total = OnlyError(many);
  EXPECT_EQ(total.field, "/workload/4");
  EXPECT_NE(total.message.find("in all"), std::string::npos)
      << total.ToString();
}

TEST(ScenarioParser, UnknownFieldNamesItsPointer) {
  InputError e = OnlyError(
      "{\"name\": \"x\",\n \"workload\": [\n  {\"op\": \"put\", \"cout\": 3}\n "
      "],\n \"expect\": \"pass\"}");
  EXPECT_EQ(e.field, "/workload/0/cout");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 25u);  // the value of the unknown field
  EXPECT_EQ(e.ToString(),
            "t.json:3:25: /workload/0/cout: unknown field 'cout'");
}

TEST(ScenarioParser, WrongTypeAndRange) {
  InputError e = OnlyError(
      "{\"name\": \"x\", \"engine\": {\"wal_group_size\": \"four\"}, "
      "\"workload\": [{\"op\": \"sync\"}], \"expect\": \"pass\"}");
  EXPECT_EQ(e.field, "/engine/wal_group_size");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.column, 44u);
  InputError r = OnlyError(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"put\", \"count\": 0}], "
      "\"expect\": \"pass\"}");
  EXPECT_EQ(r.field, "/workload/0/count");
  EXPECT_NE(r.message.find("1.."), std::string::npos);
}

TEST(ScenarioParser, UnknownUnsafeModeListsKnownOnes) {
  InputError e = OnlyError(
      "{\"name\": \"x\",\n\"engine\": {\"unsafe\": "
      "[\"skip-fsync\"]},\n\"workload\": [{\"op\": \"sync\"}], \"expect\": "
      "\"pass\"}");
  EXPECT_EQ(e.field, "/engine/unsafe/0");
  EXPECT_EQ(e.line, 2u);
  EXPECT_NE(e.message.find("skip-dir-fsync"), std::string::npos);
}

TEST(ScenarioParser, FaultRuleErrorPointsAtTheRuleField) {
  InputError e = OnlyError(
      "{\"name\": \"x\", \"workload\": [\n"
      "  {\"op\": \"inject\", \"rule\": {\"op\": \"fsync\", \"action\": "
      "\"error\", \"errno\": \"EFOO\"}}\n"
      "], \"expect\": \"pass\"}");
  EXPECT_EQ(e.field, "/workload/0/rule/errno");
  EXPECT_EQ(e.line, 2u);
  EXPECT_NE(e.message.find("EFOO"), std::string::npos) << e.ToString();
}

TEST(ScenarioParser, EngineStepAfterCrashNeedsRecover) {
  InputError e = OnlyError(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"crash\"}, {\"op\": "
      "\"put\"}], \"expect\": \"pass\"}");
  EXPECT_EQ(e.field, "/workload/1/op");
  EXPECT_NE(e.message.find("recover"), std::string::npos);
}

TEST(ScenarioParser, ExpectedInvariantMustBeChecked) {
  InputError e = OnlyError(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"sync\"}], \"invariants\": "
      "[\"acknowledged-durable\"],"
      " \"expect\": [\"no-orphan-deletion\"]}");
  EXPECT_EQ(e.field, "/expect/0");
}

TEST(ScenarioParser, MissingRequiredFieldsPointAtTheParent) {
  ParseOutcome p = ParseScenario("{\n  \"workload\": []\n}", "t.json");
  ASSERT_EQ(p.errors.size(), 3u)
      << JoinErrors(p.errors);  // name, empty workload, expect
  for (const auto& e : p.errors) {
    EXPECT_EQ(e.file, "t.json");
    EXPECT_GE(e.line, 1u);
    EXPECT_GE(e.column, 1u);
    EXPECT_FALSE(e.field.empty());
  }
}

TEST(ScenarioParser, BadCrashModeAndStrategy) {
  ParseOutcome p = ParseScenario(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"sync\"}], \"crash_points\": "
      "\"every-other-op\","
      " \"crash_modes\": [\"drop\", \"prefix:x\"], \"expect\": \"pass\"}",
      "t.json");
  ASSERT_EQ(p.errors.size(), 2u) << JoinErrors(p.errors);
  EXPECT_EQ(p.errors[0].field, "/crash_points");
  EXPECT_EQ(p.errors[1].field, "/crash_modes/1");
}

TEST(ScenarioParser, BadRecoveryCrashModeNamesItsPointer) {
  ParseOutcome p = ParseScenario(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"sync\"}],"
      " \"recovery\": {\"crash_modes\": [\"drop\", \"torn:0\", \"drop\"]},"
      " \"expect\": \"pass\"}",
      "t.json");
  ASSERT_EQ(p.errors.size(), 2u) << JoinErrors(p.errors);
  EXPECT_EQ(p.errors[0].field, "/recovery/crash_modes/1");
  EXPECT_EQ(p.errors[1].field, "/recovery/crash_modes/2");
  EXPECT_NE(p.errors[1].message.find("listed twice"), std::string::npos)
      << p.errors[1].message;
  ParseOutcome empty = ParseScenario(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"sync\"}],"
      " \"recovery\": {\"crash_modes\": []}, \"expect\": \"pass\"}",
      "t.json");
  ASSERT_EQ(empty.errors.size(), 1u) << JoinErrors(empty.errors);
  EXPECT_EQ(empty.errors[0].field, "/recovery/crash_modes");
}

TEST(ScenarioParser, ShippedSuiteIsValid) {
  std::vector<InputError> errors;
  auto files = CollectScenarioFiles({"scenarios"}, &errors);
  auto scenarios = LoadScenarios(files, &errors);
  EXPECT_TRUE(errors.empty()) << JoinErrors(errors);
  EXPECT_GE(scenarios.size(), 20u);
}

// torn:N / random:N are N draws per crash point, each its own seed; torn@S /
// random@S the one draw S; "torn" / "random" keep the seed they always had.
TEST(CrashModeList, CountSpecsGiveThatManyDrawsPerPoint) {
  using faultfs::CrashMode;
  auto three = ExpandCrashModes({"random:3"}, 5, true, 11, 4);
  ASSERT_EQ(three.size(), 3u);
  for (const auto& m : three) EXPECT_EQ(m.kind, CrashMode::Kind::kRandom);
  EXPECT_NE(three[0], three[1]);
  EXPECT_NE(three[1], three[2]);
  auto one = ExpandCrashModes({"random"}, 5, true, 11, 4);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], three[0]);
  EXPECT_EQ(ExpandCrashModes({"random:1"}, 5, true, 11, 4), one);
  // Another point draws other seeds.
  EXPECT_NE(ExpandCrashModes({"random:3"}, 5, true, 11, 5)[0], three[0]);
  auto torn = ExpandCrashModes({"torn:4"}, 5, true, 11, 4);
  ASSERT_EQ(torn.size(), 4u);
  for (const auto& m : torn) EXPECT_EQ(m.kind, CrashMode::Kind::kTorn);
  EXPECT_EQ(torn[0], ExpandCrashModes({"torn"}, 5, true, 11, 4)[0]);
  // torn needs a pending write.
  EXPECT_EQ(ExpandCrashModes({"torn:4"}, 5, false, 11, 4),
            std::vector<CrashMode>{CrashMode::Drop()});
  EXPECT_EQ(
      ExpandCrashModes({"random@42", "torn@7"}, 5, true, 11, 4),
      (std::vector<CrashMode>{CrashMode::Random(42), CrashMode::Torn(7)}));
}

TEST(CrashModeList, SpecForModeSelectsExactlyThatMode) {
  using faultfs::CrashMode;
  for (CrashMode m : {CrashMode::Drop(), CrashMode::Prefix(2),
                      CrashMode::Torn(123456), CrashMode::Random(99)}) {
    std::string spec = SpecForMode(m);
    EXPECT_EQ(CheckCrashModeSpec(spec), "") << spec;
    EXPECT_EQ(ExpandCrashModes({spec}, 3, true, 5, 9),
              std::vector<CrashMode>{m})
        << spec;
  }
}

TEST(CrashModeList, CountsAreBounded) {
  EXPECT_EQ(CheckCrashModeSpec("random:10000"), "");
  EXPECT_NE(CheckCrashModeSpec("random:0"), "");
  EXPECT_NE(CheckCrashModeSpec("torn:10001"), "");
  EXPECT_NE(CheckCrashModeSpec("prefix:0"), "");
  EXPECT_NE(CheckCrashModeSpec("random:99999999999999999999999"), "");
  EXPECT_NE(CheckCrashModeSpec("random@x"), "");
  EXPECT_NE(CheckCrashModeSpec("torn@9223372036854775808"), "");
  ParseOutcome p = ParseScenario(
      "{\"name\": \"x\", \"workload\": [{\"op\": \"sync\"}], "
      "\"crash_modes\": [\"drop\", \"prefix:0\"], \"expect\": \"pass\"}",
      "t.json");
  ASSERT_EQ(p.errors.size(), 1u) << JoinErrors(p.errors);
  EXPECT_EQ(p.errors[0].field, "/crash_modes/1");
  EXPECT_NE(p.errors[0].message.find("1..10000"), std::string::npos)
      << p.errors[0].message;
}

}  // namespace
}  // namespace crashlab::harness
