// Exec scenarios in the parser and the writer: exec and check steps, their
// built-ins, the derived invariants, crash points on daemon ops; every bad
// field is an error with file, line, column and pointer.
#include <gtest/gtest.h>

#include "harness/scenario/exec_scenario.h"
#include "harness/scenario/scenario_files.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/scenario/scenario_writer.h"

namespace crashlab::harness {
namespace {

constexpr const char* kExec = R"({
  "name": "exec-all-fields",
  "seed": 5,
  "faults": [{"op": "fsync", "path": "**", "action": "fsync_lie", "times": 1}],
  "workload": [
    {"op": "exec", "name": "make", "command": ["sh", "-c", "echo hi > f"], "timeout_ms": 500},
    {"op": "exec", "shell": "exit 3", "expect_exit": 3},
    {"op": "exec", "command": ["false"], "allow_failure": true},
    {"op": "sync"},
    {"op": "inject", "rule": {"op": "write", "path": "**", "action": "error", "errno": "EIO", "times": 1}},
    {"op": "clear"},
    {"op": "crash", "mode": "torn:3"},
    {"op": "check", "name": "f-there", "file_exists": "f", "content": "hi\n"},
    {"op": "check", "file_exists": "./d//g", "content_sha256": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
    {"op": "check", "name": "gone", "file_absent": "tmp", "invariant": "acknowledged-durable"},
    {"op": "check", "name": "root", "listing": {"dir": ".", "entries": ["f", "d"]}},
    {"op": "check", "name": "sub", "listing": {"dir": "d", "entries": []}},
    {"op": "check", "name": "cmd", "shell": "test -s f", "timeout_ms": 100, "invariant": "check:custom"}
  ],
  "crash_points": {"strategy": "list", "ops": [3, 9], "steps": [0, 1]},
  "crash_modes": ["drop", "torn"],
  "expect": ["check:gone-not", "acknowledged-durable"]
})";

std::string Fixed(std::string text, const std::string& from,
                  const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string Good() { return Fixed(kExec, "\"check:gone-not\", ", ""); }

TEST(ExecScenarioParser, ParsesExecAndCheckSteps) {
  ParseOutcome p = ParseScenario(Good(), "e.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  const Scenario& s = p.scenario;
  ASSERT_TRUE(s.has_exec());
  ASSERT_EQ(s.workload.size(), 13u);
  const Step& make = s.workload[0];
  EXPECT_EQ(make.kind, StepKind::kExec);
  EXPECT_EQ(make.name, "make");
  EXPECT_EQ(make.command,
            (std::vector<std::string>{"sh", "-c", "echo hi > f"}));
  EXPECT_EQ(make.timeout_ms, 500u);
  EXPECT_EQ(s.workload[1].shell, "exit 3");
  EXPECT_EQ(s.workload[1].expect_exit, 3);
  EXPECT_TRUE(s.workload[2].allow_failure);
  EXPECT_EQ(s.workload[6].crash_mode, "torn:3");
  const Step& f = s.workload[7];
  EXPECT_EQ(f.kind, StepKind::kCheck);
  EXPECT_EQ(f.file_exists.value(), "f");
  EXPECT_EQ(f.content.value(), "hi\n");
  EXPECT_EQ(f.invariant, "check:f-there");
  EXPECT_EQ(s.workload[8].file_exists.value(), "d/g");  // normalised
  EXPECT_EQ(s.workload[8].content_sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.workload[8].invariant,
            "check:step-8");  // no name: the step index
  EXPECT_EQ(s.workload[9].file_absent.value(), "tmp");
  EXPECT_EQ(s.workload[9].invariant, "acknowledged-durable");
  EXPECT_EQ(s.workload[10].listing_dir.value(), "");  // "." is the mount's root
  EXPECT_EQ(s.workload[10].listing_entries,
            (std::vector<std::string>{"f", "d"}));
  EXPECT_EQ(s.workload[11].listing_dir.value(), "d");
  EXPECT_TRUE(s.workload[11].listing_entries.empty());
  EXPECT_EQ(s.workload[12].shell, "test -s f");
  EXPECT_EQ(s.workload[12].invariant, "check:custom");
  // The invariants are the checks' ids, in order, once each.
  EXPECT_EQ(s.invariants,
            (std::vector<std::string>{"check:f-there", "check:step-8",
                                      "acknowledged-durable", "check:root",
                                      "check:sub", "check:custom"}));
  EXPECT_EQ(s.expect_violated,
            std::vector<std::string>{"acknowledged-durable"});
  EXPECT_TRUE(HasExecCrashPoints(s));
  EXPECT_EQ(s.crash_points.ops, (std::vector<uint64_t>{3, 9}));
}

TEST(ExecScenarioParser, WriterRoundTrips) {
  ParseOutcome p = ParseScenario(Good(), "e.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  std::string text = WriteScenario(p.scenario);
  ParseOutcome q = ParseScenario(text, "e.json");
  ASSERT_TRUE(q.ok()) << JoinErrors(q.errors) << "\n" << text;
  EXPECT_EQ(q.scenario, p.scenario) << text;
  EXPECT_EQ(text.find("\"invariants\""), std::string::npos)
      << "derived, not written";
}

TEST(ExecScenarioParser, NoCrashPointsByDefaultAndRoundTrip) {
  ParseOutcome p = ParseScenario(R"({"name": "x", "workload": [
      {"op": "exec", "command": ["true"]}, {"op": "crash"}, {"op": "check", "file_absent": "a"}],
      "expect": "pass"})",
                                 "x.json");
  ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
  EXPECT_FALSE(HasExecCrashPoints(p.scenario));
  EXPECT_EQ(p.scenario.crash_points, ExecNoCrashPoints());
  std::string text = WriteScenario(p.scenario);
  EXPECT_EQ(text.find("crash_points"), std::string::npos) << text;
  ParseOutcome q = ParseScenario(text, "x.json");
  ASSERT_TRUE(q.ok()) << JoinErrors(q.errors) << text;
  EXPECT_EQ(q.scenario, p.scenario);
}

struct BadCase {
  std::string from, to;  // edit of kGood making it bad
  std::string field;     // the pointer of the one error
  std::string message;   // a part of the message
};

TEST(ExecScenarioParser, BadFieldsNamePointerLineAndColumn) {
  const std::vector<BadCase> cases = {
      {R"("command": ["false"], "allow_failure": true)",
       R"("command": [], "allow_failure": true)", "/workload/2/command",
       "must name a program"},
      {R"("shell": "exit 3", "expect_exit": 3)",
       R"("shell": "exit 3", "command": ["x"])", "/workload/1/shell",
       "not both"},
      {R"({"op": "exec", "shell": "exit 3", "expect_exit": 3})",
       R"({"op": "exec", "expect_exit": 3})", "/workload/1/command",
       "missing required field"},
      {R"("expect_exit": 3)", R"("expect_exit": 300)",
       "/workload/1/expect_exit", "0..255"},
      {R"("allow_failure": true)", R"("allow_failure": true, "expect_exit": 1)",
       "/workload/2/expect_exit", "allow_failure"},
      {R"("timeout_ms": 500)", R"("timeout_ms": 0)", "/workload/0/timeout_ms",
       "1..3600000"},
      {R"("name": "make")", R"("name": "make it")", "/workload/0/name",
       "letters, digits"},
      {R"("file_absent": "tmp")", R"("file_absent": "../tmp")",
       "/workload/9/file_absent", "relative to the mount"},
      {R"("file_absent": "tmp")", R"("file_absent": "/etc/passwd")",
       "/workload/9/file_absent", "relative to the mount"},
      {R"("file_absent": "tmp", )", R"("file_absent": "tmp", "content": "x", )",
       "/workload/9/content", "belongs to a file_exists check"},
      {R"("content_sha256": "E3B0)", R"("content_sha256": "Z3B0)",
       "/workload/8/content_sha256", "64 hex digits"},
      {R"("entries": []})", R"("entries": ["a/b"]})",
       "/workload/11/listing/entries/0", "plain name"},
      {R"("entries": []})", R"("entries": ["a", "a"]})",
       "/workload/11/listing/entries/1", "listed twice"},
      {R"("listing": {"dir": "d", "entries": []})",
       R"("listing": {"dir": "d"})", "/workload/11/listing/entries",
       "missing required field"},
      {R"({"op": "check", "name": "sub", "listing": {"dir": "d", "entries": []}})",
       R"({"op": "check", "name": "sub"})", "/workload/11", "needs one of"},
      {R"("file_absent": "tmp", )",
       R"("file_absent": "tmp", "file_exists": "x", )", "/workload/9",
       "exactly one of"},
      {R"("invariant": "check:custom")", R"("invariant": "durable")",
       "/workload/12/invariant", "unknown invariant"},
      {R"("file_absent": "tmp", )",
       R"("file_absent": "tmp", "timeout_ms": 5, )", "/workload/9/timeout_ms",
       "only command checks"},
      {R"("listing": {"dir": ".", )", R"("listing": {"path": ".", )",
       "/workload/10/listing/path", "unknown field"},
      {R"({"op": "sync"},)", R"({"op": "put", "count": 2},)", "/workload/3/op",
       "engine step 'put'"},
      {R"("expect": [)", R"("engine": {"partitions": 2}, "expect": [)",
       "/engine", "does not apply"},
      {R"("expect": [)",
       R"("invariants": ["acknowledged-durable"], "expect": [)", "/invariants",
       "remove \"invariants\""},
      {R"("acknowledged-durable"])", R"("check:nope"])", "/expect/0",
       "no check step reports"},
      {R"("steps": [0, 1])", R"("steps": [0, 3])", "/crash_points/steps/1",
       "not an exec step"},
      {R"("crash_modes": ["drop", "torn"])",
       R"("crash_modes": ["drop", "prefix"])", "/crash_modes/1", "prefix:K"},
  };
  for (const auto& c : cases) {
    std::string text = Fixed(Good(), c.from, c.to);
    ParseOutcome p = ParseScenario(text, "bad.json");
    ASSERT_EQ(p.errors.size(), 1u) << c.to << "\n" << JoinErrors(p.errors);
    const InputError& e = p.errors.front();
    EXPECT_EQ(e.field, c.field) << c.to << ": " << e.ToString();
    EXPECT_NE(e.message.find(c.message), std::string::npos)
        << c.to << ": " << e.ToString();
    EXPECT_EQ(e.file, "bad.json");
    EXPECT_GT(e.line, 0u) << e.ToString();
    EXPECT_GT(e.column, 0u) << e.ToString();
  }
}

TEST(ExecScenarioParser, ExecScenarioNeedsACheckAndNoCrashModesWithoutPoints) {
  ParseOutcome p = ParseScenario(
      R"({"name": "x", "workload": [{"op": "exec", "command": ["true"]}],
      "crash_modes": ["drop"], "expect": "pass"})",
      "x.json");
  ASSERT_EQ(p.errors.size(), 2u) << JoinErrors(p.errors);
  EXPECT_EQ(p.errors[0].field, "/workload");
  EXPECT_EQ(p.errors[1].field, "/crash_modes");
}

TEST(ExecScenarioParser, ShippedExamplesAreValid) {
  std::vector<InputError> errors;
  auto scenarios = LoadScenarios(
      CollectScenarioFiles({"scenarios/examples"}, &errors), &errors);
  ASSERT_TRUE(errors.empty()) << JoinErrors(errors);
  ASSERT_GE(scenarios.size(), 2u);
  for (const auto& sc : scenarios) {
    EXPECT_TRUE(sc.has_exec()) << sc.file;
    ParseOutcome again = ParseScenario(WriteScenario(sc), sc.file);
    ASSERT_TRUE(again.ok()) << JoinErrors(again.errors);
    EXPECT_EQ(again.scenario, sc) << sc.file;
  }
}

}  // namespace
}  // namespace crashlab::harness
