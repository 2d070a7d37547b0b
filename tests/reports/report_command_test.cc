// `crashlab report merge|render` through RunReportCommand: exit codes and
// messages.
#include "reports/report_command.h"

#include <gtest/gtest.h>

#include <sstream>

#include "reports/canonical.h"
#include "reports/report_io.h"
#include "tests/reports/sample_runs.h"
#include "tests/reports/test_support.h"

namespace crashlab::reports {
namespace {

using testing::SourceDir;
using testing::TempDir;

struct Outcome {
  int code;
  std::string out, err;
};

Outcome Invoke(std::vector<std::string> args) {
  args.insert(args.begin(), "report");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int code =
      RunReportCommand(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

TEST(ReportCommandTest, MergeWritesTheMergedReportAndExitsWithTheVerdict) {
  TempDir tmp;
  auto spec = testing::FailingSpec();
  auto shards = testing::BuildShards(spec, 3);
  std::vector<std::string> args = {"merge"};
  for (size_t i = 0; i < shards.size(); ++i) {
    auto dir = tmp.path() / ("shard" + std::to_string(i + 1));
    ASSERT_TRUE(WriteReports(shards[i], dir).ok());
    // Directories and report.json files are both accepted.
    args.push_back(i == 0 ? (dir / kJsonFile).string() : dir.string());
  }
  args.insert(args.end(), {"--out", (tmp.path() / "merged").string()});
  Outcome o = Invoke(args);
  EXPECT_EQ(o.code, 1) << o.err;  // the failing run has unmet expectations
  EXPECT_NE(o.out.find("merged 3 reports"), std::string::npos) << o.out;
  auto merged = ReadReportFile(tmp.path() / "merged" / kJsonFile);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(WithoutTimings(*merged), WithoutTimings(testing::BuildRun(spec)));
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / "merged" / kHtmlFile));

  auto passing = testing::BuildShards(testing::PassingSpec(), 2);
  ASSERT_TRUE(WriteReports(passing[0], tmp.path() / "p1").ok());
  ASSERT_TRUE(WriteReports(passing[1], tmp.path() / "p2").ok());
  o = Invoke({"merge", (tmp.path() / "p1").string(),
              (tmp.path() / "p2").string(), "--out",
              (tmp.path() / "pm").string()});
  EXPECT_EQ(o.code, 0) << o.err;
}

TEST(ReportCommandTest, RenderWritesChosenFormatsBesideTheInput) {
  TempDir tmp;
  ASSERT_TRUE(WriteReports(testing::BuildRun(testing::FailingSpec()),
                           tmp.path(), kFormatJson)
                  .ok());
  Outcome o = Invoke({"render", (tmp.path() / kJsonFile).string(), "--md"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / kMarkdownFile));
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / kHtmlFile));
  o = Invoke({"render", (tmp.path() / kJsonFile).string(), "--out",
              (tmp.path() / "all").string()});
  EXPECT_EQ(o.code, 0) << o.err;
  for (const char* f : {kJunitFile, kHtmlFile, kMarkdownFile}) {
    EXPECT_TRUE(std::filesystem::exists(tmp.path() / "all" / f)) << f;
  }
}

TEST(ReportCommandTest, MalformedInputExitsTwoWithPosition) {
  Outcome o =
      Invoke({"render", (SourceDir() / "data" / "bad_verdict.json").string(),
              "--html"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("bad_verdict.json:9:17: /scenarios/0/verdict"),
            std::string::npos)
      << o.err;
  o = Invoke({"merge", (SourceDir() / "data" / "syntax_error.json").string()});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("syntax_error.json:5:16"), std::string::npos) << o.err;
}

TEST(ReportCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Invoke({}).code, 2);
  EXPECT_EQ(Invoke({"frobnicate"}).code, 2);
  EXPECT_EQ(Invoke({"merge"}).code, 2);
  EXPECT_EQ(Invoke({"render"}).code, 2);
  EXPECT_EQ(Invoke({"render", "a.json", "b.json"}).code, 2);
  Outcome o = Invoke({"render", "x.json", "--colour"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("colour"), std::string::npos) << o.err;
  o = Invoke({"--help"});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("usage:"), std::string::npos);
}

TEST(ReportCommandTest, UnwritableOutputExitsThree) {
  TempDir tmp;
  ASSERT_TRUE(WriteReports(testing::BuildRun(testing::PassingSpec()),
                           tmp.path(), kFormatJson)
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(tmp.path() / "blocker", "x").ok());
  Outcome o = Invoke({"render", (tmp.path() / kJsonFile).string(), "--out",
                      (tmp.path() / "blocker" / "x").string()});
  EXPECT_EQ(o.code, 3) << o.err;
}

}  // namespace
}  // namespace crashlab::reports
