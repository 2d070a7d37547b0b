// JSON round trip of the run record and FromJson's error reporting.
#include "reports/run_record.h"

#include <gtest/gtest.h>

#include "reports/canonical.h"
#include "reports/run_clock.h"
#include "tests/reports/sample_runs.h"

namespace crashlab::reports {
namespace {

using testing::BuildRun;
using testing::FailingSpec;
using testing::PassingSpec;

TEST(RunRecordTest, RoundTripsPassingRun) {
  RunRecord r = BuildRun(PassingSpec());
  auto back = FromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
}

TEST(RunRecordTest, RoundTripsFailingRunWithEveryField) {
  RunRecord r = BuildRun(FailingSpec());
  ASSERT_FALSE(r.violations.empty());
  auto back = FromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  // And through text, as report.json is read back.
  auto again = FromJson(nlohmann::json::parse(ToJson(r).dump()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, r);
}

TEST(RunRecordTest, RoundTripsAnExecViolationsLoss) {
  RunRecord r = testing::ExecViolationRun(false);
  ASSERT_TRUE(r.violations.back().loss.is_object());
  auto back = FromJson(nlohmann::json::parse(ToJson(r).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  // A report written before `loss` existed still reads (loss null).
  nlohmann::json old = ToJson(r);
  old["violations"].back().erase("loss");
  auto read_old = FromJson(old);
  ASSERT_TRUE(read_old.ok()) << read_old.status().ToString();
  EXPECT_TRUE(read_old->violations.back().loss.is_null());
  // A loss of the wrong shape names the field.
  nlohmann::json bad = ToJson(r);
  bad["violations"].back()["loss"] = 7;
  auto read_bad = FromJson(bad);
  ASSERT_FALSE(read_bad.ok());
  EXPECT_NE(read_bad.status().where().find("/loss"), std::string::npos)
      << read_bad.status().ToString();
}

TEST(RunRecordTest, RoundTripsEmptyOptionals) {
  RunRecord r;
  r.run.commit.clear();
  ScenarioResult s;
  s.file = "a.json";
  s.name = "a";
  s.mode = "sim";
  r.scenarios.push_back(s);
  Violation v = testing::SampleViolation(s, 3, "drop", "acknowledged-durable");
  v.wal.recovered_prefix.reset();
  v.state.differences = {{"k", std::nullopt, std::nullopt}};
  v.recovery_result = nlohmann::json();  // null
  r.violations.push_back(v);
  nlohmann::json j = ToJson(r);
  EXPECT_TRUE(j["run"]["commit"].is_null());
  EXPECT_TRUE(j["violations"][0]["wal"]["recovered_prefix"].is_null());
  auto back = FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
}

TEST(RunRecordTest, EmitsFormatVersionAndDerivedFields) {
  RunRecord r = BuildRun(FailingSpec());
  nlohmann::json j = ToJson(r);
  EXPECT_EQ(j["format"], "crashlab-report");
  EXPECT_EQ(j["format_version"], kFormatVersion);
  EXPECT_EQ(j["summary"]["violations"], r.violations.size());
  EXPECT_EQ(j["summary"]["expectation_unmet"],
            2u);  // the phantom and the exec error
  EXPECT_EQ(j["run"]["shard"], "1/1");
}

TEST(RunRecordTest, ExpectationSemantics) {
  ScenarioResult s;
  s.invariants = {{"a", 5, 0}, {"b", 3, 2}};
  EXPECT_FALSE(s.expectation_met());  // expected pass, b violated
  s.expected = {Verdict::kFail, {"b"}};
  EXPECT_TRUE(s.expectation_met());
  s.expected = {Verdict::kFail, {"a", "b"}};
  EXPECT_FALSE(s.expectation_met());  // a was expected to be caught
  s.invariants = {{"a", 5, 0}, {"b", 5, 0}};
  s.expected = {};
  EXPECT_TRUE(s.expectation_met());
  s.verdict = Verdict::kError;
  EXPECT_FALSE(s.expectation_met());
}

// Issue 12: one shard of several fails only for what is wrong inside it.
TEST(RunRecordTest, ShardJudgesOnlyWhatIsInsideIt) {
  ScenarioResult s;
  s.expected = {Verdict::kFail, {"a", "b"}};
  s.invariants = {{"a", 5, 1}, {"b", 6, 0}};  // b not seen in this shard
  EXPECT_FALSE(s.expectation_met());
  EXPECT_TRUE(s.nothing_unexpected());
  EXPECT_FALSE(s.expectation_deferred(Shard{1, 1}));
  EXPECT_TRUE(s.expectation_deferred(Shard{2, 3}));
  EXPECT_EQ(VerdictTag(s, Shard{2, 3}), "DEFER");
  EXPECT_EQ(VerdictTag(s, Shard{1, 1}), "FAIL");
  s.invariants = {{"a", 5, 1}, {"b", 6, 2}};
  EXPECT_EQ(VerdictTag(s, Shard{2, 3}), "CAUGHT");
  s.invariants.push_back({"c", 3, 1});  // never expected
  EXPECT_FALSE(s.nothing_unexpected());
  EXPECT_EQ(VerdictTag(s, Shard{2, 3}), "FAIL");
  s.expected = {};
  s.invariants = {{"a", 5, 0}};
  EXPECT_TRUE(s.nothing_unexpected());
  EXPECT_EQ(VerdictTag(s, Shard{2, 3}), "PASS");
  s.invariants = {{"a", 4, 1}};
  EXPECT_FALSE(s.nothing_unexpected());  // expected pass, a violated
  s.invariants = {{"a", 5, 0}};
  s.verdict = Verdict::kError;
  s.error = "could not run";
  EXPECT_FALSE(s.nothing_unexpected());
  EXPECT_EQ(VerdictTag(s, Shard{2, 3}), "ERROR");

  // The failing sample run: every shard holding the phantom (an unexpected
  // violation) or the exec error fails; RunPasses of shard 1/1 is
  // AllExpectationsMet, and an unsafe mode caught in only some shards fails
  // none of them.
  RunRecord whole = testing::BuildRun(testing::FailingSpec());
  EXPECT_FALSE(RunPasses(whole));
  testing::RunSpec caught_only = testing::FailingSpec();
  caught_only.scenarios.erase(caught_only.scenarios.begin() + 4);  // exec err
  for (auto& st : caught_only.states) {
    if (st.scenario == 0) st.violated.clear();  // no phantom
  }
  EXPECT_TRUE(AllExpectationsMet(testing::BuildRun(caught_only)));
  auto shards = testing::BuildShards(caught_only, 8);
  size_t deferred = 0;
  for (const auto& shard : shards) {
    EXPECT_TRUE(RunPasses(shard)) << shard.run.shard.ToString();
    for (const auto& sc : shard.scenarios)
      deferred += sc.expectation_deferred(shard.run.shard) ? 1 : 0;
  }
  EXPECT_GT(deferred, 0u);  // some shard lacks the caught points
}

TEST(RunRecordTest, ShardParse) {
  auto s = Shard::Parse("2/5");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->count, 5u);
  EXPECT_EQ(s->ToString(), "2/5");
  for (const char* bad :
       {"", "0/3", "4/3", "1/0", "1-3", "a/b", "1/3x", "/3"}) {
    EXPECT_FALSE(Shard::Parse(bad).ok()) << bad;
  }
}

TEST(RunRecordTest, FromJsonNamesTheBadField) {
  nlohmann::json j = ToJson(BuildRun(FailingSpec()));
  j["scenarios"][1]["verdict"] = "ok";
  auto r = FromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(r.status().where(), "/scenarios/1/verdict");
  EXPECT_NE(r.status().message().find("\"ok\""), std::string::npos);

  j = ToJson(BuildRun(FailingSpec()));
  j["violations"][0]["trace"][2].erase("op");
  r = FromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "/violations/0/trace/2/op");
  EXPECT_NE(r.status().message().find("missing required field"),
            std::string::npos);

  j = ToJson(BuildRun(FailingSpec()));
  j["scenarios"][0]["crash_points"][1] = -4;
  r = FromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "/scenarios/0/crash_points/1");
}

TEST(RunRecordTest, FromJsonRejectsOtherFormatsAndVersions) {
  nlohmann::json j = ToJson(BuildRun(PassingSpec()));
  j["format_version"] = 2;
  auto r = FromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "/format_version");
  EXPECT_NE(r.status().message().find("unsupported format version 2"),
            std::string::npos);
  j["format_version"] = 1;
  j["format"] = "something-else";
  EXPECT_FALSE(FromJson(j).ok());
  EXPECT_FALSE(FromJson(nlohmann::json::array()).ok());
}

TEST(RunRecordTest, CanonicalOrderIsIndependentOfInputOrder) {
  RunRecord r = BuildRun(FailingSpec());
  RunRecord shuffled = r;
  std::reverse(shuffled.scenarios.begin(), shuffled.scenarios.end());
  std::reverse(shuffled.violations.begin(), shuffled.violations.end());
  std::reverse(shuffled.run.modes.begin(), shuffled.run.modes.end());
  Canonicalize(&shuffled);
  EXPECT_EQ(shuffled, r);
}

}  // namespace
}  // namespace crashlab::reports

namespace crashlab::reports {
namespace {

TEST(RunClockTest, MachineAndTimestamps) {
  MachineInfo m = CurrentMachine();
  EXPECT_FALSE(m.hostname.empty());
  EXPECT_EQ(m.kernel.rfind("Linux ", 0), 0u) << m.kernel;
  EXPECT_GT(m.cores, 0u);
  EXPECT_EQ(Rfc3339(std::chrono::system_clock::from_time_t(1714564800)),
            "2024-05-01T12:00:00Z");
}

}  // namespace
}  // namespace crashlab::reports
