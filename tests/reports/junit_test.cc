// junit.xml: structure, escaping, and validity against tests/reports/junit.xsd
// (xmllint from Debian's libxml2-utils).
#include <gtest/gtest.h>

#include "reports/junit_writer.h"
#include "reports/report_io.h"
#include "tests/reports/sample_runs.h"
#include "tests/reports/test_support.h"

namespace crashlab::reports {
namespace {

using testing::RunShell;
using testing::ShellQuote;
using testing::SourceDir;
using testing::TempDir;

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos;
       p = hay.find(needle, p + 1))
    ++n;
  return n;
}

TEST(JunitTest, OneSuitePerFileOneCasePerScenarioAndInvariant) {
  std::string x = RenderJunit(testing::BuildRun(testing::FailingSpec()));
  // Files: catalog, exec/kv, gc, unsafe/skip_dir_fsync.
  EXPECT_EQ(Count(x, "<testsuite "), 4u);
  // 4 scenarios x 4 invariants + the exec scenario that could not run.
  EXPECT_EQ(Count(x, "<testcase "), 17u);
  EXPECT_NE(x.find("tests=\"17\" failures=\"1\" errors=\"1\""),
            std::string::npos)
      << x;
  EXPECT_NE(
      x.find(
          "name=\"phantom-after-failed-rename [sim] no-phantom-checkpoint\""),
      std::string::npos);
  // The caught unsafe mode is a passing case with its evidence in system-out.
  EXPECT_NE(x.find("expected violation detected"), std::string::npos);
}

TEST(JunitTest, FailureCarriesMessageAndReproduceCommandEscaped) {
  std::string x = RenderJunit(testing::BuildRun(testing::FailingSpec()));
  auto at =
      x.find("<failure message=\"checkpoint &quot;ckpt-000003&quot; is listed");
  ASSERT_NE(at, std::string::npos) << x;
  auto end = x.find("</failure>", at);
  std::string failure = x.substr(at, end - at);
  EXPECT_NE(failure.find("&lt;rename CATALOG.json.tmp → CATALOG.json&gt; never "
                         "became durable &amp; the"),
            std::string::npos)
      << failure;
  EXPECT_NE(failure.find("reproduce: crashlab replay "
                         "crashlab-report/repro/phantom-after-failed-rename-"),
            std::string::npos)
      << failure;
  EXPECT_NE(x.find("name=\"kv-store &lt;exec&gt; &amp; friends [exec] (run)\""),
            std::string::npos);
}

TEST(JunitTest, MissedExpectedViolationIsAFailure) {
  RunRecord r = testing::BuildRun(testing::PassingSpec());
  r.scenarios[0].expected = {Verdict::kFail,
                             {"acknowledged-durable", "no-orphan-deletion"}};
  std::string x = RenderJunit(r);
  EXPECT_EQ(Count(x, "type=\"missed-violation\""), 2u) << x;
  EXPECT_NE(x.find("[sim] no-orphan-deletion\""),
            std::string::npos);  // listed though not counted
}

TEST(JunitTest, InvalidBytesAndControlCharactersStayWellFormed) {
  RunRecord r = testing::BuildRun(testing::FailingSpec());
  r.violations[0].message = std::string("bad \x01 byte \xff and ]]> end");
  std::string x = RenderJunit(r);
  EXPECT_EQ(x.find('\x01'), std::string::npos);
  EXPECT_EQ(x.find('\xff'), std::string::npos);
  EXPECT_NE(x.find("bad \\x01 byte \xEF\xBF\xBD and ]]&gt; end"),
            std::string::npos);
}

class JunitSchemaTest : public ::testing::TestWithParam<bool> {};

TEST_P(JunitSchemaTest, ValidAgainstJunitXsd) {
  CRASHLAB_REQUIRE_TOOL(RunShell("command -v xmllint").exit_code == 0,
                        "xmllint not found (Debian: libxml2-utils)");
  TempDir tmp;
  RunRecord r = testing::BuildRun(GetParam() ? testing::FailingSpec()
                                             : testing::PassingSpec());
  if (GetParam())
    r.violations[0].message += std::string(" \x02 \xc3\x28");  // hostile bytes
  ASSERT_TRUE(WriteReports(r, tmp.path(), kFormatJunit).ok());
  auto result = RunShell("xmllint --noout --schema " +
                         ShellQuote((SourceDir() / "junit.xsd").string()) +
                         " " + ShellQuote((tmp.path() / kJunitFile).string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("validates"), std::string::npos)
      << result.output;
}

INSTANTIATE_TEST_SUITE_P(PassingAndFailing, JunitSchemaTest,
                         ::testing::Values(false, true), [](const auto& info) {
                           return info.param ? "failing" : "passing";
                         });

}  // namespace
}  // namespace crashlab::reports
