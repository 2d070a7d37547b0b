// Reading report.json (malformed input, positions) and writing a report dir.
#include "reports/report_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/reports/sample_runs.h"
#include "tests/reports/test_support.h"

namespace crashlab::reports {
namespace {

using testing::ReadFile;
using testing::SourceDir;
using testing::TempDir;

Status ReadData(const std::string& name) {
  return ReadReportFile(SourceDir() / "data" / name).status();
}

TEST(ReportIoTest, SyntaxErrorNamesFileLineAndColumn) {
  Status st = ReadData("syntax_error.json");
  ASSERT_EQ(st.code(), Status::Code::kBadInput);
  EXPECT_NE(st.where().find("syntax_error.json:5:16"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("malformed JSON"), std::string::npos)
      << st.ToString();
}

TEST(ReportIoTest, WrongValueNamesPositionAndPointer) {
  Status st = ReadData("bad_verdict.json");
  ASSERT_EQ(st.code(), Status::Code::kBadInput);
  EXPECT_NE(st.where().find("bad_verdict.json:9:17"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("/scenarios/0/verdict"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("\"passed\""), std::string::npos)
      << st.ToString();
}

TEST(ReportIoTest, MissingFieldIsReportedAtItsObject) {
  Status st = ReadData("missing_field.json");
  ASSERT_EQ(st.code(), Status::Code::kBadInput);
  EXPECT_NE(st.where().find("missing_field.json:9:5"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find(
                "/violations/0/reproduce_command: missing required field"),
            std::string::npos)
      << st.ToString();
}

TEST(ReportIoTest, FutureVersionAndEmptyFileAreBadInput) {
  Status st = ReadData("future_version.json");
  EXPECT_EQ(st.code(), Status::Code::kBadInput);
  EXPECT_NE(st.ToString().find("future_version.json:1:49: /format_version: "
                               "unsupported format version 7"),
            std::string::npos)
      << st.ToString();
  st = ReadData("empty.json");
  EXPECT_EQ(st.code(), Status::Code::kBadInput);
  EXPECT_NE(st.ToString().find("empty.json:1:1"), std::string::npos)
      << st.ToString();
}

TEST(ReportIoTest, MissingFileIsBadInputDirectoryToo) {
  EXPECT_EQ(ReadData("no_such_report.json").code(), Status::Code::kBadInput);
  EXPECT_EQ(ReadReportFile(SourceDir() / "data").status().code(),
            Status::Code::kBadInput);
}

TEST(ReportIoTest, WritesAllFourFilesAndReadsTheJsonBack) {
  TempDir tmp;
  RunRecord r = testing::BuildRun(testing::FailingSpec());
  ASSERT_TRUE(WriteReports(r, tmp.path() / "out").ok());
  for (const char* f : {kJsonFile, kJunitFile, kHtmlFile, kMarkdownFile}) {
    EXPECT_TRUE(std::filesystem::exists(tmp.path() / "out" / f)) << f;
    EXPECT_FALSE(
        std::filesystem::exists(tmp.path() / "out" / (std::string(f) + ".tmp")))
        << f;
  }
  auto back = ReadReportFile(tmp.path() / "out" / kJsonFile);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  // Canonical text: rendering what was read gives the same bytes.
  EXPECT_EQ(RenderJson(*back), ReadFile(tmp.path() / "out" / kJsonFile));
}

TEST(ReportIoTest, WritesOnlyTheChosenFormats) {
  TempDir tmp;
  ASSERT_TRUE(WriteReports(testing::BuildRun(testing::PassingSpec()),
                           tmp.path(), kFormatMarkdown)
                  .ok());
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / kMarkdownFile));
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / kJsonFile));
}

TEST(ReportIoTest, UnwritableDirectoryIsEnvironment) {
  TempDir tmp;
  // A regular file where the directory should be: fails even as root.
  ASSERT_TRUE(WriteFileAtomically(tmp.path() / "blocker", "x").ok());
  Status st = WriteReports(testing::BuildRun(testing::PassingSpec()),
                           tmp.path() / "blocker" / "out");
  EXPECT_EQ(st.code(), Status::Code::kEnvironment) << st.ToString();
  EXPECT_EQ(st.exit_code(), 3);
}

}  // namespace
}  // namespace crashlab::reports
